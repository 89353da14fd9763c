"""Layer 3 evaluators: licences, accounts, admin rights and MFA."""

from __future__ import annotations

from healthcheck import facts, skus
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

GLOBAL_ADMIN = {"global administrator", "company administrator"}


@evaluates("REV-01")
def unassigned_seats(ctx: RuleContext) -> Outcome:
    """Paid subscriptions with more purchased than assigned seats."""
    subs = ctx.frame("licence_skus")
    paid = subs[~subs["sku"].map(skus.is_free).astype(bool) & subs["assigned"].notna()]
    if paid.empty:
        return not_assessed("No paid subscription reports how many seats are assigned.")
    spare = paid[paid["purchased"] > paid["assigned"]]
    if spare.empty:
        return passed(
            f"All seats of {plural(len(paid), 'paid subscription')} are assigned.",
            subscriptions=len(paid),
            unassigned=0,
        )
    seats = {
        s: int(p - a)
        for s, p, a in zip(
            spare["sku"], spare["purchased"], spare["assigned"], strict=True
        )
    }
    total = sum(seats.values())
    listed = ", ".join(f"{skus.display_name(s)} {n}" for s, n in seats.items())
    return failed(
        f"{plural(total, 'purchased seat')} {verb(total, 'is', 'are')} unassigned: "
        f"{listed}.",
        [f"{s}: {n} unassigned" for s, n in seats.items()],
        unassigned=total,
        by_sku=seats,
    )


@evaluates("REV-02")
def inactive_licensed_users(ctx: RuleContext) -> Outcome:
    """Enabled, licensed accounts with no activity for ``inactive_days``."""
    days = int(ctx.params["inactive_days"])
    users = ctx.frame("users")
    paid = facts.paid_assignments(ctx.frame("licence_assignments"))
    licensed = set(paid["upn"])
    inactive = facts.inactive_upns(users, ctx.as_of, days) & licensed
    if not inactive:
        return passed(
            f"Every licensed account was active within {days} days.",
            licensed=len(licensed),
            inactive=0,
        )
    return failed(
        f"{plural(len(inactive), 'licensed account')} "
        f"{verb(len(inactive), 'has', 'have')} had no activity "
        f"for more than {days} days.",
        inactive,
        licensed=len(licensed),
        inactive=len(inactive),
    )


@evaluates("REV-03")
def global_admin_count(ctx: RuleContext) -> Outcome:
    """Distinct holders of Global Administrator, permanent or eligible."""
    roles = ctx.frame("role_assignments")
    admins = sorted(
        set(roles.loc[roles["role"].str.casefold().isin(GLOBAL_ADMIN), "upn"])
    )
    low, high = int(ctx.params["min_admins"]), int(ctx.params["max_admins"])
    n = len(admins)
    if low <= n <= high:
        return passed(
            f"{plural(n, 'account')} {verb(n, 'holds', 'hold')} Global Administrator.",
            admins=n,
        )
    if n < low:
        return failed(
            f"Only {plural(n, 'account')} {verb(n, 'holds', 'hold')} Global "
            "Administrator; at least "
            f"{low} are needed so that one lost account cannot lock you out.",
            admins,
            admins=n,
        )
    return failed(
        f"{n} accounts hold Global Administrator; at most {high} are recommended.",
        admins,
        admins=n,
    )


@evaluates("REV-04")
def admins_have_mfa(ctx: RuleContext) -> Outcome:
    """Role holders without a registered MFA method."""
    roles = ctx.frame("role_assignments")
    mfa = ctx.frame("mfa_registration")
    admins = set(roles["upn"])
    registered = set(mfa.loc[mfa["mfa_registered"].eq(True).fillna(False), "upn"])
    missing = admins - registered
    if not missing:
        return passed(
            f"All {plural(len(admins), 'admin account')} have registered MFA.",
            admins=len(admins),
            without_mfa=0,
        )
    return failed(
        f"{plural(len(missing), 'admin account')} of {len(admins)} "
        f"{verb(len(missing), 'has', 'have')} not "
        "registered MFA.",
        missing,
        admins=len(admins),
        without_mfa=len(missing),
    )


@evaluates("REV-05")
def mfa_coverage(ctx: RuleContext) -> Outcome:
    """Share of enabled member accounts with MFA registered."""
    users = ctx.frame("users")
    mfa = ctx.frame("mfa_registration")
    people = users[
        users["enabled"].eq(True).fillna(False)
        & users["user_type"].eq("member").fillna(False)
    ]
    if people.empty:
        return not_assessed("No enabled member accounts to measure.")
    registered = set(mfa.loc[mfa["mfa_registered"].eq(True).fillna(False), "upn"])
    without = sorted(set(people["upn"]) - registered)
    share = 100 * (len(people) - len(without)) / len(people)
    limit = float(ctx.params["min_percent"])
    if share >= limit:
        return passed(
            f"{share:.0f} % of {len(people)} enabled accounts have MFA.",
            percent=round(share, 1),
            accounts=len(people),
        )
    return failed(
        f"Only {share:.0f} % of {len(people)} enabled accounts have MFA "
        f"(target {limit:g} %).",
        without,
        percent=round(share, 1),
        accounts=len(people),
    )
