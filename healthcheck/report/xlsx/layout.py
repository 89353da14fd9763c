"""Writing cells and list sheets: headers, filters, widths, row heights, print."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.hyperlink import Hyperlink
from openpyxl.worksheet.worksheet import Worksheet

from healthcheck.report.xlsx.cells import (
    FORMULA_START,
    MAX_CELL,
    looks_like_formula,
    neutralise,
    text,
)
from healthcheck.report.xlsx.styles import (
    BOLD,
    HEADER_FILL,
    HEADER_FONT,
    LINE_HEIGHT,
    LINK_FONT,
    MAX_ROW_HEIGHT,
    MAX_WIDTH,
    MAX_WRAP_WIDTH,
    MIN_WIDTH,
    TEXT_PER_WIDTH,
    TOP,
    WRAP,
)

#: The attribute of a workbook that holds the plans of its deferred list
#: sheets, by sheet title (see :func:`deferring`).
_DEFERRED = "_healthcheck_deferred_sheets"


@contextmanager
def deferring(wb: Workbook, plans: dict[str, Plan]) -> Iterator[None]:
    """Within the block, :func:`table` plans ``wb``'s list sheets into ``plans``.

    The sheets stay empty; :func:`healthcheck.report.xlsx.stream.save` writes
    them from ``plans`` (by sheet title) in openpyxl's write-only mode.
    """
    setattr(wb, _DEFERRED, plans)
    try:
        yield
    finally:
        delattr(wb, _DEFERRED)


@dataclass(frozen=True, slots=True)
class Col:
    """One column of a list sheet: its header and how its cells look."""

    header: str
    number_format: str | None = None
    #: Long text: wrapped, the row made tall enough to show it.
    wrap: bool = False
    #: Width cap in characters (default MAX_WIDTH, or MAX_WRAP_WIDTH if wrapped).
    max_width: int | None = None


def put(
    ws: Worksheet,
    row: int,
    column: int,
    value: Any,
    *,
    number_format: str | None = None,
    font: Font | None = None,
    fill: PatternFill | None = None,
) -> Any:
    """Write one cell: text stays text, numbers and dates get their format."""
    value = text(value)
    cell = ws.cell(row=row, column=column, value=value)
    if isinstance(value, str):
        if looks_like_formula(value):
            neutralise(cell)
    elif number_format and value is not None:
        cell.number_format = number_format
    if font is not None:
        cell.font = font
    if fill is not None:
        cell.fill = fill
    return cell


def link_to(cell: Any, sheet: str) -> None:
    """Make ``cell`` an internal link to cell A1 of ``sheet``."""
    quoted = sheet.replace("'", "''")
    cell.hyperlink = Hyperlink(ref=cell.coordinate, location=f"'{quoted}'!A1")
    cell.font = LINK_FONT


def table(
    ws: Worksheet,
    cols: Sequence[Col],
    rows: Iterable[Sequence[Any]],
    total: Sequence[Any] | None = None,
) -> Worksheet:
    """A list sheet: bold frozen header, rows, optional totals row, filter, widths.

    The autofilter covers the header and the rows but not the totals row, so
    sorting or filtering never moves the totals.

    In a workbook that :func:`deferring` marks, the sheet stays empty and its
    plan is kept: :func:`save` streams it in openpyxl's write-only mode, so a
    50,000-row list never becomes 50,000 rows of cell objects. Such a sheet
    must not be changed after ``table`` (a deferred sheet with cells of its
    own is a programming error :func:`save` reports).
    """
    plan = _plan(cols, rows, total)
    deferred = getattr(ws.parent, _DEFERRED, None)
    if deferred is not None:
        deferred[ws.title] = plan
        return ws
    _write(ws, plan)
    return ws


@dataclass(slots=True)
class Plan:
    """A list sheet's content and layout, measured before it is written."""

    headers: list[str]
    formats: list[str | None]
    #: Column numbers (from 1) whose text wraps; empty: no alignment at all.
    wraps: frozenset[int]
    rows: list[list[Any]]
    total: list[Any] | None
    widths: dict[int, int]
    #: Row number -> height, for rows with wrapped text on several lines.
    heights: dict[int, float]

    @property
    def last_row(self) -> int:
        """The last row the autofilter covers (the totals row stays outside)."""
        return len(self.rows) + 1


def _plan(
    cols: Sequence[Col], rows: Iterable[Sequence[Any]], total: Sequence[Any] | None
) -> Plan:
    headers = [text(c.header) for c in cols]
    formats = [c.number_format for c in cols]
    # Widths are measured while the values are read: a second pass over the
    # cells of a written sheet would cost as much again.
    widest = [len(h) + 2 for h in headers]  # bold headers run wider
    # A number's shown width depends on its value and format only, and list
    # sheets repeat values (one unit price per user): measure each once.
    measured: dict[tuple[int, Any], int] = {}
    values_of = []
    for values in rows:
        row: list[Any] = []
        for i, value in enumerate(values):
            if value is None:
                row.append(None)
                continue
            if value.__class__ is str:
                # Printable text has no line break, tab or control character:
                # only its length can need text()'s care.
                if not value.isprintable() or len(value) > MAX_CELL:
                    value = text(value)
                n = len(value) if "\n" not in value else shown_width(value, "")
            else:
                value = text(value)
                try:
                    n = measured[i, value]
                except KeyError:
                    n = measured[i, value] = shown_width(value, formats[i] or "")
                except TypeError:  # unhashable
                    n = shown_width(value, formats[i] or "")
            if n > widest[i]:
                widest[i] = n
            row.append(value)
        if len(row) != len(cols):
            raise ValueError(f"a row of {len(row)} values for {len(cols)} columns")
        values_of.append(row)
    totals = None
    if total is not None:
        totals = [text(v) for v in total]
        for i, value in enumerate(totals):
            if value is not None:
                widest[i] = max(widest[i], shown_width(value, formats[i] or ""))
    widths = {}
    for i, (c, n) in enumerate(zip(cols, widest, strict=True), start=1):
        cap = c.max_width or (MAX_WRAP_WIDTH if c.wrap else MAX_WIDTH)
        widths[i] = max(MIN_WIDTH, min(cap, n + 2))
    wraps = frozenset(i for i, c in enumerate(cols, start=1) if c.wrap)
    heights: dict[int, float] = {}
    if wraps:
        wrapped = {i: widths[i] for i in wraps}
        for r, values in enumerate(values_of + ([totals] if totals else []), 2):
            height = row_height(values, wrapped)
            if height is not None:
                heights[r] = height
    return Plan(headers, formats, wraps, values_of, totals, widths, heights)


