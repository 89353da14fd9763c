"""Layer 3 evaluators: licences, accounts, admin rights and MFA."""

from __future__ import annotations

import pandas as pd

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


@evaluates("REV-06")
def stale_guests(ctx: RuleContext) -> Outcome:
    """Enabled guest accounts with no activity for ``inactive_days``."""
    users = ctx.frame("users")
    guests = users[users["user_type"].eq("guest").fillna(False)]
    if guests.empty:
        # The Active users export leaves guests out, so "no guests" may only
        # mean the export cannot show them: not a pass.
        return not_assessed(
            "The user data lists no guest accounts; the Microsoft 365 Active users "
            "export leaves guests out (the Entra users download includes them)."
        )
    days = int(ctx.params["inactive_days"])
    stale = facts.inactive_upns(guests, ctx.as_of, days)
    if not stale:
        return passed(
            f"{'All' if len(guests) > 1 else 'The'} "
            f"{plural(len(guests), 'guest account')} "
            f"{verb(len(guests), 'was', 'were')} active within {days} days.",
            guests=len(guests),
            stale=0,
        )
    return failed(
        f"{plural(len(stale), 'guest account')} of {len(guests)} "
        f"{verb(len(stale), 'has', 'have')} had no activity for more than "
        f"{days} days.",
        stale,
        guests=len(guests),
        stale=len(stale),
    )


def _global_admin_rows(roles: pd.DataFrame) -> pd.DataFrame:
    return roles[roles["role"].str.casefold().isin(GLOBAL_ADMIN)]


@evaluates("REV-07")
def standing_global_admins(ctx: RuleContext) -> Outcome:
    """Permanent (not eligible) Global Administrator holders above ``max_permanent``."""
    ga = _global_admin_rows(ctx.frame("role_assignments"))
    if ga.empty:
        return not_assessed("No Global Administrator assignment is listed.")
    permanent = sorted(set(ga.loc[ga["assignment"].eq("permanent"), "upn"]))
    limit = int(ctx.params["max_permanent"])
    n = len(permanent)
    if n <= limit:
        return passed(
            f"{plural(n, 'account')} {verb(n, 'holds', 'hold')} Global Administrator "
            f"permanently (at most {limit}).",
            permanent=n,
        )
    return failed(
        f"{n} accounts hold Global Administrator permanently; at most {limit} "
        "(the emergency access accounts) should, the rest eligible.",
        permanent,
        permanent=n,
    )


@evaluates("REV-08")
def no_guest_admins(ctx: RuleContext) -> Outcome:
    """Role holders that are guests (#EXT# UPN, or user type guest when known)."""
    roles = ctx.frame("role_assignments")
    users = ctx.frame("users") if ctx.has("users") else None
    guests = facts.guest_upns(roles["upn"], users)
    holders = set(roles["upn"])
    if not guests:
        return passed(
            f"None of the {plural(len(holders), 'admin account')} is a guest.",
            admins=len(holders),
            guests=0,
        )
    mine = roles[roles["upn"].isin(guests)]
    what = ", ".join(sorted(set(mine["role"])))
    return failed(
        f"{plural(len(guests), 'guest account')} {verb(len(guests), 'holds', 'hold')} "
        f"admin roles: {what}.",
        guests,
        admins=len(holders),
        guests=len(guests),
    )


@evaluates("REV-09")
def dedicated_admin_accounts(ctx: RuleContext) -> Outcome:
    """Global Administrators whose account also holds a paid licence."""
    ga = set(_global_admin_rows(ctx.frame("role_assignments"))["upn"])
    if not ga:
        return not_assessed("No Global Administrator assignment is listed.")
    paid = facts.paid_assignments(ctx.frame("licence_assignments"))
    licensed = ga & set(paid["upn"])
    if not licensed:
        return passed(
            f"None of the {plural(len(ga), 'Global Administrator')} holds a paid "
            "licence.",
            admins=len(ga),
            licensed=0,
        )
    return failed(
        f"{plural(len(licensed), 'Global Administrator')} of {len(ga)} "
        f"{verb(len(licensed), 'uses', 'use')} a licensed everyday account.",
        licensed,
        admins=len(ga),
        licensed=len(licensed),
    )
