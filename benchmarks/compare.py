#!/usr/bin/env python3
"""Behaviour comparison: terraform-provider-driver and the peer REST
providers (magodo/restful, Mastercard/restapi) on the cases the acceptance
suite checks for the driver, run the same way against each.

Every case drives the real terraform binary against the demo API (release
build, loopback) with the demo API's fault injection, and reports what the
user sees: plan exit codes, objects left on the server, 429s, failures. Each
provider is configured at its best for the case (its own retry and
rate-limit settings, its own import id format). Peers that cannot be built
here are left out, and said so.

    ./bench.sh --compare               print the table
    ./bench.sh --compare --write-doc   also replace the results in docs/comparison.md

Not part of CI: the peers fail several of these cases by design.
"""
import argparse
import datetime
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run as bench  # noqa: E402  (the benchmark's provider set-up, reused)

ROOT = bench.ROOT

# A body with a number the demo API re-spells (5 -> 5.0) and fields it adds
# (id, created_at, updated_at): what many real APIs do.
BODY = '{ name = "o${count.index}", size = 5 }'

# Each contender at its best: the settings its docs offer for retries and
# pacing. The driver needs none.
BEST = {
    "driver": "",
    "restful": "  client = {\n    retry = {\n      status_codes = [429, 500, 502, 503, 504]\n      count        = 10\n    }\n  }\n",
    # restapi 1.20 has no retries; it has client-side pacing, set for the
    # throttled case below.
    "restapi": "",
}


def config(b, who, n, extra="", driver_resource=""):
    """n objects through provider `who`, created by POST /items."""
    if who == "driver":
        return (f'terraform {{\n  required_providers {{\n    driver = {{ source = "{bench.DRIVER}" }}\n  }}\n}}\n'
                f'provider "driver" {{\n  endpoint = "{b.api_url}"\n{extra}}}\n'
                f'resource "driver_http_object" "o" {{\n  count = {n}\n  path  = "/items"\n  body  = {BODY}\n'
                f'{driver_resource}}}\n')
    source = bench.PEERS[who][0]
    head = f'terraform {{\n  required_providers {{\n    {who} = {{ source = "{source}" }}\n  }}\n}}\n'
    if who == "restful":
        return (head + f'provider "restful" {{\n  base_url = "{b.api_url}"\n{extra}}}\n'
                f'resource "restful_resource" "o" {{\n  count     = {n}\n  path      = "/items"\n'
                f'  read_path = "$(path)/$(body.id)"\n  body      = {BODY}\n}}\n')
    return (head + f'provider "restapi" {{\n  uri                  = "{b.api_url}"\n  write_returns_object = true\n{extra}}}\n'
            f'resource "restapi_object" "o" {{\n  count = {n}\n  path  = "/items"\n  data  = jsonencode({BODY})\n}}\n')


def import_id(who, oid):
    """Each provider's own import id for /items/<oid>, managing name and size."""
    if who == "driver":
        return json.dumps({"path": f"/items/{oid}", "body": ["name", "size"]})
    if who == "restful":
        return json.dumps({"id": f"/items/{oid}", "path": "/items", "body": {"name": None, "size": None}})
    return f"/items/{oid}"


class Case:
    def __init__(self, b, who, name):
        self.b, self.who = b, who
        self.dir = b.workdir(f"compare-{name}-{who}", "")
        self.env = b.env(b.plain)

    def write(self, hcl):
        with open(os.path.join(self.dir, "main.tf"), "w") as f:
            f.write(hcl)

    def tf(self, *args, timeout=300):
        p = subprocess.run([self.b.tf, *args], cwd=self.dir, env=self.env, capture_output=True, text=True,
                           timeout=timeout)
        return p.returncode, p.stdout + p.stderr

    def apply(self, par=10):
        return self.tf("apply", "-auto-approve", "-no-color", f"-parallelism={par}")

    def plan(self):
        return self.tf("plan", "-detailed-exitcode", "-no-color")

    def in_state(self):
        code, out = self.tf("state", "list")
        return len([l for l in out.splitlines() if l.strip()]) if code == 0 else 0

    def cleanup(self):
        self.b.admin("PUT", "/faults", {})
        self.tf("destroy", "-auto-approve", "-no-color")


