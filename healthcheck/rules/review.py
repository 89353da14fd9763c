"""Layer 3 evaluators: licences, accounts, admin rights and MFA."""

from __future__ import annotations

from dataclasses import dataclass

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

#: The Entra Connect sync account's role; Microsoft says to exclude that
#: account from MFA and conditional access policies:
#: https://learn.microsoft.com/entra/identity/hybrid/connect/reference-connect-accounts-permissions
SYNC_ROLE = "directory synchronization accounts"
#: Entra Connect names its account Sync_<server>_<id>@<tenant>.onmicrosoft.com;
#: Cloud Sync's is ADToAADSyncServiceAccount@.
SYNC_PREFIXES = ("sync_", "adtoaadsyncserviceaccount@")

#: Licence service plan that brings Privileged Identity Management.
PIM_PLAN = "AAD_PREMIUM_P2"


@dataclass(frozen=True, kw_only=True, slots=True)
class Holders:
    """Who holds roles, sorted into people and the accounts judged apart."""

    #: role_assignments rows of user accounts (a group's members included),
    #: without the sync account.
    people: pd.DataFrame
    service_principals: list[str]
    sync_accounts: list[str]
    #: Groups whose members the data does not list.
    groups: list[str]


def _kind(roles: pd.DataFrame) -> pd.Series:
    """Principal type per row; without the column, a name without @ is no user."""
    if "principal_type" in roles.columns:
        given = roles["principal_type"].astype("object")
    else:
        given = pd.Series([None] * len(roles), index=roles.index, dtype="object")
    guess = roles["upn"].map(lambda u: "user" if "@" in str(u) else "service_principal")
    return given.where(given.notna(), guess)


def role_holders(roles: pd.DataFrame) -> Holders:
    """Sort role holders: people, service principals, sync accounts, groups."""
    kind = _kind(roles)
    sync = roles["role"].str.casefold().eq(SYNC_ROLE) | roles["upn"].map(
        lambda u: str(u).casefold().startswith(SYNC_PREFIXES)
    )
    sync_upns = set(roles.loc[sync & kind.eq("user"), "upn"])
    people = roles[kind.eq("user") & ~roles["upn"].isin(sync_upns)]
    # A group's own row names it as the upn column does (lower case); its
    # members' via_group as the source spelt it: compare without case.
    expanded = (
        {str(g).casefold() for g in roles["via_group"].dropna()}
        if "via_group" in roles.columns
        else set()
    )
    groups = {
        g
        for g in roles.loc[kind.eq("group"), "upn"]
        if str(g).casefold() not in expanded
    }
    return Holders(
        people=people,
        service_principals=sorted(set(roles.loc[kind.eq("service_principal"), "upn"])),
        sync_accounts=sorted(sync_upns),
        groups=sorted(groups),
    )


def _apart(holders: Holders) -> dict[str, list[str]]:
    """The measured lists of holders that are not judged as people."""
    return {
        "service_principals": holders.service_principals,
        "sync_accounts": holders.sync_accounts,
        "groups_without_members": holders.groups,
    }


def _global_admin_rows(roles: pd.DataFrame) -> pd.DataFrame:
    return roles[roles["role"].str.casefold().isin(GLOBAL_ADMIN)]


def _interactive(ctx: RuleContext, upns: set[str]) -> set[str]:
    """Of ``upns``, those that can sign in: disabled accounts left out when known."""
    if not ctx.has("users"):
        return upns
    return upns - facts.disabled_upns(ctx.frame("users"))


def _registration(mfa: pd.DataFrame, upns: set[str]) -> tuple[set[str], set[str]]:
    """(registered, not registered) among ``upns``; absent accounts are in neither.

    userRegistrationDetails lists member accounts only, so a guest (or any
    account the data leaves out) is unknown, never "not registered":
    https://learn.microsoft.com/graph/api/resources/userregistrationdetails
    """
    yes = set(mfa.loc[mfa["mfa_registered"].eq(True).fillna(False), "upn"])
    no = set(mfa.loc[mfa["mfa_registered"].eq(False).fillna(False), "upn"])
    return upns & yes, (upns & no) - yes


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
    """An affected line: the SKU's name from the table, its part number, its seats.

    No words of any language: the finding's sentence says what the number
    counts (unassigned seats), in the report's language.
    """
    name = skus.display_name(sku)
    shown = sku if name == sku else f"{name} ({sku})"
    return f"{shown}: {count}"


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
    """Distinct people holding Global Administrator, permanent or eligible.

    Members of a role-assignable group that holds the role count; service
    principals and the sync account are listed apart.
    """
    holders = role_holders(_global_admin_rows(ctx.frame("role_assignments")))
    admins = sorted(set(holders.people["upn"]))
    low, high = int(ctx.params["min_admins"]), int(ctx.params["max_admins"])
    n = len(admins)
    apart = _apart(holders)
    if low <= n <= high:
        return passed(msg("rules.REV-03.pass", count=n), admins=n, **apart)
    if n < low:
        return failed(
            msg("rules.REV-03.too_few", count=n, min=low),
            admins,
            admins=n,
            **apart,
        )
    return failed(
        msg("rules.REV-03.too_many", count=n, max=high),
        admins,
        admins=n,
        **apart,
    )


