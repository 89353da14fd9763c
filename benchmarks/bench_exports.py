"""Reading exports: our collector's time over pandas' ``read_csv`` of the same files.

Usage::

    python benchmarks/bench_exports.py [--users 50000] [--repeat 5]

Writes a synthetic tenant (benchmarks/synthetic.py) to a temporary folder,
reads every file once to warm the page cache, then times, best of
``--repeat`` runs on this machine:

- baseline: ``pandas.read_csv(path)`` of each CSV file, default arguments
  (type inference, no validation), the floor any CSV reader in Python meets;
- ours: ``ExportsCollector.collect`` over the same folder: sniffing,
  recognition, summary/duplicate handling, date-order decisions, the
  canonical validation of every cell and the usage-report join.

It prints both times and the ratio (aim: 2x or less). It is not a test:
timings belong here, never in the test suite.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

import pandas as pd
from healthcheck_collectors.exports import ExportsCollector

from healthcheck.config import CollectContext, load_engagement

sys.path.insert(0, str(Path(__file__).resolve().parent))
from synthetic import write_tenant  # noqa: E402


def _best(fn, repeat: int) -> float:  # noqa: ANN001 - a thunk
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    """Run the benchmark and print the ratio."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = write_tenant(Path(tmp) / "eng", args.users)
        files = sorted((root / "exports").glob("*.csv"))
        for f in files:  # warm the cache for both sides
            f.read_bytes()
        size = sum(f.stat().st_size for f in files) / 1e6
        engagement = load_engagement(root)
        ctx = CollectContext(engagement=engagement, collected_at=datetime(2026, 11, 20))

        def baseline() -> None:
            for f in files:
                pd.read_csv(f)

        def ours() -> None:
            runs = list(ExportsCollector().collect(ctx))
            assert all(r.status.value in ("ok", "missing") for r in runs)

        ours()  # first call imports lazily used modules
        base = _best(baseline, args.repeat)
        mine = _best(ours, args.repeat)
        print(f"files: {len(files)} CSV, {size:.1f} MB, {args.users} rows each")
        print(f"pandas read_csv: {base:.3f} s")
        print(f"exports collector: {mine:.3f} s")
        print(f"ratio: {mine / base:.2f}x (aim: 2x or less)")


if __name__ == "__main__":
    main()
