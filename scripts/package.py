#!/usr/bin/env python3
"""Release packages of the provider, in the layout registries and mirrors use.

    python3 scripts/package.py                  release build for this machine
    python3 scripts/package.py --binary PATH    package an existing build

Writes to target/dist (or --out):

    terraform-provider-driver_<version>_<os>_<arch>.zip   the binary, named
                                                          terraform-provider-driver_v<version>
    terraform-provider-driver_<version>_manifest.json     protocol versions
    terraform-provider-driver_<version>_SHA256SUMS        sha256 of the two above
    mirror/registry.terraform.io/tfdriver/driver/<version>/<os>_<arch>/...
                                                          the unpacked filesystem-mirror layout

and prints a JSON summary on stdout: version, files, and the package's `h1:`
hash, the one `terraform init` writes into .terraform.lock.hcl.

Only the host platform: cross-compiling needs toolchains these machines
cannot fetch. On a machine that has them, build with
`cargo build --release --target <triple>` and pass --binary and --platform.
"""
import argparse
import base64
import hashlib
import json
import os
import platform
import shutil
import subprocess
import sys
import tomllib
import zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NAME = "terraform-provider-driver"
ADDRESS = "registry.terraform.io/tfdriver/driver"
# The plugin protocol major versions the binary serves (manifest.json).
PROTOCOL_VERSIONS = ["6.0"]


def cargo_version():
    """The workspace's version: every crate of the provider shares it."""
    with open(os.path.join(ROOT, "Cargo.toml"), "rb") as f:
        manifest = tomllib.load(f)
    version = manifest.get("workspace", {}).get("package", {}).get("version")
    if not isinstance(version, str):
        sys.exit("no version in Cargo.toml's [workspace.package]")
    return version


def host_platform():
    system = platform.system().lower()
    machine = {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64"}.get(
        platform.machine().lower(), platform.machine().lower())
    return f"{system}_{machine}"


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def h1(files):
    """golang.org/x/mod/sumdb/dirhash Hash1, as Terraform computes a package's
    `h1:` hash: sha256 over sorted "<sha256>  <name>\\n" lines, base64."""
    summary = "".join(f"{sha256(data)}  {name}\n" for name, data in sorted(files.items()))
    return "h1:" + base64.b64encode(hashlib.sha256(summary.encode()).digest()).decode()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--binary", help="an existing build to package (default: cargo build --release)")
    ap.add_argument("--out", default=os.path.join(ROOT, "target", "dist"))
    ap.add_argument("--platform", default=host_platform(), help="<os>_<arch>, default the host's")
    args = ap.parse_args()

    version = cargo_version()
    binary = args.binary
    if not binary:
        subprocess.run(["cargo", "build", "--locked", "--release", "-p", NAME], cwd=ROOT, check=True,
                       stdout=sys.stderr)
        binary = os.path.join(ROOT, "target", "release", NAME)
    said = subprocess.run([binary, "--version"], capture_output=True, text=True).stdout.split()
    if said[-1:] != [version]:
        sys.exit(f"{binary} says it is version {' '.join(said)!r}, Cargo.toml says {version}: rebuild it")

    os.makedirs(args.out, exist_ok=True)
    exe = f"{NAME}_v{version}"
    with open(binary, "rb") as f:
        content = f.read()
    base = f"{NAME}_{version}"
    zip_name = f"{base}_{args.platform}.zip"
    zip_path = os.path.join(args.out, zip_name)
    with zipfile.ZipFile(zip_path + ".tmp", "w", zipfile.ZIP_DEFLATED) as z:
        info = zipfile.ZipInfo(exe, date_time=(1980, 1, 1, 0, 0, 0))
        info.external_attr = (0o100755 << 16)
        info.compress_type = zipfile.ZIP_DEFLATED
        z.writestr(info, content)
    os.replace(zip_path + ".tmp", zip_path)

    manifest_name = f"{base}_manifest.json"
    manifest = json.dumps({"version": 1, "metadata": {"protocol_versions": PROTOCOL_VERSIONS}}, indent=2) + "\n"
    with open(os.path.join(args.out, manifest_name), "w") as f:
        f.write(manifest)

    sums_name = f"{base}_SHA256SUMS"
    sums = {}
    for name in (zip_name, manifest_name):
        with open(os.path.join(args.out, name), "rb") as f:
            sums[name] = sha256(f.read())
    with open(os.path.join(args.out, sums_name), "w") as f:
        f.write("".join(f"{digest}  {name}\n" for name, digest in sorted(sums.items())))

    mirror = os.path.join(args.out, "mirror")
    unpacked = os.path.join(mirror, ADDRESS, version, args.platform)
    shutil.rmtree(unpacked, ignore_errors=True)
    os.makedirs(unpacked)
    with open(os.path.join(unpacked, exe), "wb") as f:
        f.write(content)
    os.chmod(os.path.join(unpacked, exe), 0o755)

    print(json.dumps({
        "version": version,
        "platform": args.platform,
        "zip": zip_path,
        "zip_sha256": sums[zip_name],
        "manifest": os.path.join(args.out, manifest_name),
        "sha256sums": os.path.join(args.out, sums_name),
        "mirror": mirror,
        "h1": h1({exe: content}),
    }, indent=2))


if __name__ == "__main__":
    main()
