#!/usr/bin/env bash
# Quick start: build the provider and let Terraform load it through a
# dev_overrides CLI configuration (no registry, no network).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here"

cargo build --locked --quiet
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/bin"
ln -s "$here/target/debug/terraform-provider-driver" "$work/bin/terraform-provider-driver"
cat > "$work/dev.tfrc" <<RC
disable_checkpoint = true
provider_installation {
  dev_overrides {
    "registry.terraform.io/tfdriver/driver" = "$work/bin"
  }
}
RC
cp -r examples/quickstart/. "$work/"
cd "$work"
export TF_CLI_CONFIG_FILE="$work/dev.tfrc" CHECKPOINT_DISABLE=1 TF_IN_AUTOMATION=1
terraform=${TERRAFORM:-terraform}
echo "== terraform providers schema (the provider's argument names)"
"$terraform" providers schema -json | python3 -c 'import json,sys; s=json.load(sys.stdin)["provider_schemas"]["registry.terraform.io/tfdriver/driver"]["provider"]["block"]; print("attributes:", ", ".join(sorted(s["attributes"]))); print("blocks:", ", ".join(sorted(s["block_types"])))'
echo "== terraform plan"
"$terraform" plan -input=false
