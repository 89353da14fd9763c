"""The scale benchmarks keep working, at a size CI affords.

Timings are not asserted here (they belong to the benchmarks, run by hand
at 50,000 users); what is asserted is that each benchmark runs the hard case
to the end and prints every figure it promises.
"""

from __future__ import annotations

import re
import subprocess
import sys

from tests.conftest import ROOT


def _bench(name: str, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / name), *args],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def test_bench_run_small_keeps_working() -> None:
    out = _bench("bench_run.py", "--users", "200")
    for floor in ("read", "pdf", "xlsx"):
        assert re.search(rf"floor {floor}\s+wall\s+[\d.]+ s\s+cpu\s+[\d.]+ s", out)
    assert re.search(r"ours\s+wall\s+[\d.]+ s", out), out
    ratio = re.search(r"ratio wall\s+([\d.]+)\s+cpu\s+([\d.]+)", out)
    assert ratio and float(ratio.group(2)) > 0, out
    peak = re.search(r"peak memory\s+(\d+) MiB", out)
    # A small run stays far below the 50,000-user goal of 400 MiB.
    assert peak and 0 < int(peak.group(1)) < 400, out


def test_bench_render_small_keeps_working() -> None:
    out = _bench("bench_render.py", "--users", "300", "--hard-only")
    hard = re.search(r"hard 300 users\s+ours\s+[\d.]+ s\s+floor.*pages (\d+)", out)
    sample = re.search(r"sample pages (\d+)", out)
    assert hard and sample, out
    assert int(hard.group(1)) <= int(sample.group(1)) + 2
