"""Layer 1 evaluators for the device itself: patches, antivirus, recovery keys, LAPS.

FND-10 reads an RMM or WSUS patch list, FND-14 the Intune antivirus report
or the Defender device inventory, FND-15 and FND-16 the Entra lists of
escrowed BitLocker keys and Windows LAPS backups, joined to the managed
devices by their Entra device id. Each fails only what the data shows to be
wrong: a device a list does not mention is named in the detail, never failed.
"""

from __future__ import annotations

from datetime import timedelta

import pandas as pd

from healthcheck.rules import (
    MAX_LISTED,
    Outcome,
    RuleContext,
    evaluates,
    failed,
    joined,
    msg,
    not_assessed,
    passed,
)


def _windows(devices: pd.DataFrame) -> pd.DataFrame:
    """Devices running Windows (Intune says "Windows" for servers too)."""
    return devices[devices["os"].astype("string").str.contains("windows", case=False)]


def _names(values: pd.Series | list[str]) -> list[str]:
    return sorted({str(v) for v in values})


@evaluates("FND-10")
def patch_status(ctx: RuleContext) -> Outcome:
    """Devices with failed or missing updates, or none installed for ``max_days``.

    A device whose patch list gives neither counts nor an install date is
    left out of the population and counted, never guessed.
    """
    rows = ctx.frame("patch_status")
    days = int(ctx.params["max_days"])
    cutoff = pd.Timestamp(ctx.as_of - timedelta(days=days))

    def column(name: str) -> pd.Series:
        if name in rows.columns:
            return rows[name]
        return pd.Series([pd.NA] * len(rows), index=rows.index)

    failed_n = pd.to_numeric(column("failed_updates"), errors="coerce")
    missing_n = pd.to_numeric(column("missing_updates"), errors="coerce")
    installed = pd.to_datetime(column("last_patch_install"), errors="coerce")
    known = failed_n.notna() | missing_n.notna() | installed.notna()
    judged = rows[known]
    unknown = int((~known).sum())
    if judged.empty:
        return not_assessed(msg("rules.FND-10.nothing_known"))
    # Judged column by column; only the devices a sentence names get words.
    has_failed = (failed_n > 0).fillna(False)[known]
    has_missing = (missing_n > 0).fillna(False)[known]
    is_old = (installed < cutoff).fillna(False)[known]
    wrong = has_failed | has_missing | is_old
    worst = {
        "failed": int(has_failed.sum()),
        "missing": int(has_missing.sum()),
        "old": int(is_old.sum()),
    }
    bad = [str(v) for v in judged.loc[wrong, "device"]]
    note = msg("rules.FND-10.unknown", count=unknown) if unknown else ""
    measured = dict(devices=len(judged), unknown=unknown, **worst, max_days=days)
    if not bad:
        return passed(
            msg("rules.FND-10.pass", count=len(judged), days=days, note=note),
            population=len(judged),
            **measured,
        )
    problems = []
    for i in wrong[wrong].index[:MAX_LISTED]:
        said = []
        if has_failed[i]:
            said.append(msg("rules.FND-10.failed", count=int(failed_n[i])))
        if has_missing[i]:
            said.append(msg("rules.FND-10.missing", count=int(missing_n[i])))
        if is_old[i]:
            said.append(msg("rules.FND-10.old", date=installed[i].date()))
        problems.append(
            msg(
                "rules.FND-10.device",
                device=str(rows.at[i, "device"]),
                what=joined(said, ", "),
            )
        )
    return failed(
        msg(
            "rules.FND-10.fail",
            count=len(bad),
            total=len(judged),
            days=days,
            devices=joined(problems, "; ", total=len(bad)),
            note=note,
        ),
        bad,
        population=len(judged),
        **measured,
    )


#: Words of a protection state that mean "not protected": the Intune
#: antivirus report's device states (Critical failure, Pending manual steps,
#: Pending offline scan: a threat not yet removed) and the Defender
#: inventory's health states (Inactive, Misconfigured, Impaired
#: communications, No sensor data).
_BAD_STATES = (
    "critical",
    "inactive",
    "misconfigured",
    "impaired",
    "nosensor",
    "unhealthy",
    "disabled",
    "error",
    "manualsteps",
    "offlinescan",
    "notonboarded",
)


