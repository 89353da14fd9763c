"""Layer 2 evaluators: documented processes, and whether practice matches them."""

from __future__ import annotations

import pandas as pd

from healthcheck import facts, mailbox_licences
from healthcheck.rules import (
    Outcome,
    RuleContext,
    evaluates,
    failed,
    msg,
    not_assessed,
    passed,
)
from healthcheck.rules.interview import interview_answer

evaluates("DOC-01", "DOC-02", "DOC-03", "DOC-04")(interview_answer)


@evaluates("DOC-05")
def offboarding_in_practice(ctx: RuleContext) -> Outcome:
    """Blocked accounts that still hold paid licences or (when known) admin roles."""
    users = ctx.frame("users")
    disabled = facts.disabled_upns(users)
    paid = facts.paid_assignments(ctx.frame("licence_assignments"))
    licensed = set(paid.loc[paid["upn"].isin(disabled), "upn"])
    # A blocked account kept as a shared mailbox over 50 GB, with an archive
    # or on litigation hold needs its licence: not a half-done offboarding.
    kept: set[str] = set()
    if ctx.has("mailboxes"):
        need = mailbox_licences.needs(ctx.frame("mailboxes"), licensed)
        kept = {upn for upn, n in need.items() if n.reasons}
        licensed -= kept
    note = msg("rules.DOC-05.kept", count=len(kept)) if kept else ""
    with_roles: set[str] = set()
    if ctx.has("role_assignments"):
        roles = ctx.frame("role_assignments")
        with_roles = set(roles.loc[roles["upn"].isin(disabled), "upn"])
    leftovers = licensed | with_roles
    if not leftovers:
        key = "pass_roles" if ctx.has("role_assignments") else "pass"
        return passed(
            msg(f"rules.DOC-05.{key}", count=len(disabled), note=note),
            population=len(disabled),
            disabled=len(disabled),
            licence_kept_for_mailbox=sorted(kept),
        )
    with_licences = msg("rules.DOC-05.with_licences", count=len(licensed))
    with_admin = msg("rules.DOC-05.with_roles", count=len(with_roles))
    if licensed and with_roles:
        parts = msg("rules.DOC-05.both", licences=with_licences, roles=with_admin)
    else:
        parts = with_licences if licensed else with_admin
    return failed(
        msg("rules.DOC-05.fail", count=len(disabled), parts=parts, note=note),
        leftovers,
        population=len(disabled),
        disabled=len(disabled),
        licensed=len(licensed),
        with_roles=len(with_roles),
        licence_kept_for_mailbox=sorted(kept),
    )


evaluates("DOC-06")(interview_answer)


@evaluates("DOC-07")
def device_owners_recorded(ctx: RuleContext) -> Outcome:
    """User devices (servers left out) without a primary user."""
    devices = ctx.frame("devices")
    server_names = set(
        facts.servers(devices, str(ctx.params["server_pattern"]))["name"]
    )
    users_devices = devices[~devices["name"].isin(server_names)]
    shared = _shared(users_devices, ctx.params.get("shared_categories") or [])
    mine = users_devices[~shared]
    shared_names = sorted(str(n) for n in users_devices.loc[shared, "name"])
    if mine.empty:
        key = "only_shared" if shared_names else "only_servers"
        return not_assessed(msg(f"rules.DOC-07.{key}"))
    owner = mine["primary_user"].astype("string").str.strip()
    orphans = mine[owner.isna() | owner.eq("")]
    note = msg("rules.DOC-07.shared", count=len(shared_names)) if shared_names else ""
    measured = dict(devices=len(mine), without_user=len(orphans), shared=shared_names)
    if orphans.empty:
        return passed(
            msg("rules.DOC-07.pass", count=len(mine), note=note),
            population=len(mine),
            **measured,
        )
    return failed(
        msg("rules.DOC-07.fail", count=len(orphans), total=len(mine), note=note),
        orphans["name"],
        population=len(mine),
        **measured,
    )


def _shared(devices: pd.DataFrame, categories: list[str]) -> pd.Series:
    """Devices in a shared category or enrollment profile named in client.yaml.

    Shared and kiosk devices (Intune shared device mode, dedicated devices)
    have no primary user by design; the client names the device categories or
    enrollment profiles it uses for them (``shared_categories``).
    """
    wanted = {str(c).strip().casefold() for c in categories} - {""}
    out = pd.Series(False, index=devices.index)
    for column in ("category", "enrollment_profile"):
        if wanted and column in devices.columns:
            text = devices[column].astype("string").str.strip().str.casefold()
            out |= text.isin(wanted).fillna(False).astype(bool)
    return out
