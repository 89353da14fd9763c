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
                # Edition or SKU family (Pro, Enterprise, LTSC): Windows
                # releases share builds but not end dates across editions.
                _c("os_edition", TEXT, nullable=True, optional=True),
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
    # ASCII digits only: other scripts' digits are no date here.
    r"^(?P<a>[0-9]{1,2})(?P<sep>[./-])(?P<b>[0-9]{1,2})(?P=sep)"
    r"(?P<y>[0-9]{4}|[0-9]{2})"
    r"(?:,?[ T]+(?P<H>[0-9]{1,2})[:.](?P<M>[0-9]{2})(?:[:.](?P<S>[0-9]{2}))?"
    r"(?:[.,][0-9]+)?"
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


@dataclass(frozen=True, slots=True)
class _Numeric:
    """Numeric d/m/y dates split into numbers, one entry per matched value.

    ``at`` holds the matched values' positions among those split; ``a`` and
    ``b`` are the first two numbers (day and month in some order); hour,
    minute and second are 0 when absent; ``pm`` is 1 for PM, -1 for AM.
    """

    at: np.ndarray
    a: np.ndarray
    b: np.ndarray
    y: np.ndarray
    hour: np.ndarray
    minute: np.ndarray
    second: np.ndarray
    pm: np.ndarray

    def take(self, keep: np.ndarray) -> _Numeric:
        """The entries where ``keep`` is True."""
        return _Numeric(*(getattr(self, f)[keep] for f in self.__slots__))


#: Lengths of the zero-padded shapes read without a regex: 20.11.2026,
#: 20.11.2026 10:00 and 20.11.2026 10:00:00 (any of . / - between the date's
#: numbers, space or T before the time, : or . inside it).
_FIXED_LENGTHS = (10, 16, 19)


@dataclass(frozen=True, slots=True)
class _Bytes:
    """ASCII texts laid end to end in one byte buffer, to be read with numpy.

    ``start`` and ``length`` give each text's place in ``buf``; ``whole``
    says that these are all the texts of ``buf``, one NUL between each two.
    """

    buf: np.ndarray
    start: np.ndarray
    length: np.ndarray
    whole: bool = False

    def take(self, at: np.ndarray) -> _Bytes:
        """The texts at positions ``at``, in the same buffer."""
        return _Bytes(self.buf, self.start[at], self.length[at])

    def chars(self, at: np.ndarray, width: int) -> np.ndarray:
        """Bytes of the texts at ``at``, each ``width`` long: a row per position."""
        n = len(self.start)
        if self.whole and len(at) == n and (self.length == width).all():
            # Every text this long: the buffer is a matrix, one text a row
            # (and its separator in the last column).
            rows = self.buf[: n * (width + 1)].reshape(n, width + 1)
            return np.ascontiguousarray(rows[:, :width].T)
        windows = np.lib.stride_tricks.sliding_window_view(self.buf, width)
        return np.ascontiguousarray(windows[self.start[at]].T)

    def head(self, k: int) -> np.ndarray:
        """The first ``k`` bytes of every text, 0 past its end: (n, k)."""
        if k > _PAD:
            raise ValueError(k)
        windows = np.lib.stride_tricks.sliding_window_view(self.buf, k)
        out = windows[self.start].astype(np.uint32)
        out[np.arange(k) >= self.length[:, None]] = 0
        return out


#: Zero bytes after the last text of a :class:`_Bytes` buffer.
_PAD = 4


def _as_bytes(values: np.ndarray) -> _Bytes | None:
    """``values`` as :class:`_Bytes`, or None unless all are ASCII text (no NUL).

    One join and one scan for the separators, instead of a Python call per
    value for its length or its first characters.
    """
    texts = values.tolist()
    joined = _joined(texts)
    if not joined:
        return None
    buf = np.frombuffer(joined.encode("ascii") + bytes(_PAD), dtype=np.uint8)
    sep = np.flatnonzero(buf[:-_PAD] == 0)
    if len(sep) != len(texts) - 1:
        return None  # a value holds a NUL of its own
    start = np.concatenate(([0], sep + 1))
    return _Bytes(buf, start, np.append(sep, len(buf) - _PAD) - start, whole=True)


