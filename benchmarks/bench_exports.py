"""Reading exports: our collector's time over pandas' ``read_csv`` of the same files.

Usage::

    python benchmarks/bench_exports.py [--users 50000] [--repeat 7] [--plain]
        [--check]

Writes the hard synthetic tenant (``benchmarks/synthetic.py --hard``: every
export kind the collector knows, including licences, role assignments and
backup jobs; a server for every tenth user; a phone per user and a tablet
for every third) to a temporary folder, or with ``--plain`` the plain one
(five files, one device per user). It reads every file once to warm the
page cache, then times, on this machine:

- baseline: ``pandas.read_csv(path)`` of the CSV file, default arguments
  (type inference, no validation), the floor any CSV reader in Python meets;
- ours: ``ExportsCollector.collect`` over a folder holding that file alone:
  sniffing, recognition, summary/duplicate handling, date-order decisions
  and the canonical validation of every cell.

One line per format, then the same for the whole folder at once (which adds
the usage report's join onto the users). Each measurement is the best of
``--repeat`` runs, baseline and ours taking turns so that a busy machine
slows both alike. Ratio aim: 2x or less, judged on the files pandas needs
at least 50 ms for: below that our fixed cost per file (recognition, the
canonical schema) is the ratio, not the reading. The script exits 0; with
``--check`` it exits 1 when a judged ratio is above 2x. It is not a test: timings
belong here, never in the test suite.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pandas as pd
from healthcheck_collectors.exports import ExportsCollector

from healthcheck.config import CollectContext, load_engagement

sys.path.insert(0, str(Path(__file__).resolve().parent))
from synthetic import write_tenant  # noqa: E402

AIM = 2.0

#: Files pandas reads faster than this are timed but not judged (module doc).
JUDGED = 0.05

# pandas' default read_csv warns about mixed-type columns: that is the floor.
warnings.simplefilter("ignore", pd.errors.DtypeWarning)


def _best_pair(
    base: Callable[[], object], ours: Callable[[], object], repeat: int
) -> tuple[float, float]:
    """Best times of two thunks, run in turns."""
    times: tuple[list[float], list[float]] = ([], [])
    for _ in range(repeat):
        for fn, out in ((base, times[0]), (ours, times[1])):
            start = time.perf_counter()
            fn()
            out.append(time.perf_counter() - start)
    return min(times[0]), min(times[1])


def _collector(root: Path) -> Callable[[], object]:
    ctx = CollectContext(
        engagement=load_engagement(root), collected_at=datetime(2026, 11, 20)
    )

    def run() -> object:
        runs = list(ExportsCollector().collect(ctx))
        assert all(r.status.value in ("ok", "missing") for r in runs)
        return runs

    run()  # the first call imports lazily used modules
    return run


def main() -> None:
    """Run the benchmark and print the ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--plain", action="store_true", help="not the hard case")
    parser.add_argument("--check", action="store_true", help="exit 1 above 2x")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = write_tenant(Path(tmp) / "eng", args.users, hard=not args.plain)
        files = sorted((root / "exports").glob("*.csv"))
        for f in files:  # warm the cache for both sides
            f.read_bytes()
        size = sum(f.stat().st_size for f in files) / 1e6
        rows = sum(len(pd.read_csv(f)) for f in files)
        case = "plain" if args.plain else "hard"
        print(
            f"{case} case, {args.users} users: {len(files)} CSV files, "
            f"{size:.1f} MB, {rows} rows"
        )
        print(f"{'file':<24}{'read_csv':>10}{'ours':>10}{'ratio':>8}")
        worst = 0.0
        cases: list[tuple[str, Callable[[], object], Callable[[], object]]] = []
        for f in files:
            alone = Path(tmp) / f.stem
            (alone / "exports").mkdir(parents=True)
            shutil.copy(root / "client.yaml", alone / "client.yaml")
            shutil.copy(f, alone / "exports" / f.name)
            cases.append((f.name, lambda f=f: pd.read_csv(f), _collector(alone)))
        cases.append(
            (
                "all files together",
                lambda: [pd.read_csv(f) for f in files],
                _collector(root),
            )
        )
        for name, base_fn, ours_fn in cases:
            base, mine = _best_pair(base_fn, ours_fn, args.repeat)
            judged = base >= JUDGED
            if judged:
                worst = max(worst, mine / base)
            print(
                f"{name:<24}{base:>9.3f}s{mine:>9.3f}s{mine / base:>7.2f}x"
                + ("" if judged else "  (not judged: under 50 ms)")
            )
        print(f"worst judged ratio: {worst:.2f}x (aim: {AIM:g}x or less)")
    if args.check and worst > AIM:
        sys.exit(1)


if __name__ == "__main__":
    main()
