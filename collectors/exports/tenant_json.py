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

As in :mod:`.graph_json`, every property is read through :mod:`.shape`: an
item whose property holds another JSON type than the reference says is
rejected with its item number, the property's path and what was expected,
and the other items are kept.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from healthcheck.model import Rejected

from .formats import Part
from .shape import ShapeError
from .shape import obj as _obj
from .shape import rows as _rows
from .shape import text as _text
from .shape import texts as _texts
from .shape import whole_list as _list


def _part(
    dataset: str,
    rows: list[dict[str, str]],
    source_columns: Mapping[str, str],
    numbers: list[int],
    rejected: list[Rejected],
) -> Part:
    frame = pd.DataFrame(rows, columns=list(source_columns), dtype="object")
    return Part(
        dataset=dataset,
        frame=frame,
        rows=numbers,
        source_columns=dict(source_columns),
        rejected=rejected,
    )


def security_defaults(
    items: list[Mapping[str, Any]], source: str, context: Mapping[str, Any]
) -> list[Part]:
    """``GET /policies/identitySecurityDefaultsEnforcementPolicy`` -> one row."""

    def row(i: Mapping[str, Any]) -> dict[str, str]:
        return {"enabled": _text(i.get("isEnabled"), "isEnabled")}

    rows, numbers, rejected = _rows(items, source, row)
    return [
        _part("security_defaults", rows, {"enabled": "isEnabled"}, numbers, rejected)
    ]


def _all(values: Any, path: str) -> str:
    # "All" is how a policy names every user or every app.
    return _text(any(v.lower() == "all" for v in _texts(values, path)))


def _listed(values: Any, path: str, names: Mapping[str, str] | None = None) -> str:
    names = names or {}
    return ", ".join(names.get(v.lower(), v) for v in _texts(values, path))


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

    def row(i: Mapping[str, Any]) -> dict[str, str]:
        cond = _obj(i.get("conditions"), "conditions")
        who = _obj(cond.get("users"), "conditions.users")
        apps = _obj(cond.get("applications"), "conditions.applications")
        grant = _obj(i.get("grantControls"), "grantControls")
        controls = _texts(grant.get("builtInControls"), "grantControls.builtInControls")
        if _obj(
            grant.get("authenticationStrength"), "grantControls.authenticationStrength"
        ):
            controls.append("authenticationStrength")
        excluded = sum(
            len(_list(who.get(k), f"conditions.users.{k}"))
            for k in ("excludeUsers", "excludeGroups", "excludeRoles")
        )
        narrowed = [
            label
            for key, label in _NARROWING
            if _narrows(key, cond.get(key), f"conditions.{key}")
        ]
        return {
            "policy_id": _text(i.get("id"), "id"),
            "name": _text(i.get("displayName"), "displayName"),
            "state": _text(i.get("state"), "state"),
            "all_users": _all(who.get("includeUsers"), "conditions.users.includeUsers"),
            "excluded_principals": str(excluded),
            "all_apps": _all(
                apps.get("includeApplications"),
                "conditions.applications.includeApplications",
            ),
            "client_app_types": ", ".join(
                _texts(cond.get("clientAppTypes"), "conditions.clientAppTypes")
            ),
            "grant_controls": ", ".join(controls),
            "operator": _text(grant.get("operator"), "grantControls.operator"),
            "excluded_users": _listed(
                who.get("excludeUsers"), "conditions.users.excludeUsers", names
            ),
            "excluded_groups": _listed(
                who.get("excludeGroups"), "conditions.users.excludeGroups"
            ),
            "excluded_roles": _listed(
                who.get("excludeRoles"), "conditions.users.excludeRoles"
            ),
            "narrowed_by": ", ".join(dict.fromkeys(narrowed)),
        }

    rows, numbers, rejected = _rows(items, source, row)
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
            numbers,
            rejected,
        )
    ]


def _narrows(key: str, value: Any, path: str) -> bool:
    """Whether a condition leaves some sign-ins out of the policy.

    Locations and platforms narrow unless they include All and exclude
    nothing; risk levels and a device filter always narrow.
    """
    if key in ("locations", "platforms"):
        noun = "Locations" if key == "locations" else "Platforms"
        found = _obj(value, path)
        include = [
            v.lower()
            for v in _texts(found.get("include" + noun), f"{path}.include{noun}")
        ]
        exclude = _list(found.get("exclude" + noun), f"{path}.exclude{noun}")
        return bool(exclude) or (bool(include) and include != ["all"])
    if key == "devices":
        found = _obj(value, path)
        device_filter = _obj(found.get("deviceFilter"), f"{path}.deviceFilter")
        return bool(_text(device_filter.get("rule"), f"{path}.deviceFilter.rule"))
    return bool(_list(value, path))


def _average(item: Mapping[str, Any], basis: str) -> str:
    path = "averageComparativeScores"
    for entry in _list(item.get(path), path):
        entry = _obj(entry, path)
        if _text(entry.get("basis"), f"{path}.basis").lower() == basis.lower():
            return _text(entry.get("averageScore"), f"{path}.averageScore")
    return ""


