"""Tenant settings and policies from Graph -> raw canonical rows.

The identity and tenant-settings datasets (security defaults, Conditional
Access, Secure Score, app credentials, user consent, SharePoint sharing).
As in :mod:`.graph_json`, one mapper serves the live Graph call and a file an
admin hands over, so both become the same dataset:

- a saved Graph response (``{"value": [...]}`` or a single object);
- a Conditional Access policy downloaded from the Entra admin center
  (Protection > Conditional Access > Policies > a policy > Download: the
  policy's Graph JSON), one file per policy or a JSON array of them;
- ``Get-SPOTenant | ConvertTo-Json`` for the sharing settings (PascalCase
  names; ``PreventExternalUsersFromResharing`` is the inverse of Graph's
  ``isResharingByExternalUsersEnabled``).

Resources, from the Graph v1.0 reference:

- identitySecurityDefaultsEnforcementPolicy:
  https://learn.microsoft.com/graph/api/resources/identitysecuritydefaultsenforcementpolicy
- conditionalAccessPolicy:
  https://learn.microsoft.com/graph/api/resources/conditionalaccesspolicy
- secureScore: https://learn.microsoft.com/graph/api/resources/securescore
- application (passwordCredentials, keyCredentials):
  https://learn.microsoft.com/graph/api/resources/application
- authorizationPolicy: https://learn.microsoft.com/graph/api/resources/authorizationpolicy
- sharepointSettings: https://learn.microsoft.com/graph/api/resources/sharepointsettings
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from .formats import Part


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "True" if value else "False"
    return str(value)


def _part(
    dataset: str, rows: list[dict[str, str]], source_columns: Mapping[str, str]
) -> Part:
    frame = pd.DataFrame(rows, columns=list(source_columns), dtype="object")
    return Part(
        dataset=dataset,
        frame=frame,
        rows=list(range(1, len(rows) + 1)),
        source_columns=dict(source_columns),
    )


def security_defaults(
    items: list[Mapping[str, Any]], source: str, context: Mapping[str, Any]
) -> list[Part]:
    """``GET /policies/identitySecurityDefaultsEnforcementPolicy`` -> one row."""
    rows = [{"enabled": _text(i.get("isEnabled"))} for i in items]
    return [_part("security_defaults", rows, {"enabled": "isEnabled"})]


def _all(values: Any) -> str:
    # "All" is how a policy names every user or every app.
    return _text(any(str(v).lower() == "all" for v in values or ()))


def _listed(values: Any, names: Mapping[str, str] | None = None) -> str:
    names = names or {}
    return ", ".join(names.get(str(v).lower(), str(v)) for v in values or ())


#: Conditions that make a policy apply to fewer sign-ins than "all users, all
#: apps": a policy for all users from outside the office is not MFA for all.
_NARROWING = (
    ("locations", "locations"),
    ("platforms", "platforms"),
    ("signInRiskLevels", "sign-in risk"),
    ("userRiskLevels", "user risk"),
    ("devices", "device filter"),
)


def conditional_access_policies(
    items: list[Mapping[str, Any]], source: str, context: Mapping[str, Any]
) -> list[Part]:
    """``GET /identity/conditionalAccess/policies`` -> conditional_access_policies.

    ``context["user_ids"]`` maps user object ids (lower case) to UPNs: a
    policy names excluded users by id, and a report names people.
    """
    names: Mapping[str, str] = context.get("user_ids", {})
    rows = []
    for i in items:
        cond = i.get("conditions") or {}
        who = cond.get("users") or {}
        apps = cond.get("applications") or {}
        grant = i.get("grantControls") or {}
        controls = list(grant.get("builtInControls") or ())
        if grant.get("authenticationStrength"):
            controls.append("authenticationStrength")
        excluded = sum(
            len(who.get(k) or ())
            for k in ("excludeUsers", "excludeGroups", "excludeRoles")
        )
        narrowed = [label for key, label in _NARROWING if _narrows(key, cond.get(key))]
        rows.append(
            {
                "policy_id": _text(i.get("id")),
                "name": _text(i.get("displayName")),
                "state": _text(i.get("state")),
                "all_users": _all(who.get("includeUsers")),
                "excluded_principals": str(excluded),
                "all_apps": _all(apps.get("includeApplications")),
                "client_app_types": ", ".join(cond.get("clientAppTypes") or ()),
                "grant_controls": ", ".join(controls),
                "operator": _text(grant.get("operator")),
                "excluded_users": _listed(who.get("excludeUsers"), names),
                "excluded_groups": _listed(who.get("excludeGroups")),
                "excluded_roles": _listed(who.get("excludeRoles")),
                "narrowed_by": ", ".join(dict.fromkeys(narrowed)),
            }
        )
    return [
        _part(
            "conditional_access_policies",
            rows,
            {
                "policy_id": "id",
                "name": "displayName",
                "state": "state",
                "all_users": "conditions.users.includeUsers",
                "excluded_principals": "conditions.users.exclude*",
                "all_apps": "conditions.applications.includeApplications",
                "client_app_types": "conditions.clientAppTypes",
                "grant_controls": "grantControls.builtInControls",
                "operator": "grantControls.operator",
                "excluded_users": "conditions.users.excludeUsers",
                "excluded_groups": "conditions.users.excludeGroups",
                "excluded_roles": "conditions.users.excludeRoles",
                "narrowed_by": "conditions.*",
            },
        )
    ]


def _narrows(key: str, value: Any) -> bool:
    """Whether a condition leaves some sign-ins out of the policy.

    Locations and platforms narrow unless they include All and exclude
    nothing; risk levels and a device filter always narrow.
    """
    if not value:
        return False
    if key in ("locations", "platforms"):
        noun = "Locations" if key == "locations" else "Platforms"
        include = [str(v).lower() for v in value.get("include" + noun) or ()]
        return bool(value.get("exclude" + noun)) or (
            bool(include) and include != ["all"]
        )
    if key == "devices":
        return bool((value.get("deviceFilter") or {}).get("rule"))
    return True


def _average(item: Mapping[str, Any], basis: str) -> str:
    for entry in item.get("averageComparativeScores") or ():
        if str(entry.get("basis", "")).lower() == basis.lower():
            return _text(entry.get("averageScore"))
    return ""


def secure_scores(
    items: list[Mapping[str, Any]], source: str, context: Mapping[str, Any]
) -> list[Part]:
    """``GET /security/secureScores`` -> secure_scores (one row per day)."""
    rows = [
        {
            "date": _text(i.get("createdDateTime"))[:10],
            "current_score": _text(i.get("currentScore")),
            "max_score": _text(i.get("maxScore")),
            "active_users": _text(i.get("activeUserCount")),
            "licensed_users": _text(i.get("licensedUserCount")),
            "all_tenants_average": _average(i, "AllTenants"),
            "similar_size_average": _average(i, "TotalSeats"),
        }
        for i in items
    ]
    return [
        _part(
            "secure_scores",
            rows,
            {
                "date": "createdDateTime",
                "current_score": "currentScore",
                "max_score": "maxScore",
                "active_users": "activeUserCount",
                "licensed_users": "licensedUserCount",
                "all_tenants_average": "averageComparativeScores[AllTenants]",
                "similar_size_average": "averageComparativeScores[TotalSeats]",
            },
        )
    ]


def applications(
    items: list[Mapping[str, Any]], source: str, context: Mapping[str, Any]
) -> list[Part]:
    """``GET /applications`` -> app_credentials, one row per secret or certificate."""
    rows = []
    for app in items:
        for field, kind in (
            ("passwordCredentials", "secret"),
            ("keyCredentials", "certificate"),
        ):
            for cred in app.get(field) or ():
                rows.append(
                    {
                        "app": _text(app.get("displayName")),
                        "app_id": _text(app.get("appId") or app.get("id")),
                        "kind": kind,
                        "key_id": _text(cred.get("keyId")),
                        "name": _text(cred.get("displayName")),
                        "start": _text(cred.get("startDateTime")),
                        "end": _text(cred.get("endDateTime")),
                    }
                )
    return [
        _part(
            "app_credentials",
            rows,
            {
                "app": "displayName",
                "app_id": "appId",
                "kind": "passwordCredentials|keyCredentials",
                "key_id": "keyId",
                "name": "displayName",
                "start": "startDateTime",
                "end": "endDateTime",
            },
        )
    ]


def authorization_policy(
    items: list[Mapping[str, Any]], source: str, context: Mapping[str, Any]
) -> list[Part]:
    """``GET /policies/authorizationPolicy`` -> user_consent (one row)."""
    rows = []
    for i in items:
        perms = i.get("defaultUserRolePermissions") or {}
        rows.append(
            {
                "consent_policies": ", ".join(
                    perms.get("permissionGrantPoliciesAssigned") or ()
                )
            }
        )
    return [
        _part(
            "user_consent",
            rows,
            {
                "consent_policies": "defaultUserRolePermissions."
                "permissionGrantPoliciesAssigned"
            },
        )
    ]


def _get(item: Mapping[str, Any], name: str) -> Any:
    """A property by Graph's camelCase name or PowerShell's PascalCase one."""
    if name in item:
        return item[name]
    return item.get(name[0].upper() + name[1:])


def sharepoint_settings(
    items: list[Mapping[str, Any]], source: str, context: Mapping[str, Any]
) -> list[Part]:
    """``GET /admin/sharepoint/settings`` or Get-SPOTenant -> sharing_settings."""
    rows = []
    for i in items:
        resharing = _get(i, "isResharingByExternalUsersEnabled")
        prevent = _get(i, "preventExternalUsersFromResharing")
        if resharing is None and isinstance(prevent, bool):
            resharing = not prevent
        rows.append(
            {
                "sharing": _text(_get(i, "sharingCapability")),
                "guest_resharing": _text(resharing),
                "domain_restriction": _text(_get(i, "sharingDomainRestrictionMode")),
            }
        )
    return [
        _part(
            "sharing_settings",
            rows,
            {
                "sharing": "sharingCapability",
                "guest_resharing": "isResharingByExternalUsersEnabled",
                "domain_restriction": "sharingDomainRestrictionMode",
            },
        )
    ]


#: Graph resource key -> (dataset, mapper), for the collector and saved files.
MAPPERS = {
    "securityDefaults": ("security_defaults", security_defaults),
    "conditionalAccessPolicies": (
        "conditional_access_policies",
        conditional_access_policies,
    ),
    "secureScores": ("secure_scores", secure_scores),
    "applications": ("app_credentials", applications),
    "authorizationPolicy": ("user_consent", authorization_policy),
    "sharepointSettings": ("sharing_settings", sharepoint_settings),
}


def _resource(item: Mapping[str, Any]) -> str | None:
    """Which resource one object is, by the properties only it carries."""
    if "conditions" in item and "grantControls" in item:
        return "conditionalAccessPolicies"
    if "currentScore" in item and "maxScore" in item:
        return "secureScores"
    if "passwordCredentials" in item or "keyCredentials" in item:
        return "applications"
    if "defaultUserRolePermissions" in item:
        return "authorizationPolicy"
    if _get(item, "sharingCapability") is not None:
        return "sharepointSettings"
    context = str(item.get("@odata.context", ""))
    if "isEnabled" in item and (
        "identitySecurityDefaultsEnforcementPolicy" in context
        or set(item)
        <= {"@odata.context", "id", "displayName", "description", "isEnabled"}
    ):
        return "securityDefaults"
    return None


def recognise(doc: Any) -> tuple[str, list[Mapping[str, Any]]] | None:
    """(resource key, items) of a saved response or portal download, or None.

    Accepts a Graph collection (``{"value": [...]}``), a JSON array of one
    resource, or a single object (a policy downloaded from the portal).
    """
    if isinstance(doc, Mapping) and isinstance(doc.get("value"), list):
        items = doc["value"]
    elif isinstance(doc, list):
        items = doc
    elif isinstance(doc, Mapping):
        items = [doc]
    else:
        return None
    if not items or not all(isinstance(i, Mapping) for i in items):
        return None
    kinds = {_resource(i) for i in items}
    if len(kinds) != 1 or None in kinds:
        return None
    return kinds.pop() or "", items  # type: ignore[return-value]
