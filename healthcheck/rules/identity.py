"""Layer 3 evaluators: MFA enforced, legacy authentication, emergency access.

All three read the tenant's sign-in policy: security defaults, or the
Conditional Access policies that replace them (Entra ID P1). A policy in
report-only mode enforces nothing, so it never counts as coverage; an
account left out of a policy is a gap, named, unless it is one of the
emergency access accounts, which Microsoft says to exclude on purpose:
https://learn.microsoft.com/entra/identity/role-based-access-control/security-emergency-access
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd

from healthcheck import skus
from healthcheck.rules import (
    Message,
    Outcome,
    RuleContext,
    evaluates,
    failed,
    msg,
    not_assessed,
    passed,
)
from healthcheck.rules.review import SYNC_PREFIXES

CA = "conditional_access_policies"
#: Service plan of Entra ID P1, which Conditional Access needs; P2 and the
#: Business Premium and E3/E5 bundles list it too.
P1_PLAN = "AAD_PREMIUM"
P1 = "Microsoft Entra ID P1"
#: excludeUsers may name every guest at once with this value.
GUESTS = "guestsorexternalusers"
#: Client app types a legacy-authentication block must list (or "all"):
#: https://learn.microsoft.com/entra/identity/conditional-access/policy-block-legacy-authentication
LEGACY_TYPES = ("exchangeActiveSync", "other")


def licensed(ctx: RuleContext, plan: str) -> bool | None:
    """Whether a subscription the tenant holds has ``plan``; None when unknown."""
    if not ctx.has("licence_skus"):
        return None
    subs = ctx.frame("licence_skus")
    owned = subs.loc[subs["purchased"].fillna(0) > 0, "sku"]
    return any(skus.has_plan(str(s), plan) for s in owned)


def defaults_on(ctx: RuleContext) -> bool:
    """Security defaults are enabled."""
    return bool(ctx.frame("security_defaults")["enabled"].eq(True).fillna(False).any())


def _items(cell: object) -> list[str]:
    if cell is None or cell is pd.NA or (isinstance(cell, float) and cell != cell):
        return []
    return [p.strip() for p in str(cell).split(",") if p.strip()]


def _lower(cells: Iterable[str]) -> set[str]:
    return {c.casefold() for c in cells}


@dataclass(frozen=True, kw_only=True, slots=True)
class Policy:
    """One Conditional Access policy, as the rules read it."""

    name: str
    state: str
    all_users: bool
    all_apps: bool
    narrowed: bool
    client_types: frozenset[str]
    controls: frozenset[str]
    operator: str
    excluded_users: frozenset[str]
    excluded_groups: frozenset[str]
    excluded_roles: frozenset[str]

    @property
    def everyone(self) -> bool:
        """All users, all cloud apps, no location, platform or risk condition."""
        return self.all_users and self.all_apps and not self.narrowed

    @property
    def every_client(self) -> bool:
        """Browsers and apps alike: the policy lists no client app type, or all."""
        return not self.client_types or "all" in self.client_types

    @property
    def requires_mfa(self) -> bool:
        """MFA (or an authentication strength) is required, not one option of many."""
        mfa = self.controls & {"mfa", "authenticationstrength"}
        if not mfa:
            return False
        return self.operator.upper() != "OR" or self.controls <= {
            "mfa",
            "authenticationstrength",
        }

    @property
    def blocks(self) -> bool:
        """The policy blocks access."""
        return "block" in self.controls

    def excludes(self, who: set[str]) -> bool:
        """Whether any of ``who`` (UPNs or object ids, lower case) is excluded."""
        return bool(
            who & (self.excluded_users | self.excluded_groups | self.excluded_roles)
        )


def policies(frame: pd.DataFrame) -> list[Policy]:
    """The policies of a conditional_access_policies frame."""
    cols = set(frame.columns)

    def cell(row: pd.Series, name: str) -> object:
        return row[name] if name in cols else None

    return [
        Policy(
            name=str(row["name"] if pd.notna(row["name"]) else row["policy_id"]),
            state=str(row["state"]),
            all_users=bool(row["all_users"]),
            all_apps=bool(row["all_apps"]),
            narrowed=bool(_items(cell(row, "narrowed_by"))),
            client_types=frozenset(_lower(_items(row["client_app_types"]))),
            controls=frozenset(_lower(_items(row["grant_controls"]))),
            operator=str(row["operator"]) if pd.notna(row["operator"]) else "",
            excluded_users=frozenset(_lower(_items(cell(row, "excluded_users")))),
            excluded_groups=frozenset(_lower(_items(cell(row, "excluded_groups")))),
            excluded_roles=frozenset(_lower(_items(cell(row, "excluded_roles")))),
        )
        for _, row in frame.iterrows()
    ]


def emergency_names(ctx: RuleContext) -> set[str]:
    """Emergency access accounts (and groups) named in client.yaml, lower case."""
    named = ctx.params.get("emergency_accounts") or []
    return {str(n).strip().casefold() for n in named if str(n).strip()}


def emergency_accounts(ctx: RuleContext) -> tuple[set[str], set[str]]:
    """(accounts named or recognised by name, named ones the user list lacks).

    Without the users data only the named ones are known.
    """
    named = emergency_names(ctx)
    if not ctx.has("users"):
        return named, set()
    users = ctx.frame("users")
    # An empty pattern recognises nobody (only the named accounts count).
    pattern = str(ctx.params.get("name_pattern", "")) or r"(?!)"
    upns = users["upn"].astype(str)
    names = users["display_name"].astype("string").fillna("")
    local = upns.str.split("@").str[0]
    found = users.loc[
        local.str.contains(pattern, case=False, regex=True)
        | names.str.contains(pattern, case=False, regex=True),
        "upn",
    ].astype(str)
    known = set(upns.str.casefold())
    people = {u.casefold() for u in found}
    # A GUID in the list names a group or an account by id: never "missing".
    missing = {n for n in named if "@" in n and n not in known}
    return (people | (named & known) | {n for n in named if "@" not in n}), missing


def people(ctx: RuleContext) -> set[str] | None:
    """Enabled member accounts that sign in interactively (lower case), or None."""
    if not ctx.has("users"):
        return None
    users = ctx.frame("users")
    chosen = users[
        users["enabled"].eq(True).fillna(False)
        & users["user_type"].eq("member").fillna(False)
    ]
    return {
        u.casefold()
        for u in chosen["upn"].astype(str)
        if not u.casefold().startswith(SYNC_PREFIXES)
    }


def per_user_enforced(ctx: RuleContext) -> set[str]:
    """Accounts whose legacy per-user MFA is enabled or enforced (lower case)."""
    if not ctx.has("per_user_mfa"):
        return set()
    frame = ctx.frame("per_user_mfa")
    on = frame["state"].isin({"enabled", "enforced"}).fillna(False)
    return {u.casefold() for u in frame.loc[on, "upn"].astype(str)}


def _why_missing(ctx: RuleContext, name: str) -> Message | str:
    return ctx.reasons.get(name) or msg("engine.not_collected")


def without_policies(ctx: RuleContext, rule: str) -> Outcome:
    """Not assessed: security defaults off, and no Conditional Access to read."""
    if licensed(ctx, P1_PLAN) is False:
        return not_assessed(msg(f"rules.{rule}.no_p1", licence=P1))
    return not_assessed(msg(f"rules.{rule}.no_policies", why=_why_missing(ctx, CA)))


@dataclass(frozen=True, kw_only=True, slots=True)
class Gaps:
    """Who an enforcing set of policies leaves out, emergency accounts apart."""

    users: list[str]
    groups: list[str]
    roles: list[str]
    guests: bool
    #: Emergency accounts (or groups) left out on purpose.
    on_purpose: list[str]

    def lines(self) -> list[str]:
        """Affected lines: one per excluded account, group or role."""
        out = [f"user {u}" for u in self.users]
        out += [f"group {g}" for g in self.groups]
        out += [f"role {r}" for r in self.roles]
        if self.guests:
            out.append("all guests and external users")
        return out

    def __bool__(self) -> bool:
        return bool(self.users or self.groups or self.roles or self.guests)


def gaps(enforcing: list[Policy], emergency: set[str], also: set[str]) -> Gaps:
    """Who every one of ``enforcing`` excludes: left out of all of them.

    ``also`` are accounts covered another way (per-user MFA).
    """

    def common(attr: str) -> set[str]:
        sets = [set(getattr(p, attr)) for p in enforcing]
        return set.intersection(*sets) if sets else set()

    users = common("excluded_users")
    groups = common("excluded_groups")
    guests = GUESTS in users
    users.discard(GUESTS)
    on_purpose = sorted((users | groups) & emergency)
    return Gaps(
        users=sorted(users - emergency - also),
        groups=sorted(groups - emergency),
        roles=sorted(common("excluded_roles")),
        guests=guests,
        on_purpose=on_purpose,
    )


@evaluates("REV-10")
def mfa_enforced(ctx: RuleContext) -> Outcome:
    """MFA is required at sign-in: security defaults, or CA for all users and apps.

    The population is the enabled member accounts when the users are known:
    those that no enforcing policy leaves out, or whose per-user MFA is on.
    """
    if defaults_on(ctx):
        return passed(msg("rules.REV-10.defaults"), security_defaults=True)
    everyone = people(ctx)
    per_user = per_user_enforced(ctx)
    if not ctx.has(CA):
        if everyone and ctx.has("per_user_mfa"):
            return _per_user_only(everyone, per_user)
        return without_policies(ctx, "REV-10")
    all_policies = policies(ctx.frame(CA))
    candidates = [
        p for p in all_policies if p.requires_mfa and p.everyone and p.every_client
    ]
    enforcing = [p for p in candidates if p.state == "enabled"]
    report_only = sorted(p.name for p in candidates if p.state == "report_only")
    partial = sorted(
        p.name
        for p in all_policies
        if p.state == "enabled" and p.requires_mfa and p not in candidates
    )
    measured = dict(
        security_defaults=False,
        enforcing=sorted(p.name for p in enforcing),
        report_only=report_only,
        partial=partial,
        per_user_mfa=len(per_user),
    )
    if not enforcing:
        covered = (everyone or set()) & per_user
        lines = [f"policy '{n}' is report-only" for n in report_only]
        text = (
            msg("rules.REV-10.report_only", policies=report_only)
            if report_only
            else msg("rules.REV-10.none")
        )
        return failed(
            text,
            lines or ["no policy requires MFA for all users and all cloud apps"],
            population=len(everyone) if everyone else None,
            compliant=len(covered) if everyone else None,
            affected_count=len(everyone - covered) if everyone else None,
            **measured,
        )
    left = gaps(enforcing, emergency_accounts(ctx)[0], per_user)
    measured |= dict(excluded_on_purpose=left.on_purpose)
    if not left:
        return passed(
            msg("rules.REV-10.pass", policies=measured["enforcing"]),
            population=len(everyone) if everyone else None,
            **measured,
        )
    out = set(left.users) & everyone if everyone else set(left.users)
    return failed(
        msg(
            "rules.REV-10.excluded",
            count=len(left.lines()),
            listed=left.lines(),
            policies=measured["enforcing"],
        ),
        left.lines(),
        population=len(everyone) if everyone else None,
        compliant=len(everyone - out) if everyone else None,
        **measured,
    )


def _per_user_only(everyone: set[str], per_user: set[str]) -> Outcome:
    """Without Conditional Access: per-user MFA is the only enforcement."""
    missing = everyone - per_user
    if not missing:
        return passed(
            msg("rules.REV-10.per_user_pass", count=len(everyone)),
            population=len(everyone),
            security_defaults=False,
        )
    return failed(
        msg("rules.REV-10.per_user_fail", count=len(missing), total=len(everyone)),
        missing,
        population=len(everyone),
        security_defaults=False,
    )


@evaluates("REV-11")
def legacy_auth_blocked(ctx: RuleContext) -> Outcome:
    """Legacy authentication (Exchange ActiveSync and other clients) is blocked."""
    if defaults_on(ctx):
        return passed(msg("rules.REV-11.defaults"), security_defaults=True)
    if not ctx.has(CA):
        return without_policies(ctx, "REV-11")
    blocking = [
        p
        for p in policies(ctx.frame(CA))
        if p.blocks
        and p.everyone
        and ("all" in p.client_types or p.client_types & _lower(LEGACY_TYPES))
    ]
    enforcing = [p for p in blocking if p.state == "enabled"]
    report_only = sorted(p.name for p in blocking if p.state == "report_only")

    def types(chosen: list[Policy]) -> set[str]:
        out: set[str] = set()
        for p in chosen:
            out |= {t for t in LEGACY_TYPES if "all" in p.client_types} | {
                t for t in LEGACY_TYPES if t.casefold() in p.client_types
            }
        return out

    open_types = [t for t in LEGACY_TYPES if t not in types(enforcing)]
    measured = dict(
        security_defaults=False,
        enforcing=sorted(p.name for p in enforcing),
        report_only=report_only,
        unblocked=open_types,
    )
    if open_types:
        lines = [f"client app type '{t}' is not blocked" for t in open_types]
        lines += [f"policy '{n}' is report-only" for n in report_only]
        return failed(
            msg(
                "rules.REV-11.open",
                types=open_types,
                note=msg("rules.REV-11.report_only", policies=report_only)
                if report_only
                else "",
            ),
            lines,
            **measured,
        )
    everyone = people(ctx)
    left = gaps(enforcing, emergency_accounts(ctx)[0], set())
    measured |= dict(excluded_on_purpose=left.on_purpose)
    if not left:
        return passed(
            msg("rules.REV-11.pass", policies=measured["enforcing"]),
            population=len(everyone) if everyone else None,
            **measured,
        )
    out = set(left.users) & everyone if everyone else set(left.users)
    return failed(
        msg("rules.REV-11.excluded", count=len(left.lines()), listed=left.lines()),
        left.lines(),
        population=len(everyone) if everyone else None,
        compliant=len(everyone - out) if everyone else None,
        **measured,
    )


@evaluates("REV-12")
def emergency_access(ctx: RuleContext) -> Outcome:
    """Two cloud-only emergency access accounts, enabled, excluded from CA.

    The accounts are those named in client.yaml (``emergency_accounts``) or
    whose name matches ``name_pattern``. Each must be enabled, not synced
    from on-premises AD, and excluded (directly, or through a group named in
    ``emergency_accounts``) from every enabled Conditional Access policy, so
    a broken policy cannot lock every admin out.
    """
    wanted = int(ctx.params["min_accounts"])
    found, missing = emergency_accounts(ctx)
    named = emergency_names(ctx)
    users = ctx.frame("users")
    keys = users["upn"].astype(str).str.casefold()
    enabled = dict(zip(keys, users["enabled"].eq(True).fillna(False), strict=True))
    synced = (
        dict(zip(keys, users["synced"].eq(True).fillna(False), strict=True))
        if "synced" in users.columns
        else {}
    )
    accounts = sorted(a for a in found if a in enabled)
    groups = {n for n in named if "@" not in n}
    problems: dict[str, list[Message]] = {a: [] for a in accounts}
    for a in accounts:
        if not enabled[a]:
            problems[a].append(msg("rules.REV-12.disabled"))
        if synced.get(a):
            problems[a].append(msg("rules.REV-12.synced"))
    checked_ca = ctx.has(CA)
    if checked_ca:
        for p in policies(ctx.frame(CA)):
            if p.state != "enabled":
                continue
            for a in accounts:
                if not p.excludes({a} | groups):
                    problems[a].append(msg("rules.REV-12.not_excluded", policy=p.name))
    elif accounts and licensed(ctx, P1_PLAN) is not False:
        # The accounts exist, but whether a policy could lock them out is
        # unknown: the Conditional Access policies did not arrive.
        return not_assessed(msg("rules.REV-12.no_policies", why=_why_missing(ctx, CA)))
    fine = [a for a in accounts if not problems[a]]
    listed = [
        msg("rules.REV-12.problem", account=a, what=problems[a])
        for a in accounts
        if problems[a]
    ]
    listed += [msg("rules.REV-12.not_found", account=m) for m in sorted(missing)]
    affected = [a for a in accounts if problems[a]] + sorted(missing)
    measured = dict(
        accounts=accounts,
        named=sorted(named),
        conditional_access_checked=checked_ca,
    )
    population = max(len(accounts), wanted)
    if len(fine) >= wanted and not listed:
        return passed(
            msg("rules.REV-12.pass", count=len(fine), listed=fine),
            population=population,
            **measured,
        )
    note = msg("rules.REV-12.problems", listed=listed) if listed else ""
    if not accounts:
        return failed(
            msg("rules.REV-12.none", min=wanted, note=note),
            affected,
            population=population,
            compliant=0,
            affected_count=wanted,
            **measured,
        )
    return failed(
        msg("rules.REV-12.fail", count=len(fine), min=wanted, note=note),
        affected,
        population=population,
        compliant=len(fine),
        affected_count=population - len(fine),
        **measured,
    )
