"""Microsoft Graph resources -> raw canonical rows, for saved responses and live calls.

One mapping serves both a JSON response a consultant saved (``exports/*.json``)
and what the Graph collector fetches live, so the same data always becomes
the same canonical dataset. Each mapper takes the ``value`` items of a Graph
collection and returns :class:`~.formats.base.Part` objects (strings still; the
canonical validator types them).

Shapes are from the Graph v1.0 reference:

- subscribedSku: https://learn.microsoft.com/graph/api/resources/subscribedsku
- user: https://learn.microsoft.com/graph/api/resources/user
  (``signInActivity``: https://learn.microsoft.com/graph/api/resources/signinactivity)
- managedDevice: https://learn.microsoft.com/graph/api/resources/intune-devices-manageddevice
- userRegistrationDetails:
  https://learn.microsoft.com/graph/api/resources/userregistrationdetails
- unifiedRoleAssignment (with ``$expand=principal,roleDefinition``):
  https://learn.microsoft.com/graph/api/resources/unifiedroleassignment
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import pandas as pd

from healthcheck import skus

from .formats import Part

Mapper = Callable[[list[Mapping[str, Any]], str, Mapping[str, Any]], list[Part]]


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "True" if value else "False"
    return str(value)


def _part(
    dataset: str,
    rows: list[dict[str, str]],
    columns: list[str],
    source_columns: Mapping[str, str],
    numbers: list[int] | None = None,
) -> Part:
    frame = pd.DataFrame(rows, columns=columns, dtype="object")
    return Part(
        dataset=dataset,
        frame=frame,
        rows=numbers or list(range(1, len(rows) + 1)),
        source_columns=dict(source_columns),
    )


def subscribed_skus(
    items: list[Mapping[str, Any]], source: str, context: Mapping[str, Any]
) -> list[Part]:
    """``GET /subscribedSkus`` -> licence_skus."""
    rows = []
    for item in items:
        part = _text(item.get("skuPartNumber"))
        prepaid = item.get("prepaidUnits") or {}
        rows.append(
            {
                "sku": part,
                "name": skus.display_name(part),
                "purchased": _text(prepaid.get("enabled")),
                "assigned": _text(item.get("consumedUnits")),
            }
        )
    return [
        _part(
            "licence_skus",
            rows,
            ["sku", "name", "purchased", "assigned"],
            {
                "sku": "skuPartNumber",
                "purchased": "prepaidUnits.enabled",
                "assigned": "consumedUnits",
            },
        )
    ]


def sku_ids(items: list[Mapping[str, Any]]) -> dict[str, str]:
    """Map each skuId to its skuPartNumber (users carry only the ids)."""
    return {
        str(i.get("skuId", "")).lower(): _text(i.get("skuPartNumber"))
        for i in items
        if i.get("skuId")
    }


def _date_part(value: Any) -> str:
    text = _text(value)
    return text[:10] if text else ""


def users(
    items: list[Mapping[str, Any]], source: str, context: Mapping[str, Any]
) -> list[Part]:
    """``GET /users?$select=...,assignedLicenses,signInActivity`` -> users, assignments.

    ``context["sku_ids"]`` maps skuId to part number; an unknown id is kept as
    the id itself, so it is still counted. ``signInActivity`` needs Entra ID P1:
    when no item carries it, the users part has no ``last_activity`` column.
    """
    ids: Mapping[str, str] = context.get("sku_ids", {})
    with_activity = any("signInActivity" in i for i in items)
    rows, lic_rows, lic_numbers = [], [], []
    for n, item in enumerate(items, start=1):
        upn = _text(item.get("userPrincipalName"))
        row = {
            "upn": upn,
            "display_name": _text(item.get("displayName")),
            "user_type": _text(item.get("userType")).lower() or "member",
            "enabled": _text(item.get("accountEnabled")),
            "created": _text(item.get("createdDateTime")),
        }
        if with_activity:
            act = item.get("signInActivity") or {}
            # The later of interactive and non-interactive sign-ins: a mailbox
            # used only from a phone app signs in non-interactively.
            stamps = [
                s
                for s in (
                    act.get("lastSignInDateTime"),
                    act.get("lastNonInteractiveSignInDateTime"),
                )
                if s
            ]
            row["last_activity"] = _date_part(max(stamps)) if stamps else ""
        rows.append(row)
        for lic in item.get("assignedLicenses") or ():
            sku_id = str(lic.get("skuId", "")).lower()
            lic_rows.append({"upn": upn, "sku": ids.get(sku_id, sku_id)})
            lic_numbers.append(n)
    columns = ["upn", "display_name", "user_type", "enabled", "created"]
    if with_activity:
        columns.append("last_activity")
    return [
        _part(
            "users",
            rows,
            columns,
            {
                "upn": "userPrincipalName",
                "display_name": "displayName",
                "user_type": "userType",
                "enabled": "accountEnabled",
                "created": "createdDateTime",
                "last_activity": "signInActivity.lastSignInDateTime",
            },
        ),
        _part(
            "licence_assignments",
            lic_rows,
            ["upn", "sku"],
            {"upn": "userPrincipalName", "sku": "assignedLicenses.skuId"},
            lic_numbers,
        ),
    ]


_MB = 1024 * 1024


def _megabytes(value: Any) -> str:
    if value in (None, ""):
        return ""
    try:
        return f"{int(value) / _MB:.0f}"
    except (TypeError, ValueError):
        return _text(value)  # left for the validator to reject with the cell shown


def managed_devices(
    items: list[Mapping[str, Any]], source: str, context: Mapping[str, Any]
) -> list[Part]:
    """``GET /deviceManagement/managedDevices`` -> devices (storage in MB)."""
    rows = [
        {
            "device_id": _text(i.get("id")),
            "name": _text(i.get("deviceName")),
            "os": _text(i.get("operatingSystem")),
            "os_version": _text(i.get("osVersion")),
            "last_check_in": _text(i.get("lastSyncDateTime")),
            "compliance": _text(i.get("complianceState")),
            "encrypted": _text(i.get("isEncrypted")),
            "total_storage_mb": _megabytes(i.get("totalStorageSpaceInBytes")),
            "free_storage_mb": _megabytes(i.get("freeStorageSpaceInBytes")),
            "primary_user": _text(i.get("userPrincipalName")),
            "category": _text(i.get("deviceCategoryDisplayName")),
            "enrollment_profile": _text(i.get("enrollmentProfileName")),
        }
        for i in items
    ]
    parts = [
        _part(
            "devices",
            rows,
            list(rows[0])
            if rows
            else [
                "device_id",
                "name",
                "os",
                "os_version",
                "last_check_in",
                "compliance",
                "encrypted",
                "total_storage_mb",
                "free_storage_mb",
                "primary_user",
                "category",
                "enrollment_profile",
            ],
            {
                "device_id": "id",
                "name": "deviceName",
                "os": "operatingSystem",
                "os_version": "osVersion",
                "last_check_in": "lastSyncDateTime",
                "compliance": "complianceState",
                "encrypted": "isEncrypted",
                "total_storage_mb": "totalStorageSpaceInBytes",
                "free_storage_mb": "freeStorageSpaceInBytes",
                "primary_user": "userPrincipalName",
                "category": "deviceCategoryDisplayName",
                "enrollment_profile": "enrollmentProfileName",
            },
        )
    ]
    if any("azureADDeviceId" in i for i in items):
        # FND-15, FND-16: keys and LAPS backups hang off the Entra device.
        part = parts[0]
        part.frame["entra_device_id"] = [_text(i.get("azureADDeviceId")) for i in items]
        part.source_columns["entra_device_id"] = "azureADDeviceId"
    return parts


def registration_details(
    items: list[Mapping[str, Any]], source: str, context: Mapping[str, Any]
) -> list[Part]:
    """``GET /reports/authenticationMethods/userRegistrationDetails`` -> MFA."""
    rows = [
        {
            "upn": _text(i.get("userPrincipalName")),
            "mfa_registered": _text(i.get("isMfaRegistered")),
            "is_admin": _text(i.get("isAdmin")),
            "methods": ", ".join(i.get("methodsRegistered") or ()),
        }
        for i in items
    ]
    return [
        _part(
            "mfa_registration",
            rows,
            ["upn", "mfa_registered", "is_admin", "methods"],
            {
                "upn": "userPrincipalName",
                "mfa_registered": "isMfaRegistered",
                "is_admin": "isAdmin",
                "methods": "methodsRegistered",
            },
        )
    ]


def role_assignments(
    items: list[Mapping[str, Any]], source: str, context: Mapping[str, Any]
) -> list[Part]:
    """Role assignments or eligibility schedules, expanded -> role_assignments.

    ``context["assignment"]`` is ``permanent`` (``roleAssignments``) or
    ``eligible`` (``roleEligibilitySchedules``). Principals without a UPN
    (groups, service principals) are named by display name or id.
    """
    kind = context.get("assignment", "permanent")
    rows = []
    for i in items:
        principal = i.get("principal") or {}
        role = i.get("roleDefinition") or {}
        who = (
            principal.get("userPrincipalName")
            or principal.get("displayName")
            or i.get("principalId")
        )
        rows.append(
            {
                "upn": _text(who),
                "role": _text(role.get("displayName") or i.get("roleDefinitionId")),
                # A schedule instance says Assigned or Activated (a PIM
                # activation); a plain roleAssignment says nothing: ``kind``.
                "assignment": _text(i.get("assignmentType") or kind),
                # "#microsoft.graph.user", ".group" or ".servicePrincipal":
                # service principals and groups are not people (REV-04).
                "principal_type": _text(principal.get("@odata.type")),
            }
        )
    return [
        _part(
            "role_assignments",
            rows,
            ["upn", "role", "assignment", "principal_type"],
            {
                "upn": "principal.userPrincipalName",
                "role": "roleDefinition.displayName",
                "assignment": "assignmentType",
                "principal_type": "principal.@odata.type",
            },
        )
    ]


def security_defaults(
    items: list[Mapping[str, Any]], source: str, context: Mapping[str, Any]
) -> list[Part]:
    """``GET /policies/identitySecurityDefaultsEnforcementPolicy`` -> one row.

    https://learn.microsoft.com/graph/api/resources/identitysecuritydefaultsenforcementpolicy
    """
    rows = [{"enabled": _text(i.get("isEnabled"))} for i in items]
    return [_part("security_defaults", rows, ["enabled"], {"enabled": "isEnabled"})]


def _all(values: Any) -> str:
    # "All" is how a policy names every user or every app.
    return _text(any(str(v).lower() == "all" for v in values or ()))


def conditional_access_policies(
    items: list[Mapping[str, Any]], source: str, context: Mapping[str, Any]
) -> list[Part]:
    """``GET /identity/conditionalAccess/policies`` -> conditional_access_policies.

    https://learn.microsoft.com/graph/api/resources/conditionalaccesspolicy
    """
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
            }
        )
    columns = [
        "policy_id",
        "name",
        "state",
        "all_users",
        "excluded_principals",
        "all_apps",
        "client_app_types",
        "grant_controls",
        "operator",
    ]
    return [
        _part(
            "conditional_access_policies",
            rows,
            columns,
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
            },
        )
    ]


def secure_scores(
    items: list[Mapping[str, Any]], source: str, context: Mapping[str, Any]
) -> list[Part]:
    """``GET /security/secureScores`` -> secure_scores (one row per day).

    https://learn.microsoft.com/graph/api/resources/securescore
    """
    rows = [
        {
            "date": _date_part(i.get("createdDateTime")),
            "current_score": _text(i.get("currentScore")),
            "max_score": _text(i.get("maxScore")),
            "active_users": _text(i.get("activeUserCount")),
            "licensed_users": _text(i.get("licensedUserCount")),
        }
        for i in items
    ]
    return [
        _part(
            "secure_scores",
            rows,
            ["date", "current_score", "max_score", "active_users", "licensed_users"],
            {
                "date": "createdDateTime",
                "current_score": "currentScore",
                "max_score": "maxScore",
                "active_users": "activeUserCount",
                "licensed_users": "licensedUserCount",
            },
        )
    ]


#: Resource name -> mapper. The Graph collector and saved-JSON reader both use it.
MAPPERS: dict[str, Mapper] = {
    "subscribedSkus": subscribed_skus,
    "users": users,
    "managedDevices": managed_devices,
    "userRegistrationDetails": registration_details,
    "roleAssignments": role_assignments,
}

#: Mappers the Graph collector uses for policy and score resources; saved
#: JSON of these is not recognised yet, so they stay out of ``MAPPERS``.
#: ``securityDefaults`` is a single object: pass it as a one-item list.
POLICY_MAPPERS: dict[str, Mapper] = {
    "securityDefaults": security_defaults,
    "conditionalAccessPolicies": conditional_access_policies,
    "secureScores": secure_scores,
}

#: A property that only items of that resource carry, to recognise saved JSON.
_MARKERS = (
    ("skuPartNumber", "subscribedSkus"),
    ("isMfaRegistered", "userRegistrationDetails"),
    ("deviceName", "managedDevices"),
    ("roleDefinitionId", "roleAssignments"),
    ("userPrincipalName", "users"),
)


def recognise(doc: Any) -> str | None:
    """Which resource a saved Graph collection response holds, or None."""
    if not isinstance(doc, Mapping) or not isinstance(doc.get("value"), list):
        return None
    items = doc["value"]
    if not items or not all(isinstance(i, Mapping) for i in items):
        return None
    for marker, resource in _MARKERS:
        if all(marker in i for i in items):
            return resource
    return None


# Issue 13 (FND-12, FND-13, FND-15, FND-16): domains, BitLocker keys, LAPS.


def domains(
    items: list[Mapping[str, Any]], source: str, context: Mapping[str, Any]
) -> list[Part]:
    """``GET /domains`` -> accepted_domains: verified domains only.

    An unverified domain is not the tenant's yet: mail to it does not arrive,
    so it is neither "inside" nor a domain whose DNS we judge.
    https://learn.microsoft.com/graph/api/resources/domain
    """
    rows = [
        {
            "domain": _text(i.get("id")).lower(),
            "default": _text(i.get("isDefault")),
            "initial": _text(i.get("isInitial")),
            "email": _text("Email" in (i.get("supportedServices") or [])),
        }
        for i in items
        if i.get("isVerified") is not False
    ]
    return [
        _part(
            "accepted_domains",
            rows,
            ["domain", "default", "initial", "email"],
            {
                "domain": "id",
                "default": "isDefault",
                "initial": "isInitial",
                "email": "supportedServices",
            },
        )
    ]


def recovery_keys(
    items: list[Mapping[str, Any]], source: str, context: Mapping[str, Any]
) -> list[Part]:
    """``GET /informationProtection/bitlocker/recoveryKeys`` -> bitlocker_keys.

    The list gives key ids and devices, never the key itself (that needs a
    ``$select=key`` call per key and BitLockerKey.Read.All, which we never make).
    https://learn.microsoft.com/graph/api/resources/bitlockerrecoverykey
    """
    rows = [
        {
            "key_id": _text(i.get("id")),
            "device_id": _text(i.get("deviceId")).lower(),
            "created": _text(i.get("createdDateTime")),
            "volume_type": _text(i.get("volumeType")),
        }
        for i in items
    ]
    return [
        _part(
            "bitlocker_keys",
            rows,
            ["key_id", "device_id", "created", "volume_type"],
            {
                "key_id": "id",
                "device_id": "deviceId",
                "created": "createdDateTime",
                "volume_type": "volumeType",
            },
        )
    ]


def device_local_credentials(
    items: list[Mapping[str, Any]], source: str, context: Mapping[str, Any]
) -> list[Part]:
    """``GET /directory/deviceLocalCredentials`` -> laps_credentials.

    The list gives devices and backup times, never passwords (those need
    ``$select=credentials`` and DeviceLocalCredential.Read.All).
    https://learn.microsoft.com/graph/api/resources/devicelocalcredentialinfo
    """
    rows = [
        {
            "device_id": _text(i.get("id")).lower(),
            "device_name": _text(i.get("deviceName")),
            "last_backup": _text(i.get("lastBackupDateTime")),
        }
        for i in items
    ]
    return [
        _part(
            "laps_credentials",
            rows,
            ["device_id", "device_name", "last_backup"],
            {
                "device_id": "id",
                "device_name": "deviceName",
                "last_backup": "lastBackupDateTime",
            },
        )
    ]


DEVICE_MAPPERS: dict[str, Mapper] = {
    "domains": domains,
    "bitlockerRecoveryKeys": recovery_keys,
    "deviceLocalCredentials": device_local_credentials,
}
