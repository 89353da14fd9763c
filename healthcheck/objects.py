"""The evidence for each affected object, so a list can go to the admin who fixes it.

A rule lists what fails by name (a device, an account, a backup job, a
role holder). This module looks each name up in the canonical datasets the
finding was judged on and attaches the columns an admin needs to act
(:class:`~healthcheck.model.ObjectTable`): for a device its primary user,
OS, last check-in; for an account its licences and last activity; and so
on. The workbook shows them as typed columns (dates as dates); the report
reads them from the assessment, never from the datasets.

Which kind a finding lists is decided by its names, not by its rule id, so
a new rule gets its columns without being registered here: of the kinds
whose dataset the finding used, the one whose key matches the most names
wins (FND-07 uses backup jobs and devices, and names servers). A name that
matches no row keeps a row of its own with the name alone. Each kind is one
table in the assessment, every object once however many rules list it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import pandas as pd

from healthcheck.datasets import schema
from healthcheck.model import Finding, ObjectTable, Status


@dataclass(frozen=True, kw_only=True, slots=True)
class Kind:
    """One kind of object: the dataset that holds it and the columns shown."""

    name: str
    dataset: str
    #: Column of ``dataset`` the affected names are values of.
    key: str
    #: Columns shown, in order: dataset columns, or extras of :data:`EXTRAS`.
    columns: tuple[str, ...]


#: Tried in this order; on a tie the first wins (a role holder is also an
#: account, and the roles are what a role rule is about).
KINDS = (
    Kind(
        name="role_holders",
        dataset="role_assignments",
        key="upn",
        columns=("upn", "role", "assignment", "mfa_registered"),
    ),
    Kind(
        name="backup_jobs",
        dataset="backup_jobs",
        key="job",
        columns=("job", "system", "last_run", "last_result", "last_success"),
    ),
    Kind(
        name="devices",
        dataset="devices",
        key="name",
        columns=(
            "name",
            "primary_user",
            "os",
            "os_version",
            "last_check_in",
            "compliance",
            "encrypted",
        ),
    ),
    Kind(
        name="accounts",
        dataset="users",
        key="upn",
        columns=(
            "upn",
            "display_name",
            "enabled",
            "licences",
            "last_activity",
            "last_activity_source",
            "created",
            "mfa_registered",
        ),
    ),
)

#: Columns that come from another dataset, joined on the user: name -> type.
EXTRAS = {
    "licences": "text",
    "mfa_registered": "bool",
    "last_activity_source": "text",
}


def _key(value: object) -> str:
    text = str(value).strip()
    folded = text.casefold()
    # The value's own string when folding changes nothing (a lower-case
    # UPN): an index of 100,000 keys then holds no second copy of them.
    return text if folded == text else folded


def _rows(positions: Mapping[str, int | list[int]], key: str) -> Sequence[int]:
    """The row positions of ``key`` (none when absent)."""
    found = positions.get(key)
    if found is None:
        return ()
    return (found,) if isinstance(found, int) else found


class _Index:
    """Lookups built once per dataset: a run may attach thousands of rows."""

    def __init__(self, frames: Mapping[str, pd.DataFrame], activity_source: str):
        self.frames = frames
        self.activity_source = activity_source
        self._positions: dict[tuple[str, str], dict[str, int | list[int]]] = {}
        self._joined: dict[str, dict[str, Any]] = {}

    def positions(self, kind: Kind) -> dict[str, int | list[int]]:
        """Key (case-folded) -> row position(s) in the kind's dataset (see _rows).

        One position is kept as an int, several as a list: most keys name
        one row, and a list per key was most of the index's memory.
        """
        ident = (kind.dataset, kind.key)
        if ident not in self._positions:
            frame = self.frames[kind.dataset]
            out: dict[str, int | list[int]] = {}
            for n, value in enumerate(frame[kind.key].tolist()):
                if (
                    value is None
                    or value is pd.NA
                    or (isinstance(value, float) and pd.isna(value))
                ):
                    continue
                key = _key(value)
                had = out.setdefault(key, n)
                if had != n:
                    if isinstance(had, int):
                        out[key] = [had, n]
                    else:
                        had.append(n)
            self._positions[ident] = out
        return self._positions[ident]

    def joined(self, name: str) -> dict[str, Any]:
        """An extra column by user: licences, MFA state."""
        if name not in self._joined:
            self._joined[name] = self._build(name)
        return self._joined[name]

    def _build(self, name: str) -> dict[str, Any]:
        if name == "licences":
            frame = self.frames.get("licence_assignments")
            if frame is None:
                return {}
            out: dict[str, list[str]] = {}
            for upn, sku in zip(
                frame["upn"].tolist(), frame["sku"].tolist(), strict=True
            ):
                out.setdefault(_key(upn), []).append(str(sku))
            return {u: ", ".join(sorted(set(s))) for u, s in out.items()}
        if name == "mfa_registered":
            frame = self.frames.get("mfa_registration")
            if frame is None:
                return {}
            return {
                _key(u): (None if pd.isna(v) else bool(v))
                for u, v in zip(
                    frame["upn"].tolist(), frame["mfa_registered"].tolist(), strict=True
                )
            }
        return {}


def _types(kind: Kind, columns: Sequence[str]) -> tuple[str, ...]:
    kinds = {c.name: c.kind for c in schema(kind.dataset).columns}
    out = []
    for c in columns:
        k = EXTRAS.get(c) or kinds.get(c, "text")
        out.append(k if k in ("date", "datetime", "bool", "int", "float") else "text")
    return tuple(out)


def _json_column(values: pd.Series, kind: str) -> list[Any]:
    """A column as JSON values, converted at once: dates as ISO text, blanks None."""
    if kind in ("date", "datetime"):
        stamps = pd.to_datetime(values, errors="coerce")
        if getattr(stamps.dt, "tz", None) is not None:
            stamps = stamps.dt.tz_convert("UTC").dt.tz_localize(None)
        shown = stamps.dt.strftime(
            "%Y-%m-%d" if kind == "date" else "%Y-%m-%dT%H:%M:%S"
        )
        return [None if pd.isna(v) else v for v in shown.tolist()]
    out: list[Any] = []
    for v in values.tolist():
        if v is None or (isinstance(v, float) and pd.isna(v)) or v is pd.NA:
            out.append(None)
        elif kind == "bool":
            out.append(bool(v))
        elif kind == "int":
            out.append(int(v))
        elif kind == "float":
            out.append(float(v))
        else:
            out.append(str(v))
    return out


def _columns(kind: Kind, index: _Index, frame: pd.DataFrame) -> tuple[str, ...]:
    """The kind's columns that this engagement can fill."""
    out = []
    for c in kind.columns:
        if c in frame.columns:
            out.append(c)
        elif c == "licences" and "licence_assignments" in index.frames:
            out.append(c)
        elif c == "mfa_registered" and "mfa_registration" in index.frames:
            out.append(c)
        elif c == "last_activity_source" and index.activity_source:
            out.append(c)
    return tuple(out)


