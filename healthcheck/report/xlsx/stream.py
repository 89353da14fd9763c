"""Saving a workbook in openpyxl's write-only mode: big list sheets streamed.

openpyxl's normal mode keeps a cell object per cell and writes them at
save; at 50,000 users that is a million cells and a third of a run. Here
the sheets that are worked on cell by cell (Summary, Findings, Actions,
Waste) are built in an ordinary workbook as before and copied over cell for
cell, style and link included; the list sheets (:func:`~.layout.table`
inside :func:`~.layout.deferring`) were only planned, and their rows are
written as text by :mod:`.sheetdata` into the sheet openpyxl writes around
them. A streamed cell's style is one of a few ids per column, registered
with the workbook once.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from copy import copy
from pathlib import Path
from typing import IO, Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles.numbers import FORMAT_DATE_DATETIME, FORMAT_DATE_YYYYMMDD2
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.dimensions import RowDimension
from openpyxl.worksheet.worksheet import Worksheet

from healthcheck.report.xlsx import sheetdata
from healthcheck.report.xlsx.layout import Plan, frame
from healthcheck.report.xlsx.styles import BOLD, HEADER_FILL, HEADER_FONT, TOP, WRAP


def save(wb: Workbook, plans: Mapping[str, Plan], fh: IO[bytes]) -> None:
    """Write ``wb`` to ``fh``, streaming the sheets ``plans`` holds.

    Raises:
        RuntimeError: a planned sheet got cells of its own after it was
            planned; they would be lost (a programming error).
    """
    out = Workbook(write_only=True)
    for ws in wb.worksheets:
        dst = out.create_sheet(ws.title)
        plan = plans.get(ws.title)
        if plan is None:
            _copy(ws, dst)
            continue
        if ws._cells:
            raise RuntimeError(
                f"sheet {ws.title!r} was written to after its rows were planned"
            )
        _stream(dst, plan)
    out.save(fh)


def _stream(ws: Any, plan: Plan) -> None:
    """Write a planned list sheet into a write-only sheet, its rows as text.

    openpyxl writes the sheet around its rows (columns, views, filter, print
    settings) with an empty ``<sheetData/>``; :mod:`.sheetdata` then writes
    the rows into that file in one pass.
    """
    # Column widths, views and the like precede the rows in the file; so does
    # the sheet's extent, which readers use for its size.
    last = plan.last_row + (plan.total is not None)
    _extent(ws, f"A1:{get_column_letter(len(plan.headers))}{last}")
    frame(ws, plan)
    header = _style_id(ws, font=HEADER_FONT, fill=HEADER_FILL)
    # Cell styles for one-line rows and for rows of several lines.
    short, tall = (
        _column_styles(ws, plan, tall=False),
        _column_styles(ws, plan, tall=True),
    )
    heights = {r: _height(ws, h) for r, h in plan.heights.items()}

    def rows() -> Iterator[str]:
        yield from sheetdata.rows_xml(
            [plan.headers], [(header,) * 5] * len(plan.headers), first=1, row_attrs={}
        )
        # A row of several lines (one with a height) takes the tall styles.
        yield from sheetdata.rows_xml(
            plan.rows, short, first=2, row_attrs=heights, tall_styles=tall
        )
        if plan.total is not None:
            styles = [_styles(ws, fmt, None, font=BOLD) for fmt in plan.formats]
            yield from sheetdata.rows_xml(
                [plan.total],
                styles,
                first=plan.last_row + 1,
                row_attrs=heights,
                styled_blanks=False,
            )

    ws.close()
    sheetdata.splice(Path(ws._writer.out), rows())


def _style_id(ws: Any, **style: Any) -> int:
    """The workbook's cell-format id of a cell styled with ``style``."""
    cell = WriteOnlyCell(ws)
    for name, value in style.items():
        setattr(cell, name, value)
    return int(cell.style_id) if cell.has_style else 0


