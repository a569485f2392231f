#!/usr/bin/env python3
"""Runs a provider binary as Terraform would, and appends its peak RSS (KiB)
to $BENCH_RSS_LOG when it exits. Used in place of a provider in a
dev_overrides directory; stdin, stdout and stderr pass straight through."""
import os
import resource
import subprocess
import sys

real = os.environ["BENCH_REAL_PROVIDER_" + os.path.basename(sys.argv[0]).replace("-", "_").upper()]
code = subprocess.call([real] + sys.argv[1:])
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
with open(os.environ["BENCH_RSS_LOG"], "a") as f:
    f.write(f"{os.path.basename(sys.argv[0])} {peak}\n")
sys.exit(code)
