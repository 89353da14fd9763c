"""Dates in the three shapes portals write them, read a column at a time."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from healthcheck.datasets.text import _distinct, _expand, _joined

#: Spellings of "no date" that exports use; they read as missing, not as errors.
NO_DATE = {"", "never", "none", "n/a", "na", "-", "null", "nat"}


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


#: The instants a nanosecond timestamp can hold, the only kind datasets use,
#: from the first whole day (so a date column can drop the time of day).
#: pandas reads a date outside them (9999-12-31, 1500-01-01) at a coarser
#: resolution and then refuses to convert it: such a date is a bad cell.
NS_MIN, NS_MAX = pd.Timestamp("1677-09-22"), pd.Timestamp.max


def to_ns(stamps: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Naive nanosecond timestamps, and the mask of those out of their range.

    ``stamps`` is a datetime column of any resolution, with or without a
    time zone (then converted to naive UTC). Values before 1677-09-22 or
    after 2262-04-11 become NaT, flagged in the mask.
    """
    if isinstance(stamps.dtype, pd.DatetimeTZDtype):
        stamps = stamps.dt.tz_convert("UTC").dt.tz_localize(None)
    out = (stamps < NS_MIN) | (stamps > NS_MAX)
    if out.any():
        stamps = stamps.mask(out)
    return stamps.astype("datetime64[ns]"), out


def _to_datetime(text: pd.Series, **options: object) -> pd.Series:
    """``pd.to_datetime`` into naive UTC nanoseconds; NaT for what it cannot hold.

    pandas may raise rather than coerce a date it cannot hold at any
    resolution; the values are then read in halves, so a few such dates cost
    a few more calls, never one call per value.
    """
    try:
        got = pd.to_datetime(text, errors="coerce", utc=True, **options)
    except (OverflowError, ValueError):  # OutOfBoundsDatetime is a ValueError
        if len(text) <= 1:
            return pd.Series(pd.NaT, index=text.index, dtype="datetime64[ns]")
        half = len(text) // 2
        return pd.concat(
            [
                _to_datetime(text.iloc[:half], **options),
                _to_datetime(text.iloc[half:], **options),
            ]
        )
    return to_ns(got)[0]


def _iso(text: pd.Series) -> pd.Series:
    return _to_datetime(text, format="ISO8601")


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
            got = _to_datetime(named, format="mixed")
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
