"""Layer 1 evaluators: devices, patching and backups."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd

from healthcheck import facts
from healthcheck.rules import (
    Message,
    Outcome,
    RuleContext,
    evaluates,
    failed,
    joined,
    msg,
    not_assessed,
    passed,
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
            msg("rules.FND-01.pass", count=len(devices), days=days),
            population=len(devices),
            devices=len(devices),
            stale=0,
        )
    return failed(
        msg("rules.FND-01.fail", count=len(stale), total=len(devices), days=days),
        stale["name"],
        population=len(devices),
        devices=len(devices),
        stale=len(stale),
    )


@evaluates("FND-02")
def disk_encryption(ctx: RuleContext) -> Outcome:
    """Devices reporting an unencrypted disk."""
    devices = ctx.frame("devices")
    known = devices[devices["encrypted"].notna()]
    if known.empty:
        return not_assessed(msg("rules.FND-02.no_state"))
    plain = known[known["encrypted"].eq(False)]
    # A device whose state is unknown is neither a pass nor a failure: it is
    # left out of the population and named, so the consultant can check it.
    unjudged = sorted(str(n) for n in devices.loc[devices["encrypted"].isna(), "name"])
    unknown = len(unjudged)
    note = msg("rules.FND-02.unknown", count=unknown) if unknown else ""
    if plain.empty:
        return passed(
            msg("rules.FND-02.pass", count=len(known), note=note),
            population=len(known),
            devices=len(known),
            unencrypted=0,
            unknown=unknown,
            not_judged=unjudged,
        )
    return failed(
        msg("rules.FND-02.fail", count=len(plain), total=len(known), note=note),
        plain["name"],
        population=len(known),
        devices=len(known),
        unencrypted=len(plain),
        unknown=unknown,
        not_judged=unjudged,
    )


def _lifecycles(
    ctx: RuleContext,
) -> list[tuple[str, facts.LifecycleMatch | None]]:
    """Each device's name and the OS releases it can be (see facts.os_lifecycle)."""
    return facts.device_lifecycles(
        ctx.frame("devices"), str(ctx.params["server_pattern"])
    )


def _release(match: facts.LifecycleMatch, life: facts.Lifecycle) -> str:
    """The release's name; without the edition when the data did not give it."""
    if match.edition_known or len(match.candidates) == 1:
        return life.product
    words = [c.product.split() for c in match.candidates]
    common = []
    for column in zip(*words, strict=False):
        if len(set(column)) > 1:
            break
        common.append(column[0])
    return " ".join(common) or life.product


@evaluates("FND-03")
def supported_operating_systems(ctx: RuleContext) -> Outcome:
    """Devices whose OS release is past its end of support on the assessment date.

    A device whose edition decides (Windows 11 24H2 Home/Pro ended, its
    Enterprise edition did not) and is not given is left undecided and
    counted, never guessed; so is an OS version the table does not list.
    """
    bad: list[str] = []
    products: dict[str, int] = {}
    ended: dict[str, tuple[str, date]] = {}
    judged = undecided = unlisted = 0
    for name, match in _lifecycles(ctx):
        if match is None:
            unlisted += 1
            continue
        if match.ambiguous(ctx.as_of):
            undecided += 1
            continue
        judged += 1
        life = match.ended(ctx.as_of)
        if life is None:
            continue
        assert life.end_of_support is not None
        bad.append(name)
        product = _release(match, life)
        key = f"{product} (ended {life.end_of_support.isoformat()})"
        products[key] = products.get(key, 0) + 1
        ended[key] = (product, life.end_of_support)
    notes = []
    if undecided:
        notes.append(msg("rules.FND-03.undecided", count=undecided))
    if unlisted:
        notes.append(msg("rules.FND-03.unlisted", count=unlisted))
    note = joined(notes, "")
    measured = dict(
        devices=judged, unsupported=len(bad), undecided=undecided, unlisted=unlisted
    )
    if judged == 0:
        return not_assessed(msg("rules.FND-03.none_listed", note=note))
    if not bad:
        return passed(
            msg("rules.FND-03.pass", count=judged, note=note),
            population=judged,
            **measured,
        )
    what = [
        msg("rules.FND-03.product", count=n, product=ended[p][0], ended=ended[p][1])
        for p, n in sorted(products.items())
    ]
    return failed(
        msg(
            "rules.FND-03.fail", count=len(bad), products=joined(what, "; "), note=note
        ),
        bad,
        population=judged,
        **measured,
        products=products,
    )


