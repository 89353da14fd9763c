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
matches no row keeps a row of its own with the name alone.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
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
    return str(value).strip().casefold()


class _Index:
    """Lookups built once per dataset: a run may attach thousands of rows."""

    def __init__(self, frames: Mapping[str, pd.DataFrame], activity_source: str):
        self.frames = frames
        self.activity_source = activity_source
        self._positions: dict[tuple[str, str], dict[str, list[int]]] = {}
        self._joined: dict[str, dict[str, Any]] = {}

    def positions(self, kind: Kind) -> dict[str, list[int]]:
        """Key (case-folded) -> row positions in the kind's dataset."""
        ident = (kind.dataset, kind.key)
        if ident not in self._positions:
            frame = self.frames[kind.dataset]
            out: dict[str, list[int]] = {}
            for n, value in enumerate(frame[kind.key].tolist()):
                if value is not None and not (
                    isinstance(value, float) and pd.isna(value)
                ):
                    out.setdefault(_key(value), []).append(n)
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


def _cell(value: Any, kind: str) -> Any:
    """A JSON value: dates as ISO text, blanks as None."""
    if value is None:
        return None
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    if kind == "date":
        return pd.Timestamp(value).date().isoformat()
    if kind == "datetime":
        stamp = pd.Timestamp(value)
        if stamp.tzinfo is not None:
            stamp = stamp.tz_convert("UTC").tz_localize(None)
        return stamp.to_pydatetime().replace(microsecond=0).isoformat()
    if kind == "bool":
        return bool(value)
    if kind == "int":
        return int(value)
    if kind == "float":
        return float(value)
    return str(value)


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
        elif c == "last_activity_source" and (
            index.activity_source or "last_activity_source" in frame.columns
        ):
            out.append(c)
    return tuple(out)


def table_for(finding: Finding, kind: Kind, index: _Index) -> ObjectTable:
    """The rows of ``finding``'s affected objects, of ``kind``."""
    frame = index.frames[kind.dataset]
    columns = _columns(kind, index, frame)
    types = _types(kind, columns)
    positions = index.positions(kind)
    getters: list[Callable[[int, str], Any]] = []
    values = {c: frame[c].tolist() for c in columns if c in frame.columns}
    for c in columns:
        if c in values:
            getters.append(lambda n, _k, col=values[c]: col[n])
        elif c == "last_activity_source":
            getters.append(lambda _n, _k: index.activity_source or None)
        else:
            joined = index.joined(c)
            getters.append(lambda _n, k, j=joined: j.get(k))
    rows = []
    for name in finding.affected:
        key = _key(name)
        found = positions.get(key)
        if not found:
            rows.append(tuple(name if c == kind.key else None for c in columns))
            continue
        for n in found:
            rows.append(
                tuple(
                    _cell(get(n, key), t) for get, t in zip(getters, types, strict=True)
                )
            )
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
) -> tuple[Finding, ...]:
    """Findings with ``objects`` set where they list objects an admin can act on.

    Only failed and accepted findings list objects; ``activity_source`` says
    where ``users.last_activity`` came from when the dataset has no
    ``last_activity_source`` column of its own.
    """
    index = _Index(frames, activity_source)
    out = []
    for f in findings:
        if f.status in (Status.FAIL, Status.ACCEPTED) and f.affected:
            kind = choose(f, index)
            if kind is not None:
                f = replace(f, objects=table_for(f, kind, index))
        out.append(f)
    return tuple(out)
