"""The shared machinery of export formats: a recognised table and what it yields.

A :class:`TableFormat` says how an export is recognised (its documented
headers, aliases and required headers) and names a converter that turns a
:class:`View` of the table into :class:`Part` objects: raw canonical frames
with the file's row numbers and the rows it rejected.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from healthcheck.model import Rejected


@dataclass(frozen=True, kw_only=True, slots=True)
class Part:
    """One canonical dataset's raw rows taken from a file."""

    dataset: str
    frame: pd.DataFrame
    rows: Sequence[int] | np.ndarray
    source_columns: dict[str, str] = field(default_factory=dict)
    rejected: list[Rejected] = field(default_factory=list)

    def without(self, drop: np.ndarray | pd.Series) -> Part:
        """The part without the rows ``drop`` marks (itself when it marks none)."""
        keep = ~np.asarray(drop, dtype=bool)
        if keep.all():
            return self
        return Part(
            dataset=self.dataset,
            frame=self.frame[keep].reset_index(drop=True),
            rows=np.asarray(self.rows)[keep],
            source_columns=self.source_columns,
            rejected=self.rejected,
        )


@functools.lru_cache(maxsize=4096)
def header_key(header: str) -> str:
    """Fold a header for comparison: case, spaces and punctuation do not count."""
    return re.sub(r"[^0-9a-z]", "", str(header).casefold())


DateResolver = Callable[[pd.Series, str], tuple[pd.Series, pd.Series]]


@dataclass(kw_only=True, slots=True)
class View:
    """A recognised table seen through its format: documented header -> cells."""

    frame: pd.DataFrame
    source: str
    rows: np.ndarray
    columns: Mapping[str, str]
    resolve_dates: DateResolver

    def has(self, header: str) -> bool:
        """True when the file carries this documented header (or an alias)."""
        return header in self.columns

    def col(self, header: str) -> pd.Series:
        """A column by documented header; empty strings when the file lacks it."""
        actual = self.columns.get(header)
        if actual is None:
            return pd.Series("", index=self.frame.index, dtype="object")
        if actual not in self.frame.columns:
            # A programming error, not bad input: the format's ``reads``
            # must name every header its converter looks at.
            raise LookupError(f"header {header!r} is not in the format's reads")
        return self.frame[actual]

    def shown(self, header: str) -> str:
        """The header as the file spells it, for messages."""
        return self.columns.get(header, header)

    def dates(self, header: str) -> tuple[pd.Series, pd.Series]:
        """Parse a date column: (timestamps, mask of unreadable cells)."""
        return self.resolve_dates(self.col(header), self.shown(header))

    def part(
        self,
        dataset: str,
        mapping: Mapping[str, str],
        **extra: pd.Series,
    ) -> Part:
        """A part with canonical columns taken from documented headers."""
        raw = pd.DataFrame({canon: self.col(h) for canon, h in mapping.items()})
        for name, series in extra.items():
            raw[name] = series
        return Part(
            dataset=dataset,
            frame=raw,
            rows=self.rows,
            source_columns={c: self.shown(h) for c, h in mapping.items()},
        )


Converter = Callable[[View], list[Part]]


@dataclass(frozen=True, kw_only=True, slots=True)
class TableFormat:
    """A CSV/XLSX export recognised by its headers.

    ``headers`` are the documented headers, ``aliases`` other spellings of
    some of them, ``required`` the ones without which the file is useless
    (``any_of`` groups: at least one of each group). ``date_order`` is the
    documented day/month order of numeric dates, when the product documents
    one. ``key`` names the headers that identify a record, used to tell a
    trailing summary line from data. ``reads`` names the headers the
    converter looks at (None: all of ``headers``), and ``reads_also`` picks
    more from a file's header row; the reader skims the rest without making
    text of them (see :class:`.reader.Table`).
    """

    id: str
    title: str
    headers: tuple[str, ...]
    required: tuple[str, ...]
    datasets: tuple[str, ...]
    convert: Converter
    aliases: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    any_of: tuple[tuple[str, ...], ...] = ()
    key: tuple[str, ...] = ()
    date_order: str | None = None
    reference: str = ""
    reads: tuple[str, ...] | None = None
    reads_also: Callable[[Sequence[str]], list[str]] | None = None

    def wanted(self, present: Sequence[str]) -> set[str]:
        """The spellings in ``present`` of the headers this format reads."""
        found = self.resolve(present)
        names = {*(self.reads or self.headers), *self.key}
        out = {found[h] for h in names if h in found}
        if self.reads_also is not None:
            out.update(self.reads_also(present))
        return out

    def resolve(self, present: Sequence[str]) -> dict[str, str]:
        """Map each documented header found in ``present`` to its spelling there."""
        by_key: dict[str, str] = {}
        for h in present:
            by_key.setdefault(header_key(h), h)
        out: dict[str, str] = {}
        for h in self.headers:
            for name in (h, *self.aliases.get(h, ())):
                hit = by_key.get(header_key(name))
                if hit is not None:
                    out[h] = hit
                    break
        return out

    def match(self, present: Sequence[str]) -> float:
        """Share of this format's documented headers found in ``present``."""
        return len(self.resolve(present)) / len(self.headers)

    def missing(self, present: Sequence[str]) -> list[str]:
        """Required headers absent from ``present`` (one per unmet group)."""
        found = self.resolve(present)
        lacking = [h for h in self.required if h not in found]
        for group in self.any_of:
            if not any(h in found for h in group):
                lacking.append(" or ".join(group))
        return lacking


def bad_cells(view: View, bad: pd.Series, header: str) -> list[Rejected]:
    """One Rejected per unreadable date cell (there are few: a loop is fine)."""
    cells = view.col(header)
    return [
        Rejected(
            source=view.source,
            row=int(view.rows[i]),
            column=view.shown(header),
            reason="expected a date like 2026-03-31, 31.03.2026 or 03/31/2026, "
            f"got {str(cells.iat[i])!r}",
        )
        for i in np.flatnonzero(bad.to_numpy())
    ]


#: Usage reports conceal names as 32 hex digits when the tenant's report
#: privacy setting is on (Microsoft 365 blog, "Privacy changes and API support