#: Rows converted at a time by :func:`table_for`.
_CHUNK = 10_000


def table_for(names: Iterable[str], kind: Kind, index: _Index) -> ObjectTable:
    """One row per object named (several for a role holder with several roles).

    Rows come in the order of the names, each name once; a name found in no
    row of the dataset keeps a row with the name alone.
    """
    frame = index.frames[kind.dataset]
    columns = _columns(kind, index, frame)
    types = _types(kind, columns)
    positions = index.positions(kind)
    keys = list(dict.fromkeys(_key(n) for n in names))
    first: dict[str, str] = {}
    for n in names:
        first.setdefault(_key(n), n)
    picked = [p for k in keys for p in _rows(positions, k)]
    rows_of = {k: len(_rows(positions, k)) for k in keys}
    made: list[tuple[Any, ...]] = []
    # A slice of rows at a time: the selected rows and their converted
    # columns are working copies, and at 50,000 users all of them at once
    # were the evaluation's peak memory.
    for start in range(0, len(picked), _CHUNK):
        chosen = frame.iloc[picked[start : start + _CHUNK]]
        values: list[list[Any]] = []
        for c, t in zip(columns, types, strict=True):
            if c in frame.columns:
                values.append(_json_column(chosen[c], t))
            elif c == "last_activity_source":
                values.append([index.activity_source] * len(chosen))
            else:
                joined = index.joined(c)
                keyed = [_key(v) for v in chosen[kind.key].tolist()]
                values.append([joined.get(k) for k in keyed])
        made += zip(*values, strict=True)
    found = iter(made)
    rows: list[tuple[Any, ...]] = []
    for k in keys:
        if rows_of[k]:
            rows += [tuple(next(found)) for _ in range(rows_of[k])]
        else:
            rows.append(tuple(first[k] if c == kind.key else None for c in columns))
    return ObjectTable(kind=kind.name, columns=columns, types=types, rows=tuple(rows))


def choose(finding: Finding, index: _Index) -> Kind | None:
    """The kind whose key matches most of the finding's names (see module doc)."""
    best, hits = None, 0
    used = set(finding.evidence)
    for kind in KINDS:
        if kind.dataset not in index.frames or (
            used and kind.dataset not in used and not _joins(kind, used)
        ):
            continue
        frame = index.frames[kind.dataset]
        if kind.key not in frame.columns:
            continue
        positions = index.positions(kind)
        n = sum(1 for a in finding.affected if _key(a) in positions)
        if n > hits:
            best, hits = kind, n
    return best


def _joins(kind: Kind, used: set[str]) -> bool:
    # MFA rules judge "users" through mfa_registration: accounts fit them.
    return kind.name == "accounts" and "mfa_registration" in used


def attach(
    findings: Iterable[Finding],
    frames: Mapping[str, pd.DataFrame],
    *,
    activity_source: str = "",
) -> tuple[tuple[Finding, ...], dict[str, ObjectTable]]:
    """Findings with ``object_kind`` set, and one evidence table per kind.

    Only failed and accepted findings list objects. Each table holds every
    object any finding of its kind names, once. ``activity_source`` says
    where ``users.last_activity`` came from.
    """
    index = _Index(frames, activity_source)
    out = []
    named: dict[str, list[str]] = {}
    for f in findings:
        if f.status in (Status.FAIL, Status.ACCEPTED) and f.affected:
            kind = choose(f, index)
            if kind is not None:
                f = replace(f, object_kind=kind.name)
                named.setdefault(kind.name, []).extend(f.affected)
        out.append(f)
    kinds = {k.name: k for k in KINDS}
    tables = {
        name: table_for(sorted(set(names), key=_key), kinds[name], index)
        for name, names in sorted(named.items())
    }
    return tuple(out), tables
