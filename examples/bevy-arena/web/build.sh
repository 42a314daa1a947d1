#!/usr/bin/env bash
# Builds the browser version into web/pkg: `examples/bevy-arena/web/build.sh`,
# then `coinop-relay --serve /arena=examples/bevy-arena/web` and open
# http://127.0.0.1:8787/arena/. Uses the wasm toolchain of .ci/setup-wasm.
# `--dev` builds without optimizations (CI: minutes instead of tens of them).
set -euo pipefail
profile=wasm-release
if [[ "${1:-}" == "--dev" ]]; then profile=dev; fi
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
cd "$root"
eval "$(.ci/setup-wasm --env)"
# shellcheck disable=SC2086 # the flags are deliberately word-split
cargo $COINOP_WASM_CARGO build $COINOP_WASM_FLAGS --locked --target wasm32-unknown-unknown \
  --profile "$profile" -p bevy-arena --lib
target_dir="${CARGO_TARGET_DIR:-$root/target}"
dir="$profile"; if [[ "$profile" == dev ]]; then dir=debug; fi
wasm="$target_dir/wasm32-unknown-unknown/$dir/bevy_arena.wasm"
wasm-bindgen --target web --no-typescript --out-dir "$here/pkg" "$wasm"
echo "built $here/pkg ($(du -h "$here/pkg/bevy_arena_bg.wasm" | cut -f1))"