def _said(cell: object, value: bool) -> bool:
    """True when a yes/no cell holds ``value``; an empty cell says nothing."""
    return cell is not None and not pd.isna(cell) and bool(cell) is value


def _state_key(value: object) -> str:
    return "".join(ch for ch in str(value).casefold() if ch.isalpha())


@evaluates("FND-14")
def endpoint_protection(ctx: RuleContext) -> Outcome:
    """Windows devices whose antivirus or EDR is off, stale or unhealthy.

    The report's overall state, real-time protection, overdue signatures and
    Defender for Endpoint onboarding each fail a device when the report says
    so; a cell it leaves empty says nothing. Windows devices of the devices
    list that the report does not name are counted in the detail: they may
    run another product.
    """
    report = ctx.frame("endpoint_protection")
    absent = 0
    if ctx.has("devices") and not ctx.frame("devices").empty:
        devices = ctx.frame("devices")
        names = devices["name"].astype(str).str.casefold()
        win = set(names[devices.index.isin(_windows(devices).index)])
        other = set(names) - win
        # A phone in the Defender inventory is not a Windows device; a name
        # the device list lacks is kept (the report is the better witness).
        report = report[~report["device"].astype(str).str.casefold().isin(other)]
        absent = len(win - set(report["device"].astype(str).str.casefold()))
    if report.empty:
        return not_assessed(msg("rules.FND-14.no_windows"))

    # Judged column by column; only the devices a sentence names get words.
    def says(column: str, value: bool) -> pd.Series:
        if column not in report.columns:
            return pd.Series(False, index=report.index)
        return report[column].map(lambda c: _said(c, value)).astype(bool)

    states = report["state"] if "state" in report.columns else None
    bad_state = pd.Series(False, index=report.index)
    if states is not None:
        verdicts = {
            v: isinstance(v, str) and any(w in _state_key(v) for w in _BAD_STATES)
            for v in states.dropna().unique()
        }
        bad_state = states.map(verdicts).fillna(False).astype(bool)
    flags = pd.DataFrame(
        {
            "state": bad_state,
            "realtime": says("realtime", False),
            "signatures": says("signatures_overdue", True),
            "onboarded": says("edr_onboarded", False),
        }
    )
    wrong = flags.any(axis=1)
    # A device named twice is judged by its last row, as a dictionary would.
    reasons: dict[str, int] = {}
    for i, name in report.loc[wrong, "device"].astype(str).items():
        reasons[name] = i
    note = msg("rules.FND-14.absent", count=absent) if absent else ""
    n = len(report)
    if not reasons:
        return passed(
            msg("rules.FND-14.pass", count=n, note=note),
            population=n,
            devices=n,
            unprotected=0,
            not_in_report=absent,
        )
    shown = []
    for name in sorted(reasons)[:MAX_LISTED]:
        i = reasons[name]
        why: list[object] = []
        if flags.at[i, "state"]:
            why.append(msg("rules.FND-14.state", state=states.at[i]))  # type: ignore[union-attr]
        if flags.at[i, "realtime"]:
            why.append(msg("rules.FND-14.realtime_off"))
        if flags.at[i, "signatures"]:
            why.append(msg("rules.FND-14.signatures"))
        if flags.at[i, "onboarded"]:
            why.append(msg("rules.FND-14.not_onboarded"))
        shown.append(msg("rules.FND-14.device", device=name, what=joined(why, ", ")))
    return failed(
        msg(
            "rules.FND-14.fail",
            count=len(reasons),
            total=n,
            devices=joined(shown, "; ", total=len(reasons)),
            note=note,
        ),
        list(reasons),
        population=n,
        devices=n,
        unprotected=len(reasons),
        not_in_report=absent,
    )


