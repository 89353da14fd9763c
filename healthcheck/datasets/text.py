"""Cells as text: strip, factorise and expand, once per distinct value.

The shared machinery of the cell parsers (:mod:`.dates`, :mod:`.numbers`,
:mod:`.validate`) and of collectors that map a column through a lookup.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd


def _blank(series: pd.Series) -> pd.Series:
    text = series.astype("string").str.strip()
    return series.isna() | text.isna() | (text == "")


# --- Cells as text -------------------------------------------------------------
#
# pandas' string methods cost a Python call per cell and more per method; a
# 50,000-row export has few distinct values in most columns. So cells are
# stripped once with a list comprehension, factorised (hashing in C), and
# every parse below works on the distinct values only, then expands back.


def _is_na(v: object) -> bool:
    return v is None or v is pd.NA or v is pd.NaT or (isinstance(v, float) and v != v)


def _strip(v: object) -> str | None:
    if isinstance(v, str):
        return v.strip() or None
    return None if _is_na(v) else (str(v).strip() or None)


#: Columns whose first cells are mostly distinct (names, ids, timestamps) are
#: not factorised: hashing 50,000 distinct strings costs more than the one
#: strip per cell it would save.
_SAMPLE = 2000


def _mostly_distinct(raw: np.ndarray) -> bool:
    head = raw[:_SAMPLE]
    try:
        return len(raw) > _SAMPLE and len(set(head.tolist())) > len(head) // 2
    except TypeError:  # unhashable cells (lists from JSON): factorise
        return False


def _cells(series: pd.Series) -> np.ndarray:
    """The cells as an object array; missing ones may be None or NaN.

    An object column is taken as it is (no copy): every use below reads NaN
    and None alike.
    """
    if series.dtype == object:
        return series.to_numpy()
    return series.to_numpy(dtype=object, na_value=None)


cells = _cells


def _factorize(
    series: pd.Series, *, lower: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """(codes, stripped distinct values); code -1 marks a missing or blank cell.

    ``lower`` lower-cases the values too.

    Factorising the raw cells first (hashing in C) means only the distinct
    values are stripped in Python; cells that strip to nothing join -1. A
    column of mostly distinct values skips the hashing: every cell is its
    own "distinct value" then, which every caller handles alike.

    The distinct values may be the column's own array (see :func:`_clean`):
    callers must not write into them.
    """
    raw = _cells(series)
    if _mostly_distinct(raw):
        codes, uniques = np.arange(len(raw), dtype=np.intp), raw
    else:
        codes, uniques = pd.factorize(raw, use_na_sentinel=True)
    stripped, blank = _clean(uniques, lower=lower)
    if blank is not None:
        codes = np.where((codes < 0) | blank[np.maximum(codes, 0)], -1, codes)
    return codes, stripped


#: Bytes at or below this are ASCII whitespace (or control characters).
_SPACE = 32


def _joined(texts: list[object]) -> str | None:
    """``texts`` joined by NUL when all are ASCII text, else None.

    Such a string lets a column be checked (or lower-cased) with one C call
    instead of one per cell; :func:`_stripped_already` also proves that no
    text holds a NUL of its own.
    """
    try:
        joined = "\x00".join(texts)  # type: ignore[arg-type]
    except TypeError:  # not all text
        return None
    return joined if joined.isascii() else None


def _stripped_already(joined: str, n: int) -> bool:
    """True when the ``n`` texts in ``joined`` (see :func:`_joined`) need no strip.

    That is: NULs alone split them, and none is blank or starts or ends with
    whitespace. Only the bytes next to each separator and at the two ends are
    looked at: a byte there at or below a space (whitespace, or the separator
    of an empty text) means the texts are stripped one by one after all.
    """
    if not joined:
        return False
    buf = np.frombuffer(joined.encode("ascii"), dtype=np.uint8)
    sep = np.flatnonzero(buf == 0)
    if len(sep) != n - 1 or buf[0] <= _SPACE or buf[-1] <= _SPACE:
        return False
    return not ((buf[sep - 1] <= _SPACE).any() or (buf[sep + 1] <= _SPACE).any())


def _clean(
    values: np.ndarray, *, lower: bool = False
) -> tuple[np.ndarray, np.ndarray | None]:
    """(texts stripped, None for a blank or missing one; mask of those or None).

    ``lower`` lower-cases them too. When every value is ASCII text that is
    already stripped (and lower-case, if asked), ``values`` itself is
    returned, with no mask: proving that costs one join, not a new string
    per value. The mask is None when nothing is blank.
    """
    texts = values.tolist()
    joined = _joined(texts)
    if joined is not None and _stripped_already(joined, len(texts)):
        if not lower:
            return values, None
        low = joined.lower()
        if low == joined:
            return values, None
        out = np.empty(len(texts), dtype=object)
        out[:] = low.split("\x00")
        return out, None
    try:  # all text, the common case: one C-level map
        stripped = np.array(list(map(str.strip, texts)), dtype=object)
        blank = stripped == ""
    except TypeError:  # missing cells or numbers among them
        stripped = np.array(
            [(v.strip() or None) if type(v) is str else _strip(v) for v in texts],
            dtype=object,
        )
        blank = pd.isna(stripped)
    if blank.any():
        stripped[blank] = None
    else:
        blank = None
    if lower and len(stripped):
        stripped[:] = _lower_all(stripped)
    return stripped, blank


def all_distinct(frame: pd.DataFrame) -> bool:
    """True when no row of ``frame`` repeats another (missing cells alike).

    A Python set of the rows, cheaper than hashing them in pandas when, as
    usual, the answer is yes; False when unsure (then compare properly).
    """
    cols = [_cells(frame[c]) for c in frame.columns]
    if not cols:
        return False
    for col, c in zip(cols, frame.columns, strict=True):
        # Typed columns give None for a missing cell (one object, so equal
        # in a set); an object column might hold NaN, which is not.
        if frame[c].dtype == object and (
            pd.api.types.infer_dtype(col, skipna=False) != "string"
        ):
            return False
    rows = cols[0].tolist() if len(cols) == 1 else list(zip(*cols, strict=True))
    try:
        return len(set(rows)) == len(rows)
    except TypeError:  # unhashable cells
        return False


def text_values(series: pd.Series) -> np.ndarray:
    """Cells as stripped text in an object array; None for missing or blank."""
    codes, stripped = _factorize(series)
    return _expand(stripped, codes, None)


def group_codes(series: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """(codes, distinct stripped texts) for grouping: each text once.

    Unlike :func:`_distinct`, cells that strip alike share a code. Code -1
    marks a missing or blank cell.
    """
    codes, stripped = _factorize(series)
    if not len(stripped):
        return codes, np.array([], dtype=object)
    # Blank values were given code -1 already; a placeholder keeps them
    # out of the distinct texts.
    inner, names = pd.factorize(np.where(pd.isna(stripped), "", stripped))
    out = np.where(codes >= 0, inner[np.maximum(codes, 0)], -1)
    used = np.zeros(len(names), dtype=bool)
    used[out[out >= 0]] = True
    if used.all():
        return out, np.asarray(names, dtype=object)
    remap = np.cumsum(used) - 1
    return np.where(out >= 0, remap[np.maximum(out, 0)], -1), np.asarray(
        names, dtype=object
    )[used]


def _distinct(series: pd.Series) -> tuple[np.ndarray, pd.Series]:
    """(codes, distinct non-missing texts); code -1 marks a missing cell.

    A text may appear twice among the distinct ones (" a" and "a" strip
    alike); every use below maps each one independently, so that is harmless.
    """
    codes, texts = _factorize(series)
    # A blank text (None) is the value of blank cells alone, and those have
    # code -1: without such a code there is none to replace.
    if (codes < 0).any():
        texts = texts.copy()
        texts[texts == None] = ""  # noqa: E711 - elementwise, in C
    return codes, pd.Series(texts, dtype=object, copy=False)


def distinct(series: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """(codes, distinct stripped texts) of a column; code -1 is a blank cell.

    For mapping a column through a lookup once per distinct text; see
    :func:`_distinct` for the caveat on texts that strip alike.
    """
    codes, texts = _distinct(series)
    return codes, texts.to_numpy(dtype=object, copy=True)


def _expand(
    values: pd.Series | np.ndarray, codes: np.ndarray, fill: object
) -> np.ndarray:
    """Per-cell values from per-distinct ones; ``fill`` where the code is -1."""
    arr = np.asarray(values)
    if not len(arr):
        return np.full(len(codes), fill)
    missing = codes < 0
    if len(arr) == len(codes) and _identity(codes, missing):
        out = arr.copy()  # each cell its own value, as for distinct columns
    else:
        out = arr[np.where(missing, 0, codes)]  # a new array
    if missing.any():
        out[missing] = fill
    return out


def _identity(codes: np.ndarray, missing: np.ndarray) -> bool:
    """True when each code is its own position or -1 (no gather needed)."""
    return bool(((codes == np.arange(len(codes))) | missing).all())


def lower_values(raw: pd.Series) -> pd.Series:
    """Cells stripped and lower-cased (one C call for the column); None if blank."""
    codes, uniq = _factorize(raw, lower=True)
    return pd.Series(_expand(uniq, codes, None), index=raw.index, dtype=object)


def map_distinct(raw: pd.Series, lookup: Callable[[str], object]) -> pd.Series:
    """Apply ``lookup`` to each distinct stripped text; missing cells stay None."""
    codes, uniq = _distinct(raw)
    mapped = np.array([lookup(v) for v in uniq.tolist()], dtype=object)
    return pd.Series(_expand(mapped, codes, None), index=raw.index, dtype=object)


def _mapped(
    raw: pd.Series, lookup: Callable[[str], object]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Map each distinct cell: (values, unreadable mask, missing mask).

    ``lookup`` returns None for a text it cannot read; whether a cell is
    unreadable is decided per distinct text too, not per cell.
    """
    codes, uniq = _distinct(raw)
    mapped = np.array([lookup(v) for v in uniq.tolist()], dtype=object)
    unread = mapped == None  # noqa: E711 - elementwise, in C
    values = _expand(mapped, codes, None)
    return values, _expand(unread, codes, False).astype(bool), codes < 0


def _lower_all(values: np.ndarray) -> list[str | None]:
    """Lower-case distinct texts; None stays None.

    Texts without a None or a NUL are lowered as one joined string (one C
    call instead of one per text).
    """
    texts = values.tolist()
    if None not in texts:
        joined = "\x00".join(texts)
        if joined.count("\x00") == len(texts) - 1:
            return list(joined.lower().split("\x00"))
    return [v.lower() if isinstance(v, str) else v for v in values]