@evaluates("REV-04")
def admins_have_mfa(ctx: RuleContext) -> Outcome:
    """Role holders that can sign in interactively and have not registered MFA.

    The population is the people holding a role (a group's members included)
    whose registration is known; service principals, the sync account and
    disabled accounts cannot sign in interactively and are listed apart, and
    accounts the registration data does not list are unknown, not failures.
    """
    holders = role_holders(ctx.frame("role_assignments"))
    people = _interactive(ctx, set(holders.people["upn"]))
    registered, missing = _registration(ctx.frame("mfa_registration"), people)
    unknown = sorted(people - registered - missing)
    judged = len(registered) + len(missing)
    note = msg("rules.REV-04.unknown", count=len(unknown)) if unknown else ""
    measured = dict(
        admins=judged,
        without_mfa=len(missing),
        unknown=unknown,
        **_apart(holders),
    )
    if judged == 0:
        return not_assessed(msg("rules.REV-04.none_known", count=len(unknown)))
    if not missing:
        return passed(
            msg("rules.REV-04.pass", count=judged, note=note),
            population=judged,
            **measured,
        )
    return failed(
        msg("rules.REV-04.fail", count=len(missing), total=judged, note=note),
        missing,
        population=judged,
        **measured,
    )


@evaluates("REV-05")
def mfa_coverage(ctx: RuleContext) -> Outcome:
    """Share of enabled member accounts with MFA registered.

    Only accounts that sign in interactively count: the sync account is left
    out, and members the registration data does not list are unknown.
    """
    users = ctx.frame("users")
    mfa = ctx.frame("mfa_registration")
    people = users[
        users["enabled"].eq(True).fillna(False)
        & users["user_type"].eq("member").fillna(False)
        & ~users["upn"].map(lambda u: str(u).casefold().startswith(SYNC_PREFIXES))
    ]
    if people.empty:
        return not_assessed(msg("rules.REV-05.no_accounts"))
    registered, missing = _registration(mfa, set(people["upn"]))
    unknown = sorted(set(people["upn"]) - registered - missing)
    judged = len(registered) + len(missing)
    if judged == 0:
        return not_assessed(msg("rules.REV-05.none_known", count=len(unknown)))
    without = sorted(missing)
    share = 100 * len(registered) / judged
    limit = float(ctx.params["min_percent"])
    shown = int(f"{share:.0f}")
    note = msg("rules.REV-05.unknown", count=len(unknown)) if unknown else ""
    measured = dict(percent=round(share, 1), accounts=judged, unknown=unknown)
    if share >= limit:
        return passed(
            msg("rules.REV-05.pass", percent=shown, total=judged, note=note),
            population=judged,
            **measured,
        )
    return failed(
        msg("rules.REV-05.fail", percent=shown, total=judged, target=limit, note=note),
        without,
        population=judged,
        **measured,
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


def _pim_available(ctx: RuleContext, roles: pd.DataFrame) -> bool | None:
    """Whether the tenant has PIM (Entra ID P2); None when the data cannot tell.

    The subscriptions decide when they arrived; without them, an eligible or
    activated assignment shows that PIM is in use.
    """
    if ctx.has("licence_skus"):
        subs = ctx.frame("licence_skus")
        owned = subs.loc[subs["purchased"].fillna(0) > 0, "sku"]
        return any(skus.has_plan(str(s), PIM_PLAN) for s in owned)
    if roles["assignment"].isin({"eligible", "activated"}).any():
        return True
    return None


@evaluates("REV-07")
def standing_global_admins(ctx: RuleContext) -> Outcome:
    """Permanent (not eligible) Global Administrator holders above ``max_permanent``.

    A PIM activation in progress (Graph's assignmentType ``Activated``) is an
    eligible holder, not a standing one. Without Entra ID P2 there is no PIM,
    so the rule asks what the client cannot do: it is not assessed.
    """
    roles = ctx.frame("role_assignments")
    ga = _global_admin_rows(roles)
    if ga.empty:
        return not_assessed(msg("rules.shared.no_global_admin"))
    pim = _pim_available(ctx, roles)
    if pim is False:
        return not_assessed(msg("rules.REV-07.no_p2", licence="Microsoft Entra ID P2"))
    if pim is None:
        return not_assessed(
            msg("rules.REV-07.pim_unknown", licence="Microsoft Entra ID P2")
        )
    holders = role_holders(ga)
    people = holders.people
    permanent = sorted(set(people.loc[people["assignment"].eq("permanent"), "upn"]))
    activated = sorted(
        set(people.loc[people["assignment"].eq("activated"), "upn"]) - set(permanent)
    )
    limit = int(ctx.params["max_permanent"])
    n = len(permanent)
    measured = dict(permanent=n, activated=activated, **_apart(holders))
    if n <= limit:
        return passed(msg("rules.REV-07.pass", count=n, limit=limit), **measured)
    return failed(
        msg("rules.REV-07.fail", count=n, limit=limit),
        permanent,
        **measured,
    )


@evaluates("REV-08")
def no_guest_admins(ctx: RuleContext) -> Outcome:
    """Role holders that are guests (#EXT# UPN, or user type guest when known)."""
    roles = ctx.frame("role_assignments")
    users = ctx.frame("users") if ctx.has("users") else None
    people = role_holders(roles).people
    guests = facts.guest_upns(people["upn"], users)
    holders = set(people["upn"])
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
    ga = set(
        role_holders(_global_admin_rows(ctx.frame("role_assignments"))).people["upn"]
    )
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
