#!/usr/bin/env python3
"""Checks the shape rules the compiler does not: no function longer than 80
lines outside tests, and no import cycle between the modules of a crate
(the crates themselves are layers the compiler keeps apart). ./test.sh runs
it; it prints each breach and exits 1 if there is any.

    python3 scripts/shape.py
"""

import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CRATES = ["src", "crates/drivers/src", "crates/engine/src", "crates/framework/src",
          "crates/framework-derive/src", "crates/protocol/src"]
MAX_LINES = 80


def code_only(text):
    """The text with comments, strings and char literals blanked (newlines
    kept), so braces and paths are only those of the code."""
    out = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        two = text[i:i + 2]
        if two == "//":
            j = text.find("\n", i)
            j = n if j < 0 else j
            i = j
            continue
        if two == "/*":
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append("\n" * text.count("\n", i, j))
            i = j
            continue
        m = re.match(r'b?r(#*)"', text[i:i + 12])
        if m and (i == 0 or not (text[i - 1].isalnum() or text[i - 1] == "_")):
            end = '"' + m.group(1)
            j = text.find(end, i + m.end())
            j = n if j < 0 else j + len(end)
            out.append('""' + "\n" * text.count("\n", i, j))
            i = j
            continue
        if c == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            out.append('""' + "\n" * text.count("\n", i, j))
            i = j + 1
            continue
        if c == "'":
            m = re.match(r"'(\\.|\\u\{[0-9a-fA-F]+\}|\\x[0-9a-fA-F]{2}|[^\\'])'", text[i:i + 12])
            if m:
                out.append("''")
                i += m.end()
                continue
        out.append(c)
        i += 1
    return "".join(out)


def without_tests(code):
    """The code before the first `#[cfg(test)]` item (tests sit at the end
    of a file, or in files named tests.rs)."""
    cut = code.find("#[cfg(test)]")
    return code if cut < 0 else code[:cut]


def long_functions(path, code):
    lines = code.split("\n")
    found = []
    for i, line in enumerate(lines):
        m = re.match(r"\s*(pub(\([^)]*\))?\s+)?(const\s+)?(async\s+)?fn\s+(\w+)", line)
        if not m:
            continue
        depth, started, j = 0, False, i
        while j < len(lines):
            depth += lines[j].count("{") - lines[j].count("}")
            started = started or "{" in lines[j]
            if ";" in lines[j] and not started:
                break
            if started and depth <= 0:
                break
            j += 1
        if started and j - i + 1 > MAX_LINES:
            found.append(f"{path}:{i + 1}: fn {m.group(5)} is {j - i + 1} lines (at most {MAX_LINES})")
    return found


def module_of(src, path):
    parts = os.path.relpath(path, src)[:-3].split(os.sep)
    if parts[-1] in ("mod", "lib", "main"):
        parts = parts[:-1]
    return tuple(parts)


def cycles(src):
    files = []
    for dirpath, _, names in os.walk(src):
        for f in names:
            if f.endswith(".rs") and f != "tests.rs" and "tests" not in dirpath.split(os.sep):
                files.append(os.path.join(dirpath, f))
    mods = {module_of(src, f): f for f in files}
    graph = {m: set() for m in mods}
    for m, f in mods.items():
        code = without_tests(code_only(open(f).read()))
        for ref in re.finditer(r"\b((?:crate|super|self)(?:::\w+)+)", code):
            p = ref.group(1).split("::")
            if p[0] == "crate":
                base, p = [], p[1:]
            else:
                base = list(m)
                while p and p[0] in ("super", "self"):
                    if p[0] == "super":
                        base = base[:-1]
                    p = p[1:]
            full = base + p
            target = next((tuple(full[:k]) for k in range(len(full), 0, -1) if tuple(full[:k]) in mods), None)
            # A module may use its ancestors (where its parent's items are).
            if target and target != m and m[:len(target)] != target:
                graph[m].add(target)
    found, state = [], {}

    def visit(u, stack):
        state[u] = "open"
        stack.append(u)
        for v in sorted(graph[u]):
            if state.get(v) == "open":
                loop = stack[stack.index(v):] + [v]
                found.append(f"{src}: import cycle " + " -> ".join("::".join(x) or "crate" for x in loop))
            elif v not in state:
                visit(v, stack)
        stack.pop()
        state[u] = "done"

    for u in sorted(graph):
        if u not in state:
            visit(u, [])
    return found


def main():
    problems = []
    for crate in CRATES:
        src = os.path.join(ROOT, crate)
        for dirpath, _, names in os.walk(src):
            for f in names:
                if f.endswith(".rs") and f != "tests.rs" and "tests" not in dirpath.split(os.sep):
                    path = os.path.join(dirpath, f)
                    code = without_tests(code_only(open(path).read()))
                    problems += long_functions(os.path.relpath(path, ROOT), code)
        problems += cycles(crate if os.path.isabs(crate) else os.path.join(ROOT, crate))
    for p in problems:
        print(p)
    if problems:
        sys.exit(1)
    print("shape: every function within", MAX_LINES, "lines, no import cycle in any crate")


if __name__ == "__main__":
    main()
