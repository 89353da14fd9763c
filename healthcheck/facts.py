"""Facts derived from canonical datasets, shared by rules and the cost model.

Pure functions of frames; they never read files or config. Keeping them in
one place means a rule and the waste table can never disagree about who is
disabled or inactive.
"""

from __future__ import annotations

import csv
import io
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


def overlapping(assignments: pd.DataFrame) -> pd.DataFrame:
    """Standalone assignments whose service a bundle the same user holds includes."""
    held: dict[str, set[str]] = {}
    for upn, sku in zip(assignments["upn"], assignments["sku"], strict=True):
        held.setdefault(upn, set()).add(sku)
    mask = [
        bool(skus.included_in(sku) & held[upn])
        for upn, sku in zip(assignments["upn"], assignments["sku"], strict=True)
    ]
    return assignments.loc[pd.Series(mask, index=assignments.index, dtype=bool)]


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
