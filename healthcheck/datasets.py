"""Canonical datasets: one declared schema each, and the validator every row passes.

Collectors rename source columns to canonical names and hand the raw cell
values to :func:`build`. It converts each column to its declared kind, rejects
rows whose cells cannot be read (keeping the file, row, column and reason),
and raises :class:`~healthcheck.errors.InputError` when a required column is
absent or nothing usable remains. Rules only ever see frames built here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

import pandas as pd

from healthcheck.errors import InputError
from healthcheck.model import Dataset, Rejected, SourceFile

TEXT, BOOL, DATE, DATETIME, INT, FLOAT, CHOICE = (
    "text",
    "bool",
    "date",
    "datetime",
    "int",
    "float",
    "choice",
)

#: Spellings of "no date" that exports use; they read as missing, not as errors.
NO_DATE = {"", "never", "none", "n/a", "na", "-", "null", "nat"}
TRUE = {"true", "yes", "y", "1", "enabled", "on"}
FALSE = {"false", "no", "n", "0", "disabled", "off"}


@dataclass(frozen=True, kw_only=True, slots=True)
class Column:
    """A canonical column.

    ``optional`` columns may be absent from a dataset altogether (the source
    does not carry them); rules that need one declare ``dataset.column`` in
    ``requires`` and are not assessed without it. ``nullable`` cells may be empty.
    """

    name: str
    kind: str
    nullable: bool = False
    optional: bool = False
    choices: Mapping[str, str] | None = None
    description: str = ""

    def expected(self) -> str:
        """Say what a valid cell looks like, for error messages."""
        return {
            TEXT: "text",
            BOOL: "True or False",
            DATE: "a date like 2026-03-31",
            DATETIME: "a date and time like 2026-03-31 14:05:00",
            INT: "a whole number",
            FLOAT: "a number",
            CHOICE: "one of " + ", ".join(sorted(set((self.choices or {}).values()))),
        }[self.kind]


@dataclass(frozen=True, kw_only=True, slots=True)
class Schema:
    """A canonical dataset's name, columns and key."""

    name: str
    title: str
    columns: tuple[Column, ...]
    key: tuple[str, ...] = ()

    def column(self, name: str) -> Column:
        """Look a column up by name."""
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(name)


def _c(name: str, kind: str, **kw: object) -> Column:
    return Column(name=name, kind=kind, **kw)  # type: ignore[arg-type]


_ANSWERS = {
    "yes": "yes",
    "partly": "partly",
    "partially": "partly",
    "no": "no",
    "don't know": "dont_know",
    "dont know": "dont_know",
    "dont_know": "dont_know",
    "unknown": "dont_know",
}

SCHEMAS: dict[str, Schema] = {
    s.name: s
    for s in (
        Schema(
            name="users",
            title="User accounts",
            key=("upn",),
            columns=(
                _c("upn", TEXT, description="user principal name, lower case"),
                _c("display_name", TEXT, nullable=True),
                _c("user_type", CHOICE, choices={"member": "member", "guest": "guest"}),
                _c("enabled", BOOL, description="False when sign-in is blocked"),
                _c("created", DATETIME, nullable=True),
                _c(
                    "last_activity",
                    DATE,
                    nullable=True,
                    optional=True,
                    description="last sign-in or service activity; empty means never",
                ),
            ),
        ),
        Schema(
            name="licence_skus",
            title="Licence subscriptions",
            key=("sku",),
            columns=(
                _c("sku", TEXT, description="SKU part number, e.g. SPB"),
                _c("name", TEXT, nullable=True),
                _c("purchased", INT, description="enabled prepaid units"),
                _c("assigned", INT, nullable=True),
            ),
        ),
        Schema(
            name="licence_assignments",
            title="Licence assignments",
            key=("upn", "sku"),
            columns=(
                _c("upn", TEXT),
                _c(
                    "sku",
                    TEXT,
                    description="SKU part number, or the product name if unknown",
                ),
            ),
        ),
        Schema(
            name="devices",
            title="Managed devices",
            key=("device_id",),
            columns=(
                _c("device_id", TEXT),
                _c("name", TEXT),
                _c("os", TEXT),
                _c("os_version", TEXT, nullable=True),
                _c("last_check_in", DATETIME, nullable=True),
                _c("compliance", TEXT, nullable=True),
                _c("encrypted", BOOL, nullable=True, optional=True),
                _c("total_storage_mb", FLOAT, nullable=True, optional=True),
                _c("free_storage_mb", FLOAT, nullable=True, optional=True),
                _c("primary_user", TEXT, nullable=True),
            ),
        ),
        Schema(
            name="backup_jobs",
            title="Backup jobs",
            key=("job",),
            columns=(
                _c("job", TEXT),
                _c("system", TEXT, nullable=True),
                _c("last_run", DATETIME, nullable=True),
                _c(
                    "last_result",
                    CHOICE,
                    choices={
                        "success": "success",
                        "succeeded": "success",
                        "ok": "success",
                        "completed": "success",
                        "warning": "warning",
                        "failed": "failed",
                        "failure": "failed",
                        "error": "failed",
                    },
                ),
                _c("last_success", DATETIME, nullable=True),
            ),
        ),
        Schema(
            name="role_assignments",
            title="Privileged role assignments",
            key=("upn", "role", "assignment"),
            columns=(
                _c("upn", TEXT),
                _c("role", TEXT),
                _c(
                    "assignment",
                    CHOICE,
                    choices={
                        "permanent": "permanent",
                        "active": "permanent",
                        "eligible": "eligible",
                    },
                ),
            ),
        ),
        Schema(
            name="mfa_registration",
            title="MFA registration",
            key=("upn",),
            columns=(
                _c("upn", TEXT),
                _c("mfa_registered", BOOL),
                _c("is_admin", BOOL, nullable=True),
                _c("methods", TEXT, nullable=True),
            ),
        ),
        Schema(
            name="interview_answers",
            title="Interview answers",
            key=("question_id",),
            columns=(
                _c("question_id", TEXT),
                _c("layer", TEXT),
                _c("question", TEXT),
                _c(
                    "answer",
                    CHOICE,
                    nullable=True,
                    choices=_ANSWERS,
                    description="empty when not answered",
                ),
                _c("owner", TEXT, nullable=True),
                _c("last_reviewed", DATE, nullable=True),
                _c("notes", TEXT, nullable=True),
            ),
        ),
    )
}