def api_get(b, path):
    with urllib.request.urlopen(b.api_url + path) as r:
        return json.loads(r.read())


def items(b):
    return api_get(b, "/items") if b.counters()["objects"] else []


def plan_word(code, out, when_clean, when_diff):
    if code == 0:
        return when_clean
    if code == 2:
        changes = next((l.strip() for l in out.splitlines() if l.startswith("Plan:")), "changes")
        return f"{when_diff} ({changes.removeprefix('Plan: ').rstrip('.')})"
    return f"error: {first_error(out)}"


def first_error(out):
    for line in out.splitlines():
        if line.strip().startswith("Error:") or "│ Error:" in line:
            return line.split("Error:", 1)[1].strip()[:80]
    return (out.strip().splitlines() or ["(no output)"])[-1][:80]


# --- the cases ------------------------------------------------------------

def respelled(b, who):
    """Apply 5 objects; the server re-spells 5 as 5.0 and adds fields. Is the
    next plan clean?"""
    c = Case(b, who, "respelled")
    c.write(config(b, who, 5, BEST[who]))
    code, out = c.apply()
    if code != 0:
        return f"apply failed: {first_error(out)}"
    result = plan_word(*c.plan(), "clean", "perpetual diff")
    c.cleanup()
    return result


def drift(b, who):
    """A field changed out of band: shown by plan, reverted by apply?"""
    c = Case(b, who, "drift")
    c.write(config(b, who, 1, BEST[who]))
    code, out = c.apply()
    if code != 0:
        return f"apply failed: {first_error(out)}"
    oid = items(b)[0]["id"]
    b.admin("PATCH", f"/objects/items/{oid}", {"name": "changed out of band"})
    code, out = c.plan()
    shown = code == 2 and "changed out of band" in out
    c.apply()
    reverted = api_get(b, f"/items/{oid}").get("name") == "o0"
    c.cleanup()
    return f"{'shown' if shown else 'not shown'}, {'reverted' if reverted else 'not reverted'}"


def deleted(b, who):
    """The object deleted out of band: does plan propose to create it, and
    does apply bring it back?"""
    c = Case(b, who, "deleted")
    c.write(config(b, who, 1, BEST[who]))
    code, out = c.apply()
    if code != 0:
        return f"apply failed: {first_error(out)}"
    oid = items(b)[0]["id"]
    b.admin("DELETE", f"/objects/items/{oid}")
    code, out = c.plan()
    word = plan_word(code, out, "not noticed", "noticed")
    c.apply()
    back = b.counters()["objects"] == 1
    c.cleanup()
    return f"{word}, {'recreated' if back else 'not recreated'}"


def imported(b, who):
    """An object made outside Terraform, imported with the provider's own id
    format: is the first plan after import clean?"""
    c = Case(b, who, "import")
    req = urllib.request.Request(b.api_url + "/items", data=json.dumps({"name": "o0", "size": 5}).encode(),
                                 method="POST", headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req) as r:
        oid = json.loads(r.read())["id"]
    c.write(config(b, who, 1, BEST[who]))
    addr = {"driver": "driver_http_object.o[0]", "restful": "restful_resource.o[0]", "restapi": "restapi_object.o[0]"}[who]
    code, out = c.tf("import", "-no-color", addr, import_id(who, oid))
    if code != 0:
        b.admin("DELETE", f"/objects/items/{oid}")
        return f"import failed: {first_error(out)}"
    result = plan_word(*c.plan(), "clean", "diff")
    c.cleanup()
    return result


