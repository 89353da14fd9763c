"""Layer 1 evaluators: devices, patching and backups."""

from __future__ import annotations

from datetime import timedelta

import pandas as pd

from healthcheck import facts
from healthcheck.rules import (
    Outcome,
    RuleContext,
    evaluates,
    failed,
    not_assessed,
    passed,
    plural,
    verb,
)


@evaluates("FND-01")
def devices_checking_in(ctx: RuleContext) -> Outcome:
    """Devices whose last check-in is older than ``stale_days`` (or never)."""
    devices = ctx.frame("devices")
    days = int(ctx.params["stale_days"])
    cutoff = pd.Timestamp(ctx.now - timedelta(days=days))
    stale = devices[
        devices["last_check_in"].isna() | (devices["last_check_in"] < cutoff)
    ]
    if stale.empty:
        return passed(
            f"All {plural(len(devices), 'device')} checked in within {days} days.",
            devices=len(devices),
            stale=0,
        )
    return failed(
        f"{plural(len(stale), 'device')} of {len(devices)} "
        f"{verb(len(stale), 'has', 'have')} not checked "
        f"in for more than {days} days.",
        stale["name"],
        devices=len(devices),
        stale=len(stale),
    )


@evaluates("FND-02")
def disk_encryption(ctx: RuleContext) -> Outcome:
    """Devices reporting an unencrypted disk."""
    devices = ctx.frame("devices")
    known = devices[devices["encrypted"].notna()]
    if known.empty:
        return not_assessed("The device export carries no encryption state.")
    plain = known[known["encrypted"].eq(False)]
    unknown = len(devices) - len(known)
    note = (
        f" Encryption state unknown for {plural(unknown, 'device')}." if unknown else ""
    )
    if plain.empty:
        return passed(
            f"All {plural(len(known), 'device')} with a known state are "
            f"encrypted.{note}",
            devices=len(known),
            unencrypted=0,
            unknown=unknown,
        )
    return failed(
        f"{plural(len(plain), 'device')} of {len(known)} "
        f"{verb(len(plain), 'is', 'are')} not encrypted.{note}",
        plain["name"],
        devices=len(known),
        unencrypted=len(plain),
        unknown=unknown,
    )


@evaluates("FND-03")
def supported_operating_systems(ctx: RuleContext) -> Outcome:
    """Devices whose OS build is past its end of support on the assessment date."""
    devices = ctx.frame("devices")
    bad: list[str] = []
    products: dict[str, int] = {}
    for name, os_name, version in zip(
        devices["name"], devices["os"], devices["os_version"], strict=True
    ):
        life = facts.os_lifecycle(os_name, version)
        if life and life.end_of_support < ctx.as_of:  # the end date is still supported
            bad.append(name)
            key = f"{life.product} (ended {life.end_of_support.isoformat()})"
            products[key] = products.get(key, 0) + 1
    if not bad:
        return passed(
            f"No device of {len(devices)} runs an OS past end of support.",
            devices=len(devices),
            unsupported=0,
        )
    what = "; ".join(f"{n} on {p}" for p, n in sorted(products.items()))
    return failed(
        f"{plural(len(bad), 'device')} {verb(len(bad), 'runs', 'run')} an "
        f"unsupported OS: {what}.",
        bad,
        devices=len(devices),
        unsupported=len(bad),
        products=products,
    )


@evaluates("FND-04")
def backups_succeed_daily(ctx: RuleContext) -> Outcome:
    """Jobs whose last result is not success or whose last success is too old."""
    jobs = ctx.frame("backup_jobs")
    hours = int(ctx.params["max_hours_since_success"])
    cutoff = pd.Timestamp(ctx.now - timedelta(hours=hours))
    last_ok = jobs["last_success"].where(
        jobs["last_success"].notna(),
        jobs["last_run"].where(jobs["last_result"].eq("success")),
    )
    bad = jobs[jobs["last_result"].ne("success") | last_ok.isna() | (last_ok < cutoff)]
    if bad.empty:
        return passed(
            f"All {plural(len(jobs), 'backup job')} succeeded within {hours} hours.",
            jobs=len(jobs),
            failing=0,
        )
    results = ", ".join(
        f"{j} ({r})" for j, r in zip(bad["job"], bad["last_result"], strict=True)
    )
    return failed(
        f"{plural(len(bad), 'backup job')} of {len(jobs)} "
        f"{verb(len(bad), 'has', 'have')} no success "
        f"within {hours} hours: {results}.",
        bad["job"],
        jobs=len(jobs),
        failing=len(bad),
    )


@evaluates("FND-05")
def disk_free_space(ctx: RuleContext) -> Outcome:
    """Devices with less free disk than ``min_free_percent``."""
    devices = ctx.frame("devices")
    total, free = devices["total_storage_mb"], devices["free_storage_mb"]
    known = devices[total.notna() & free.notna() & (total > 0)]
    if known.empty:
        return not_assessed("The device export carries no disk sizes.")
    limit = float(ctx.params["min_free_percent"])
    share = known["free_storage_mb"] / known["total_storage_mb"] * 100
    low = known[share < limit]
    if low.empty:
        return passed(
            f"All {plural(len(known), 'device')} have at least {limit:g} % free disk.",
            devices=len(known),
            low=0,
        )
    return failed(
        f"{plural(len(low), 'device')} of {len(known)} "
        f"{verb(len(low), 'has', 'have')} less than "
        f"{limit:g} % free disk.",
        low["name"],
        devices=len(known),
        low=len(low),
    )


