"""Layer 3 evaluators: licences, accounts, admin rights and MFA."""

from __future__ import annotations

import pandas as pd

from healthcheck import facts, skus
from healthcheck.rules import (
    Outcome,
    RuleContext,
    evaluates,
    failed,
    msg,
    not_assessed,
    passed,
)

GLOBAL_ADMIN = {"global administrator", "company administrator"}


def _global_admin_rows(roles: pd.DataFrame) -> pd.DataFrame:
    return roles[roles["role"].str.casefold().isin(GLOBAL_ADMIN)]


@evaluates("REV-01")
def unassigned_seats(ctx: RuleContext) -> Outcome:
    """Paid subscriptions with more purchased than assigned seats."""
    subs = ctx.frame("licence_skus")
    paid = subs[~subs["sku"].map(skus.is_free).astype(bool) & subs["assigned"].notna()]
    if paid.empty:
        return not_assessed(msg("rules.REV-01.no_counts"))
    spare = paid[paid["purchased"] > paid["assigned"]]
    if spare.empty:
        return passed(
            msg("rules.REV-01.pass", count=len(paid)),
            population=int(paid["purchased"].clip(lower=0).sum()),
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
    # Names come from Microsoft's SKU table only, never from an export's own
    # product-name column, and the part number stays beside the name, so
    # O365_BUSINESS_PREMIUM reads "Microsoft 365 Business Standard".
    order = sorted(seats, key=lambda s: (skus.display_name(s).casefold(), s))
    listed = [
        msg("rules.REV-01.seats", sku=skus.display_name(s), count=seats[s])
        for s in order
    ]
    return failed(
        msg("rules.REV-01.fail", count=total, listed=listed),
        [_seats_line(s, seats[s]) for s in order],
        population=int(paid["purchased"].clip(lower=0).sum()),
        affected_count=total,
        unassigned=total,
        by_sku=seats,
    )


def _seats_line(sku: str, count: int) -> str:
    """An affected line: the SKU's name from the table, its part number, its seats."""
    name = skus.display_name(sku)
    shown = sku if name == sku else f"{name} ({sku})"
    return f"{shown}: {count} unassigned"


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
            msg("rules.REV-02.pass", days=days),
            population=len(licensed),
            licensed=len(licensed),
            inactive=0,
        )
    return failed(
        msg("rules.REV-02.fail", count=len(inactive), days=days),
        inactive,
        population=len(licensed),
        licensed=len(licensed),
        inactive=len(inactive),
    )


@evaluates("REV-03")
def global_admin_count(ctx: RuleContext) -> Outcome:
    """Distinct holders of Global Administrator, permanent or eligible."""
    admins = sorted(set(_global_admin_rows(ctx.frame("role_assignments"))["upn"]))
    low, high = int(ctx.params["min_admins"]), int(ctx.params["max_admins"])
    n = len(admins)
    if low <= n <= high:
        return passed(msg("rules.REV-03.pass", count=n), admins=n)
    if n < low:
        return failed(
            msg("rules.REV-03.too_few", count=n, min=low),
            admins,
            admins=n,
        )
    return failed(
        msg("rules.REV-03.too_many", count=n, max=high),
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
            msg("rules.REV-04.pass", count=len(admins)),
            population=len(admins),
            admins=len(admins),
            without_mfa=0,
        )
    return failed(
        msg("rules.REV-04.fail", count=len(missing), total=len(admins)),
        missing,
        population=len(admins),
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
        return not_assessed(msg("rules.REV-05.no_accounts"))
    registered = set(mfa.loc[mfa["mfa_registered"].eq(True).fillna(False), "upn"])
    without = sorted(set(people["upn"]) - registered)
    share = 100 * (len(people) - len(without)) / len(people)
    limit = float(ctx.params["min_percent"])
    shown = int(f"{share:.0f}")
    if share >= limit:
        return passed(
            msg("rules.REV-05.pass", percent=shown, total=len(people)),
            population=len(people),
            percent=round(share, 1),
            accounts=len(people),
        )
    return failed(
        msg("rules.REV-05.fail", percent=shown, total=len(people), target=limit),
        without,
        population=len(people),
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
        return not_assessed(msg("rules.REV-06.no_guests"))
    days = int(ctx.params["inactive_days"])
    stale = facts.inactive_upns(guests, ctx.as_of, days)
    if not stale:
        return passed(
            msg("rules.REV-06.pass", count=len(guests), days=days),
            population=len(guests),
            guests=len(guests),
            stale=0,
        )
    return failed(
        msg("rules.REV-06.fail", count=len(stale), total=len(guests), days=days),
        stale,
        population=len(guests),
        guests=len(guests),
        stale=len(stale),
    )


@evaluates("REV-07")
def standing_global_admins(ctx: RuleContext) -> Outcome:
    """Permanent (not eligible) Global Administrator holders above ``max_permanent``."""
    ga = _global_admin_rows(ctx.frame("role_assignments"))
    if ga.empty:
        return not_assessed(msg("rules.shared.no_global_admin"))
    permanent = sorted(set(ga.loc[ga["assignment"].eq("permanent"), "upn"]))
    limit = int(ctx.params["max_permanent"])
    n = len(permanent)
    if n <= limit:
        return passed(
            msg("rules.REV-07.pass", count=n, limit=limit),
            permanent=n,
        )
    return failed(
        msg("rules.REV-07.fail", count=n, limit=limit),
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
            msg("rules.REV-08.pass", count=len(holders)),
            population=len(holders),
            admins=len(holders),
            guests=0,
        )
    mine = roles[roles["upn"].isin(guests)]
    return failed(
        msg("rules.REV-08.fail", count=len(guests), roles=sorted(set(mine["role"]))),
        guests,
        population=len(holders),
        admins=len(holders),
        guests=len(guests),
    )


@evaluates("REV-09")
def dedicated_admin_accounts(ctx: RuleContext) -> Outcome:
    """Global Administrators whose account also holds a paid licence."""
    ga = set(_global_admin_rows(ctx.frame("role_assignments"))["upn"])
    if not ga:
        return not_assessed(msg("rules.shared.no_global_admin"))
    paid = facts.paid_assignments(ctx.frame("licence_assignments"))
    # Entra ID P1/P2 alone gives no mailbox or apps: the account is still a
    # dedicated admin account (CIS Microsoft 365 benchmark 1.1.4), and PIM
    # (REV-07) needs P2 on it.
    identity = paid["sku"].map(skus.identity_only).astype(bool)
    licensed = ga & set(paid.loc[~identity, "upn"])
    identity_only = sorted((ga & set(paid.loc[identity, "upn"])) - licensed)
    if not licensed:
        return passed(
            msg("rules.REV-09.pass", count=len(ga)),
            population=len(ga),
            admins=len(ga),
            licensed=0,
            identity_only=identity_only,
        )
    return failed(
        msg("rules.REV-09.fail", count=len(licensed), total=len(ga)),
        licensed,
        population=len(ga),
        admins=len(ga),
        licensed=len(licensed),
        identity_only=identity_only,
    )