def storm_503(b, who):
    """50 creates while 20% of all requests answer 503."""
    c = Case(b, who, "503")
    c.write(config(b, who, 50, BEST[who]))
    b.admin("PUT", "/faults", {"error_ratio": 0.2, "error_status": 503, "seed": 7})
    code, out = c.apply()
    b.admin("PUT", "/faults", {})
    made, held = b.counters()["objects"], c.in_state()
    result = (f"{'succeeded' if code == 0 else 'failed'}; {made} objects on the server, {held} in state"
              + ("" if code == 0 else f" ({first_error(out)})"))
    c.cleanup()
    if made > held:
        result += f"; {made - held} orphaned"
    return result


def storm_429(b, who):
    """50 creates against a server allowing 5 requests/s that only answers
    429 with Retry-After (no RateLimit headers)."""
    c = Case(b, who, "429")
    extra = BEST[who] + ("  rate_limit = 5\n" if who == "restapi" else "")
    c.write(config(b, who, 50, extra))
    b.admin("PUT", "/faults", {"rate_limit": {"rps": 5, "burst": 1}, "silent_rate_limit": True})
    t = time.perf_counter()
    code, out = c.apply(par=10)
    wall = time.perf_counter() - t
    throttled = b.counters()["throttled"]
    b.admin("PUT", "/faults", {})
    made = b.counters()["objects"]
    c.cleanup()
    return (f"{'succeeded' if code == 0 else 'failed'} in {wall:.0f} s; {throttled} 429s; {made}/50 created"
            + ("" if code == 0 else f" ({first_error(out)})"))


def dropped(b, who):
    """50 creates while 10% of writes lose their answer: the server acts,
    then the connection breaks (a proxy timeout, a network blip)."""
    c = Case(b, who, "dropped")
    c.write(config(b, who, 50, BEST[who]))
    b.admin("PUT", "/faults", {"drop_ratio": 0.1, "seed": 11})
    first, out = c.apply()
    b.admin("PUT", "/faults", {})
    code = first
    if first != 0:
        code, out = c.apply()
    made, held = b.counters()["objects"], c.in_state()
    c.cleanup()
    left = b.counters()["objects"]
    outcome = ("succeeded" if first == 0 else "failed, a second apply succeeded" if code == 0
               else f"failed twice ({first_error(out)})")
    parts = [f"{outcome}; {made} objects on the server, {held} in state"]
    if made > 50:
        parts.append(f"{made - 50} duplicates")
    if left:
        parts.append(f"{left} left after destroy")
    return "; ".join(parts)