@evaluates("FND-09")
def support_ending_soon(ctx: RuleContext) -> Outcome:
    """Devices whose OS support ends within ``warn_days`` of the assessment date.

    Low severity: nothing is wrong yet, but the client can budget the
    replacement or upgrade a quarter ahead. The latest possible end counts,
    so a device of unknown edition is warned about only when every edition's
    support ends in the window.
    """
    days = int(ctx.params["warn_days"])
    soon: list[str] = []
    products: dict[str, int] = {}
    ends: dict[str, tuple[str, date]] = {}
    judged = 0
    for name, match in _lifecycles(ctx):
        if match is None:
            continue
        judged += 1
        life = match.ending(ctx.as_of, days)
        if life is None:
            continue
        assert life.end_of_support is not None
        soon.append(name)
        product = _release(match, life)
        key = f"{product} (ends {life.end_of_support.isoformat()})"
        products[key] = products.get(key, 0) + 1
        ends[key] = (product, life.end_of_support)
    if judged == 0:
        return not_assessed(msg("rules.FND-09.none_listed"))
    if not soon:
        return passed(
            msg("rules.FND-09.pass", count=judged, days=days),
            population=judged,
            devices=judged,
            ending=0,
        )
    what = [
        msg("rules.FND-09.product", count=n, product=ends[p][0], ends=ends[p][1])
        for p, n in sorted(products.items())
    ]
    return failed(
        msg(
            "rules.FND-09.fail",
            count=len(soon),
            days=days,
            products=joined(what, "; "),
        ),
        soon,
        population=judged,
        devices=judged,
        ending=len(soon),
        products=products,
    )


#: Results that count as a success. Veeam's "Warning" is a backup that
#: finished (a skipped file, a slow target): it is listed, never failed.
_OK_RESULTS = frozenset({"success", "warning"})

_HOURS = {"hourly": 1, "daily": 24, "nightly": 24, "weekly": 168, "monthly": 744}
_UNIT = {"h": 1, "d": 24, "w": 168}


def schedule_hours(schedule: object) -> float | None:
    """How many hours apart a schedule's runs are; None when it cannot be read.

    Reads "Daily", "Weekly", "Monthly", "Hourly" and "Every N hours/days/weeks"
    (any case). An empty cell is None too: the job is then judged as daily.
    """
    if not isinstance(schedule, str) or not schedule.strip():
        return None
    text = schedule.strip().casefold()
    if text in _HOURS:
        return float(_HOURS[text])
    words = text.split()
    # "every 4 hours", "every 2 days", "every 12 h"
    if len(words) == 3 and words[0] == "every" and words[2][:1] in _UNIT:
        try:
            return float(words[1].replace(",", ".")) * _UNIT[words[2][0]]
        except ValueError:
            return None
    return None


def _measured_from(ctx: RuleContext, jobs: pd.DataFrame) -> pd.Timestamp:
    """When the backup data was taken: the moment its ages are measured from.

    The dataset's collection time when it falls within the assessment day (a
    live read, or exports read on that day). With ``as_of`` set to an earlier
    day than the collection, the export was taken on that day, no earlier
    than its newest entry: the newest timestamp of the data, at least the
    start of that day, at most its end. Measuring from 23:59:59 instead would
    make a nightly job that started at 21:30 the evening before look 26.5
    hours old in an export taken the next morning.
    """
    now = pd.Timestamp(ctx.now)
    taken = ctx.collected_at.get("backup_jobs")
    if taken is not None and pd.Timestamp(taken) <= now:
        return pd.Timestamp(taken)
    stamps = pd.concat([jobs["last_run"], jobs["last_success"]]).dropna()
    newest = stamps.max() if not stamps.empty else now
    start = pd.Timestamp(ctx.as_of)
    return min(now, max(start, newest))


