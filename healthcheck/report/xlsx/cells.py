"""Cell safety: text a workbook can hold, never run as a formula; safe sheet names.

Formula injection: tenant and export text is written as a *string* cell,
never a formula, whatever it starts with. A string that a spreadsheet would
read as a formula if it were typed in (``= + - @``, tab, CR or LF first) also
gets the cell style ``quotePrefix``, Excel's own "this was typed with a
leading apostrophe": the value stays exactly the tenant's text (an account
called ``-svc-backup`` or a phone number ``+358 40 ...`` is shown and copied
as it is), and editing the cell keeps it text. We do not prepend an apostrophe
to the value: that would change the data a reader sees and copies. Characters
XML cannot carry become U+FFFD, and text beyond Excel's 32,767 characters a
cell is cut. A carriage return becomes a line break (XML reads a bare CR
back as LF anyway, so the stored text is what a reader gets).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

#: A text starting with one of these would be a formula if typed into a cell.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")
#: Excel's limit on the characters of one cell.
MAX_CELL = 32_767
#: Characters a sheet name may not contain.
SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
MAX_SHEET_NAME = 31


def text(value: Any) -> Any:
    """A value as a workbook may hold it: XML-safe text within Excel's limit.

    Any line break becomes LF. Other values are returned unchanged. Formula
    neutralisation happens when the cell is written (see :func:`put`): it
    never alters the text.
    """
    if not isinstance(value, str):
        return value
    if "\r" in value:
        value = value.replace("\r\n", "\n").replace("\r", "\n")
    if ILLEGAL_CHARACTERS_RE.search(value):
        value = ILLEGAL_CHARACTERS_RE.sub("\ufffd", value)
    if len(value) > MAX_CELL:
        value = value[: MAX_CELL - 1] + "\u2026"
    return value


def looks_like_formula(value: Any) -> bool:
    """True when ``value`` is text a spreadsheet would read as a formula."""
    return isinstance(value, str) and value.startswith(FORMULA_START)


def neutralise(cell: Any) -> None:
    """Make a cell that holds text keep it as text: a string, quote-prefixed."""
    cell.data_type = "s"
    cell.quotePrefix = True


def safe_sheet_name(wanted: str, taken: Iterable[str]) -> str:
    r"""A valid, unique sheet name close to ``wanted``.

    Excel allows at most 31 characters, none of ``[]:*?/\``, no apostrophe
    at either end, and compares names without case; ``History`` is reserved.
    A long name is cut at a word and ends in an ellipsis; a taken one gets a
    number.
    """
    used = {n.casefold() for n in taken}
    base = SHEET_FORBIDDEN.sub(" ", wanted)
    base = re.sub(r"\s+", " ", base).strip().strip("'").strip()
    if not base or base.casefold() == "history":
        base = (base + " 1").strip()
    name = _shorten(base, MAX_SHEET_NAME)
    n = 2
    while name.casefold() in used:
        suffix = f" ({n})"
        name = _shorten(base, MAX_SHEET_NAME - len(suffix)) + suffix
        n += 1
    return name


def _shorten(name: str, limit: int) -> str:
    """``name`` in at most ``limit`` characters, cut at a word if it can be."""
    if len(name) <= limit:
        return name
    cut = name[: limit - 1]
    word = cut.rsplit(" ", 1)[0]
    if len(word) >= limit - 8:  # a word boundary, unless it costs too much
        cut = word
    return cut.rstrip().rstrip("'").rstrip() + "\u2026"
