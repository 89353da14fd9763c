"""Benchmark: a book of generated clients, run by ``healthcheck portfolio``.

Generates CLIENTS clients of sample size (``benchmarks/book.py``), then times

- each client's ``run`` on its own, one after the other, in this process
  after a warm-up run (so no start-up cost is counted for them);
- the portfolio run of the whole book with ``--jobs`` JOBS, its outputs included;
- the same portfolio run again with nothing changed.

and prints the ratios against the targets: the portfolio's wall time at most
1.15 x (sum of single runs / jobs), the unchanged re-run under 5 % of the first.

    .venv/bin/python benchmarks/bench_portfolio.py [--clients 100] [--jobs 2]
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.book import make_book  # noqa: E402
from healthcheck import pipeline  # noqa: E402
from healthcheck.portfolio import pipeline as portfolio  # noqa: E402
from healthcheck.portfolio import runner  # noqa: E402


def _spin(n: int) -> int:
    total = 0
    for i in range(n):
        total += i
    return total


def parallelism(jobs: int, n: int = 20_000_000) -> float:
    """The speed-up ``jobs`` busy processes get over one: the CPUs we really have.

    The floor assumes ``jobs``; a shared or hyper-threaded machine gives less.
    """
    start = time.perf_counter()
    _spin(n)
    one = time.perf_counter() - start
    ctx = multiprocessing.get_context("forkserver")
    with ctx.Pool(jobs) as pool:
        pool.map(_spin, [1] * jobs)  # workers started before the clock
        start = time.perf_counter()
        pool.map(_spin, [n] * jobs)
        many = time.perf_counter() - start
    return jobs * one / many


def measure(clients: int, jobs: int, work: Path) -> dict[str, float]:
    """The figures for a book of ``clients`` in ``work``."""
    root = work / "book"
    make_book(root, clients)
    engagements = sorted(p / "2026-Q4" for p in root.iterdir())
    pipeline.run(engagements[0], work / "warm-up")
    single = single_cpu = 0.0
    load = [os.getloadavg()[0]]
    for eng in engagements:
        start, cpu = time.perf_counter(), time.process_time()
        pipeline.run(eng, work / "single" / eng.parent.name)
        single += time.perf_counter() - start
        single_cpu += time.process_time() - cpu
    load.append(os.getloadavg()[0])
    out = work / "out"
    start = time.perf_counter()
    first = portfolio.run(root, out, jobs=jobs)
    first_wall = time.perf_counter() - start
    start = time.perf_counter()
    again = portfolio.run(root, out, jobs=jobs)
    again_wall = time.perf_counter() - start
    load.append(os.getloadavg()[0])
    worker_cpu = sum(o.cpu for o in first.outcomes)
    written = sum(o.status == runner.WRITTEN for o in first.outcomes)
    fresh = sum(o.status == runner.UP_TO_DATE for o in again.outcomes)
    return {
        "clients": clients,
        "jobs": jobs,
        "single_sum": single,
        "floor": single / jobs,
        "first": first_wall,
        "ratio": first_wall / (single / jobs),
        "again": again_wall,
        "again_share": again_wall / first_wall,
        "written": written,
        "up_to_date": fresh,
        "failed": len(first.failures) + len(again.failures),
        # CPU seconds of the engagements in the workers against the same
        # engagements run alone: the work the parallel path adds, whatever
        # else the machine is doing.
        "single_cpu": single_cpu,
        "worker_cpu": worker_cpu,
        "cpu_ratio": worker_cpu / single_cpu,
        "load": load,
    }


def main() -> None:
    """Measure and print."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clients", type=int, default=100)
    ap.add_argument("--jobs", type=int, default=runner.default_jobs())
    args = ap.parse_args()
    speedup = parallelism(args.jobs)
    with tempfile.TemporaryDirectory() as tmp:
        m = measure(args.clients, args.jobs, Path(tmp))
    m["parallelism"] = speedup
    print(f"clients {m['clients']}, jobs {m['jobs']}")
    print(
        f"parallelism available now: {m['parallelism']:.2f} of {m['jobs']} "
        "(busy loops in parallel against one)"
    )
    print(f"single runs, summed        {m['single_sum']:8.1f} s")
    print(f"floor (sum / jobs)         {m['floor']:8.1f} s")
    print(
        f"portfolio, first           {m['first']:8.1f} s   "
        f"ratio {m['ratio']:.2f} (target <= 1.15)"
    )
    print(
        f"portfolio, unchanged       {m['again']:8.2f} s   "
        f"{m['again_share']:.1%} of the first (target < 5 %)"
    )
    print(
        f"CPU per engagement: workers {m['worker_cpu']:.1f} s against "
        f"{m['single_cpu']:.1f} s alone, ratio {m['cpu_ratio']:.2f}"
    )
    print(
        f"written {m['written']}, then up to date {m['up_to_date']}, "
        f"failed {m['failed']}; load average at start, after the single runs, "
        f"at the end: {', '.join(f'{x:.1f}' for x in m['load'])} "
        f"on {os.cpu_count()} CPUs"
    )


if __name__ == "__main__":
    main()
