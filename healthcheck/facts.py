"""Facts derived from canonical datasets, shared by rules and the cost model.

Pure functions of frames; they never read files or config. Keeping them in
one place means a rule and the waste table can never disagree about who is
disabled or inactive.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from importlib import resources

import pandas as pd

from healthcheck import skus


def disabled_upns(users: pd.DataFrame) -> set[str]:
    """Accounts whose sign-in is blocked."""
    return set(users.loc[users["enabled"].eq(False).fillna(False), "upn"])


def inactive_upns(users: pd.DataFrame, as_of: date, days: int) -> set[str]:
    """Enabled accounts with no activity for ``days``, older than ``days``.

    An account created within the window is never inactive: it may simply be
    new. An account with no activity date at all counts as inactive once it is
    old enough.
    """
    cutoff = pd.Timestamp(as_of - timedelta(days=days))
    enabled = users["enabled"].eq(True).fillna(False)
    old_enough = users["created"].isna() | (users["created"] < cutoff)
    quiet = users["last_activity"].isna() | (users["last_activity"] < cutoff)
    return set(users.loc[enabled & old_enough & quiet, "upn"])


def paid_assignments(assignments: pd.DataFrame) -> pd.DataFrame:
    """Assignments of SKUs that cost money (free and trial SKUs removed)."""
    paid = ~assignments["sku"].map(skus.is_free).astype(bool)
    return assignments.loc[paid].reset_index(drop=True)


def overlapping(assignments: pd.DataFrame) -> dict[tuple[str, str], str]:
    """Standalone assignments whose service a bundle the same user holds includes.

    Returns (upn, sku) -> that bundle, decided from the SKUs' service plans
    (:func:`healthcheck.skus.covering_bundle`).
    """
    # Plain lists: iterating pandas string arrays costs a call per cell.
    pairs = list(
        zip(assignments["upn"].tolist(), assignments["sku"].tolist(), strict=True)
    )
    held: dict[str, set[str]] = {}
    for upn, sku in pairs:
        held.setdefault(upn, set()).add(sku)
    out: dict[tuple[str, str], str] = {}
    for upn, sku in pairs:
        bundle = skus.covering_bundle(sku, held[upn] - {sku})
        if bundle is not None:
            out[(upn, sku)] = bundle
    return out


@dataclass(frozen=True, kw_only=True, slots=True)
class Lifecycle:
    """End of support of one operating-system build."""

    product: str
    end_of_support: date


@cache
def _lifecycle() -> list[tuple[str, str, Lifecycle]]:
    text = (
        resources.files("healthcheck.catalog")
        .joinpath("os_lifecycle.csv")
        .read_text(encoding="utf-8")
    )
    return [
        (
            r["os"],
            r["build"],
            Lifecycle(
                product=r["product"],
                end_of_support=date.fromisoformat(r["end_of_support"]),
            ),
        )
        for r in csv.DictReader(io.StringIO(text))
    ]


def os_lifecycle(os_name: str, version: str | None) -> Lifecycle | None:
    """Lifecycle entry for a device's OS and version, or None when not listed.

    Windows versions look like 10.0.19045.5011: the third part is the build.
    """
    if not isinstance(version, str) or not version or not isinstance(os_name, str):
        return None  # an empty cell arrives as pd.NA
    parts = str(version).split(".")
    if len(parts) < 3 or not parts[2].isdigit():
        return None
    build = int(parts[2])
    for os_key, rule, life in _lifecycle():
        if os_key != os_name.strip().casefold():
            continue
        if rule.startswith("<") and build < int(rule[1:]):
            return life
        if rule.isdigit() and build == int(rule):
            return life
    return None


def windows_build(version: object) -> tuple[int, int] | None:
    """(build, revision) of a Windows version like 10.0.26100.7171, else None.

    A version without a revision (10.0.26100) cannot say which update is
    installed, so it gives None rather than a guess.
    """
    if not isinstance(version, str):
        return None
    parts = version.strip().split(".")
    if len(parts) != 4 or not all(p.isdigit() for p in parts):
        return None
    return int(parts[2]), int(parts[3])


@dataclass(frozen=True, kw_only=True, slots=True)
class CumulativeUpdate:
    """One monthly cumulative update of one Windows build."""

    build: int
    revision: int
    released: date
    release: str
    kb: str


@dataclass(frozen=True, kw_only=True, slots=True)
class UpdateTable:
    """The shipped table of Windows cumulative updates and the date it was made."""

    table_date: date
    updates: tuple[CumulativeUpdate, ...]

    def required(
        self, build: int, as_of: date, grace_days: int
    ) -> CumulativeUpdate | None:
        """The newest update of ``build`` released ``grace_days`` before ``as_of``.

        None when the table lists no such update: the build is not judged.
        """
        cutoff = as_of - timedelta(days=grace_days)
        due = [u for u in self.updates if u.build == build and u.released <= cutoff]
        return max(due, key=lambda u: u.revision) if due else None


@cache
def windows_updates() -> UpdateTable:
    """The table in ``catalog/windows_updates.csv`` (comment lines start with #)."""
    text = (
        resources.files("healthcheck.catalog")
        .joinpath("windows_updates.csv")
        .read_text(encoding="utf-8")
    )
    lines = text.splitlines()
    stamp = next(
        line.split(":", 1)[1].strip()
        for line in lines
        if line.startswith("# table_date:")
    )
    rows = csv.DictReader(line for line in lines if not line.startswith("#"))
    return UpdateTable(
        table_date=date.fromisoformat(stamp),
        updates=tuple(
            CumulativeUpdate(
                build=int(r["build"]),
                revision=int(r["revision"]),
                released=date.fromisoformat(r["released"]),
                release=r["release"],
                kb=r["kb"],
            )
            for r in rows
        ),
    )


def servers(devices: pd.DataFrame, name_pattern: str) -> pd.DataFrame:
    """Devices that are servers: a server OS, or a name matching ``name_pattern``.

    Intune reports Windows Server as plain "Windows", so the device name (a
    naming convention such as SRV-) is the other clue; the pattern is a rule
    parameter a client can override.
    """
    os_server = devices["os"].astype("string").str.contains("server", case=False)
    rx = re.compile(name_pattern)
    named = devices["name"].map(lambda n: isinstance(n, str) and bool(rx.search(n)))
    return devices[(os_server.fillna(False) | named.fillna(False)).astype(bool)]


def guest_upns(upns: pd.Series, users: pd.DataFrame | None = None) -> set[str]:
    """Accounts that are guests: user type guest, or an ``#EXT#`` UPN.

    Role exports list guests by UPN only; Entra gives invited users a UPN
    with ``#EXT#`` in it, so that marks them even without the users dataset.
    """
    out = {u for u in upns.dropna() if "#ext#" in str(u).casefold()}
    if users is not None:
        guests = set(users.loc[users["user_type"].eq("guest").fillna(False), "upn"])
        out |= guests & set(upns.dropna())
    return out