def _entra_windows(ctx: RuleContext) -> tuple[pd.DataFrame, int]:
    """Windows devices with an Entra device id, and how many lack one."""
    win = _windows(ctx.frame("devices"))
    ids = win["entra_device_id"].astype("string").str.strip().str.casefold()
    has = ids.notna() & ids.ne("") & ids.ne("00000000-0000-0000-0000-000000000000")
    out = win[has].assign(_entra=ids[has])
    return out, int((~has).sum())


@evaluates("FND-15")
def bitlocker_keys_escrowed(ctx: RuleContext) -> Outcome:
    """Encrypted Windows devices without a BitLocker recovery key in Entra ID.

    Only devices reported encrypted are judged: an unencrypted one has no
    key to escrow and is FND-02's finding.
    """
    win, no_id = _entra_windows(ctx)
    enc = win[win["encrypted"].eq(True)]
    note = msg("rules.FND-15.no_id", count=no_id) if no_id else ""
    if enc.empty:
        return not_assessed(msg("rules.FND-15.none_encrypted", note=note))
    keys = ctx.frame("bitlocker_keys")
    escrowed = set(keys["device_id"].dropna().astype(str).str.strip().str.casefold())
    bare = enc[~enc["_entra"].isin(escrowed)]
    n = len(enc)
    if bare.empty:
        return passed(
            msg("rules.FND-15.pass", count=n, note=note),
            population=n,
            devices=n,
            without_key=0,
            without_entra_id=no_id,
        )
    return failed(
        msg("rules.FND-15.fail", count=len(bare), total=n, note=note),
        bare["name"],
        population=n,
        devices=n,
        without_key=len(bare),
        without_entra_id=no_id,
    )


@evaluates("FND-16")
def laps_manages_local_admin(ctx: RuleContext) -> Outcome:
    """Windows devices whose local admin password Windows LAPS has not backed up.

    A backup older than ``max_backup_age_days`` fails too: LAPS rotates the
    password (30 days by default) and backs each new one up, so a stale
    backup means the policy no longer runs on the device.
    """
    win, no_id = _entra_windows(ctx)
    notes = [msg("rules.FND-16.no_id", count=no_id)] if no_id else []
    personal = 0
    if "ownership" in win.columns:
        # A personal (BYOD) device gets no LAPS policy: the admin would
        # rightly refute it as a finding.
        own = win["ownership"].astype("string").eq("personal").fillna(False)
        personal = int(own.sum())
        win = win[~own.to_numpy(dtype=bool)]
        if personal:
            notes.append(msg("rules.FND-16.personal", count=personal))
    note = joined(notes, "") if notes else ""
    if win.empty:
        return not_assessed(msg("rules.FND-16.no_windows", note=note))
    creds = ctx.frame("laps_credentials")
    ids = creds["device_id"].astype(str).str.strip().str.casefold()
    last = dict(zip(ids, creds["last_backup"], strict=True))
    days = int(ctx.params["max_backup_age_days"])
    cutoff = pd.Timestamp(ctx.now - timedelta(days=days))
    missing = win[~win["_entra"].isin(last)]
    stale = [
        str(name)
        for name, dev in zip(win["name"], win["_entra"], strict=True)
        if dev in last and pd.notna(last[dev]) and last[dev] < cutoff
    ]
    n = len(win)
    measured = dict(
        devices=n,
        without_laps=len(missing),
        stale=len(stale),
        without_entra_id=no_id,
        personal=personal,
    )
    if missing.empty and not stale:
        return passed(
            msg("rules.FND-16.pass", count=n, days=days, note=note),
            population=n,
            **measured,
        )
    parts = []
    if not missing.empty:
        parts.append(msg("rules.FND-16.missing", count=len(missing)))
    if stale:
        parts.append(msg("rules.FND-16.stale", count=len(stale), days=days))
    return failed(
        msg(
            "rules.FND-16.fail",
            count=len(missing) + len(stale),
            total=n,
            what=joined(parts, "; "),
            note=note,
        ),
        _names(list(missing["name"]) + stale),
        population=n,
        **measured,
    )
