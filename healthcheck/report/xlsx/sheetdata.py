"""A planned list sheet's rows written as SpreadsheetML text, without cell objects.

openpyxl's write-only mode still makes a cell object per value and an XML
element per cell; at 50,000 users that is most of a run's time. A list
sheet's cells are simple (text, a number, a date or a truth value, in one of
a handful of styles per column), so its ``<sheetData>`` is written here as
text, with the same markup openpyxl would give the same cells: inline
strings, ``xml:space="preserve"`` where a text starts or ends with space,
numbers as ``%.16g``, dates as serial numbers in a date style.

Everything around the rows (columns, views, filter, print settings, the
styles part) is still openpyxl's: :func:`splice` puts the rows into the
sheet file openpyxl wrote with an empty ``<sheetData/>``.

Text is never a formula here: every string is an inline string, so a value
starting with ``=`` stays text (its cell also gets the ``quotePrefix``
style, see :mod:`.cells`), and so does one that reads like an error code.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from numbers import Number
from pathlib import Path
from typing import Any

from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import CALENDAR_WINDOWS_1900, to_excel

from healthcheck.report.xlsx.cells import FORMULA_START

#: Style ids of one column (indices into the workbook's cell formats; 0 is
#: the default): plain text, a number, formula-like text, a date and time,
#: and a date alone.
Styles = tuple[int, int, int, int, int]

_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})
_EMPTY_SHEET_DATA = re.compile(rb"<sheetData\s*/>|<sheetData>\s*</sheetData>")
#: Rows written to the file at a time.
_CHUNK = 2_000


def _number(value: Any) -> str:
    """A number as openpyxl writes it (``safe_string``): NaN and infinity empty."""
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return ""
    return format(float(value), ".16g")


def _attr(style: int) -> str:
    return f' s="{style}"' if style else ""


def _cell(ref: str, value: Any, styles: Styles) -> str:
    """One ``<c>`` element; ``""`` for an empty, unstyled cell."""
    plain, number, formula, stamp, day = styles
    cls = value.__class__
    if cls is str:
        if not value:
            return f'<c r="{ref}"{_attr(plain)} t="inlineStr"/>'
        style = formula if value.startswith(FORMULA_START) else plain
        space = ' xml:space="preserve"' if value != value.strip() else ""
        return (
            f'<c r="{ref}"{_attr(style)} t="inlineStr"><is><t{space}>'
            f"{value.translate(_ESCAPES)}</t></is></c>"
        )
    if value is None:
        return f'<c r="{ref}"{_attr(plain)}/>' if plain else ""
    if cls is bool:
        return f'<c r="{ref}"{_attr(plain)} t="b"><v>{int(value)}</v></c>'
    if cls is int or cls is float or cls is Decimal:
        return f'<c r="{ref}"{_attr(number)} t="n"><v>{_number(value)}</v></c>'
    if isinstance(value, datetime | date | time | timedelta):
        if getattr(value, "tzinfo", None) is not None:
            raise TypeError(f"a date with a time zone cannot go into a cell: {ref}")
        serial = to_excel(value, CALENDAR_WINDOWS_1900)
        style = day if cls is date else stamp
        return f'<c r="{ref}"{_attr(style)} t="n"><v>{_number(serial)}</v></c>'
    if isinstance(value, Number) and not isinstance(value, complex):
        return f'<c r="{ref}"{_attr(number)} t="n"><v>{_number(value)}</v></c>'
    raise TypeError(f"cannot write {value!r} to cell {ref}")


def rows_xml(
    rows: Iterable[Sequence[Any]],
    styles: Sequence[Styles],
    *,
    first: int,
    row_attrs: dict[int, str],
    tall_styles: Sequence[Styles] | None = None,
    styled_blanks: bool = True,
) -> Iterator[str]:
    """The ``<row>`` elements of ``rows``, numbered from ``first``.

    ``styles`` gives each column's style ids; ``row_attrs`` the extra
    attributes of a row by number (its height), as openpyxl writes them, and
    a row that has them takes ``tall_styles`` when given. Without
    ``styled_blanks``, a None is no cell at all, styled or not.
    """
    letters = [get_column_letter(i) for i in range(1, len(styles) + 1)]
    for r, values in enumerate(rows, start=first):
        num = str(r)
        attrs = row_attrs.get(r, "")
        chosen = tall_styles if attrs and tall_styles is not None else styles
        parts = [f'<row r="{num}"{attrs}>']
        for letter, value, style in zip(letters, values, chosen, strict=True):
            if value is None and not styled_blanks:
                continue
            cell = _cell(letter + num, value, style)
            if cell:
                parts.append(cell)
        parts.append("</row>")
        yield "".join(parts)


def splice(path: Path, rows: Iterable[str]) -> None:
    """Put ``rows`` into the sheet file at ``path`` in place of its empty sheetData.

    The file is rewritten through a sibling and renamed over the original.

    Raises:
        ValueError: the file has no empty ``<sheetData/>`` (openpyxl changed).
    """
    raw = path.read_bytes()
    match = _EMPTY_SHEET_DATA.search(raw)
    if match is None:
        raise ValueError(f"{path.name}: no empty <sheetData/> to fill")
    tmp = path.with_name(path.name + ".rows")
    try:
        with open(tmp, "w", encoding="utf-8", errors="replace", newline="") as out:
            out.buffer.write(raw[: match.start()])
            out.write("<sheetData>")
            chunk: list[str] = []
            for row in rows:
                chunk.append(row)
                if len(chunk) >= _CHUNK:
                    out.write("".join(chunk))
                    chunk.clear()
            out.write("".join(chunk))
            out.write("</sheetData>")
            out.flush()
            out.buffer.write(raw[match.end() :])
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
