#!/usr/bin/env bash
# Every test, as CI runs it (.ci/run calls this): the hygiene gate (format,
# lints), the unit and property tests of every crate (`cargo test`, no
# terraform), then the acceptance suite: whole under the newest Terraform
# and under OpenTofu, and its compatibility subset (what depends on the
# CLI's version: the protocol, values and state, import, versioned
# features) under the others. Tools the suite needs are found or built by
# scripts/tools.py (once per machine, cached in target/tools); a tool that
# cannot be had is skipped with its reason, and the first compatibility
# CLI then runs the whole suite in its place.
#
# DRIVER_TEST_FULL="1.14 tofu" and DRIVER_TEST_COMPAT="terraform 1.0.3"
# choose the CLIs ("" skips them); "terraform" is what the suite finds by
# default (terraform on PATH, else Terraform 1.0.3).
set -euo pipefail
cd "$(dirname "$0")"

# The modules of the compatibility subset.
COMPAT_FILTERS=(handshake:: debug_mode:: schema:: http_object:: exec_object:: upgrade::
  install:: examples:: modern:: identity:: functions:: ephemeral:: wire_safety::)

cargo fmt --all --check
cargo clippy --workspace --all-targets --locked -- -D warnings
cargo clippy --locked --test acceptance -- -D warnings
python3 scripts/shape.py
cargo test --workspace --locked

# Whether CLI $1 can be had: tools.py finds or builds it; exit 3 means it
# cannot be had here (its reason is on stderr), anything else is an error.
available() {
  local tool
  case "$1" in
    terraform) tool=terraform ;;
    tofu) tool=tofu ;;
    *) tool="terraform-$1" ;;
  esac
  local found=0
  python3 scripts/tools.py path "$tool" >/dev/null || found=$?
  if [ "$found" -eq 3 ]; then
    return 1
  elif [ "$found" -ne 0 ]; then
    echo "scripts/tools.py failed for $tool (exit $found)" >&2
    exit "$found"
  fi
}

# Runs the suite under CLI $1; further arguments are test filters.
suite() {
  local cli=$1
  shift
  local chosen=$cli
  [ "$cli" = terraform ] && chosen=""
  echo "=== acceptance suite under ${cli}${1:+ (compatibility subset)}"
  DRIVER_ACC_TERRAFORM="$chosen" cargo test --locked --test acceptance -- "$@"
}

skipped=()
full_runs=0
for cli in ${DRIVER_TEST_FULL-1.14 tofu}; do
  if ! available "$cli"; then
    skipped+=("$cli")
    continue
  fi
  suite "$cli"
  full_runs=$((full_runs + 1))
done
for cli in ${DRIVER_TEST_COMPAT-terraform 1.0.3}; do
  if ! available "$cli"; then
    skipped+=("$cli")
    continue
  fi
  if [ "$full_runs" -eq 0 ]; then
    suite "$cli"
    full_runs=1
  else
    suite "$cli" "${COMPAT_FILTERS[@]}"
  fi
done
if [ "${#skipped[@]}" -gt 0 ]; then
  echo "SKIPPED: the acceptance suite under ${skipped[*]}: the tool could not be had (reason above)"
fi
