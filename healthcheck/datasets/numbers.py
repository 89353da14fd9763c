"""Numbers with a decimal point or a decimal comma, units and separators."""

from __future__ import annotations

import numpy as np
import pandas as pd

from healthcheck.datasets.text import _cells, _distinct, _expand

# --- Numbers -----------------------------------------------------------------

_UNIT = r"\s*(?:[KMGT]i?B|bytes|%)\s*$"


def _clean_numbers(text: pd.Series, decimal: str | None) -> pd.Series:
    text = text.str.replace(r"[\s\u00a0\u202f']", "", regex=True)
    text = text.str.replace(_UNIT, "", regex=True, case=False)
    if decimal is None:
        has_comma = text.str.contains(",", regex=False, na=False)
        decimal = "."
        if has_comma.any():
            comma = text[has_comma]
            eu = comma.str.contains(r"\.\d{3},", na=False) | comma.str.contains(
                r"^-?\d*,(?:\d{1,2}|\d{4,})$", na=False
            )
            us = comma.str.contains(r",\d{3}\.", na=False)
            if eu.any() and not us.any():
                decimal = ","
    if decimal == ",":
        text = text.str.replace(".", "", regex=False).str.replace(",", ".")
    else:
        text = text.str.replace(",", "", regex=False)
    return pd.to_numeric(text, errors="coerce")


def parse_numbers(text: pd.Series, decimal: str | None = None) -> pd.Series:
    """Parse number text, with a decimal point or a decimal comma.

    ``decimal`` is ``"."`` or ``","``; None decides per column: a comma with
    no point, followed by other than exactly three digits (``12,5``), or a
    point used as a thousands separator before a comma (``1.234,5``), means a
    decimal comma. Spaces, non-breaking spaces and apostrophes are thousands
    separators everywhere, and a unit suffix (MB, GB, %) is dropped.
    Unparseable cells are NaN. Each distinct text is parsed once.
    """
    return _read_numbers(text, decimal)[0]


def _read_numbers(
    text: pd.Series, decimal: str | None = None
) -> tuple[pd.Series, pd.Series]:
    """:func:`parse_numbers` and the mask of blank cells, from one pass."""
    if decimal is None and len(text):
        # Plain whole numbers in every cell, the common case: ASCII digits
        # only (so int() has nothing else to accept), in one C-speed call.
        cells = _cells(text)
        if pd.api.types.infer_dtype(cells, skipna=False) == "string":
            joined = "".join(cells.tolist())
            if joined.isascii() and joined.isdigit():
                try:
                    whole = cells.astype(np.int64)
                except (ValueError, OverflowError):
                    whole = None  # an empty cell, or too many digits
                if whole is not None:
                    num = pd.Series(whole, index=text.index, dtype="Float64")
                    return num, pd.Series(False, index=text.index)
    codes, uniq = _distinct(text)
    blank = pd.Series(codes < 0, index=text.index)
    if not len(uniq):
        return pd.Series(np.nan, index=text.index, dtype="Float64"), blank
    num = pd.to_numeric(uniq, errors="coerce")
    if decimal is not None or num.isna().any():
        # Plain numbers were the fast path; anything else is cleaned, and the
        # whole column decides its decimal mark together.
        num = _clean_numbers(uniq.astype("string"), decimal).astype(float)
    values = _expand(num.to_numpy(dtype=float, na_value=np.nan), codes, np.nan)
    return pd.Series(values, index=text.index, dtype="Float64"), blank
