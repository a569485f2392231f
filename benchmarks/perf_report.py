#!/usr/bin/env python3
"""Where a `perf record -g` profile of Terraform spends its time.

Terraform's release binaries are stripped, so `perf report` shows only
addresses for them. Go keeps its own symbol table (.gopclntab) in every
binary, stripped or not; this script reads it (the Go 1.20+ layout) to name
the functions, then prints the functions with the largest inclusive and self
share of the samples, per process name (terraform, the providers).

    perf record -F 499 -g -o perf.data -- terraform apply -auto-approve
    python3 benchmarks/perf_report.py perf.data [--top 25] [--folded out.txt]

--folded writes folded stacks (one line per stack, `a;b;c count`), the input
of flamegraph tools such as inferno-flamegraph or flamegraph.pl.
"""
import argparse
import bisect
import collections
import struct
import subprocess
import sys


class GoSymbols:
    """Function names of a Go binary, from its .gopclntab section."""

    def __init__(self, path):
        with open(path, "rb") as f:
            data = f.read()
        tab, _, _ = self._section(data, b".gopclntab")
        # perf prints addresses in a binary without symbols as file offsets.
        _, self.text_addr, self.text_offset = self._section(data, b".text")
        magic, _, _, min_lc, ptr = struct.unpack_from("<IBBBB", tab, 0)
        if magic not in (0xFFFFFFF1, 0xFFFFFFF0) or ptr != 8:
            raise ValueError(f"{path}: unsupported pclntab (magic {magic:#x}, pointer size {ptr})")
        words = struct.unpack_from("<8Q", tab, 8)
        nfunc, _nfiles, text_start, funcname_off, _cu, _filetab, _pctab, pcln_off = words
        if magic == 0xFFFFFFF0:  # Go 1.18/1.19: no textStart in the header
            nfunc, text_start = words[0], words[2]
        self.entries, self.names = [], []
        functab = pcln_off
        for i in range(nfunc):
            entry_off, func_off = struct.unpack_from("<II", tab, functab + 8 * i)
            name_off = struct.unpack_from("<i", tab, pcln_off + func_off + 4)[0]
            start = funcname_off + name_off
            end = tab.index(b"\0", start)
            self.entries.append(text_start + entry_off)
            self.names.append(tab[start:end].decode("utf-8", "replace"))
        self.end = text_start + struct.unpack_from("<I", tab, functab + 8 * nfunc)[0]

    @staticmethod
    def _section(data, name):
        shoff, = struct.unpack_from("<Q", data, 0x28)
        shentsize, shnum, shstrndx = struct.unpack_from("<HHH", data, 0x3A)
        def header(i):
            return struct.unpack_from("<IIQQQQIIQQ", data, shoff + i * shentsize)
        strtab = header(shstrndx)
        for i in range(shnum):
            h = header(i)
            start = strtab[4] + h[0]
            if data[start:data.index(b"\0", start)] == name:
                return data[h[4]:h[4] + h[5]], h[3], h[4]
        raise ValueError(f"no {name.decode()} section")

    def name(self, addr):
        addr += self.text_addr - self.text_offset
        i = bisect.bisect_right(self.entries, addr) - 1
        if i < 0 or addr >= self.end:
            return None
        return self.names[i]


def samples(perf_data):
    """(process name, [(address, symbol, binary)] innermost first) per sample."""
    out = subprocess.run(["perf", "script", "-i", perf_data, "-F", "comm,ip,sym,dso"],
                         capture_output=True, text=True, check=True).stdout
    comm, frames = None, []
    for line in out.splitlines():
        if not line.strip():
            if comm is not None:
                yield comm, frames
            comm, frames = None, []
        elif line[0].isspace():
            parts = line.split(None, 2)
            addr = int(parts[0], 16)
            rest = parts[1] if len(parts) > 1 else ""
            dso = line[line.rfind("(") + 1:line.rfind(")")] if "(" in line else ""
            frames.append((addr, rest.split("+")[0], dso))
        else:
            comm = line.split()[0]
    if comm is not None:
        yield comm, frames


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("perf_data")
    ap.add_argument("--top", type=int, default=25)
    ap.add_argument("--folded", help="also write folded stacks to this file")
    args = ap.parse_args()

    symbols = {}

    def symbolize(addr, sym, dso):
        if sym and sym != "[unknown]":
            return sym
        if dso.startswith("/") and dso not in symbols:
            try:
                symbols[dso] = GoSymbols(dso)
            except (OSError, ValueError):
                symbols[dso] = None
        table = symbols.get(dso)
        return (table.name(addr) if table else None) or f"{dso.rsplit('/', 1)[-1]}+{addr:#x}"

    per_comm = collections.Counter()
    inclusive = collections.defaultdict(collections.Counter)
    self_time = collections.defaultdict(collections.Counter)
    folded = collections.Counter()
    for comm, frames in samples(args.perf_data):
        names = [symbolize(*f) for f in frames]
        per_comm[comm] += 1
        if names:
            self_time[comm][names[0]] += 1
        for n in set(names):
            inclusive[comm][n] += 1
        folded[comm + ";" + ";".join(reversed(names))] += 1

    total = sum(per_comm.values())
    print(f"{total} samples")
    for comm, n in per_comm.most_common():
        print(f"\n## {comm}: {n} samples ({100 * n / total:.1f}% of all)\n")
        print(f"{'incl %':>7} {'self %':>7}  function")
        for fn, c in inclusive[comm].most_common(args.top):
            print(f"{100 * c / n:7.1f} {100 * self_time[comm][fn] / n:7.1f}  {fn}")
    if args.folded:
        with open(args.folded, "w") as f:
            for stack, c in folded.items():
                f.write(f"{stack} {c}\n")


if __name__ == "__main__":
    sys.exit(main())