def interrupted_twice(b, who):
    """Two Ctrl-Cs (Terraform then exits at once, providers killed) one second
    into 30 creates that the server performs and answers 0.4 s later; then
    apply again. The driver gets `natural_key` + `adopt_existing`, its
    documented answer to a hard kill; the peers have no equivalent."""
    c = Case(b, who, "ctrl-c-twice")
    driver_resource = '  natural_key    = ["/name"]\n  adopt_existing = true\n'
    c.write(config(b, who, 30, BEST[who], driver_resource=driver_resource))
    b.admin("PUT", "/faults", {"answer_delay_ms": 400})
    p = subprocess.Popen([b.tf, "apply", "-auto-approve", "-no-color", "-parallelism=10"], cwd=c.dir, env=c.env,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    time.sleep(1.0)
    os.killpg(p.pid, signal.SIGINT)
    time.sleep(0.1)
    os.killpg(p.pid, signal.SIGINT)
    try:
        p.wait(timeout=120)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        p.wait()
    b.admin("PUT", "/faults", {})
    # A hard exit leaves the state locked on some backends; locally, not.
    code, out = c.apply()
    made, held = b.counters()["objects"], c.in_state()
    c.cleanup()
    left = b.counters()["objects"]
    parts = [f"{made} objects on the server, {held} in state"]
    if made > held:
        parts.append(f"{made - held} orphaned")
    if code != 0:
        parts.append(f"re-apply failed ({first_error(out)})")
    if left:
        parts.append(f"{left} left after destroy")
    return "; ".join(parts)


def interrupted(b, who):
    """Ctrl-C one second into an apply of 30 objects whose creates take 0.4 s
    to answer (the server acts first), then apply again: objects on the
    server against objects in state."""
    c = Case(b, who, "ctrl-c")
    c.write(config(b, who, 30, BEST[who]))
    b.admin("PUT", "/faults", {"answer_delay_ms": 400})
    p = subprocess.Popen([b.tf, "apply", "-auto-approve", "-no-color", "-parallelism=10"], cwd=c.dir, env=c.env,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    time.sleep(1.0)
    # As a terminal does: the whole process group, terraform and providers.
    os.killpg(p.pid, signal.SIGINT)
    try:
        p.wait(timeout=120)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        p.wait()
    b.admin("PUT", "/faults", {})
    code, out = c.apply()
    made, held = b.counters()["objects"], c.in_state()
    c.cleanup()
    left = b.counters()["objects"]
    parts = [f"{made} objects on the server, {held} in state"]
    if made > held:
        parts.append(f"{made - held} orphaned")
    if code != 0:
        parts.append(f"re-apply failed ({first_error(out)})")
    if left:
        parts.append(f"{left} left after destroy")
    return "; ".join(parts)


CASES = [
    ("Plan after apply; the server re-spells `5` as `5.0` and adds fields", respelled),
    ("A field changed out of band: shown by plan, reverted by apply", drift),
    ("The object deleted out of band", deleted),
    ("Import of an existing object, then plan", imported),
    ("50 creates while 20% of requests answer 503", storm_503),
    ("50 creates against 5 requests/s, bare 429 + Retry-After", storm_429),
    ("50 creates while 10% of writes lose their answer after the server acted", dropped),
    ("Ctrl-C 1 s into 30 slow creates, then apply again", interrupted),
    ("Ctrl-C twice (hard exit) 1 s into 30 slow creates, then apply again", interrupted_twice),
]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--write-doc", action="store_true", help="also write docs/comparison.md")
    ap.add_argument("--only", help="run only the cases whose function name contains this")
    args = ap.parse_args()
    b = bench.Bench(argparse.Namespace())
    b.start_api()
    who = ["driver", *b.peers]
    lines = []
    say = lambda s="": (print(s, flush=True), lines.append(s))
    version = subprocess.run([b.driver_bin, "--version"], capture_output=True, text=True).stdout.strip()
    peers = "".join(f"; {k} {bench.tools.GO[k][1]}" for k in b.peers)
    say(f"Run on {datetime.date.today().isoformat()}: {bench.machine()}.")
    say(f"{b.tf_version}; {version}{peers}.")
    missing = [k for k in bench.PEERS if k not in b.peers]
    if missing:
        say(f"Not compared (could not be built here): {', '.join(missing)}.")
    say("")
    say("| case | " + " | ".join(who) + " |")
    say("|---|" + "---|" * len(who))
    try:
        for title, case in [c for c in CASES if not args.only or args.only in c[1].__name__]:
            cells = []
            for w in who:
                b.admin("POST", "/reset")
                try:
                    cells.append(case(b, w))
                except subprocess.TimeoutExpired:
                    cells.append("terraform did not finish in 300 s")
            say(f"| {title} | " + " | ".join(cells) + " |")
    finally:
        b.api.terminate()
        b.state_server.close()
        shutil.rmtree(b.work, ignore_errors=True)

    if args.write_doc:
        doc = os.path.join(ROOT, "docs", "comparison.md")
        with open(doc) as f:
            head = f.read().split("<!-- results -->")[0]
        with open(doc, "w") as f:
            f.write(head + "<!-- results -->\n\n" + "\n".join(lines) + "\n")
        print(f"\nwrote {doc}")


if __name__ == "__main__":
    main()
