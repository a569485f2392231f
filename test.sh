#!/usr/bin/env bash
# Every test, as CI runs it (.ci/run calls this): the hygiene gate (format,
# lints), then unit, property and acceptance tests, then the acceptance
# suite again under OpenTofu, Terraform 1.14 and Terraform 1.0.3. Tools the
# tests need are found or built by scripts/tools.py (once per machine, cached
# in target/tools); a tool that cannot be had is skipped with its reason.
#
# DRIVER_TEST_CLIS="tofu 1.14" narrows the extra runs ("" skips them).
set -euo pipefail
cd "$(dirname "$0")"
cargo fmt --all --check
cargo clippy --workspace --all-targets --locked -- -D warnings
cargo test --workspace --locked

skipped=()
for cli in ${DRIVER_TEST_CLIS-tofu 1.14 1.0.3}; do
  case "$cli" in
    tofu) tool=tofu ;;
    *) tool="terraform-$cli" ;;
  esac
  set +e
  python3 scripts/tools.py path "$tool" >/dev/null
  found=$?
  set -e
  if [ "$found" -eq 3 ]; then
    skipped+=("$cli")
    continue
  elif [ "$found" -ne 0 ]; then
    exit "$found"
  fi
  echo "=== acceptance suite under $cli"
  DRIVER_ACC_TERRAFORM="$cli" cargo test --locked --test acceptance
done
if [ "${#skipped[@]}" -gt 0 ]; then
  echo "SKIPPED: the acceptance suite under ${skipped[*]}: the tool could not be had (reason above)"
fi
