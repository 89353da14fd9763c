"""Canonical datasets: one declared schema each, and the validator every row passes.

Collectors rename source columns to canonical names and hand the raw cell
values to :func:`build`. It converts each column to its declared kind, rejects
rows whose cells cannot be read (keeping the file, row, column and reason),
and raises :class:`~healthcheck.errors.InputError` when a required column is
absent or nothing usable remains. Rules only ever see frames built here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np
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
            name="patch_status",
            title="Patch status",
            key=("device",),
            columns=(
                _c("device", TEXT, description="device or computer name"),
                _c(
                    "last_patch_install",
                    DATETIME,
                    nullable=True,
                    optional=True,
                    description="when updates were last installed",
                ),
                _c(
                    "missing_updates",
                    INT,
                    nullable=True,
                    optional=True,
                    description="applicable updates not yet installed",
                ),
                _c(
                    "failed_updates",
                    INT,
                    nullable=True,
                    optional=True,
                    description="updates whose installation failed",
                ),
                _c(
                    "last_scan",
                    DATETIME,
                    nullable=True,
                    optional=True,
                    description="when the device last reported its status",
                ),
            ),
        ),
        Schema(
            # GET /policies/identitySecurityDefaultsEnforcementPolicy: one row.
            name="security_defaults",
            title="Security defaults",
            columns=(_c("enabled", BOOL, description="security defaults are on"),),
        ),
        Schema(
            # GET /identity/conditionalAccess/policies, one row per policy.
            name="conditional_access_policies",
            title="Conditional access policies",
            key=("policy_id",),
            columns=(
                _c("policy_id", TEXT),
                _c("name", TEXT, nullable=True),
                _c(
                    "state",
                    CHOICE,
                    choices={
                        "enabled": "enabled",
                        "disabled": "disabled",
                        "enabledforreportingbutnotenforced": "report_only",
                        "report_only": "report_only",
                    },
                ),
                _c("all_users", BOOL, description="includes all users"),
                _c("excluded_principals", INT, description="users+groups+roles"),
                _c("all_apps", BOOL, description="includes all cloud apps"),
                _c("client_app_types", TEXT, nullable=True),
                _c(
                    "grant_controls",
                    TEXT,
                    nullable=True,
                    description="built-in controls, comma-separated, e.g. mfa",
                ),
                _c("operator", TEXT, nullable=True, description="AND or OR"),
            ),
        ),
        Schema(
            # GET /security/secureScores: one snapshot a day.
            name="secure_scores",
            title="Secure score history",
            key=("date",),
            columns=(
                _c("date", DATE),
                _c("current_score", FLOAT),
                _c("max_score", FLOAT),
                _c("active_users", INT, nullable=True),
                _c("licensed_users", INT, nullable=True),
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


def _factorize(series: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """(codes, stripped distinct values); code -1 marks a missing or blank cell.

    Factorising the raw cells first (hashing in C) means only the distinct
    values are stripped in Python; cells that strip to nothing join -1.
    """
    raw = series.to_numpy(dtype=object, na_value=None)
    codes, uniques = pd.factorize(raw, use_na_sentinel=True)
    stripped = np.array(
        [v.strip() if type(v) is str else _strip(v) for v in uniques], dtype=object
    )
    stripped[stripped == ""] = None
    blank = np.flatnonzero(stripped == None)  # noqa: E711
    if len(blank):
        codes = np.where(np.isin(codes, blank), -1, codes)
    return codes, stripped


def text_values(series: pd.Series) -> np.ndarray:
    """Cells as stripped text in an object array; None for missing or blank."""
    codes, stripped = _factorize(series)
    return _expand(stripped, codes, None)


def _distinct(series: pd.Series) -> tuple[np.ndarray, pd.Series]:
    """(codes, distinct non-missing texts); code -1 marks a missing cell.

    A text may appear twice among the distinct ones (" a" and "a" strip
    alike); every use below maps each one independently, so that is harmless.
    """
    codes, stripped = _factorize(series)
    return codes, pd.Series(stripped, dtype=object).fillna("")


def _expand(
    values: pd.Series | np.ndarray, codes: np.ndarray, fill: object
) -> np.ndarray:
    """Per-cell values from per-distinct ones; ``fill`` where the code is -1."""
    arr = np.asarray(values)
    out = arr[np.where(codes >= 0, codes, 0)] if len(arr) else np.full(len(codes), fill)
    if len(arr):
        out = out.copy()
        out[codes < 0] = fill
    return out


# --- Dates -------------------------------------------------------------------
#
# Portals write dates in three shapes: ISO 8601 (Graph, usage reports, most
# Intune columns), numeric day/month/year in the exporting machine's locale
# (Veeam, Excel re-saves, the admin center in some browsers), and month names
# ("Nov 20, 2026"). ISO is parsed in one vectorised call. Numeric dates are
# split into their parts with one regex; which part is the day is decided for
# the whole column, never per cell, because 03/04/2026 alone cannot say.

#: Day/month order of numeric dates: day first (20.11.2026) or month first.
DAY_FIRST, MONTH_FIRST = "DMY", "MDY"
DATE_ORDERS = (DAY_FIRST, MONTH_FIRST)

_NUMERIC_DATE = (
    r"^(?P<a>\d{1,2})(?P<sep>[./-])(?P<b>\d{1,2})(?P=sep)(?P<y>\d{4}|\d{2})"
    r"(?:,?[ T]+(?P<H>\d{1,2})[:.](?P<M>\d{2})(?:[:.](?P<S>\d{2}))?(?:[.,]\d+)?"
    r"\s*(?P<ampm>[AaPp]\.?[Mm]\.?)?)?\s*(?:Z|UTC|GMT)?$"
)
_YMD_SLASH = r"^(\d{4})[./](\d{1,2})[./](\d{1,2})(.*)$"
_MONTH_NAME = r"[A-Za-z]{3,}.*\d{4}|\d{4}.*[A-Za-z]{3,}"


@dataclass(frozen=True, kw_only=True, slots=True)
class DateEvidence:
    """What the numeric dates of one column say about their day/month order.

    Counts are of distinct values: ``day_first`` those whose first number is
    above 12 (so it must be the day), ``month_first`` those whose second
    number is, and ``ambiguous`` those where both are 12 or less and differ,
    such as 03/04/2026.
    """

    day_first: int = 0
    month_first: int = 0
    ambiguous: int = 0
    example: str | None = None

    @property
    def decided(self) -> str | None:
        """The order the data itself proves, or None (no proof, or both)."""
        if self.day_first and not self.month_first:
            return DAY_FIRST
        if self.month_first and not self.day_first:
            return MONTH_FIRST
        return None

    @property
    def conflicting(self) -> bool:
        """True when some values prove day-first and others month-first."""
        return bool(self.day_first and self.month_first)

    @property
    def needs_order(self) -> bool:
        """True when an order must come from elsewhere to read every value."""
        return self.ambiguous > 0 and self.decided is None


def _numeric_parts(text: pd.Series) -> pd.DataFrame:
    """Split numeric d/m/y cells into parts (rows that do not match are NaN)."""
    return text.astype(object).str.extract(_NUMERIC_DATE)


def _evidence(uniq: pd.Series) -> DateEvidence:
    candidates = uniq[uniq.str.match(r"\d{1,2}[./-]\d{1,2}[./-]\d").fillna(False)]
    if candidates.empty:
        return DateEvidence()
    parts = _numeric_parts(candidates).dropna(subset=["a"])
    a = pd.to_numeric(parts["a"])
    b = pd.to_numeric(parts["b"])
    amb = (a <= 12) & (b <= 12) & (a != b)
    example = candidates.loc[amb[amb].index[0]] if amb.any() else None
    return DateEvidence(
        # A value with both numbers above 12 is no date in either order: it
        # is a bad cell, not evidence.
        day_first=int(((a > 12) & (b <= 12)).sum()),
        month_first=int(((b > 12) & (a <= 12)).sum()),
        ambiguous=int(amb.sum()),
        example=None if example is None else str(example),
    )


def date_evidence(text: pd.Series) -> DateEvidence:
    """Look at a column of date text and say what its numeric dates prove."""
    return _evidence(_distinct(text)[1])


def _from_parts(parts: pd.DataFrame, order: str) -> pd.Series:
    a = pd.to_numeric(parts["a"])
    b = pd.to_numeric(parts["b"])
    year = pd.to_numeric(parts["y"])
    # Two-digit years are this century: no export we read predates 2000.
    year = year.where(year >= 100, year + 2000)
    hour = pd.to_numeric(parts["H"]).fillna(0)
    ampm = parts["ampm"].astype("string").str.lower().str[0]
    hour = hour.where(~(ampm.eq("p").fillna(False) & (hour < 12)), hour + 12)
    hour = hour.where(~(ampm.eq("a").fillna(False) & (hour == 12)), 0)
    frame = pd.DataFrame(
        {
            "year": year,
            "month": b if order == DAY_FIRST else a,
            "day": a if order == DAY_FIRST else b,
            "hour": hour,
            "minute": pd.to_numeric(parts["M"]).fillna(0),
            "second": pd.to_numeric(parts["S"]).fillna(0),
        }
    )
    return pd.to_datetime(frame, errors="coerce")


def _iso(text: pd.Series) -> pd.Series:
    got = pd.to_datetime(text, errors="coerce", format="ISO8601", utc=True)
    return got.dt.tz_localize(None).astype("datetime64[ns]")


def _parse_distinct(
    uniq: pd.Series, order: str | Callable[[DateEvidence], str] | None
) -> pd.Series:
    """Parse distinct, non-blank date texts (see :func:`parse_dates`)."""
    lower = uniq.str.lower()
    text = uniq.where(~lower.isin(NO_DATE))
    parsed = _iso(text)
    rest = text[parsed.isna() & text.notna()]
    if rest.empty:
        return parsed
    ymd = rest.str.extract(_YMD_SLASH).dropna(subset=[0])
    if not ymd.empty:
        iso = ymd[0] + "-" + ymd[1].str.zfill(2) + "-" + ymd[2].str.zfill(2) + ymd[3]
        got = _iso(iso)
        parsed.loc[got.index] = got
        rest = rest.drop(got.dropna().index)
    parts = _numeric_parts(rest).dropna(subset=["a"])
    if not parts.empty:
        if callable(order):
            use: str | None = order(_evidence(rest))
        else:
            use = order or _evidence(rest).decided
        if use is None:
            # Nothing proves the order: only values whose day and month
            # coincide read the same either way; the rest stay unread.
            same = pd.to_numeric(parts["a"]) == pd.to_numeric(parts["b"])
            parts = parts[same]
            use = DAY_FIRST
        got = _from_parts(parts, use)
        parsed.loc[got.index] = got.astype("datetime64[ns]")
        rest = rest.drop(parts.index)
    named = rest[rest.str.contains(_MONTH_NAME, na=False)]
    if not named.empty:
        # Month names cannot be misread, so pandas' per-value parser is safe
        # here, and it only ever sees this small remainder.
        got = pd.to_datetime(named, errors="coerce", format="mixed", utc=True)
        parsed.loc[got.index] = got.dt.tz_localize(None).astype("datetime64[ns]")
    return parsed


def parse_dates(
    text: pd.Series,
    order: str | Callable[[DateEvidence], str] | None = None,
) -> pd.Series:
    """Parse date text into naive UTC timestamps; NaT where it cannot be read.

    ISO 8601 is read first. Numeric day/month/year dates use ``order`` when
    given, else the order the column's own values prove (a day above 12), and
    stay unread (NaT) when nothing proves it and the value is ambiguous.
    Month-name dates ("20 Nov 2026", "Nov 20, 2026") are read last. Blank and
    "Never" cells are NaT too: callers tell them apart with :data:`NO_DATE`.
    Each distinct text is parsed once.

    Args:
        text: the cells, as text.
        order: ``DAY_FIRST``, ``MONTH_FIRST``, None to decide from the data,
            or a function given the numeric dates' :class:`DateEvidence` that
            returns the order (or raises): collectors decide with file context.
    """
    codes, uniq = _distinct(text)
    parsed = _parse_distinct(uniq, order) if len(uniq) else pd.Series([], dtype=object)
    nat = np.datetime64("NaT", "ns")
    values = _expand(parsed.to_numpy(dtype="datetime64[ns]"), codes, nat)
    return pd.Series(values, index=text.index, dtype="datetime64[ns]")


def read_dates(
    text: pd.Series,
    order: str | Callable[[DateEvidence], str] | None = None,
) -> tuple[pd.Series, pd.Series]:
    """:func:`parse_dates` and :func:`no_date` at once: (timestamps, bad cells)."""
    codes, uniq = _distinct(text)
    if not len(uniq):
        nat = pd.Series(pd.NaT, index=text.index, dtype="datetime64[ns]")
        return nat, pd.Series(False, index=text.index)
    parsed = _parse_distinct(uniq, order).to_numpy(dtype="datetime64[ns]")
    none = uniq.str.lower().isin(NO_DATE).to_numpy()
    bad_u = np.isnat(parsed) & ~none
    values = _expand(parsed, codes, np.datetime64("NaT", "ns"))
    bad = _expand(bad_u, codes, False).astype(bool)
    return (
        pd.Series(values, index=text.index, dtype="datetime64[ns]"),
        pd.Series(bad, index=text.index),
    )


def no_date(text: pd.Series) -> pd.Series:
    """Mask of cells that mean "no date": blank, Never, n/a and the like."""
    codes, uniq = _distinct(text)
    none = uniq.str.lower().isin(NO_DATE).to_numpy() if len(uniq) else np.zeros(0, bool)
    return pd.Series(_expand(none, codes, True).astype(bool), index=text.index)


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


def map_distinct(raw: pd.Series, lookup: Callable[[str], object]) -> pd.Series:
    """Apply ``lookup`` to each distinct stripped text; missing cells stay None."""
    codes, uniq = _distinct(raw)
    mapped = np.array([lookup(v) for v in uniq.tolist()], dtype=object)
    return pd.Series(_expand(mapped, codes, None), index=raw.index, dtype=object)


def _mapped(
    raw: pd.Series, lookup: Callable[[str], object]
) -> tuple[pd.Series, pd.Series]:
    """Map each distinct cell; return (values, missing mask). None = unreadable."""
    codes, uniq = _distinct(raw)
    mapped = np.array([lookup(v) for v in uniq.tolist()], dtype=object)
    values = _expand(mapped, codes, None)
    return pd.Series(values, index=raw.index, dtype=object), pd.Series(
        codes < 0, index=raw.index
    )


def _convert(
    col: Column, raw: pd.Series, *, date_order: str | None = None
) -> tuple[pd.Series, pd.Series]:
    """Convert one raw column; return (values, mask of unreadable cells).

    A date column that arrives already typed (datetime64) is taken as it is:
    collectors that parsed with more context (the file's day/month order)
    did the work.
    """
    if col.kind in (DATE, DATETIME) and pd.api.types.is_datetime64_any_dtype(raw):
        parsed = raw.astype("datetime64[ns]")
        if col.kind == DATE:
            parsed = parsed.dt.normalize()
        missing = parsed.isna()
        return parsed, missing & (not col.nullable)
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
        bad = num.isna() & ~missing
        if col.kind == INT:
            bad = bad | (num.notna() & (num % 1 != 0)).fillna(False)
            num = num.where(~bad).astype("Int64")
        else:
            num = num.astype("Float64")
        return num, bad | (missing & (not col.nullable))
    if col.kind == CHOICE:
        choices = col.choices or {}
        got, missing = _mapped(
            raw, lambda v: choices.get(v.lower().replace("\u2019", "'"))
        )
        bad = got.isna() & ~missing
        return got.astype("string"), bad | (missing & (not col.nullable))
    vals = text_values(raw)
    missing = pd.Series(vals == None, index=raw.index)  # noqa: E711
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