def _fixed_numeric(
    values: np.ndarray, layout: _Bytes | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Split zero-padded numeric dates with numpy: (matched mask, numbers).

    ``numbers`` has one column per value and the rows a, b, y, hour, minute,
    second. Values of other shapes are left to the regex; the numbers this
    gives are the ones :data:`_NUMERIC_DATE` would capture. Values of one
    length are seen as a matrix of ASCII digits, one row per character
    position. ``layout`` is :func:`_as_bytes` of ``values`` when known.
    """
    n = len(values)
    if layout is None:
        layout = _as_bytes(values)
    if layout is not None:
        lengths = layout.length
    else:
        lengths = np.fromiter(map(len, values), dtype=np.int64, count=n)
    matched = np.zeros(n, dtype=bool)
    nums = np.zeros((6, n), dtype=np.int64)
    for width in _FIXED_LENGTHS:
        idx = np.flatnonzero(lengths == width)
        if not len(idx):
            continue
        if layout is not None:
            c = layout.chars(idx, width)
        else:
            try:
                raw = "".join(values[idx].tolist()).encode("ascii")
            except UnicodeEncodeError:
                continue  # other scripts: the regex decides
            # One contiguous row of bytes per character position.
            c = np.ascontiguousarray(
                np.frombuffer(raw, dtype=np.uint8).reshape(len(idx), width).T
            )
        if not ((c[2] == 46) | (c[2] == 47) | (c[2] == 45)).any():
            continue  # no d/m/y separator where one must be (ISO, say)

        def digit(*pos: int, c: np.ndarray = c) -> np.ndarray:
            ok = (c[pos[0]] - 48) <= 9  # uint8: below "0" wraps round
            for k in pos[1:]:
                ok &= (c[k] - 48) <= 9
            return ok

        def number(*pos: int, c: np.ndarray = c) -> np.ndarray:
            val = c[pos[0]].astype(np.int64) - 48
            for k in pos[1:]:
                val *= 10
                val += c[k]
                val -= 48
            return val

        def sep(k: int, chars: str, c: np.ndarray = c) -> np.ndarray:
            out = c[k] == ord(chars[0])
            for x in chars[1:]:
                out |= c[k] == ord(x)
            return out

        ok = digit(0, 1, 3, 4, 6, 7, 8, 9)
        ok &= sep(2, "./-") & (c[5] == c[2])
        got = [number(0, 1), number(3, 4), number(6, 7, 8, 9)]
        if width > 10:
            ok &= sep(10, " T") & sep(13, ":.") & digit(11, 12, 14, 15)
            got += [number(11, 12), number(14, 15)]
        if width > 16:
            ok &= sep(16, ":.") & digit(17, 18)
            got.append(number(17, 18))
        if len(idx) == n and ok.all():  # one good shape throughout, as usual
            matched[:] = True
            for k, val in enumerate(got):
                nums[k] = val
            break
        rows = idx[ok]
        matched[rows] = True
        for k, val in enumerate(got):
            nums[k, rows] = val[ok]
    return matched, nums


def _split_numeric(
    text: pd.Series,
    fixed: tuple[np.ndarray, np.ndarray] | None = None,
    others: np.ndarray | None = None,
) -> _Numeric:
    """Split numeric d/m/y values (see :data:`_NUMERIC_DATE`) into numbers.

    ``fixed`` is :func:`_fixed_numeric` of the values when already known, and
    ``others`` the positions the regex should then look at (default: all
    the fixed shapes did not match).
    """
    values = text.to_numpy(dtype=object)
    matched, nums = fixed if fixed is not None else _fixed_numeric(values)
    matched = matched.copy()
    pm = np.zeros(len(values), dtype=np.int8)
    if others is None:
        others = np.flatnonzero(~matched)
    if len(others):
        parts = text.iloc[others].astype(object).str.extract(_NUMERIC_DATE)
        hit = parts["a"].notna().to_numpy()
        if hit.any():
            parts = parts[hit]
            rows = others[hit]
            matched[rows] = True
            for n, k in enumerate(("a", "b", "y", "H", "M", "S")):
                nums[n, rows] = pd.to_numeric(parts[k]).fillna(0).to_numpy()
            ampm = parts["ampm"].astype("string").str.lower().str[0]
            pm[rows] = np.select(
                [ampm.eq("p").fillna(False), ampm.eq("a").fillna(False)], [1, -1], 0
            )
    if matched.all():
        return _Numeric(np.arange(len(values)), *nums, pm)  # type: ignore[call-arg]
    at = np.flatnonzero(matched)
    return _Numeric(at, *nums[:, at], pm[at])  # type: ignore[call-arg]


def _evidence_of(uniq: pd.Series, parts: _Numeric) -> DateEvidence:
    a, b = parts.a, parts.b
    amb = (a <= 12) & (b <= 12) & (a != b)
    example = uniq.iat[int(parts.at[np.argmax(amb)])] if amb.any() else None
    return DateEvidence(
        # A value with both numbers above 12 is no date in either order: it
        # is a bad cell, not evidence.
        day_first=int(((a > 12) & (b <= 12)).sum()),
        month_first=int(((b > 12) & (a <= 12)).sum()),
        ambiguous=int(amb.sum()),
        example=None if example is None else str(example),
    )


def _evidence(uniq: pd.Series) -> DateEvidence:
    return _evidence_of(uniq, _split_numeric(uniq))


def date_evidence(text: pd.Series) -> DateEvidence:
    """Look at a column of date text and say what its numeric dates prove."""
    return _evidence(_distinct(text)[1])


_NS = {"hour": 3_600_000_000_000, "minute": 60_000_000_000, "second": 1_000_000_000}


def _from_parts(parts: _Numeric, order: str) -> np.ndarray:
    """Timestamps (NaT for impossible dates) of split numeric dates.

    As ``pandas.to_datetime`` of the parts: the date must exist, the time is
    added to it (25:00 rolls over to the next day).
    """
    # Two-digit years are this century: no export we read predates 2000.
    year = np.where(parts.y < 100, parts.y + 2000, parts.y)
    month, day = (parts.b, parts.a) if order == DAY_FIRST else (parts.a, parts.b)
    hour = parts.hour.copy()
    hour[(parts.pm == 1) & (hour < 12)] += 12
    hour[(parts.pm == -1) & (hour == 12)] = 0
    ok = (month >= 1) & (month <= 12) & (day >= 1) & (year > 1677) & (year < 2262)
    months = np.where(ok, (year - 1970) * 12 + month - 1, 0).astype("datetime64[M]")
    start = months.astype("datetime64[D]")
    days = (months + np.timedelta64(1, "M")).astype("datetime64[D]") - start
    ok &= day <= days.astype(np.int64)
    ns = (start + np.where(ok, day - 1, 0)).astype("datetime64[ns]").view(np.int64)
    ns = ns + hour * _NS["hour"] + parts.minute * _NS["minute"]
    ns = ns + parts.second * _NS["second"]
    out = ns.view("datetime64[ns]")
    out[~ok] = np.datetime64("NaT")
    return out


_NO_DATE_LEN = max(map(len, NO_DATE))


def _no_date_text(text: pd.Series) -> np.ndarray:
    """Mask of texts that spell "no date" (see :data:`NO_DATE`)."""
    values = text.to_numpy(dtype=object)
    lengths = np.fromiter(map(len, values), dtype=np.int64, count=len(values))
    short = lengths <= _NO_DATE_LEN
    out = np.zeros(len(values), dtype=bool)
    if short.any():
        out[short] = text[short].str.lower().isin(NO_DATE).to_numpy()
    return out


def _iso(text: pd.Series) -> pd.Series:
    got = pd.to_datetime(text, errors="coerce", format="ISO8601", utc=True)
    return got.dt.tz_localize(None).astype("datetime64[ns]")


def _parse_distinct(
    uniq: pd.Series, order: str | Callable[[DateEvidence], str] | None
) -> pd.Series:
    """Parse distinct, non-blank date texts (see :func:`parse_dates`)."""
    index = uniq.index
    uniq = uniq.reset_index(drop=True)  # labels are positions below
    values = uniq.to_numpy(dtype=object)
    n = len(values)
    out = np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
    # The first four characters route each value: a four-digit year starts
    # an ISO date, a separator third starts a zero-padded d/m/y one. Each
    # parser then sees only its own values; pandas is slow to refuse.
    layout = _as_bytes(values)
    if layout is not None:
        head = layout.head(4)
    else:
        head = np.array(values.tolist(), dtype="U4").view(np.uint32).reshape(n, 4)
    digit = (head >= 48) & (head <= 57)
    year_first = digit.all(axis=1)
    third = head[:, 2]
    dmy = digit[:, 0] & digit[:, 1] & ((third == 46) | (third == 47) | (third == 45))
    at = np.flatnonzero(dmy)
    if len(at) == n:  # every value d/m/y, as in a Veeam history
        fixed = _fixed_numeric(values, layout)
    else:
        fixed = (np.zeros(n, dtype=bool), np.zeros((6, n), dtype=np.int64))
        if len(at):
            got_fixed, got_nums = _fixed_numeric(
                values[at], None if layout is None else layout.take(at)
            )
            fixed[0][at] = got_fixed
            fixed[1][:, at] = got_nums
    iso_at = np.flatnonzero(year_first)
    if len(iso_at):
        out[iso_at] = _iso(uniq.iloc[iso_at]).to_numpy(dtype="datetime64[ns]")
    pending = np.flatnonzero(np.isnat(out) & ~fixed[0])
    if len(pending):
        # Spellings of "no date" are no date, not bad cells nor evidence.
        pending = pending[~_no_date_text(uniq.iloc[pending])]
    parts = _split_numeric(uniq, fixed, pending)
    if len(parts.at):
        if callable(order):
            use: str | None = order(_evidence_of(uniq, parts))
        else:
            use = order or _evidence_of(uniq, parts).decided
        numeric = parts.at
        if use is None:
            # Nothing proves the order: only values whose day and month
            # coincide read the same either way; the rest stay unread.
            parts = parts.take(parts.a == parts.b)
            use = DAY_FIRST
        out[parts.at] = _from_parts(parts, use)
        pending = np.setdiff1d(pending, numeric, assume_unique=True)
    if len(pending):
        rest = uniq.iloc[pending]
        ymd = rest.str.extract(_YMD_SLASH).dropna(subset=[0])
        if not ymd.empty:
            iso = (
                ymd[0] + "-" + ymd[1].str.zfill(2) + "-" + ymd[2].str.zfill(2) + ymd[3]
            )
            got = _iso(iso)
            out[got.index.to_numpy()] = got.to_numpy(dtype="datetime64[ns]")
            rest = rest.drop(got.dropna().index)
        named = rest[rest.str.contains(_MONTH_NAME, na=False)]
        if not named.empty:
            # Month names cannot be misread, so pandas' per-value parser is
            # safe here, and it only ever sees this small remainder.
            got = pd.to_datetime(named, errors="coerce", format="mixed", utc=True)
            got = got.dt.tz_localize(None).astype("datetime64[ns]")
            out[got.index.to_numpy()] = got.to_numpy(dtype="datetime64[ns]")
    return pd.Series(out, index=index)


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
    """:func:`parse_dates` and the cells it could not read: (timestamps, bad cells).

    A blank cell, or one that spells "no date" (:data:`NO_DATE`), is not bad.
    """
    codes, uniq = _distinct(text)
    if not len(uniq):
        nat = pd.Series(pd.NaT, index=text.index, dtype="datetime64[ns]")
        return nat, pd.Series(False, index=text.index)
    parsed = _parse_distinct(uniq, order).to_numpy(dtype="datetime64[ns]")
    bad_u = np.isnat(parsed)
    if bad_u.any():
        bad_u[bad_u] = ~_no_date_text(uniq[bad_u])
    values = _expand(parsed, codes, np.datetime64("NaT", "ns"))
    bad = _expand(bad_u, codes, False).astype(bool)
    return (
        pd.Series(values, index=text.index, dtype="datetime64[ns]"),
        pd.Series(bad, index=text.index),
    )


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