@evaluates("FND-04")
def backups_succeed_daily(ctx: RuleContext) -> Outcome:
    """Jobs whose last result failed, or whose last success is older than its interval.

    A job is due once per its schedule (daily when the export has none), plus
    the slack ``max_hours_since_success`` gives a daily job (26 - 24 hours),
    measured back from when the backup data was taken.
    """
    jobs = ctx.frame("backup_jobs")
    hours = int(ctx.params["max_hours_since_success"])
    slack = max(hours - 24, 0)
    since = _measured_from(ctx, jobs)
    schedules = (
        jobs["schedule"]
        if "schedule" in jobs.columns
        else pd.Series([None] * len(jobs), index=jobs.index)
    )
    interval = schedules.map(schedule_hours)
    unread = sorted(
        str(j)
        for j, s, h in zip(jobs["job"], schedules, interval, strict=True)
        if isinstance(s, str) and s.strip() and h is None
    )
    window = interval.map(lambda h: hours if h is None else h + slack).astype(float)
    cutoff = since - pd.to_timedelta(window, unit="h")
    finished = jobs["last_result"].isin(_OK_RESULTS)
    ran_ok = jobs["last_run"].where(finished)
    last_ok = pd.concat([jobs["last_success"], ran_ok], axis=1).max(axis=1)
    bad = jobs[~finished | last_ok.isna() | (last_ok < cutoff)]
    warned = sorted(str(j) for j in jobs.loc[jobs["last_result"].eq("warning"), "job"])
    notes: list[Message] = []
    if warned:
        notes.append(msg("rules.FND-04.warnings", count=len(warned), jobs=warned))
    measured = dict(
        jobs=len(jobs),
        failing=len(bad),
        warnings=warned,
        measured_from=since.isoformat(),
        weekly_or_longer=int((interval.dropna() >= 168).sum()),
        schedule_unread=unread,
    )
    note = notes[0] if notes else ""
    if bad.empty:
        return passed(
            msg("rules.FND-04.pass", count=len(jobs), hours=hours, note=note),
            population=len(jobs),
            **measured,
        )
    results = [
        msg("rules.FND-04.job", job=str(j), result=msg(f"terms.backup_result.{r}"))
        for j, r in zip(bad["job"], bad["last_result"], strict=True)
    ]
    return failed(
        msg(
            "rules.FND-04.fail",
            count=len(bad),
            total=len(jobs),
            hours=hours,
            jobs=results,
            note=note,
        ),
        bad["job"],
        population=len(jobs),
        **measured,
    )


