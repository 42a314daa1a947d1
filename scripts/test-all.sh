#!/usr/bin/env bash
# Runs every check and every test of the project. This is the README's test
# command and what CI runs. Needs only a Rust toolchain; it installs the wasm
# toolchain itself when missing (see scripts/setup-wasm.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

step "format"
cargo fmt --all -- --check

step "clippy (native)"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "tests (native)"
cargo test --workspace --locked

step "docs"
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --locked

step "build for wasm32 (coinop SDK)"
(
  eval "$(scripts/setup-wasm.sh --env)"
  # shellcheck disable=SC2086 # the flags are deliberately word-split
  cargo $COINOP_WASM_CARGO build $COINOP_WASM_FLAGS --locked \
    --target wasm32-unknown-unknown -p coinop-protocol -p coinop
)

step "all checks passed"
