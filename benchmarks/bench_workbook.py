"""Benchmark: writing findings.xlsx, against openpyxl's write-only floor.

For the sample, the sample with 50,000 affected objects behind one failed
rule, and (``--all``) 50,000 behind every failed rule and waste line, prints
our whole write (labels, neutralisation, formats, widths, row heights, links,
atomic save), the floor (the same cell values appended to the same sheets of
an openpyxl write-only workbook and saved, with no styles: the fastest way
openpyxl writes them), and their ratio.

    .venv/bin/python benchmarks/bench_workbook.py [--all] [assessment.json]
"""

from __future__ import annotations

import dataclasses
import sys
import tempfile
import time
from io import BytesIO
from pathlib import Path

import openpyxl

from healthcheck import pipeline
from healthcheck.model import Assessment, Status
from healthcheck.report import jsonout, xlsx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.test_report_scale import inflate  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def best_of(fn, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def one_big_list(a: Assessment, n: int) -> Assessment:
    """``n`` affected objects behind the first failed rule that lists any."""
    target = next(f for f in a.findings if f.status is Status.FAIL and f.affected)
    objects = tuple(f"user{i:05d}@big.example" for i in range(n))
    return dataclasses.replace(
        a,
        findings=tuple(
            dataclasses.replace(f, affected=objects) if f is target else f
            for f in a.findings
        ),
    )


def raw_cells(a: Assessment) -> list[tuple[str, list[list[object]]]]:
    """Every sheet's cell values, as our workbook holds them."""
    wb = xlsx.build(a)
    return [
        (ws.title, [list(r) for r in ws.iter_rows(values_only=True)])
        for ws in wb.worksheets
    ]


def raw_write(sheets: list[tuple[str, list[list[object]]]]) -> bytes:
    """The floor: the same values appended to a write-only workbook, then saved."""
    wb = openpyxl.Workbook(write_only=True)
    for title, rows in sheets:
        ws = wb.create_sheet(title)
        for row in rows:
            ws.append(row)
    buf = BytesIO()
    wb.save(buf)
    return buf.getvalue()


def main() -> None:
    args = [a for a in sys.argv[1:] if a != "--all"]
    if args:
        sample = jsonout.read(args[0])
    else:
        out = Path(tempfile.mkdtemp()) / "out"
        pipeline.run(ROOT / "sample_data" / "aurora-logistics", out)
        sample = jsonout.read(out / "assessment.json")
    cases = [
        ("sample", sample, 5),
        ("50k objects", one_big_list(sample, 50_000), 3),
    ]
    if "--all" in sys.argv:
        cases.append(("50k per list", inflate(sample, 50_000), 1))
    folder = Path(tempfile.mkdtemp())
    for label, a, runs in cases:
        sheets = raw_cells(a)
        cells = sum(len(r) for _, rows in sheets for r in rows)
        ours = best_of(lambda a=a: xlsx.write(a, folder / "findings.xlsx"), runs)
        floor = best_of(lambda s=sheets: raw_write(s), runs)
        print(
            f"{label:<13} ours {ours:6.2f} s  floor {floor:6.2f} s  "
            f"ratio {ours / floor:5.2f}  cells {cells:,}"
        )


if __name__ == "__main__":
    main()
