#!/usr/bin/env bash
# Quick start: build the provider and the demo API, start the API, apply
# examples/quickstart, change the object behind Terraform's back, and show
# the drift in `terraform plan`; then apply to put it back.
# Installed as users install it: the build is packaged (scripts/package.py)
# into a local filesystem mirror and `terraform init` installs it from there,
# writing a lock file. Offline: nothing comes from the network.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here"
# terraform from $TERRAFORM or PATH, else Terraform 1.0.3 from PyPI.
terraform="$(python3 scripts/tools.py path terraform)"

echo "== building the provider and the demo API"
cargo build --locked --quiet -p terraform-provider-driver -p demo-api

work="$(mktemp -d)"
api_pid=""
cleanup() {
  [ -n "$api_pid" ] && kill "$api_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

echo "== starting the demo API"
"$here/target/debug/demo-api" 127.0.0.1:0 > "$work/api.log" 2>&1 &
api_pid=$!
for _ in $(seq 100); do
  grep -q "listening on" "$work/api.log" 2>/dev/null && break
  sleep 0.05
done
url=$(sed -n 's/^demo API listening on //p' "$work/api.log")
[ -n "$url" ] || { echo "demo API did not start:"; cat "$work/api.log"; exit 1; }
echo "   $url"

echo "== packaging the provider into a filesystem mirror"
python3 scripts/package.py --binary "$here/target/debug/terraform-provider-driver" --out "$work/dist" > "$work/package.json"
mkdir -p "$work/tf"
cat > "$work/cli.tfrc" <<RC
disable_checkpoint = true
provider_installation {
  filesystem_mirror {
    path    = "$work/dist/mirror"
    include = ["registry.terraform.io/tfdriver/driver"]
  }
}
RC
cp examples/quickstart/main.tf "$work/tf/"
cd "$work/tf"
export TF_CLI_CONFIG_FILE="$work/cli.tfrc" CHECKPOINT_DISABLE=1 TF_IN_AUTOMATION=1 DRIVER_ENDPOINT="$url"

echo; echo "== terraform init (from the mirror; writes .terraform.lock.hcl)"
"$terraform" init -input=false

echo; echo "== terraform apply"
"$terraform" apply -auto-approve -input=false -compact-warnings

id=$("$terraform" output -raw flag_id)
echo; echo "== someone turns the flag off behind Terraform's back (PATCH $url/_admin/objects/flags/$id)"
python3 - "$url/_admin/objects/flags/$id" <<'PY'
import sys, urllib.request
req = urllib.request.Request(sys.argv[1], data=b'{"enabled": false, "owner": "someone-else"}', method="PATCH")
urllib.request.urlopen(req).read()
PY

echo; echo "== terraform plan: the drift, as an in-place change back to the configuration"
set +e
"$terraform" plan -detailed-exitcode -input=false -compact-warnings
code=$?
set -e
[ "$code" -eq 2 ] || { echo "expected the plan to show the drift (exit 2), got $code" >&2; exit 1; }

echo; echo "== terraform apply puts it back"
"$terraform" apply -auto-approve -input=false -compact-warnings
echo; echo "== terraform plan is clean again"
"$terraform" plan -detailed-exitcode -input=false -compact-warnings
"$terraform" destroy -auto-approve -input=false -compact-warnings > /dev/null
echo; echo "Done. The quick start's configuration is examples/quickstart/main.tf."
