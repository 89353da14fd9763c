"""A 50,000-user tenant gives a report of about the sample's length."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pypdfium2

from healthcheck.model import Assessment, Status
from healthcheck.report import pdf


def inflate(a: Assessment, n: int) -> Assessment:
    """The same assessment with ``n`` affected objects behind every failure."""
    findings = tuple(
        dataclasses.replace(
            f, affected=tuple(f"user{i:05d}@big.example" for i in range(n))
        )
        if f.status is Status.FAIL
        else f
        for f in a.findings
    )
    items = tuple(
        dataclasses.replace(i, users=tuple(f"u{k}@big.example" for k in range(n)))
        for i in a.waste.items
    )
    return dataclasses.replace(
        a, findings=findings, waste=dataclasses.replace(a.waste, items=items)
    )


def _pages(body: bytes) -> int:
    doc = pypdfium2.PdfDocument(body)
    try:
        return len(doc)
    finally:
        doc.close()


def test_page_count_does_not_grow_with_the_tenant(sample_run: Path) -> None:
    data = json.loads((sample_run / "assessment.json").read_text(encoding="utf-8"))
    sample = Assessment.from_dict(data)
    small, _ = pdf.render_bytes(sample)
    big, _ = pdf.render_bytes(inflate(sample, 50_000))
    assert abs(_pages(big) - _pages(small)) <= 1
    assert len(big) < 2 * len(small)


def test_comparison_does_not_grow_with_the_tenant(sample_run: Path) -> None:
    from healthcheck import compare
    from healthcheck.report.context import ReportOptions
    from tests.conftest import SAMPLE

    data = json.loads((sample_run / "assessment.json").read_text(encoding="utf-8"))
    sample = Assessment.from_dict(data)
    previous = compare.load(SAMPLE / "previous")
    small, _ = pdf.render_bytes(
        sample, ReportOptions(comparison=compare.compare(previous, sample))
    )
    big_now, big_then = inflate(sample, 50_000), inflate(previous, 40_000)
    big, _ = pdf.render_bytes(
        big_now, ReportOptions(comparison=compare.compare(big_then, big_now))
    )
    assert abs(_pages(big) - _pages(small)) <= 1
