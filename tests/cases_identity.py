"""Rule cases for REV-10..REV-16 (issue 13): identity and tenant settings.

Same shape as the case table in ``tests/test_rules.py``, which runs them:
given rows per dataset (string cells, through the canonical validator), the
expected status, a detail substring (the reason when not assessed) and the
affected objects.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from healthcheck.model import Status

Rows = list[dict[str, str]]
CASES: list[dict[str, Any]] = []
P, F, N = Status.PASS, Status.FAIL, Status.NOT_ASSESSED

GROUP = "9a6c2d1e-0000-4000-8000-00000000beef"
BG1, BG2 = "bg-admin1@contoso.onmicrosoft.com", "bg-admin2@contoso.onmicrosoft.com"


def case(
    rule: str,
    name: str,
    data: Mapping[str, Rows],
    status: Status,
    detail: str,
    affected: tuple[str, ...] = (),
    **kw: Any,
) -> None:
    """Add a case: ``kw`` may carry overrides, missing_reasons, rules_section."""
    CASES.append(
        dict(
            id=f"{rule}-{status.value}-{name}",
            rule=rule,
            data=data,
            status=status,
            detail=detail,
            affected=affected,
            run=kw,
        )
    )


def sd(on: bool) -> Rows:
    """security_defaults."""
    return [{"enabled": str(on)}]


def ca(
    name: str,
    *,
    state: str = "enabled",
    controls: str = "mfa",
    types: str = "all",
    all_users: bool = True,
    all_apps: bool = True,
    operator: str = "OR",
    users: str = "",
    groups: str = "",
    narrowed: str = "",
) -> dict[str, str]:
    """A conditional_access_policies row."""
    return {
        "policy_id": "id-" + name.replace(" ", "-").lower(),
        "name": name,
        "state": state,
        "all_users": str(all_users),
        "excluded_principals": str(
            len([x for x in (users + "," + groups).split(",") if x])
        ),
        "all_apps": str(all_apps),
        "client_app_types": types,
        "grant_controls": controls,
        "operator": operator,
        "excluded_users": users,
        "excluded_groups": groups,
        "excluded_roles": "",
        "narrowed_by": narrowed,
    }


def person(upn: str, *, enabled: bool = True, synced: bool = False) -> dict[str, str]:
    """A users row with the synced column."""
    return {
        "upn": upn,
        "display_name": upn.split("@")[0].replace("-", " ").title(),
        "user_type": "Member",
        "enabled": str(enabled),
        "created": "2024-01-15 09:00:00",
        "synced": str(synced),
    }


STAFF = [person("maija@contoso.example", synced=True), person("timo@contoso.example")]
BGS = [person(BG1), person(BG2)]
P1_SKUS = [{"sku": "SPB", "name": "", "purchased": "10", "assigned": "4"}]
NO_P1_SKUS = [
    {"sku": "EXCHANGESTANDARD", "name": "", "purchased": "10", "assigned": "4"}
]
BG_OUT = f"{BG1}, {BG2}"

# ------------------------------------------------------------ REV-10 MFA enforced
case(
    "REV-10",
    "security-defaults",
    {"security_defaults": sd(True)},
    P,
    "Security defaults are on",
)
case(
    "REV-10",
    "ca-for-all-with-emergency-accounts-out",
    {
        "security_defaults": sd(False),
        "conditional_access_policies": [ca("Require MFA", users=BG_OUT)],
        "users": STAFF + BGS,
    },
    P,
    "only emergency access accounts are left out",
)
case(
    "REV-10",
    "report-only-is-a-gap",
    {
        "security_defaults": sd(False),
        "conditional_access_policies": [
            ca("Require MFA", state="enabledForReportingButNotEnforced")
        ],
        "users": STAFF,
    },
    F,
    "are report-only, so they enforce nothing: Require MFA",
    ("policy 'Require MFA' is report-only",),
)
case(
    "REV-10",
    "excluded-user-is-named",
    {
        "security_defaults": sd(False),
        "conditional_access_policies": [
            ca("Require MFA", users=f"{BG1}, timo@contoso.example")
        ],
        "users": STAFF + BGS,
    },
    F,
    "but 1 exclusion leaves it out: user timo@contoso.example",
    ("user timo@contoso.example",),
)
case(
    "REV-10",
    "excluded-group-is-a-gap",
    {
        "security_defaults": sd(False),
        "conditional_access_policies": [ca("Require MFA", groups=GROUP)],
        "users": STAFF,
    },
    F,
    f"group {GROUP}",
    (f"group {GROUP}",),
)
case(
    "REV-10",
    "excluded-group-named-as-emergency",
    {
        "security_defaults": sd(False),
        "conditional_access_policies": [ca("Require MFA", groups=GROUP)],
        "users": STAFF,
    },
    P,
    "Conditional Access requires MFA for all users",
    overrides={"emergency_accounts": [GROUP]},
)
case(
    "REV-10",
    "mfa-or-compliant-device-is-not-mfa",
    {
        "security_defaults": sd(False),
        "conditional_access_policies": [
            ca("MFA or device", controls="mfa, compliantDevice")
        ],
    },
    F,
    "no enabled Conditional Access policy requires MFA",
    ("no policy requires MFA for all users and all cloud apps",),
)
case(
    "REV-10",
    "outside-the-office-only-is-not-all",
    {
        "security_defaults": sd(False),
        "conditional_access_policies": [ca("MFA away", narrowed="locations")],
    },
    F,
    "no enabled Conditional Access policy requires MFA",
    ("no policy requires MFA for all users and all cloud apps",),
)
case(
    "REV-10",
    "per-user-mfa-without-p1",
    {
        "security_defaults": sd(False),
        "licence_skus": NO_P1_SKUS,
        "users": STAFF,
        "per_user_mfa": [
            {"upn": "maija@contoso.example", "state": "Enforced"},
            {"upn": "timo@contoso.example", "state": "Disabled"},
        ],
    },
    F,
    "per-user MFA is off for 1 account of 2",
    ("timo@contoso.example",),
)
case(
    "REV-10",
    "no-p1-no-defaults",
    {"security_defaults": sd(False), "licence_skus": NO_P1_SKUS},
    N,
    "no Microsoft Entra ID P1 licence",
)
case(
    "REV-10",
    "policies-not-readable",
    {"security_defaults": sd(False), "licence_skus": P1_SKUS},
    N,
    "Conditional Access policies are unknown: Graph refused Policy.Read.All",
    missing_reasons={"conditional_access_policies": "Graph refused Policy.Read.All"},
)

# ------------------------------------------------------------ REV-11 legacy auth
case("REV-11", "security-defaults", {"security_defaults": sd(True)}, P, "block legacy")
case(
    "REV-11",
    "blocked-for-all",
    {
        "security_defaults": sd(False),
        "conditional_access_policies": [
            ca(
                "Block legacy",
                controls="block",
                types="exchangeActiveSync, other",
                users=BG1,
            )
        ],
        "users": STAFF + BGS,
    },
    P,
    "blocks legacy authentication for all users",
)
case(
    "REV-11",
    "report-only",
    {
        "security_defaults": sd(False),
        "conditional_access_policies": [
            ca(
                "Block legacy",
                controls="block",
                types="exchangeActiveSync, other",
                state="enabledForReportingButNotEnforced",
            )
        ],
    },
    F,
    "Report-only, so not enforced: Block legacy",
    (
        "client app type 'exchangeActiveSync' is not blocked",
        "client app type 'other' is not blocked",
        "policy 'Block legacy' is report-only",
    ),
)
case(
    "REV-11",
    "activesync-left-open",
    {
        "security_defaults": sd(False),
        "conditional_access_policies": [
            ca("Block other", controls="block", types="other")
        ],
    },
    F,
    "legacy client app types for all users and all cloud apps: exchangeActiveSync.",
    ("client app type 'exchangeActiveSync' is not blocked",),
)
case(
    "REV-11",
    "excluded-user",
    {
        "security_defaults": sd(False),
        "conditional_access_policies": [
            ca(
                "Block legacy",
                controls="block",
                types="exchangeActiveSync, other",
                users="timo@contoso.example",
            )
        ],
        "users": STAFF,
    },
    F,
    "1 exclusion leaves it open",
    ("user timo@contoso.example",),
)
case(
    "REV-11",
    "no-p1",
    {"security_defaults": sd(False), "licence_skus": NO_P1_SKUS},
    N,
    "no Microsoft Entra ID P1 licence",
)

# ------------------------------------------------------- REV-12 emergency access
case(
    "REV-12",
    "two-recognised-and-excluded",
    {
        "users": STAFF + BGS,
        "conditional_access_policies": [
            ca("Require MFA", users=BG_OUT),
            ca("Block legacy", controls="block", users=BG_OUT),
            ca("Draft", state="disabled"),
        ],
    },
    P,
    "2 emergency access accounts are cloud-only, enabled and excluded from every "
    f"enabled Conditional Access policy: {BG1}, {BG2}.",
)
case(
    "REV-12",
    "named-in-client-yaml-excluded-by-group",
    {
        "users": [
            *STAFF,
            person("root1@contoso.onmicrosoft.com"),
            person("root2@contoso.onmicrosoft.com"),
        ],
        "conditional_access_policies": [ca("Require MFA", groups=GROUP)],
    },
    P,
    "2 emergency access accounts",
    overrides={
        "emergency_accounts": [
            "root1@contoso.onmicrosoft.com",
            "root2@contoso.onmicrosoft.com",
            GROUP,
        ]
    },
)
case(
    "REV-12",
    "synced-and-not-excluded",
    {
        "users": [*STAFF, person(BG1, synced=True), person(BG2)],
        "conditional_access_policies": [ca("Require MFA", users=BG1)],
    },
    F,
    "Only 0 emergency access accounts are ready; 2 are needed. To fix: "
    f"{BG1} (synchronised from on-premises AD), "
    f"{BG2} (not excluded from the policy 'Require MFA').",
    (BG1, BG2),
)
case(
    "REV-12",
    "none-found",
    {"users": STAFF, "conditional_access_policies": [ca("Require MFA")]},
    F,
    "No emergency access account was found",
)
case(
    "REV-12",
    "named-but-missing",
    {"users": [*STAFF, person(BG1)], "licence_skus": NO_P1_SKUS},
    F,
    "Only 1 emergency access account is ready; 2 are needed. To fix: "
    "ghost@contoso.onmicrosoft.com (named in client.yaml, not in the user list).",
    ("ghost@contoso.onmicrosoft.com",),
    overrides={"emergency_accounts": ["ghost@contoso.onmicrosoft.com"]},
)
case(
    "REV-12",
    "without-p1-no-policies-to-check",
    {"users": STAFF + BGS, "licence_skus": NO_P1_SKUS},
    P,
    "2 emergency access accounts",
)
case(
    "REV-12",
    "policies-not-readable",
    {"users": STAFF + BGS, "licence_skus": P1_SKUS},
    N,
    "policies they must be excluded from are unknown: Graph refused",
    missing_reasons={"conditional_access_policies": "Graph refused Policy.Read.All"},
)


# -------------------------------------------------------------- REV-13 Secure Score
def score(
    day: str, current: str, similar: str = "", everyone: str = ""
) -> dict[str, str]:
    """A secure_scores row."""
    return {
        "date": day,
        "current_score": current,
        "max_score": "120",
        "active_users": "30",
        "licensed_users": "30",
        "all_tenants_average": everyone,
        "similar_size_average": similar,
    }


case(
    "REV-13",
    "above-similar-tenants",
    {
        "secure_scores": [
            score("2026-08-23", "40", "45", "41"),
            score("2026-11-19", "52.5", "48.2", "41"),
        ]
    },
    P,
    "The Secure Score is 52.5 of 120, at least the average of tenants of a "
    "similar size (48.2). Change since 2026-08-23: +12.5 points.",
)
case(
    "REV-13",
    "below-all-tenants",
    {
        "secure_scores": [
            score("2026-10-01", "50", everyone="60"),
            score("2026-11-19", "45", everyone="60"),
        ]
    },
    F,
    "below the average of all tenants (60). Change since 2026-10-01: -5 points.",
    ("Secure Score 45 of 120, comparable average 60",),
)
case(
    "REV-13",
    "no-comparison",
    {"secure_scores": [score("2026-11-19", "45")]},
    N,
    "Graph gave no average of comparable tenants",
)


# ------------------------------------------------------------ REV-14 app credentials
def cred(
    app: str, kind: str, key: str, start: str, end: str, name: str = ""
) -> dict[str, str]:
    """An app_credentials row."""
    return {
        "app": app,
        "app_id": "app-" + app.lower(),
        "kind": kind,
        "key_id": key,
        "name": name,
        "start": start,
        "end": end,
    }


case(
    "REV-14",
    "current",
    {"app_credentials": [cred("Payroll", "secret", "k1", "2026-06-01", "2027-06-01")]},
    P,
    "valid for more than 30 days and for at most 730 days",
)
case(
    "REV-14",
    "expired-expiring-too-long",
    {
        "app_credentials": [
            cred("Payroll", "secret", "k1", "2025-06-01", "2026-06-01", name="old"),
            cred("Payroll", "certificate", "k2", "2026-01-01", "2026-12-01"),
            cred("Backup", "secret", "k3", "2026-01-01", "2029-01-01", name="forever"),
            cred("Crm", "secret", "k4", "2026-06-01", "2027-06-01"),
            cred("Crm", "secret", "k5", "", ""),
        ]
    },
    F,
    "3 app secrets and certificates of 4 need attention: 1 expired, "
    "1 expiring within 30 days, 1 valid for more than 730 days.",
    (
        "Backup: secret 'forever', valid 1096 days",
        "Payroll: certificate 'k2', expires 2026-12-01",
        "Payroll: secret 'old', expired 2026-06-01",
    ),
)
case(
    "REV-14",
    "no-end-dates",
    {"app_credentials": [cred("Payroll", "secret", "k1", "", "")]},
    N,
    "has no expiry date to judge",
)

# --------------------------------------------------------------- REV-15 user consent
POLICY = "ManagePermissionGrantsForSelf."
case(
    "REV-15",
    "no-consent",
    {"user_consent": [{"consent_policies": ""}]},
    P,
    "Users cannot consent",
)
case(
    "REV-15",
    "low-impact",
    {
        "user_consent": [
            {
                "consent_policies": f"{POLICY}microsoft-user-default-low, "
                "ManagePermissionGrantsForOwnedResource.microsoft-dynamically-managed-permissions-for-team"
            }
        ]
    },
    P,
    "only to low-impact permissions",
)
case(
    "REV-15",
    "any-app",
    {"user_consent": [{"consent_policies": f"{POLICY}microsoft-user-default-legacy"}]},
    F,
    "Users may consent to any app",
    ("users may consent to any app",),
)
case(
    "REV-15",
    "low-impact-not-allowed-here",
    {"user_consent": [{"consent_policies": f"{POLICY}microsoft-user-default-low"}]},
    F,
    "this client's settings allow no user consent",
    ("users may consent to low-impact apps of verified publishers",),
    rules_section={"REV-15": {"allow_low_impact": False}},
)


# ---------------------------------------------------------- REV-16 external sharing
def sharing(level: str, resharing: str = "False") -> Rows:
    """sharing_settings."""
    return [
        {"sharing": level, "guest_resharing": resharing, "domain_restriction": "none"}
    ]


case(
    "REV-16",
    "existing-guests",
    {
        "sharing_settings": sharing("existingExternalUserSharingOnly"),
        "licence_skus": P1_SKUS,
    },
    P,
    "share with existing guests only at most",
)
case(
    "REV-16",
    "anyone-links",
    {"sharing_settings": sharing("ExternalUserAndGuestSharing", "True")},
    F,
    "allow Anyone links: a file can be opened by whoever gets the link, "
    "without signing in. Guests may also share",
    ("anyone links allowed", "guests may share items they do not own"),
)
case(
    "REV-16",
    "guests-reshare",
    {"sharing_settings": sharing("externalUserSharingOnly", "True")},
    F,
    "limited to new and existing guests, but guests may share",
    ("guests may share items they do not own",),
)
case(
    "REV-16",
    "no-sharepoint-licence",
    {
        "sharing_settings": sharing("externalUserSharingOnly"),
        "licence_skus": NO_P1_SKUS,
    },
    N,
    "no SharePoint Online licence",
)
case(
    "REV-15",
    "policy-not-readable",
    {},
    N,
    "No user consent settings data: Graph refused Policy.Read.All",
    missing_reasons={"user_consent": "Graph refused Policy.Read.All"},
)
