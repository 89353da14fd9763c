"""Benchmark: a whole run of the hard synthetic tenant, against the sum of its floors.

Usage::

    python benchmarks/bench_run.py [--users 50000] [--check]

Writes the hard tenant (``benchmarks/synthetic.py --hard``: every export
kind, a tenth of the devices servers, long lists) to a temporary folder,
then times ``healthcheck run`` on it in a child process (start-up, reading,
evidence, rules, cost, assessment.json, workbook and PDF), with the child's
peak memory (``ru_maxrss``). The floors, measured on the same inputs and
outputs in this process:

- read: ``pandas.read_csv`` of every input file, default arguments;
- pdf: WeasyPrint alone on the report's HTML (the run's own assessment);
- xlsx: openpyxl write-only of the workbook's cells, unstyled.

Prints each figure as wall-clock time and CPU time (the machine may be
shared: CPU time is the steadier one), the ratio ours / sum of floors, and
the peak memory. Goals: ratio <= 1.5 and <= 400 MiB at 50,000 users; with
``--check`` the script exits 1 when the CPU ratio or the memory misses them.
Timings belong here, never in the test suite (``tests/test_bench_run.py``
runs it small so that it keeps working).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import weasyprint

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))
from bench_workbook import raw_cells, raw_write  # noqa: E402

from healthcheck import evidence, pipeline  # noqa: E402
from healthcheck.report import html, jsonout, pdf  # noqa: E402

RATIO_GOAL = 1.5
MEMORY_GOAL_MIB = 400


def _timed(fn: Callable[[], object]) -> tuple[float, float]:
    """Wall-clock and CPU seconds of one call."""
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - wall, time.process_time() - cpu


def run_child(root: Path, out: Path) -> tuple[float, float, float]:
    """``healthcheck run`` in a child: wall seconds, CPU seconds, peak MiB."""
    start = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, "-m", "healthcheck", "run", str(root), "--out", str(out)],
        stdout=subprocess.DEVNULL,
    )
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        raise SystemExit(f"healthcheck run exited {child.returncode}")
    # ru_maxrss is in KiB on Linux.
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def floors(root: Path, out: Path) -> dict[str, tuple[float, float]]:
    """The floors' wall-clock and CPU seconds (see the module docstring)."""
    files = sorted(p for p in (root / "exports").iterdir() if p.is_file())
    got = {"read": _timed(lambda: [pd.read_csv(p) for p in files])}
    a = jsonout.read(out / "assessment.json")
    ev_dir = out / "evidence"
    options = pipeline.report_options(evidence.load(ev_dir), ev_dir, a)
    document = html.render(a, options)
    root_dir = html.templates_dir()
    fetcher = pdf.PackagedOnlyFetcher((root_dir,), options.brand_files.values())
    got["pdf"] = _timed(
        lambda: weasyprint.HTML(
            string=document, base_url=root_dir.as_uri() + "/", url_fetcher=fetcher
        ).write_pdf()
    )
    sheets = raw_cells(a)
    got["xlsx"] = _timed(lambda: raw_write(sheets))
    return got


def main() -> None:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50_000)
    parser.add_argument("--check", action="store_true", help="exit 1 off goal")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        # In a child of its own: a process's peak memory starts from its
        # parent's size when it was forked (Linux keeps it across exec), so
        # this process stays small until the run's child has been measured.
        root = Path(tmp) / "tenant"
        subprocess.run(
            [sys.executable, str(HERE / "synthetic.py"), str(root), "--hard"]
            + ["--users", str(args.users)],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        for p in (root / "exports").iterdir():
            p.read_bytes()  # warm the page cache for both sides
        out = Path(tmp) / "out"
        wall, cpu, peak = run_child(root, out)
        base = floors(root, out)
    floor_wall = sum(w for w, _ in base.values())
    floor_cpu = sum(c for _, c in base.values())
    print(f"hard tenant, {args.users:,} users")
    for name, (w, c) in base.items():
        print(f"  floor {name:<5} wall {w:7.2f} s  cpu {c:7.2f} s")
    print(f"  floors      wall {floor_wall:7.2f} s  cpu {floor_cpu:7.2f} s")
    print(f"  ours        wall {wall:7.2f} s  cpu {cpu:7.2f} s")
    print(
        f"ratio wall {wall / floor_wall:5.2f}  cpu {cpu / floor_cpu:5.2f}  "
        f"(goal <= {RATIO_GOAL})"
    )
    print(f"peak memory {peak:6.0f} MiB  (goal <= {MEMORY_GOAL_MIB} MiB)")
    if args.check and (cpu / floor_cpu > RATIO_GOAL or peak > MEMORY_GOAL_MIB):
        raise SystemExit(1)


if __name__ == "__main__":
    main()
