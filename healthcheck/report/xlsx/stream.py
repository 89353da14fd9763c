"""Saving a workbook in openpyxl's write-only mode: big list sheets streamed.

openpyxl's normal mode keeps a cell object per cell and writes them at
save; at 50,000 users that is a million cells and a third of a run. In
write-only mode rows go to the file as they are appended. The sheets that
are worked on cell by cell (Summary, Findings, Actions, Waste) are built in
an ordinary workbook as before and copied over cell for cell, style and
link included; the list sheets (:func:`~.layout.table` inside
:func:`~.layout.deferring`) were only planned, and are streamed from their
plans. A styled cell of a streamed row copies its column's prototype style
(a small array of style ids) rather than setting fonts and formats one by
one, which is where the time of a styled cell goes.
"""

from __future__ import annotations

from collections.abc import Mapping
from copy import copy
from datetime import date, datetime, time
from typing import IO, Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from healthcheck.report.xlsx.cells import FORMULA_START
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
    """Append a planned list sheet's rows to a write-only sheet."""
    # Column widths, views and the like precede the rows in the file; so does
    # the sheet's extent, which readers use for its size.
    last = plan.last_row + (plan.total is not None)
    _extent(ws, f"A1:{get_column_letter(len(plan.headers))}{last}")
    frame(ws, plan)
    header = []
    for value in plan.headers:
        cell = WriteOnlyCell(ws, value)
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
        header.append(cell)
    ws.append(header)
    # Cell styles for one-line rows and for rows of several lines.
    short, tall = _prototypes(ws, plan, tall=False), _prototypes(ws, plan, tall=True)
    formats = plan.formats
    heights = plan.heights
    for row, values in enumerate(plan.rows, start=2):
        if row in heights:
            ws.row_dimensions[row].height = heights[row]
            plain, number, formula = tall
        else:
            plain, number, formula = short
        cells: list[Any] = []
        for i, value in enumerate(values):
            if value is None:
                cells.append(_styled(ws, None, plain[i]))
            elif isinstance(value, str):
                proto = formula[i] if value.startswith(FORMULA_START) else plain[i]
                cell = _styled(ws, value, proto)
                if proto is formula[i]:
                    cell.data_type = "s"  # text, never a formula
                cells.append(cell)
            elif formats[i] is None and isinstance(value, date | datetime | time):
                # openpyxl gives a date its default format when it is set.
                cell = WriteOnlyCell(ws, value)
                proto = plain[i]
                if proto is not None:
                    cell.alignment = proto.alignment
                cells.append(cell)
            else:
                cells.append(_styled(ws, value, number[i]))
        ws.append(cells)
    if plan.total is not None:
        row = plan.last_row + 1
        if row in heights:
            ws.row_dimensions[row].height = heights[row]
        total: list[Any] = []
        for value, fmt in zip(plan.total, formats, strict=True):
            if value is None:
                total.append(None)
                continue
            cell = WriteOnlyCell(ws, value)
            if fmt is not None and not isinstance(value, str):
                cell.number_format = fmt
            if isinstance(value, str) and value.startswith(FORMULA_START):
                cell.data_type, cell.quotePrefix = "s", True
            cell.font = BOLD
            total.append(cell)
        ws.append(total)


def _prototypes(
    ws: Any, plan: Plan, *, tall: bool
) -> tuple[list[Any | None], list[Any | None], list[Any]]:
    """Per column: the style of a plain value, of a number, of formula-like text.

    None where a value needs no style at all. As in :func:`.layout.table`,
    wrapped columns wrap, and in a ``tall`` row (several lines) the other
    columns keep to the top.
    """
    plain: list[Any | None] = []
    number: list[Any | None] = []
    formula: list[Any] = []
    for i, fmt in enumerate(plan.formats, start=1):
        align = WRAP if i in plan.wraps else TOP if plan.wraps and tall else None
        base = None
        if align is not None:
            base = WriteOnlyCell(ws)
            base.alignment = align
        plain.append(base)
        num = base
        if fmt is not None:
            num = WriteOnlyCell(ws)
            num.number_format = fmt
            if align is not None:
                num.alignment = align
        number.append(num)
        quoted = WriteOnlyCell(ws)
        quoted.quotePrefix = True
        if align is not None:
            quoted.alignment = align
        formula.append(quoted)
    return plain, number, formula


def _extent(ws: Any, ref: str) -> None:
    """Give a write-only sheet the ``<dimension>`` openpyxl writes for others."""
    ws.calculate_dimension = lambda: ref


def _styled(ws: Any, value: Any, proto: Any | None) -> Any:
    """A value, or a cell holding it in the style of ``proto``."""
    if proto is None:
        return value
    cell = WriteOnlyCell(ws, value)
    cell._style = StyleArray(proto._style)
    return cell


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
