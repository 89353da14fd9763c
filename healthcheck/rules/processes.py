"""Layer 2 evaluators: documented processes, and whether practice matches them."""

from __future__ import annotations

from healthcheck import facts
from healthcheck.rules import (
    Outcome,
    RuleContext,
    evaluates,
    failed,
    not_assessed,
    passed,
    plural,
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
    with_roles: set[str] = set()
    if ctx.has("role_assignments"):
        roles = ctx.frame("role_assignments")
        with_roles = set(roles.loc[roles["upn"].isin(disabled), "upn"])
    leftovers = licensed | with_roles
    if not leftovers:
        return passed(
            f"None of the {plural(len(disabled), 'disabled account')} holds "
            "a paid licence"
            + (" or an admin role." if ctx.has("role_assignments") else "."),
            disabled=len(disabled),
        )
    parts = (
        [f"{plural(len(licensed), 'account')} with paid licences"] if licensed else []
    )
    if with_roles:
        parts.append(f"{plural(len(with_roles), 'account')} with admin roles")
    return failed(
        f"Of {plural(len(disabled), 'disabled account')}: " + " and ".join(parts) + ".",
        leftovers,
        disabled=len(disabled),
        licensed=len(licensed),
        with_roles=len(with_roles),
    )


evaluates("DOC-06")(interview_answer)


@evaluates("DOC-07")
def device_owners_recorded(ctx: RuleContext) -> Outcome:
    """User devices (servers left out) without a primary user."""
    devices = ctx.frame("devices")
    server_names = set(
        facts.servers(devices, str(ctx.params["server_pattern"]))["name"]
    )
    mine = devices[~devices["name"].isin(server_names)]
    if mine.empty:
        return not_assessed("The device data lists only servers.")
    owner = mine["primary_user"].astype("string").str.strip()
    orphans = mine[owner.isna() | owner.eq("")]
    if orphans.empty:
        return passed(
            f"{'All' if len(mine) > 1 else 'The'} {plural(len(mine), 'user device')} "
            f"{'has' if len(mine) == 1 else 'have'} a primary user.",
            devices=len(mine),
            without_user=0,
        )
    return failed(
        f"{plural(len(orphans), 'device')} of {len(mine)} "
        f"{'has' if len(orphans) == 1 else 'have'} no primary user.",
        orphans["name"],
        devices=len(mine),
        without_user=len(orphans),
    )
