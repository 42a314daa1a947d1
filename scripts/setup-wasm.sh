#!/usr/bin/env bash
# Makes `cargo +$COINOP_WASM_TOOLCHAIN build --target wasm32-unknown-unknown` work.
#
# Uses rustup's own wasm32 target when it is installed; otherwise, on Debian,
# installs Debian's rustc-web (which ships the std sources) and links it as the
# `debian-web` rustup toolchain, building std from source. Prints the cargo
# arguments to use; with --env it prints shell exports instead:
#   eval "$(scripts/setup-wasm.sh --env)"
#   cargo $COINOP_WASM_CARGO build $COINOP_WASM_FLAGS --target wasm32-unknown-unknown -p coinop
set -euo pipefail

emit() {
  if [[ "${1:-}" == "--env" ]]; then
    printf 'export COINOP_WASM_CARGO=%q\n' "$2"
    printf 'export COINOP_WASM_FLAGS=%q\n' "$3"
    if [[ -n "$4" ]]; then
      printf 'export RUSTC_BOOTSTRAP=1\n'
      printf 'export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_LINKER=wasm-ld-22\n'
    fi
  else
    echo "wasm toolchain: cargo $2 build $3 --target wasm32-unknown-unknown"
  fi
}

if rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
  emit "${1:-}" "" "" ""
  exit 0
fi

if ! rustup toolchain list | grep -q '^debian-web'; then
  if ! command -v rustc-web >/dev/null 2>&1 && ! [ -x /usr/lib/rust-web/bin/rustc ] && ! dpkg -s rustc-web >/dev/null 2>&1; then
    if command -v apt-get >/dev/null 2>&1; then
      echo "installing Debian's rustc-web toolchain for wasm32..." >&2
      export DEBIAN_FRONTEND=noninteractive
      apt-get update -qq >&2
      apt-get install -y -qq --no-install-recommends rustc-web cargo-web rust-web-src lld-22 >&2
    else
      echo "error: no wasm32 toolchain. Run: rustup target add wasm32-unknown-unknown" >&2
      exit 1
    fi
  fi
  rustup toolchain link debian-web /usr >&2
fi
if ! command -v wasm-ld-22 >/dev/null 2>&1; then
  apt-get install -y -qq --no-install-recommends lld-22 >&2
fi
emit "${1:-}" "+debian-web" "-Zbuild-std=std,panic_abort" "1"
