"""Benchmark: start-up of the light commands, against a bare Python start.

``healthcheck --help`` and ``healthcheck rules`` must not load pandas,
WeasyPrint or openpyxl: the floor is ``python -c pass`` and the target is at
most 3 times that. Prints the best-of-N wall time of each, and its ratio.

    .venv/bin/python benchmarks/bench_startup.py [runs]
"""

from __future__ import annotations

import subprocess
import sys
import time

COMMANDS = {
    "--help": [sys.executable, "-m", "healthcheck", "--help"],
    "rules": [sys.executable, "-m", "healthcheck", "rules"],
    "rules --format json": [
        sys.executable,
        "-m",
        "healthcheck",
        "rules",
        "--format",
        "json",
    ],
}
FLOOR = [sys.executable, "-c", "pass"]
TARGET = 3.0


def best_of(cmd: list[str], runs: int) -> float:
    """The fastest of ``runs`` wall times, in seconds."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    """Print each command's time and its ratio to a bare start."""
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    floor = best_of(FLOOR, runs)
    print(f"{'python -c pass':<24}{floor * 1000:8.1f} ms  (floor)")
    worst = 0.0
    for label, cmd in COMMANDS.items():
        t = best_of(cmd, runs)
        worst = max(worst, t / floor)
        print(f"{'healthcheck ' + label:<24}{t * 1000:8.1f} ms  {t / floor:5.1f}x")
    print(f"worst ratio {worst:.1f}x (target <= {TARGET:g}x)")


if __name__ == "__main__":
    main()