def _styles(
    ws: Any, fmt: str | None, align: Any | None, **extra: Any
) -> sheetdata.Styles:
    """One column's style ids (see :data:`.sheetdata.Styles`).

    A date in a column without a number format gets openpyxl's default format
    for its type, as a date set on a cell does.
    """
    base = dict(extra)
    if align is not None:
        base["alignment"] = align
    plain = _style_id(ws, **base)
    number = _style_id(ws, **base, number_format=fmt) if fmt else plain
    formula = _style_id(ws, **base, quotePrefix=True)
    if fmt:
        return plain, number, formula, number, number
    stamp = _style_id(ws, **base, number_format=FORMAT_DATE_DATETIME)
    day = _style_id(ws, **base, number_format=FORMAT_DATE_YYYYMMDD2)
    return plain, number, formula, stamp, day


def _column_styles(ws: Any, plan: Plan, *, tall: bool) -> list[sheetdata.Styles]:
    """Each column's style ids, as in :func:`.layout.table`.

    Wrapped columns wrap, and in a ``tall`` row (several lines) the other
    columns keep to the top.
    """
    styles = []
    for i, fmt in enumerate(plan.formats, start=1):
        align = WRAP if i in plan.wraps else TOP if plan.wraps and tall else None
        styles.append(_styles(ws, fmt, align))
    return styles


def _height(ws: Any, height: float) -> str:
    """A row's height attributes, as openpyxl writes them."""
    attrs = dict(RowDimension(ws, ht=height))
    return "".join(f' {k}="{v}"' for k, v in attrs.items())


def _extent(ws: Any, ref: str) -> None:
    """Give a write-only sheet the ``<dimension>`` openpyxl writes for others."""
    ws.calculate_dimension = lambda: ref


def _copy(src: Worksheet, dst: Any) -> None:
    """Copy an ordinary sheet into a write-only one: cells, styles, links, layout."""
    _extent(dst, src.calculate_dimension())
    for key, dim in src.column_dimensions.items():
        if dim.customWidth:
            dst.column_dimensions[key].width = dim.width
    heights = {r: d.height for r, d in src.row_dimensions.items() if d.height}
    dst.freeze_panes = src.freeze_panes
    dst.auto_filter.ref = src.auto_filter.ref
    if src.print_title_rows:
        dst.print_title_rows = src.print_title_rows
    dst.page_setup.orientation = src.page_setup.orientation
    dst.page_setup.paperSize = src.page_setup.paperSize
    dst.page_setup.fitToWidth = src.page_setup.fitToWidth
    dst.page_setup.fitToHeight = src.page_setup.fitToHeight
    dst.sheet_properties.pageSetUpPr = copy(src.sheet_properties.pageSetUpPr)
    for merged in src.merged_cells.ranges:
        dst.merged_cells.add(merged.coord)
    dst.data_validations = copy(src.data_validations)
    dst.conditional_formatting = src.conditional_formatting
    rows: dict[int, dict[int, Any]] = {}
    for (r, c), cell in src._cells.items():
        rows.setdefault(r, {})[c] = cell
    for r in range(1, max([*rows, *heights], default=0) + 1):
        if r in heights:
            dst.row_dimensions[r].height = heights[r]
        got = rows.get(r, {})
        out: list[Any] = [None] * max(got, default=0)
        for c, cell in got.items():
            if cell.value is None and not cell.has_style:
                continue
            new = WriteOnlyCell(dst, cell.value)
            new.row, new.column = r, c  # a link's reference needs them
            new.data_type = cell.data_type
            if cell.has_style:
                new.font = copy(cell.font)
                new.fill = copy(cell.fill)
                new.border = copy(cell.border)
                new.alignment = copy(cell.alignment)
                new.number_format = cell.number_format
                new.protection = copy(cell.protection)
                new.quotePrefix = cell.quotePrefix
            if cell.hyperlink is not None:
                new.hyperlink = copy(cell.hyperlink)
            if cell.comment is not None:
                new.comment = copy(cell.comment)
            out[c - 1] = new
        dst.append(out)