def _write(ws: Worksheet, plan: Plan) -> None:
    """Write a planned list sheet into an ordinary (random-access) worksheet."""
    ws.append(plan.headers)
    for cell in ws[1]:
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
    ncols = len(plan.headers)
    append: Callable[[Sequence[Any]], None] = ws.append
    for row, values in enumerate(plan.rows, start=2):
        append(values)
        for i, (value, fmt) in enumerate(zip(values, plan.formats, strict=True)):
            if isinstance(value, str):
                if value.startswith(FORMULA_START):
                    neutralise(ws.cell(row=row, column=i + 1))
            elif value is not None and fmt is not None:
                ws.cell(row=row, column=i + 1).number_format = fmt
        if plan.wraps:
            # Wrapped columns wrap; in a row of several lines the others keep
            # to its top (in a one-line row, top or bottom look the same).
            tall = row in plan.heights
            for i in range(1, ncols + 1):
                if i in plan.wraps:
                    ws.cell(row=row, column=i).alignment = WRAP
                elif tall:
                    ws.cell(row=row, column=i).alignment = TOP
    frame(ws, plan)
    if plan.total is not None:
        row = plan.last_row + 1
        for i, value in enumerate(plan.total, start=1):
            if value is not None:
                put(ws, row, i, value, number_format=plan.formats[i - 1], font=BOLD)
    for r, height in plan.heights.items():
        ws.row_dimensions[r].height = height


def frame(ws: Any, plan: Plan) -> None:
    """Frozen header, filter, widths and print settings of a list sheet."""
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(plan.headers))}{plan.last_row}"
    for i, width in plan.widths.items():
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.print_title_rows = "1:1"
    printable(ws)


def printable(ws: Worksheet) -> None:
    """Print landscape, all columns on the page width."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0


def autosize(
    ws: Worksheet, *, min_row: int, caps: Mapping[int, int] | None = None
) -> dict[int, int]:
    """Set each column's width from its longest shown value, within its cap.

    Returns the widths set, by column number.
    """
    caps = caps or {}
    widest: dict[int, int] = {}
    for r in ws.iter_rows(min_row=min_row):
        for cell in r:
            if cell.value is None:
                continue
            n = shown_width(cell.value, cell.number_format)
            if n > widest.get(cell.column, 0):
                widest[cell.column] = n
    widths = {}
    for col, n in widest.items():
        widths[col] = max(MIN_WIDTH, min(caps.get(col, MAX_WIDTH), n + 2))
        ws.column_dimensions[get_column_letter(col)].width = widths[col]
    return widths


def fit_rows(ws: Worksheet, widths: Mapping[int, int], first: int, last: int) -> None:
    """Make rows with wrapped text tall enough for it (no spreadsheet does it).

    The line count is estimated from the text length and the column width.
    """
    for r in range(first, last + 1):
        values = [ws.cell(row=r, column=col).value for col in widths]
        height = row_height(values, dict(enumerate(widths.values(), start=1)))
        if height is not None:
            ws.row_dimensions[r].height = height


def row_height(values: Sequence[Any], widths: Mapping[int, int]) -> float | None:
    """The height a row needs for its wrapped text, or None for one line.

    ``widths`` maps the wrapped columns (numbered from 1 within ``values``)
    to their widths.
    """
    lines = 1
    for col, width in widths.items():
        value = values[col - 1] if col <= len(values) else None
        if isinstance(value, str) and value:
            per = chars_per_line(width)
            n = sum(max(1, math.ceil(len(part) / per)) for part in value.split("\n"))
            lines = max(lines, n)
    if lines > 1:
        return min(LINE_HEIGHT * lines + 2, MAX_ROW_HEIGHT)
    return None


def chars_per_line(width: float) -> int:
    """About how many characters of text fit a column ``width`` wide.

    A width unit is one digit of the default font; text averages narrower.
    """
    return max(int(width * TEXT_PER_WIDTH) - 1, 1)


def shown_width(value: Any, number_format: str) -> int:
    """About how many characters a value takes on screen."""
    if isinstance(value, str):
        return max((len(line) for line in value.split("\n")), default=0)
    if isinstance(value, datetime):
        return 17
    if isinstance(value, date):
        return 12
    if isinstance(value, int | float | Decimal):
        digits = len(f"{value:,.2f}")
        extra = sum(1 for ch in number_format if ch not in "#,0.;-+")
        return digits + min(extra, 6)
    return len(str(value))
