"""The workbook saved in write-only mode is the workbook built in normal mode.

``xlsx.write`` streams the list sheets (:mod:`healthcheck.report.xlsx.stream`)
and copies the others; ``xlsx.build`` writes every cell in openpyxl's normal
mode. Both files, read back, must agree cell for cell: values, types,
formats, fonts, fills, alignment, quote prefixes (formula neutralising),
links, widths, row heights, frozen panes, filters and print settings.
"""

from __future__ import annotations

import dataclasses
from io import BytesIO
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from healthcheck.model import Assessment
from healthcheck.report import jsonout, xlsx
from healthcheck.report.xlsx import Col, stream, table
from healthcheck.report.xlsx.layout import deferring
from tests.test_report_scale import inflate
from tests.test_report_xlsx import _hostile


def _cell(c: Any) -> tuple[Any, ...]:
    return (
        c.value,
        c.data_type,
        c.number_format,
        c.font.b,
        c.font.color.rgb if c.font.color is not None else None,
        c.font.u,
        c.fill.fgColor.rgb if c.fill.fill_type else None,
        c.alignment.wrap_text,
        c.alignment.vertical,
        c.alignment.horizontal,
        c.quotePrefix,
        c.hyperlink.location if c.hyperlink is not None else None,
    )


def _sheet(ws: Any) -> dict[str, Any]:
    return {
        "dimension": ws.calculate_dimension(),
        "cells": [[_cell(c) for c in row] for row in ws.iter_rows()],
        "widths": {
            k: d.width for k, d in ws.column_dimensions.items() if d.customWidth
        },
        "heights": {k: d.height for k, d in ws.row_dimensions.items() if d.height},
        "freeze": ws.freeze_panes,
        "filter": ws.auto_filter.ref,
        "print_titles": ws.print_title_rows,
        "page": (
            ws.page_setup.orientation,
            ws.page_setup.paperSize,
            ws.page_setup.fitToWidth,
            ws.page_setup.fitToHeight,
            ws.sheet_properties.pageSetUpPr.fitToPage
            if ws.sheet_properties.pageSetUpPr
            else None,
        ),
        "merged": sorted(str(r) for r in ws.merged_cells.ranges),
    }


def _both(a: Assessment, tmp_path: Path, lang: str = "en") -> tuple[Any, Any]:
    normal = BytesIO()
    xlsx.build(a, lang).save(normal)
    normal.seek(0)
    streamed = xlsx.write(a, tmp_path / "findings.xlsx", lang=lang)
    return openpyxl.load_workbook(normal), openpyxl.load_workbook(streamed)


@pytest.fixture(scope="module")
def sample(sample_run: Path) -> Assessment:
    return jsonout.read(sample_run / "assessment.json")


@pytest.mark.parametrize("lang", ["en", "fi"])
def test_streamed_workbook_equals_the_normal_one(
    sample: Assessment, tmp_path: Path, lang: str
) -> None:
    heavy = inflate(_hostile(sample), 300)
    # A list sheet with wrapped text, a formula-like cell and a row height.
    heavy = dataclasses.replace(
        heavy,
        rejected=(
            *heavy.rejected,
            {"dataset": "devices", "source": "=x.csv", "row": 9, "reason": "a " * 200},
        ),
    )
    normal, streamed = _both(heavy, tmp_path, lang)
    assert streamed.sheetnames == normal.sheetnames
    assert len(normal.sheetnames) > 8
    for name in normal.sheetnames:
        assert _sheet(streamed[name]) == _sheet(normal[name]), name
    rejected = streamed.worksheets[-1]
    assert rejected.cell(rejected.max_row, 2).quotePrefix
    assert rejected.row_dimensions[rejected.max_row].height > 15


def test_a_planned_sheet_written_to_afterwards_is_an_error(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    plans: dict[str, Any] = {}
    with deferring(wb, plans):
        ws = table(wb.active, [Col("Object")], [("a",), ("b",)])
    assert ws.max_row == 1 and "Sheet" in plans  # planned, not written
    ws.cell(row=2, column=2, value="late")
    with pytest.raises(RuntimeError, match="after its rows were planned"):
        stream.save(wb, plans, BytesIO())


def test_streamed_cells_keep_text_as_text_and_values_as_written() -> None:
    """The rows written as SpreadsheetML text read back as the values given."""
    from datetime import date, datetime

    wb = openpyxl.Workbook()
    plans: dict[str, Any] = {}
    values = [
        "#N/A",  # an error code's text stays text
        '=HYPERLINK("http://x")',
        "  two spaces around  ",
        "a & b < c > d",
        "café 😀",
        "x\ud83dy",  # a lone surrogate from a JSON export
        float("nan"),
        float("inf"),
        12345678901,
        2.5,
        True,
        datetime(2026, 11, 20, 8, 30),
        date(2026, 11, 20),
    ]
    with deferring(wb, plans):
        table(wb.active, [Col("Value")], [(v,) for v in values])
    buf = BytesIO()
    stream.save(wb, plans, buf)
    buf.seek(0)
    ws = openpyxl.load_workbook(buf).active
    got = [ws.cell(row=r, column=1) for r in range(2, len(values) + 2)]
    assert [c.value for c in got[:5]] == values[:5]
    assert all(c.data_type == "s" for c in got[:6])
    assert got[1].quotePrefix and not got[0].quotePrefix
    assert got[5].value in ("x?y", "x\ufffdy")
    assert got[6].value is None and got[7].value is None
    assert got[8].value == 12345678901 and got[9].value == 2.5
    assert got[10].value is True
    assert got[11].value == datetime(2026, 11, 20, 8, 30)
    assert got[11].number_format == "yyyy-mm-dd h:mm:ss"
    assert got[12].value == datetime(2026, 11, 20)
    assert got[12].number_format == "yyyy-mm-dd"