@evaluates("FND-05")
def disk_free_space(ctx: RuleContext) -> Outcome:
    """Devices with less free disk than ``min_free_percent``."""
    devices = ctx.frame("devices")
    total, free = devices["total_storage_mb"], devices["free_storage_mb"]
    known = devices[total.notna() & free.notna() & (total > 0)]
    if known.empty:
        return not_assessed(msg("rules.FND-05.no_sizes"))
    limit = float(ctx.params["min_free_percent"])
    share = known["free_storage_mb"] / known["total_storage_mb"] * 100
    low = known[share < limit]
    if low.empty:
        return passed(
            msg("rules.FND-05.pass", count=len(known), limit=limit),
            population=len(known),
            devices=len(known),
            low=0,
        )
    return failed(
        msg("rules.FND-05.fail", count=len(low), total=len(known), limit=limit),
        low["name"],
        population=len(known),
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
    max_age = int(ctx.params["max_table_age_days"])
    newest = table.newest
    # Never judge against a stale table: a device two months behind would
    # pass against one that lacks the last two months.
    if newest is None or (ctx.as_of - newest).days > max_age:
        return not_assessed(
            msg(
                "rules.FND-06.stale_table",
                table_date=table.table_date,
                newest=newest or table.table_date,
                days=max_age,
            )
        )
    behind: list[str] = []
    current = 0
    unknown = 0
    missing_since: dict[str, int] = {}
    updates: dict[str, facts.CumulativeUpdate] = {}
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
        updates[key] = due
    judged = current + len(behind)
    note = msg("rules.FND-06.unknown", count=unknown) if unknown else ""
    measured = dict(
        judged=judged,
        behind=len(behind),
        unknown=unknown,
        table_date=table.table_date.isoformat(),
        grace_days=grace,
    )
    if judged == 0:
        return not_assessed(
            msg("rules.FND-06.no_listed_build", table_date=table.table_date)
        )
    if not behind:
        return passed(
            msg(
                "rules.FND-06.pass",
                count=judged,
                grace=grace,
                table_date=table.table_date,
                note=note,
            ),
            population=judged,
            **measured,
        )
    what = [
        msg(
            "rules.FND-06.below",
            count=n,
            release=updates[k].release,
            build=str(updates[k].build),
            revision=str(updates[k].revision),
            released=updates[k].released,
        )
        for k, n in sorted(missing_since.items())
    ]
    return failed(
        msg(
            "rules.FND-06.fail",
            count=len(behind),
            total=judged,
            table_date=table.table_date,
            updates=joined(what, "; "),
            note=note,
        ),
        behind,
        population=judged,
        **measured,
        due=missing_since,
    )


@evaluates("FND-07")
def servers_backed_up(ctx: RuleContext) -> Outcome:
    """Servers among the devices that no backup job names as its system."""
    found = facts.servers(ctx.frame("devices"), str(ctx.params["server_pattern"]))
    if found.empty:
        return not_assessed(msg("rules.FND-07.no_server"))
    jobs = ctx.frame("backup_jobs")
    named = jobs["system"].where(jobs["system"].notna(), jobs["job"])
    covered = {n for cell in named for n in _host_names(cell)}
    bare = sorted(n for n in found["name"] if not _own_names(n) & covered)
    if not bare:
        return passed(
            msg("rules.FND-07.pass", count=len(found)),
            population=len(found),
            servers=len(found),
            without_backup=0,
        )
    return failed(
        msg("rules.FND-07.fail", count=len(bare), total=len(found), servers=bare),
        bare,
        population=len(found),
        servers=len(found),
        without_backup=len(bare),
    )


#: What separates host names in a job's system or name cell: "Nightly
#: SRV-FILE01", "SRV-DC01, SRV-DC02", "Microsoft 365 (Exchange Online)".
_HOST_SEPARATORS = str.maketrans({c: " " for c in ",;|()[]\\/"})


def _host_names(cell: object) -> set[str]:
    """The words of a cell that may name a host, each as given and as a short name.

    Matching is exact and case-insensitive, never by substring (a job for
    ``DC10`` does not protect ``DC1``); an FQDN matches its short name
    (``srv-dc01.corp.local`` is ``SRV-DC01``).
    """
    if not isinstance(cell, str):
        return set()
    out: set[str] = set()
    for word in cell.casefold().translate(_HOST_SEPARATORS).split():
        word = word.strip(".:")
        if word:
            out |= {word, word.split(".", 1)[0]}
    return out


def _own_names(name: object) -> set[str]:
    """A server's own name, whole and as a short name, for :func:`_host_names`."""
    whole = str(name).strip().casefold() if isinstance(name, str) else ""
    return {whole, whole.split(".", 1)[0]} - {""}


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
        return not_assessed(msg("rules.FND-08.no_state"))
    bad = devices[state.eq("noncompliant")]
    grace = int(state.eq("ingraceperiod").sum())
    note = msg("rules.FND-08.grace", count=grace) if grace else ""
    n = int(known.sum())
    if bad.empty:
        return passed(
            msg("rules.FND-08.pass", count=n, note=note),
            population=n,
            devices=n,
            noncompliant=0,
            in_grace_period=grace,
        )
    return failed(
        msg("rules.FND-08.fail", count=len(bad), total=n, note=note),
        bad["name"],
        population=n,
        devices=n,
        noncompliant=len(bad),
        in_grace_period=grace,
    )
