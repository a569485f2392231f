#!/usr/bin/env python3
"""Benchmarks terraform-provider-driver against its peers in the same run.

Measures, interleaving the contenders so machine noise hits all alike:
  1. provider launch: `terraform providers schema -json` (start, handshake,
     GetProviderSchema, Shutdown): wall time, and the provider's peak RSS,
     against hashicorp/null 2.1.2 and the peer REST providers;
  2. apply / plan / destroy of N objects: driver_http_object against the
     demo API (real HTTP creates), the same objects through the peers
     magodo/restful and Mastercard/restapi (built from their Go modules by
     scripts/tools.py; skipped, and said so, when they cannot be built),
     null_resource, and terraform_data;
  3. throughput against a server limited to R requests/s, ours and the peers';
  4. refresh cost: API requests and time per plan;
  5. collections: bulk refresh from one listing;
  6. pacing with no settings; many runs sharing one Redis budget.
Prints a Markdown report; --write-doc also writes docs/performance.md.
Run through ../bench.sh, which builds the release binaries first.
"""
import argparse
import datetime
import http.server
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "scripts"))
import tools  # noqa: E402  (the one place that finds or builds tool binaries)
TARGET = os.path.join(ROOT, "target")
NULL_BIN = "terraform-provider-null_v2.1.2_x4"
DRIVER = "registry.terraform.io/tfdriver/driver"
NULL = "registry.terraform.io/hashicorp/null"
RESTFUL = "registry.terraform.io/magodo/restful"
RESTAPI = "registry.terraform.io/mastercard/restapi"
# The peer REST providers: source address, and the name of the tool
# (scripts/tools.py) and of the binary in a dev_overrides directory.
PEERS = {"restful": (RESTFUL, "terraform-provider-restful"), "restapi": (RESTAPI, "terraform-provider-restapi")}
PADDED = "null_resource, state padded to the driver's size"
TRIMMED = 'driver, response_fields = ["/id"]'


def find_terraform():
    """$BENCH_TERRAFORM, else as the quick start finds it (PATH, else 1.0.3)."""
    return os.environ.get("BENCH_TERRAFORM") or tools.path("terraform")


class Timed:
    """Wall and CPU (user+sys, the process and the children it waited for)."""

    def __init__(self, wall, cpu):
        self.wall, self.cpu = wall, cpu


