"""The validator every row passes: :func:`build`, and :func:`to_records` back.

Collectors rename source columns to canonical names and hand the raw cell
values to :func:`build`. It converts each column to its declared kind, rejects
rows whose cells cannot be read (keeping the file, row, column and reason),
and raises :class:`~healthcheck.errors.InputError` when a required column is
absent or nothing usable remains.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime

import numpy as np
import pandas as pd

from healthcheck.datasets.dates import read_dates, to_ns
from healthcheck.datasets.numbers import _read_numbers
from healthcheck.datasets.schema import (
    BOOL,
    CHOICE,
    DATE,
    DATETIME,
    FLOAT,
    INT,
    NUMBER_MAX,
    SCHEMAS,
    Column,
)
from healthcheck.datasets.text import (
    _distinct,
    _expand,
    _factorize,
    _mapped,
    all_distinct,
)
from healthcheck.errors import InputError
from healthcheck.model import Dataset, Rejected, SourceFile

TRUE = {"true", "yes", "y", "1", "enabled", "on"}
FALSE = {"false", "no", "n", "0", "disabled", "off"}


def _convert(
    col: Column, raw: pd.Series, *, date_order: str | None = None, lower: bool = False
) -> tuple[pd.Series, pd.Series]:
    """Convert one raw column; return (values, mask of unreadable cells).

    ``lower`` lower-cases a text column (user principal names).

    A date column that arrives already typed (datetime64) is taken as it is:
    collectors that parsed with more context (the file's day/month order)
    did the work.
    """
    if col.kind in (DATE, DATETIME) and pd.api.types.is_datetime64_any_dtype(raw):
        parsed, out_of_range = to_ns(raw)
        if col.kind == DATE:
            parsed = parsed.dt.normalize()
        missing = parsed.isna() & ~out_of_range
        return parsed, out_of_range | (missing & (not col.nullable))
    if col.kind in (DATE, DATETIME):
        parsed, bad = read_dates(raw, date_order)
        if col.kind == DATE:
            parsed = parsed.dt.normalize()
        missing = parsed.isna() & ~bad
        return parsed, bad | (missing & (not col.nullable))
    if col.kind == BOOL:
        low = {**dict.fromkeys(TRUE, 1), **dict.fromkeys(FALSE, 0)}
        codes, uniq = _distinct(raw)
        # 1 true, 0 false, -1 unreadable, per distinct text; -2 for blanks.
        flags_u = np.array([low.get(v.lower(), -1) for v in uniq.tolist()], np.int8)
        flags = np.where(
            codes >= 0, flags_u[np.maximum(codes, 0)] if len(uniq) else -2, -2
        )
        missing = pd.Series(flags == -2, index=raw.index)
        bad = pd.Series(flags == -1, index=raw.index)
        values = pd.arrays.BooleanArray(flags == 1, flags < 0)
        return pd.Series(values, index=raw.index), bad | (missing & (not col.nullable))
    if col.kind in (INT, FLOAT):
        num, missing = _read_numbers(raw)
        values = num.to_numpy(dtype=float, na_value=np.nan)
        # NaN fails every comparison, so unreadable cells fail here too.
        ok = np.isfinite(values) & (values >= 0) & (values <= NUMBER_MAX)
        if col.kind == INT:
            ok &= np.floor(values) == values
        bad = pd.Series(~ok, index=raw.index) & ~missing
        num = num.where(~bad)
        num = num.astype("Int64" if col.kind == INT else "Float64")
        return num, bad | (missing & (not col.nullable))
    if col.kind == CHOICE:
        choices = col.choices or {}
        got, bad_np, missing_np = _mapped(
            raw, lambda v: choices.get(v.lower().replace("\u2019", "'"))
        )
        return pd.Series(pd.array(got, dtype="string"), index=raw.index), pd.Series(
            bad_np | (missing_np & (not col.nullable)), index=raw.index
        )
    codes, uniq = _factorize(raw, lower=lower)
    vals = _expand(uniq, codes, None)
    missing = pd.Series(codes < 0, index=raw.index)
    return (
        pd.Series(pd.array(vals, dtype="string"), index=raw.index),
        missing & (not col.nullable),
    )


def build(
    name: str,
    raw: pd.DataFrame,
    *,
    collector: str,
    collected_at: datetime,
    origin: Sequence[tuple[str, int]],
    sources: Sequence[SourceFile] = (),
    rejected: Sequence[Rejected] = (),
    source_columns: Mapping[str, str] | None = None,
) -> Dataset:
    """Validate ``raw`` (canonical column names, raw cells) into a :class:`Dataset`.

    Args:
        name: canonical dataset name.
        raw: one row per source row, columns already renamed to canonical names.
        collector: name of the collector, for the evidence ledger.
        collected_at: when the source was read.
        origin: (file, row number as the user sees it) for each row of ``raw``.
        sources: the files read, for the evidence manifest.
        rejected: rows the collector already rejected while parsing.
        source_columns: canonical name -> the header the user sees, for messages.

    Raises:
        InputError: a required column is absent, or no row is usable.
    """
    sch = SCHEMAS[name]
    shown_as = dict(source_columns or {})
    if not isinstance(origin, Sequence):
        origin = list(origin)
    where = origin[0][0] if origin else (sources[0].path if sources else name)
    for col in sch.columns:
        if col.name not in raw.columns and not col.optional:
            raise InputError(
                f"required column for {sch.title.lower()} is missing",
                file=where,
                column=shown_as.get(col.name, col.name),
            )
    raw = raw.reset_index(drop=True)
    out: dict[str, pd.Series] = {}
    bad_any = np.zeros(len(raw), dtype=bool)
    reasons: dict[int, Rejected] = {}
    for col in sch.columns:
        if col.name not in raw.columns:
            continue
        values, bad = _convert(col, raw[col.name], lower=col.name == "upn")
        out[col.name] = values
        bad_np = np.asarray(bad, dtype=bool)
        for idx in np.flatnonzero(bad_np & ~bad_any).tolist():
            cell = raw[col.name].iat[idx]
            shown = (
                ""
                if cell is None or (isinstance(cell, float) and pd.isna(cell))
                else str(cell)
            )
            file, line = origin[idx] if idx < len(origin) else (where, idx + 2)
            reasons[idx] = Rejected(
                source=file,
                row=line,
                column=shown_as.get(col.name, col.name),
                reason=f"expected {col.expected()}, got {shown!r}",
            )
        bad_any |= bad_np
    frame = pd.DataFrame(out)
    if sch.key:
        key_cols = [k for k in sch.key if k in frame.columns]
        if all_distinct(frame[key_cols]):
            dup = np.zeros(len(frame), dtype=bool)
        else:
            dup = frame[key_cols].duplicated(keep="first").to_numpy() & ~bad_any
        exact = np.zeros(len(frame), dtype=bool)
        if dup.any():
            # An exact repeat repeats its key: compare whole rows there only.
            same_key = frame[key_cols].duplicated(keep=False).to_numpy()
            exact[same_key] = frame[same_key].duplicated(keep="first").to_numpy()
            exact &= ~bad_any
        # Identical repeated rows are folded quietly; a key repeated with other
        # values is a contradiction the user must see.
        for idx in np.flatnonzero(dup & ~exact).tolist():
            file, line = origin[idx] if idx < len(origin) else (where, idx + 2)
            reasons[idx] = Rejected(
                source=file,
                row=line,
                column=",".join(shown_as.get(k, k) for k in key_cols),
                reason="duplicate of an earlier row with different values",
            )
        bad_any |= dup
    if bad_any.any():
        frame = frame[~bad_any].reset_index(drop=True)
    all_rejected = tuple(rejected) + tuple(reasons[i] for i in sorted(reasons))
    if frame.empty and len(raw) > 0:
        first = all_rejected[0] if all_rejected else None
        raise InputError(
            f"no usable {sch.title.lower()} rows: all {len(raw)} rows were rejected"
            + (f"; first: {first.reason}" if first else ""),
            file=first.source if first else where,
            row=first.row if first else None,
            column=first.column if first else None,
        )
    return Dataset(
        name=name,
        collector=collector,
        frame=frame,
        collected_at=collected_at,
        sources=tuple(sources),
        rejected=all_rejected,
    )


def to_records(name: str, frame: pd.DataFrame) -> list[tuple[object, ...]]:
    """Rows of a canonical frame as JSON-ready tuples: ISO dates, None for missing.

    Built a column at a time (numpy and pandas conversions, not a Python
    call per cell: a 50,000-user tenant has about a million cells), then
    zipped into rows.
    """
    cols = list(to_columns(name, frame))
    return list(zip(*cols, strict=True)) if cols else []


def to_columns(name: str, frame: pd.DataFrame) -> Iterator[list[object]]:
    """Each column of a canonical frame as a JSON-ready list, one at a time."""
    sch = SCHEMAS[name]
    for col in frame.columns:
        yield _json_column(sch.column(col).kind, frame[col])


def _json_column(kind: str, s: pd.Series) -> list[object]:
    """One column's values as JSON-ready Python objects."""
    if kind in (DATE, DATETIME) and s.dtype.kind == "M" and s.dt.tz is None:
        values = s.to_numpy()
        missing = np.isnat(values)
        if kind == DATE:
            text = np.datetime_as_string(values, unit="D")
        else:
            text = np.datetime_as_string(values, unit="s")
        out = text.astype(object)
        if kind == DATETIME:
            # Whole seconds read as isoformat() writes them; a time with a
            # fraction (rare in exports) is written by isoformat() itself.
            fraction = ~missing & (values != values.astype("datetime64[s]"))
            for i in np.flatnonzero(fraction).tolist():
                out[i] = s.iat[i].isoformat()
        out[missing] = None
        return out.tolist()
    if kind == DATE:
        return [None if pd.isna(v) else v.date().isoformat() for v in s]
    if kind == DATETIME:
        return [None if pd.isna(v) else v.isoformat() for v in s]
    if isinstance(s.dtype, pd.api.extensions.ExtensionDtype):
        # Int64, Float64, boolean and string arrays give Python ints, floats,
        # bools and strs; a missing value (NA, or a NaN a float column may
        # hold) is None.
        out = s.to_numpy(dtype=object, na_value=None)
        out[pd.isna(out)] = None
        return out.tolist()
    return [None if pd.isna(v) else (v.item() if hasattr(v, "item") else v) for v in s]
