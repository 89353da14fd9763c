"""Writing cells and list sheets: headers, filters, widths, row heights, print."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.hyperlink import Hyperlink
from openpyxl.worksheet.worksheet import Worksheet

from healthcheck.report.xlsx.cells import (
    FORMULA_START,
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
    """
    headers = [text(c.header) for c in cols]
    ws.append(headers)
    for cell in ws[1]:
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
    formats = [c.number_format for c in cols]
    wraps = [i for i, c in enumerate(cols, start=1) if c.wrap]
    # Widths are measured while writing: a second pass over 50,000 cells costs.
    widest = [len(h) + 2 for h in headers]  # bold headers run wider
    row = 1
    append: Callable[[Sequence[Any]], None] = ws.append
    for values in rows:
        values = [text(v) for v in values]
        append(values)
        row += 1
        for i, (value, fmt) in enumerate(zip(values, formats, strict=True)):
            if isinstance(value, str):
                n = len(value) if "\n" not in value else shown_width(value, "")
                if value.startswith(FORMULA_START):
                    neutralise(ws.cell(row=row, column=i + 1))
            elif value is None:
                continue
            else:
                n = shown_width(value, fmt or "")
                if fmt is not None:
                    ws.cell(row=row, column=i + 1).number_format = fmt
            if n > widest[i]:
                widest[i] = n
        if wraps:
            for i in range(1, len(cols) + 1):
                ws.cell(row=row, column=i).alignment = WRAP if i in wraps else TOP
    last = get_column_letter(len(cols))
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{last}{row}"
    if total is not None:
        row += 1
        for i, value in enumerate(total, start=1):
            if value is not None:
                put(ws, row, i, value, number_format=formats[i - 1], font=BOLD)
                widest[i - 1] = max(
                    widest[i - 1], shown_width(value, formats[i - 1] or "")
                )
    widths = {}
    for i, (c, n) in enumerate(zip(cols, widest, strict=True), start=1):
        cap = c.max_width or (MAX_WRAP_WIDTH if c.wrap else MAX_WIDTH)
        widths[i] = max(MIN_WIDTH, min(cap, n + 2))
        ws.column_dimensions[get_column_letter(i)].width = widths[i]
    if wraps:
        fit_rows(ws, {i: widths.get(i, MIN_WIDTH) for i in wraps}, 2, row)
    ws.print_title_rows = "1:1"
    printable(ws)
    return ws


def printable(ws: Worksheet) -> None:
    """Print landscape, all columns on the page width."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
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
        lines = 1
        for col, width in widths.items():
            value = ws.cell(row=r, column=col).value
            if isinstance(value, str) and value:
                per = chars_per_line(width)
                n = sum(
                    max(1, math.ceil(len(part) / per)) for part in value.split("\n")
                )
                lines = max(lines, n)
        if lines > 1:
            ws.row_dimensions[r].height = min(LINE_HEIGHT * lines + 2, MAX_ROW_HEIGHT)


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