def run(cmd, cwd, env, check=True):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    p = subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if check and p.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed in {cwd}:\n{p.stdout[-3000:]}\n{p.stderr[-3000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return Timed(wall, cpu), p


class StateServer:
    """Terraform's `http` state backend protocol, in memory on loopback:
    GET returns the stored state (404 before the first), POST stores it,
    DELETE forgets it. Stands in for S3, GCS or HCP Terraform."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def reply(self, code, body=b""):
            self.send_response(code)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self):
            body = self.server.states.get(self.path)
            self.reply(404) if body is None else self.reply(200, body)

        def do_POST(self):
            self.server.states[self.path] = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            self.reply(200)

        def do_DELETE(self):
            self.server.states.pop(self.path, None)
            self.reply(200)

    def __init__(self):
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), self.Handler)
        self.server.states = {}
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()


class Bench:
    def __init__(self, args):
        self.args = args
        self.tf = find_terraform()
        out = subprocess.run([self.tf, "version"], capture_output=True, text=True,
                             env=dict(os.environ, CHECKPOINT_DISABLE="1")).stdout
        # The version line, after any warnings about the CLI configuration.
        self.tf_version = next((l for l in out.splitlines() if l.startswith(("Terraform v", "OpenTofu v"))), out)
        self.work = tempfile.mkdtemp(prefix="driver-bench-")
        self.driver_bin = os.path.join(TARGET, "release", "terraform-provider-driver")
        self.null_bin = tools.path("null")
        # Peer providers that could be had on this machine: name -> binary.
        self.peers = {}
        for name in PEERS:
            try:
                self.peers[name] = tools.path(name)
            except tools.Unavailable as e:
                print(f"skipping peer {name}: {e}", file=sys.stderr)
        # dev_overrides directories: the real binaries, and RSS-recording wrappers.
        self.plain = self.provider_dir("plain", wrap=False)
        self.wrapped = self.provider_dir("wrapped", wrap=True)
        self.rss_log = os.path.join(self.work, "rss.log")
        self.api = None
        self.state_server = StateServer()

    def provider_dir(self, name, wrap):
        d = os.path.join(self.work, name)
        providers = [(DRIVER, "driver", self.driver_bin, "terraform-provider-driver"),
                     (NULL, "null", self.null_bin, NULL_BIN)]
        providers += [(PEERS[k][0], k, b, PEERS[k][1]) for k, b in self.peers.items()]
        overrides = ""
        for source, sub, binary, exe in providers:
            os.makedirs(os.path.join(d, sub))
            target = os.path.join(ROOT, "benchmarks", "rsswrap.py") if wrap else binary
            os.symlink(target, os.path.join(d, sub, exe))
            overrides += f'    "{source}" = "{d}/{sub}"\n'
        rc = os.path.join(d, "dev.tfrc")
        with open(rc, "w") as f:
            f.write("disable_checkpoint = true\nprovider_installation {\n  dev_overrides {\n"
                    f"{overrides}  }}\n}}\n")
        return rc

    def env(self, rc):
        e = dict(os.environ, TF_CLI_CONFIG_FILE=rc, CHECKPOINT_DISABLE="1", TF_IN_AUTOMATION="1", TF_INPUT="0",
                 BENCH_RSS_LOG=self.rss_log)
        # Read by rsswrap.py, keyed by the name it was started under.
        e["BENCH_REAL_PROVIDER_TERRAFORM_PROVIDER_DRIVER"] = self.driver_bin
        e["BENCH_REAL_PROVIDER_" + NULL_BIN.replace("-", "_").upper()] = self.null_bin
        for k, b in self.peers.items():
            e["BENCH_REAL_PROVIDER_" + PEERS[k][1].replace("-", "_").upper()] = b
        for k in ("TF_LOG", "TF_LOG_PROVIDER", "TF_REATTACH_PROVIDERS", "DRIVER_ENDPOINT"):
            e.pop(k, None)
        return e

    def workdir(self, name, hcl):
        d = os.path.join(self.work, name)
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, "main.tf"), "w") as f:
            f.write(hcl)
        return d

    # --- demo API ---------------------------------------------------------
    def start_api(self):
        exe = os.path.join(TARGET, "release", "demo-api")
        self.api = subprocess.Popen([exe, "127.0.0.1:0"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        line = self.api.stdout.readline()
        self.api_url = line.strip().rsplit(" ", 1)[-1]

    def admin(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.api_url + "/_admin" + path, data=data, method=method)
        with urllib.request.urlopen(req) as r:
            raw = r.read()
            return json.loads(raw) if raw else None

    def counters(self):
        return self.admin("GET", "/counters")

    # --- scenarios --------------------------------------------------------
    def launch(self):
        reps = self.args.reps_launch
        dirs = {
            "driver": self.workdir("launch-driver", f'terraform {{\n  required_providers {{\n    driver = {{ source = "{DRIVER}" }}\n  }}\n}}\n'),
            "null": self.workdir("launch-null", f'terraform {{\n  required_providers {{\n    null = {{ source = "{NULL}" }}\n  }}\n}}\n'),
        }
        for k in self.peers:
            dirs[k] = self.workdir(f"launch-{k}", f'terraform {{\n  required_providers {{\n    {k} = {{ source = "{PEERS[k][0]}" }}\n  }}\n}}\n')
        walls = {k: [] for k in dirs}
        for _ in range(reps):
            for k, d in dirs.items():
                t, _ = run([self.tf, "providers", "schema", "-json"], d, self.env(self.plain))
                walls[k].append(t.wall)
        rss = {}
        for k, d in dirs.items():
            open(self.rss_log, "w").close()
            for _ in range(3):
                run([self.tf, "providers", "schema", "-json"], d, self.env(self.wrapped))
            with open(self.rss_log) as f:
                rss[k] = max(int(l.split()[1]) for l in f if l.strip()) / 1024
        return {k: (statistics.median(v), rss[k]) for k, v in walls.items()}

    def objects(self, n, remote=False):
        """Apply, plan and destroy of n objects per contender, interleaved.

        remote: keep state in Terraform's `http` backend (served by
        StateServer) instead of a local file. Remote backends (S3, GCS, HCP
        Terraform, http) persist state every 20 s; the local backend rewrites
        the whole file after every resource, a cost that grows with the
        square of the state's size. The local runs add a control: null_resource
        with its state padded to the driver's bytes per instance.
        """
        head = lambda src: f'terraform {{\n  required_providers {{\n    {src.rsplit("/", 1)[1]} = {{ source = "{src}" }}\n  }}\n}}\n'
        hcl = {
            "driver": head(DRIVER) + f'provider "driver" {{\n  endpoint = "{self.api_url}"\n}}\n'
                      f'resource "driver_http_object" "o" {{\n  count = {n}\n  path  = "/items"\n  body  = {{ n = count.index }}\n}}\n',
            TRIMMED: head(DRIVER) + f'provider "driver" {{\n  endpoint = "{self.api_url}"\n}}\n'
                     f'resource "driver_http_object" "o" {{\n  count           = {n}\n  path            = "/items"\n'
                     f'  body            = {{ n = count.index }}\n  response_fields = ["/id"]\n}}\n',
            **{k: self.peer_hcl(k, n) for k in self.peers},
            "null_resource": head(NULL) + f'resource "null_resource" "o" {{\n  count    = {n}\n  triggers = {{ n = count.index }}\n}}\n',
            "terraform_data": f'resource "terraform_data" "o" {{\n  count = {n}\n  input = count.index\n}}\n',
        }
        if self.tf_version.startswith("Terraform v1.0"):
            hcl.pop("terraform_data")  # needs Terraform 1.4
        where = "remote" if remote else "local"
        dirs = {}
        for k, v in hcl.items():
            name = f"objects-{n}-{where}-{k.split(',')[0]}{'-trimmed' if k == TRIMMED else ''}"
            if remote:
                v += f'terraform {{\n  backend "http" {{\n    address = "{self.state_server.url}/{n}/{name}"\n  }}\n}}\n'
            dirs[k] = self.workdir(name, v)
            if remote:
                self.init_backend(dirs[k])
        # The padded control is last in each round: its size comes from the
        # driver's and null_resource's states, measured earlier in the round.
        order = list(dirs) + ([] if remote else [PADDED])
        results = {k: {"apply": [], "plan": [], "destroy": []} for k in order}
        gets_per_plan = {}
        state_bytes = {}
        par = f"-parallelism={self.args.parallelism}"
        for _ in range(self.args.reps):
            for k in order:
                if k not in dirs:
                    dirs[k] = self.workdir(f"objects-{n}-{where}-padded", head(NULL) + self.padded_nulls(n, state_bytes))
                d = dirs[k]
                env = self.env(self.plain)
                t, _ = run([self.tf, "apply", "-auto-approve", par], d, env)
                results[k]["apply"].append(t)
                state_bytes[k] = (len(self.state_server.server.states.get(f"/{n}/{os.path.basename(d)}", b"")) if remote
                                  else os.path.getsize(os.path.join(d, "terraform.tfstate")))
                before = self.counters()["requests"].get("GET", 0)
                t, _ = run([self.tf, "plan", "-detailed-exitcode", par], d, env)
                results[k]["plan"].append(t)
                if k == "driver" or k in self.peers:
                    gets_per_plan[k] = self.counters()["requests"].get("GET", 0) - before
                if k == PADDED:
                    # Nothing remote to delete: forgetting the state is the destroy.
                    os.remove(os.path.join(d, "terraform.tfstate"))
                    continue
                t, _ = run([self.tf, "destroy", "-auto-approve", par], d, env)
                results[k]["destroy"].append(t)
        # Provider peak RSS during one apply (wrapped, not timed).
        rss = {}
        if not remote:
            for k in ("driver", *self.peers, "null_resource"):
                d = dirs[k]
                open(self.rss_log, "w").close()
                env = self.env(self.wrapped)
                run([self.tf, "apply", "-auto-approve", par], d, env)
                with open(self.rss_log) as f:
                    rss[k] = max(int(l.split()[1]) for l in f if l.strip()) / 1024
                run([self.tf, "destroy", "-auto-approve", par], d, env)
        med = {k: {step: (statistics.median(x.wall for x in v), statistics.median(x.cpu for x in v)) if v else None
                   for step, v in r.items()}
               for k, r in results.items()}
        return med, rss, gets_per_plan, state_bytes

    def peer_hcl(self, peer, n, provider_extra="", count_expr=None):
        """The same n objects as the driver's (POST /items, read back at
        /items/{id}), written for a peer provider, as its docs show."""
        head = f'terraform {{\n  required_providers {{\n    {peer} = {{ source = "{PEERS[peer][0]}" }}\n  }}\n}}\n'
        if peer == "restful":
            return (head + f'provider "restful" {{\n  base_url = "{self.api_url}"\n{provider_extra}}}\n'
                    f'resource "restful_resource" "o" {{\n  count     = {n}\n  path      = "/items"\n'
                    f'  read_path = "$(path)/$(body.id)"\n  body      = {{ n = count.index }}\n}}\n')
        return (head + f'provider "restapi" {{\n  uri                  = "{self.api_url}"\n'
                f'  write_returns_object = true\n{provider_extra}}}\n'
                f'resource "restapi_object" "o" {{\n  count = {n}\n  path  = "/items"\n'
                f'  data  = jsonencode({{ n = count.index }})\n}}\n')

    def collections(self, n):
        """Plans of n objects of one collection, read one by one and through
        bulk refresh (one paginated listing, 100 to a page), with no API
        limit, 50 ms of API latency, and an API limit of 10 requests/s; and a
        plan of n null_resources, in the same run."""
        head = f'terraform {{\n  required_providers {{\n    driver = {{ source = "{DRIVER}" }}\n  }}\n}}\n'
        provider = f'provider "driver" {{\n  endpoint = "{self.api_url}"\n}}\n'

        def objects(path, refresh):
            return (head + provider + f'resource "driver_http_object" "o" {{\n  count = {n}\n  path  = "{path}"\n'
                    f'  body  = {{ n = count.index }}\n  list {{\n    refresh_from_listing = "{refresh}"\n'
                    f'    pagination {{\n      size_param = "limit"\n      size       = 100\n    }}\n  }}\n}}\n')
        dirs = {
            "one read per object": self.workdir(f"collections-{n}-single", objects("/single", "none")),
            "bulk refresh": self.workdir(f"collections-{n}-bulk", objects("/bulk", "full")),
            "null_resource": self.workdir(f"collections-{n}-null",
                                          f'terraform {{\n  required_providers {{\n    null = {{ source = "{NULL}" }}\n  }}\n}}\n'
                                          f'resource "null_resource" "o" {{\n  count    = {n}\n  triggers = {{ n = count.index }}\n}}\n'),
        }
        env = self.env(self.plain)
        self.admin("PUT", "/faults", {})
        for d in dirs.values():
            run([self.tf, "apply", "-auto-approve", "-parallelism=10"], d, env)
        conditions = {
            "no API limit": {},
            "50 ms API latency": {"latency_ms": 50},
            "API limit 10 requests/s": {"rate_limit": {"rps": 10, "burst": 10}},
        }
        out = {}
        for cond, faults in conditions.items():
            row = {}
            # Per-object reads under a 10 requests/s limit take minutes: once.
            reps = 1 if "limit 10" in cond else self.args.reps
            for k, d in dirs.items():
                walls, requests = [], []
                for _ in range(reps):
                    self.admin("PUT", "/faults", faults)
                    before = self.counters()["total"]
                    t, _ = run([self.tf, "plan", "-detailed-exitcode", "-parallelism=10"], d, env)
                    walls.append(t.wall)
                    requests.append(self.counters()["total"] - before)
                row[k] = (statistics.median(walls), statistics.median(requests))
            out[cond] = row
        self.admin("PUT", "/faults", {})
        for d in dirs.values():
            run([self.tf, "destroy", "-auto-approve", "-parallelism=10"], d, env)
        return out

    @staticmethod
    def padded_nulls(n, state_bytes):
        """null_resource x n whose state has the driver's bytes per instance."""
        extra = (state_bytes["driver"] - state_bytes["null_resource"]) // n
        # Each padding trigger is one line of about 66 bytes in the state file.
        pads = "".join(f", p{i:02d} = \"{'v' * 40}\"" for i in range(max(0, extra // 66)))
        return f'resource "null_resource" "o" {{\n  count    = {n}\n  triggers = {{ n = count.index{pads} }}\n}}\n'

    def init_backend(self, d):
        """`terraform init` for the backend. With dev_overrides it then fails to
        look up the overridden providers in the registry (offline), after the
        backend is set up, which is all that is needed here."""
        run([self.tf, "init", "-input=false", "-no-color"], d, self.env(self.plain), check=False)
        if not os.path.exists(os.path.join(d, ".terraform", "terraform.tfstate")):
            sys.exit(f"terraform init did not set up the http backend in {d}")

    def throughput_variants(self, rate):
        """Ours three ways, and each peer with and without its own pacing
        or retry settings: name -> (provider, provider block body)."""
        variants = {
            "driver, rate_limit = R": ("driver", f"  rate_limit {{\n    requests_per_second = {rate}\n  }}\n"),
            "driver, no settings (adaptive by default)": ("driver", ""),
            "driver, adaptive = false": ("driver", "  rate_limit {\n    adaptive = false\n  }\n  retry {\n    max_attempts = 10\n  }\n"),
        }
        if "restapi" in self.peers:
            variants["restapi, rate_limit = R"] = ("restapi", f"  rate_limit = {rate}\n")
            variants["restapi, no settings"] = ("restapi", "")
        if "restful" in self.peers:
            variants["restful, retry on 429 (count = 10)"] = (
                "restful", "  client = {\n    retry = {\n      status_codes = [429]\n      count        = 10\n    }\n  }\n")
            variants["restful, no settings"] = ("restful", "")
        return variants

    def throughput(self, rate, count, burst=None, silent=False, variants=None):
        """variants: name -> (provider, provider block body); by default
        throughput_variants(rate)."""
        if variants is None:
            variants = self.throughput_variants(rate)
        out = {}
        for name, (provider, block) in variants.items():
            self.admin("POST", "/reset")
            self.admin("PUT", "/faults", {"rate_limit": {"rps": rate, "burst": burst or rate},
                                         "silent_rate_limit": silent})
            hcl = (self.peer_hcl(provider, count, provider_extra=block) if provider != "driver" else
                   f'terraform {{\n  required_providers {{\n    driver = {{ source = "{DRIVER}" }}\n  }}\n}}\n'
                   f'provider "driver" {{\n  endpoint = "{self.api_url}"\n{block}}}\n'
                   f'resource "driver_http_object" "o" {{\n  count = {count}\n  path  = "/items"\n  body  = {{ n = count.index }}\n}}\n')
            d = self.workdir(f"throughput-{rate}-{burst}-{int(silent)}-" + "".join(c for c in name if c.isalnum())[:32], hcl)
            t, p = run([self.tf, "apply", "-auto-approve", "-parallelism=50"], d, self.env(self.plain), check=False)
            c = self.counters()
            out[name] = (t.wall, c["created"], c["throttled"], p.returncode)
            run([self.tf, "destroy", "-auto-approve", "-parallelism=50"], d, self.env(self.plain), check=False)
        self.admin("PUT", "/faults", {})
        self.admin("POST", "/reset")
        return out


    def fleet(self, rate, runs, per_run, shared):
        """`runs` applies started at once, each of `per_run` objects and
        each allowed `rate` locally, against an API limited to `rate`;
        with `shared`, all share one Redis budget of `rate`. Returns the
        API's counters and the exit codes."""
        self.admin("POST", "/reset")
        self.admin("PUT", "/faults", {"rate_limit": {"rps": rate, "burst": rate}})
        share = (f'    shared {{\n      redis_url = "redis://127.0.0.1:{self.redis_port}/0"\n'
                 f'      key       = "bench-{time.monotonic_ns()}"\n    }}\n') if shared else ""
        dirs = []
        for i in range(runs):
            hcl = (f'terraform {{\n  required_providers {{\n    driver = {{ source = "{DRIVER}" }}\n  }}\n}}\n'
                   f'provider "driver" {{\n  endpoint = "{self.api_url}"\n'
                   f'  rate_limit {{\n    requests_per_second = {rate}\n    burst               = 10\n{share}  }}\n}}\n'
                   f'resource "driver_http_object" "o" {{\n  count = {per_run}\n  path  = "/items"\n'
                   f'  body  = {{ n = count.index + {i * per_run} }}\n}}\n')
            dirs.append(self.workdir(f"fleet-{int(shared)}-{time.monotonic_ns()}-{i}", hcl))
        procs = [subprocess.Popen([self.tf, "apply", "-auto-approve", "-parallelism=20"], cwd=d,
                                  env=self.env(self.plain), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                 for d in dirs]
        codes = [p.wait(timeout=900) for p in procs]
        c = self.counters()
        for d in dirs:
            run([self.tf, "destroy", "-auto-approve", "-parallelism=20"], d, self.env(self.plain), check=False)
        self.admin("PUT", "/faults", {})
        self.admin("POST", "/reset")
        return c, codes

    def start_redis(self):
        """A throwaway redis-server on loopback, or None (said why)."""
        exe = shutil.which("redis-server") or ("/usr/bin/redis-server" if os.path.exists("/usr/bin/redis-server") else None)
        if not exe:
            print("skipping the fleet section: redis-server is not installed (apt-get install redis-server)", file=sys.stderr)
            return None
        import socket
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.redis_port = s.getsockname()[1]
        p = subprocess.Popen([exe, "--bind", "127.0.0.1", "--port", str(self.redis_port), "--save", "",
                              "--appendonly", "no", "--dir", self.work],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.redis_port), timeout=1).close()
                return p
            except OSError:
                time.sleep(0.05)
        p.terminate()
        print("skipping the fleet section: redis-server did not start", file=sys.stderr)
        return None


def objects_table(say, med, rss, state_bytes, n):
    cell = lambda r: "—" if r is None else f"{r[0]:.2f} / {r[1]:.2f}"
    say("| contender | apply wall / CPU (s) | plan wall / CPU (s) | destroy wall / CPU (s) | provider peak RSS (MiB) | state bytes per object |")
    say("|---|---|---|---|---|---|")
    for k, r in med.items():
        cells = " | ".join(cell(r[s]) for s in ("apply", "plan", "destroy"))
        size = f"{state_bytes[k] / n:.0f}" if k in state_bytes else "—"
        say(f"| {k} | {cells} | {f'{rss[k]:.1f}' if k in rss else '—'} | {size} |")
    pairs = [("driver", p) for p in (*PEERS, "null_resource", "terraform_data", PADDED)] + [(TRIMMED, "null_resource")]
    for ours, peer in [(o, p) for o, p in pairs if o in med and p in med]:
        ratios = ", ".join(f"{s} {med[ours][s][0] / med[peer][s][0]:.2f}" for s in ("apply", "plan", "destroy")
                           if med[peer][s] is not None)
        say(f"\nWall-time ratio {ours} / {peer}: {ratios}.")


def machine():
    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(l.split(":", 1)[1].strip() for l in f if l.startswith("model name"))
    except (OSError, StopIteration):
        pass
    mem = ""
    try:
        with open("/proc/meminfo") as f:
            mem = f"{int(next(l for l in f if l.startswith('MemTotal')).split()[1]) // (1024 * 1024)} GiB"
    except (OSError, StopIteration):
        pass
    return f"{os.cpu_count()} cores ({cpu}), {mem}, {platform.system()} {platform.release()}"


def section_launch(b, say):
    say("\n### Provider launch (`terraform providers schema -json`)\n")
    say("| provider | wall (s) | provider peak RSS (MiB) |")
    say("|---|---|---|")
    launch = b.launch()
    for k, (wall, rss) in launch.items():
        say(f"| {k} | {wall:.3f} | {rss:.1f} |")
    for peer in [k for k in launch if k != "driver"]:
        say(f"\nRatio driver / {peer}: wall {launch['driver'][0] / launch[peer][0]:.2f}, "
            f"peak RSS {launch['driver'][1] / launch[peer][1]:.2f}.")


def section_objects(b, say, args):
    sizes = [int(x) for x in args.sizes.split(",")]
    for n in sizes:
        med, rss, gets, state_bytes = b.objects(n)
        say(f"\n### {n} objects, state in a local file, -parallelism={args.parallelism}\n")
        objects_table(say, med, rss, state_bytes, n)
        for k, g in gets.items():
            say(f"\nRefresh cost, {k}: {g} API requests for one plan of {n} objects ({g / n:.2f} per object).")
    n = max(sizes)
    med, _, _, state_bytes = b.objects(n, remote=True)
    say(f"\n### {n} objects, state in a remote backend (Terraform's `http` backend on loopback), -parallelism={args.parallelism}\n")
    objects_table(say, med, {}, state_bytes, n)


def section_throughput(b, say, args):
    say(f"\n### Throughput against a server limited to R = {args.rate} requests/s ({args.throughput_objects} creates, -parallelism=50)\n")
    say("| client configuration | apply wall (s) | achieved rate / R | 429s received | exit |")
    say("|---|---|---|---|---|")
    for name, (wall, created, throttled, code) in b.throughput(args.rate, args.throughput_objects).items():
        say(f"| {name} | {wall:.2f} | {created / wall / args.rate:.2f} | {throttled} | {code} |")
    say("\n(The rate counts the whole `terraform apply`, start-up and state writes included.)")


def section_collections(b, say, n):
    say(f"\n### Plan of {n} objects of one collection: one read per object vs bulk refresh (100 to a page), -parallelism=10\n")
    say("| API | one read per object: requests / wall (s) | bulk refresh: requests / wall (s) | null_resource plan wall (s) | bulk / bulk with no limit | bulk / null_resource |")
    say("|---|---|---|---|---|---|")
    res = b.collections(n)
    free = res["no API limit"]["bulk refresh"][0]
    for cond, row in res.items():
        single, bulk, null = row["one read per object"], row["bulk refresh"], row["null_resource"]
        say(f"| {cond} | {single[1]} / {single[0]:.2f} | {bulk[1]} / {bulk[0]:.2f} | {null[0]:.2f} | "
            f"{bulk[0] / free:.2f} | {bulk[0] / null[0]:.2f} |")
    say("\n(Requests: every request the API received during the plan. The 10 requests/s rows are one run each.)")


def section_pacing(b, say, args):
    prate, pburst, pobjects = (int(x) for x in args.pacing.split(","))
    say(f"\n### Pacing with no provider settings: a server limited to {prate} requests/s, burst {pburst} ({pobjects} creates, -parallelism=50)\n")
    say("| server: provider | apply wall (s) | achieved rate / limit | 429s received | 429s per 10 objects | exit |")
    say("|---|---|---|---|---|---|")
    for silent, label in [(False, "sends RateLimit-* headers"), (True, "only 429 + Retry-After")]:
        variants = {f"{label}: driver": ("driver", "")}
        variants.update({f"{label}: {k}": (k, "") for k in b.peers})
        r = b.throughput(prate, pobjects, burst=pburst, silent=silent, variants=variants)
        for name, (wall, created, throttled, code) in r.items():
            say(f"| {name} | {wall:.2f} | {created / wall / prate:.2f} | {throttled} | {throttled * 10 / max(created, 1):.2f} | {code} |")


def section_fleet(b, say, args):
    rate, runs, per_run = (int(x) for x in args.fleet.split(","))
    redis = b.start_redis()
    if redis is None:
        return
    try:
        say(f"\n### Many runs, one API: {runs} applies at once, {per_run} objects each, against a server limited to "
            f"R = {rate} requests/s (each run allowed R locally)\n")
        say("| budget | requests | 429s | duplicates | accepted requests/s | accepted / R | exits |")
        say("|---|---|---|---|---|---|---|")
        for shared, label in [(True, "shared in Redis (rate_limit.shared)"), (False, "each run its own")]:
            c, codes = b.fleet(rate, runs, per_run, shared)
            accepted = c["total"] - c["throttled"]
            achieved = accepted / c["active_seconds"] if c["active_seconds"] else 0.0
            say(f"| {label} | {c['total']} | {c['throttled']} | {c['created'] - runs * per_run} | {achieved:.1f} | "
                f"{achieved / rate:.2f} | {' '.join(str(x) for x in codes)} |")
        say("\n(Accepted requests/s: the requests the API accepted (not 429) over the time from the first "
            "request it received to the last.)")
    finally:
        redis.terminate()
        redis.wait(timeout=30)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="100,1000", help="object counts for apply/plan/destroy (default 100,1000)")
    ap.add_argument("--reps", type=int, default=3, help="repetitions per measurement (medians are reported)")
    ap.add_argument("--reps-launch", type=int, default=10, help="repetitions of the launch measurement")
    ap.add_argument("--parallelism", type=int, default=10, help="terraform -parallelism for apply/plan/destroy")
    ap.add_argument("--rate", type=int, default=50, help="server-side limit R for the throughput scenario")
    ap.add_argument("--throughput-objects", type=int, default=300)
    ap.add_argument("--pacing", default="25,5,500",
                    help="default-pacing scenario: server rate, burst, objects (no provider settings)")
    ap.add_argument("--collections", type=int, default=1000,
                    help="objects for the bulk-refresh scenario (0 skips it)")
    ap.add_argument("--fleet", default="40,4,100",
                    help="many-runs scenario: server rate R, concurrent applies, objects each")
    ap.add_argument("--sections", default="launch,objects,throughput,collections,pacing,fleet",
                    help="which sections to run (comma-separated); --write-doc needs them all")
    ap.add_argument("--write-doc", action="store_true", help="also write docs/performance.md")
    args = ap.parse_args()

    b = Bench(args)
    b.start_api()
    lines = []
    say = lambda s="": (print(s), lines.append(s))
    rustc = subprocess.run(["rustc", "--version"], capture_output=True, text=True).stdout.strip()
    version = subprocess.run([b.driver_bin, "--version"], capture_output=True, text=True).stdout.strip()
    say(f"Run on {datetime.date.today().isoformat()}: {machine()}.")
    peers = "".join(f"; {k} {tools.GO[k][1]} (Go, built from its module)" for k in b.peers)
    say(f"{b.tf_version}; {version} (release build, {rustc}); hashicorp/null 2.1.2 (Go, protocol 5){peers}.")
    say(f"Medians of {args.reps} interleaved runs (launch: {args.reps_launch}); CPU is user+sys of terraform and its providers.")
    sections = set(args.sections.split(","))
    try:
        if "launch" in sections:
            section_launch(b, say)
        if "objects" in sections:
            section_objects(b, say, args)
        if "throughput" in sections:
            section_throughput(b, say, args)
        if "collections" in sections and args.collections:
            section_collections(b, say, args.collections)
        if "pacing" in sections:
            section_pacing(b, say, args)
        if "fleet" in sections:
            section_fleet(b, say, args)
    finally:
        if b.api:
            b.api.terminate()
        b.state_server.close()
        shutil.rmtree(b.work, ignore_errors=True)

    if args.write_doc and sections != {"launch", "objects", "throughput", "collections", "pacing", "fleet"}:
        print("\nnot writing docs/performance.md: it holds one whole run, and some sections were skipped")
    elif args.write_doc:
        doc = os.path.join(ROOT, "docs", "performance.md")
        with open(doc) as f:
            head = f.read().split("<!-- results -->")[0]
        with open(doc, "w") as f:
            f.write(head + "<!-- results -->\n\n" + "\n".join(lines) + "\n")
        print(f"\nwrote {doc}")


if __name__ == "__main__":
    main()