def secure_scores(
    items: list[Mapping[str, Any]], source: str, context: Mapping[str, Any]
) -> list[Part]:
    """``GET /security/secureScores`` -> secure_scores (one row per day)."""

    def row(i: Mapping[str, Any]) -> dict[str, str]:
        return {
            "date": _text(i.get("createdDateTime"), "createdDateTime")[:10],
            "current_score": _text(i.get("currentScore"), "currentScore"),
            "max_score": _text(i.get("maxScore"), "maxScore"),
            "active_users": _text(i.get("activeUserCount"), "activeUserCount"),
            "licensed_users": _text(i.get("licensedUserCount"), "licensedUserCount"),
            "all_tenants_average": _average(i, "AllTenants"),
            "similar_size_average": _average(i, "TotalSeats"),
        }

    rows, numbers, rejected = _rows(items, source, row)
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
            numbers,
            rejected,
        )
    ]


def applications(
    items: list[Mapping[str, Any]], source: str, context: Mapping[str, Any]
) -> list[Part]:
    """``GET /applications`` -> app_credentials, one row per secret or certificate.

    Each row keeps the number of its application's item, so a bad credential
    is named by the application it belongs to.
    """

    def row(app: Mapping[str, Any]) -> list[dict[str, str]]:
        name = _text(app.get("displayName"), "displayName")
        app_id = _text(app.get("appId"), "appId") or _text(app.get("id"), "id")
        out = []
        for field, kind in (
            ("passwordCredentials", "secret"),
            ("keyCredentials", "certificate"),
        ):
            for cred in _list(app.get(field), field):
                cred = _obj(cred, field)
                out.append(
                    {
                        "app": name,
                        "app_id": app_id,
                        "kind": kind,
                        "key_id": _text(cred.get("keyId"), f"{field}.keyId"),
                        "name": _text(cred.get("displayName"), f"{field}.displayName"),
                        "start": _text(
                            cred.get("startDateTime"), f"{field}.startDateTime"
                        ),
                        "end": _text(cred.get("endDateTime"), f"{field}.endDateTime"),
                    }
                )
        return out

    got, app_numbers, rejected = _rows(items, source, row)
    rows = [r for creds in got for r in creds]
    numbers = [n for n, creds in zip(app_numbers, got, strict=True) for _ in creds]
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
            numbers,
            rejected,
        )
    ]


def authorization_policy(
    items: list[Mapping[str, Any]], source: str, context: Mapping[str, Any]
) -> list[Part]:
    """``GET /policies/authorizationPolicy`` -> user_consent (one row)."""
    path = "defaultUserRolePermissions"

    def row(i: Mapping[str, Any]) -> dict[str, str]:
        perms = _obj(i.get(path), path)
        assigned = _texts(
            perms.get("permissionGrantPoliciesAssigned"),
            f"{path}.permissionGrantPoliciesAssigned",
        )
        return {"consent_policies": ", ".join(assigned)}

    rows, numbers, rejected = _rows(items, source, row)
    return [
        _part(
            "user_consent",
            rows,
            {"consent_policies": f"{path}.permissionGrantPoliciesAssigned"},
            numbers,
            rejected,
        )
    ]


def _name(item: Mapping[str, Any], name: str) -> str:
    """The key a property has: Graph's camelCase name or PowerShell's PascalCase."""
    if name in item:
        return name
    pascal = name[0].upper() + name[1:]
    return pascal if pascal in item else name


def _get(item: Mapping[str, Any], name: str) -> Any:
    """A property by Graph's camelCase name or PowerShell's PascalCase one."""
    return item.get(_name(item, name))


def sharepoint_settings(
    items: list[Mapping[str, Any]], source: str, context: Mapping[str, Any]
) -> list[Part]:
    """``GET /admin/sharepoint/settings`` or Get-SPOTenant -> sharing_settings."""

    def setting(i: Mapping[str, Any], name: str) -> str:
        return _text(_get(i, name), _name(i, name))

    def row(i: Mapping[str, Any]) -> dict[str, str]:
        resharing = setting(i, "isResharingByExternalUsersEnabled")
        prevent = _get(i, "preventExternalUsersFromResharing")
        if not resharing and prevent is not None:
            if not isinstance(prevent, bool):
                # Get-SPOTenant writes a boolean; anything else is not it.
                raise ShapeError(
                    _name(i, "preventExternalUsersFromResharing"),
                    "true or false",
                    prevent,
                )
            resharing = _text(not prevent)
        return {
            "sharing": setting(i, "sharingCapability"),
            "guest_resharing": resharing,
            "domain_restriction": setting(i, "sharingDomainRestrictionMode"),
        }

    rows, numbers, rejected = _rows(items, source, row)
    return [
        _part(
            "sharing_settings",
            rows,
            {
                "sharing": "sharingCapability",
                "guest_resharing": "isResharingByExternalUsersEnabled",
                "domain_restriction": "sharingDomainRestrictionMode",
            },
            numbers,
            rejected,
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