def schema(name: str) -> Schema:
    """Return the schema of a canonical dataset, or raise KeyError."""
    return SCHEMAS[name]


def _blank(series: pd.Series) -> pd.Series:
    text = series.astype("string").str.strip()
    return series.isna() | text.isna() | (text == "")


def _convert(col: Column, raw: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Convert one raw column; return (values, mask of unreadable cells)."""
    text = raw.astype("string").str.strip()
    if col.kind in (DATE, DATETIME):
        missing = text.isna() | text.str.lower().isin(NO_DATE)
        parsed = pd.to_datetime(
            text.where(~missing), errors="coerce", format="ISO8601", utc=True
        )
        # Timestamps are stored naive in UTC: exports rarely carry a zone.
        parsed = parsed.dt.tz_localize(None)
        if col.kind == DATE:
            parsed = parsed.dt.normalize()
        bad = parsed.isna() & ~missing
        return parsed, bad | (missing & (not col.nullable))
    if col.kind == BOOL:
        low = text.str.lower()
        values = pd.Series(pd.NA, index=raw.index, dtype="boolean")
        values[low.isin(TRUE).fillna(False)] = True
        values[low.isin(FALSE).fillna(False)] = False
        missing = text.isna() | (text == "")
        bad = values.isna() & ~missing
        return values, bad | (missing & (not col.nullable))
    if col.kind in (INT, FLOAT):
        missing = text.isna() | (text == "")
        cleaned = text.str.replace("\u00a0", "", regex=False).str.replace(" ", "")
        num = pd.to_numeric(cleaned.where(~missing), errors="coerce")
        bad = num.isna() & ~missing
        if col.kind == INT:
            bad = bad | (num.notna() & (num % 1 != 0))
            num = num.where(~bad).astype("Int64")
        else:
            num = num.astype("Float64")
        return num, bad | (missing & (not col.nullable))
    if col.kind == CHOICE:
        choices = col.choices or {}
        low = text.str.lower().str.replace("\u2019", "'", regex=False)
        values = low.map(
            lambda v: choices.get(v, pd.NA) if isinstance(v, str) else pd.NA
        )
        values = values.astype("string")
        missing = text.isna() | (text == "")
        bad = values.isna() & ~missing
        return values, bad | (missing & (not col.nullable))
    missing = text.isna() | (text == "")
    return text.where(~missing).astype("string"), missing & (not col.nullable)


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
    bad_any = pd.Series(False, index=raw.index)
    reasons: dict[int, Rejected] = {}
    for col in sch.columns:
        if col.name not in raw.columns:
            continue
        values, bad = _convert(col, raw[col.name])
        if col.name == "upn":
            values = values.str.lower()
        out[col.name] = values
        for idx in bad[bad & ~bad_any].index:
            cell = raw.at[idx, col.name]
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
        bad_any = bad_any | bad
    frame = pd.DataFrame(out)
    if sch.key:
        key_cols = [k for k in sch.key if k in frame.columns]
        dup = frame[key_cols].duplicated(keep="first") & ~bad_any
        exact = frame.duplicated(keep="first") & ~bad_any
        # Identical repeated rows are folded quietly; a key repeated with other
        # values is a contradiction the user must see.
        for idx in dup[dup & ~exact].index:
            file, line = origin[idx] if idx < len(origin) else (where, idx + 2)
            reasons[idx] = Rejected(
                source=file,
                row=line,
                column=",".join(shown_as.get(k, k) for k in key_cols),
                reason="duplicate of an earlier row with different values",
            )
        bad_any = bad_any | dup
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


def to_records(name: str, frame: pd.DataFrame) -> list[list[object]]:
    """Rows of a canonical frame as JSON-ready lists: ISO dates, None for missing."""
    sch = SCHEMAS[name]
    cols = []
    for col in frame.columns:
        s = frame[col]
        kind = sch.column(col).kind
        if kind == DATE:
            cols.append([None if pd.isna(v) else v.date().isoformat() for v in s])
        elif kind == DATETIME:
            cols.append([None if pd.isna(v) else v.isoformat() for v in s])
        else:
            cols.append(
                [
                    None if pd.isna(v) else (v.item() if hasattr(v, "item") else v)
                    for v in s
                ]
            )
    return [list(row) for row in zip(*cols, strict=True)] if cols else []