@evaluates("FND-06")
def windows_patch_recency(ctx: RuleContext) -> Outcome:
    """Windows devices below the update due for their build in the shipped table.

    "Latest" means the newest update in ``catalog/windows_updates.csv`` for the
    device's build released ``grace_days`` before the assessment date, so a
    device gets time to install a new update. Builds the table does not list,
    and versions without a revision, are counted as unknown, never guessed.
    """
    devices = ctx.frame("devices")
    table = facts.windows_updates()
    grace = int(ctx.params["grace_days"])
    behind: list[str] = []
    current = 0
    unknown = 0
    missing_since: dict[str, int] = {}
    for name, version in zip(devices["name"], devices["os_version"], strict=True):
        parsed = facts.windows_build(version)
        due = table.required(parsed[0], ctx.as_of, grace) if parsed else None
        if parsed is None or due is None:
            unknown += 1
            continue
        if parsed[1] >= due.revision:
            current += 1
            continue
        behind.append(name)
        key = f"{due.release} {due.build}.{due.revision} ({due.released.isoformat()})"
        missing_since[key] = missing_since.get(key, 0) + 1
    judged = current + len(behind)
    basis = f"the update table of {table.table_date.isoformat()}"
    note = f" {plural(unknown, 'device')} not judged (build not in the table)." * bool(
        unknown
    )
    measured = dict(
        judged=judged,
        behind=len(behind),
        unknown=unknown,
        table_date=table.table_date.isoformat(),
        grace_days=grace,
    )
    if judged == 0:
        return not_assessed(
            f"No device runs a Windows build listed in {basis}, so none can be "
            "compared with its latest update."
        )
    if not behind:
        return passed(
            f"{_all(judged, 'Windows device')} {verb(judged, 'runs', 'run')} the "
            f"latest update of {verb(judged, 'its', 'their')} build released at "
            f"least {grace} days ago, per {basis}.{note}",
            **measured,
        )
    what = "; ".join(f"{n} below {k}" for k, n in sorted(missing_since.items()))
    return failed(
        f"{plural(len(behind), 'Windows device')} of {judged} "
        f"{verb(len(behind), 'lacks', 'lack')} the latest cumulative update "
        f"per {basis}: {what}.{note}",
        behind,
        **measured,
        due=missing_since,
    )


@evaluates("FND-07")
def servers_backed_up(ctx: RuleContext) -> Outcome:
    """Servers among the devices that no backup job names as its system."""
    found = facts.servers(ctx.frame("devices"), str(ctx.params["server_pattern"]))
    if found.empty:
        return not_assessed(
            "No server among the managed devices (by OS or name), so there is "
            "nothing to match with the backup jobs."
        )
    jobs = ctx.frame("backup_jobs")
    # A job protects a server when its system (or, without one, its name)
    # mentions the server's name: "SRV-ERP01" or "SRV-ERP01.corp.local".
    covers = " | ".join(
        str(s).casefold()
        for s in jobs["system"].where(jobs["system"].notna(), jobs["job"])
    )
    bare = sorted(n for n in found["name"] if str(n).casefold() not in covers)
    if not bare:
        return passed(
            f"{_all(len(found), 'server')} {verb(len(found), 'has', 'have')} a "
            "backup job.",
            servers=len(found),
            without_backup=0,
        )
    return failed(
        f"{plural(len(bare), 'server')} of {len(found)} "
        f"{verb(len(bare), 'has', 'have')} no backup job: {', '.join(bare)}.",
        bare,
        servers=len(found),
        without_backup=len(bare),
    )


def _all(n: int, word: str) -> str:
    """'All 3 servers', but 'The 1 server'."""
    return f"{'All' if n > 1 else 'The'} {plural(n, word)}"


def _compliance(value: object) -> str:
    """'Noncompliant', 'non-compliant', 'In grace period' -> a plain key."""
    if not isinstance(value, str):
        return ""
    return "".join(ch for ch in value.casefold() if ch.isalpha())


@evaluates("FND-08")
def device_compliance(ctx: RuleContext) -> Outcome:
    """Devices Intune reports as non-compliant (grace period is noted, not failed)."""
    devices = ctx.frame("devices")
    state = devices["compliance"].map(_compliance)
    known = state.isin({"compliant", "noncompliant", "ingraceperiod"})
    if not known.any():
        return not_assessed("The device export carries no compliance state.")
    bad = devices[state.eq("noncompliant")]
    grace = int(state.eq("ingraceperiod").sum())
    note = (
        f" {plural(grace, 'device')} {verb(grace, 'is', 'are')} in the grace period."
        * bool(grace)
    )
    n = int(known.sum())
    if bad.empty:
        return passed(
            f"All {plural(n, 'device')} with a known state are compliant.{note}",
            devices=n,
            noncompliant=0,
            in_grace_period=grace,
        )
    return failed(
        f"{plural(len(bad), 'device')} of {n} {verb(len(bad), 'is', 'are')} "
        f"non-compliant.{note}",
        bad["name"],
        devices=n,
        noncompliant=len(bad),
        in_grace_period=grace,
    )
