#!/usr/bin/env bash
# Every test, as CI runs it (.ci/run calls this): the hygiene gate (format,
# lints), then unit, property and acceptance tests. Tools the tests need are
# found or installed by the tests themselves.
set -euo pipefail
cd "$(dirname "$0")"
cargo fmt --all --check
cargo clippy --workspace --all-targets --locked -- -D warnings
cargo test --workspace --locked
