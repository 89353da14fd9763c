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

The shape of every property is checked before it is used: an item that is
not an object, or a property that holds an object where the reference says a
number (``"prepaidUnits": 1e30``), or a list where it says text, rejects that
item with its number, the property and what was expected. Values are still
only text here; the validator judges numbers and dates.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import pandas as pd

from healthcheck import skus
from healthcheck.model import Rejected

from . import tenant_json
from .formats import Part
from .formats.intune import ownership
from .shape import obj as _obj
from .shape import rows as _rows
from .shape import text as _text
from .shape import texts as _texts
from .shape import whole_list as _list

Mapper = Callable[[list[Mapping[str, Any]], str, Mapping[str, Any]], list[Part]]


def _part(
    dataset: str,
    rows: list[dict[str, str]],
    columns: list[str],
    source_columns: Mapping[str, str],
    numbers: list[int] | None = None,
    rejected: list[Rejected] | None = None,
) -> Part:
    frame = pd.DataFrame(rows, columns=columns, dtype="object")
    return Part(
        dataset=dataset,
        frame=frame,
        rows=list(range(1, len(rows) + 1)) if numbers is None else numbers,
        source_columns=dict(source_columns),
        rejected=list(rejected or ()),
    )


def subscribed_skus(
    items: list[Mapping[str, Any]], source: str, context: Mapping[str, Any]
) -> list[Part]:
    """``GET /subscribedSkus`` -> licence_skus."""

    def row(item: Mapping[str, Any]) -> dict[str, str]:
        part = _text(item.get("skuPartNumber"), "skuPartNumber")
        prepaid = _obj(item.get("prepaidUnits"), "prepaidUnits")
        return {
            "sku": part,
            "name": skus.display_name(part),
            "purchased": _text(prepaid.get("enabled"), "prepaidUnits.enabled"),
            "assigned": _text(item.get("consumedUnits"), "consumedUnits"),
        }

    rows, numbers, rejected = _rows(items, source, row)
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
            numbers,
            rejected,
        )
    ]


def sku_ids(items: list[Mapping[str, Any]]) -> dict[str, str]:
    """Map each skuId to its skuPartNumber (users carry only the ids)."""
    return {
        i["skuId"].lower(): i["skuPartNumber"]
        for i in items
        if isinstance(i, Mapping)
        and isinstance(i.get("skuId"), str)
        and isinstance(i.get("skuPartNumber"), str)
    }


def _date_part(value: Any, path: str) -> str:
    text = _text(value, path)
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
    with_activity = any(isinstance(i, Mapping) and "signInActivity" in i for i in items)
    # onPremisesSyncEnabled is null for an account never synchronised.
    with_sync = any(
        isinstance(i, Mapping) and "onPremisesSyncEnabled" in i for i in items
    )

    def row(item: Mapping[str, Any]) -> tuple[dict[str, str], list[str]]:
        out = {
            "upn": _text(item.get("userPrincipalName"), "userPrincipalName"),
            "display_name": _text(item.get("displayName"), "displayName"),
            "user_type": _text(item.get("userType"), "userType").lower() or "member",
            "enabled": _text(item.get("accountEnabled"), "accountEnabled"),
            "created": _text(item.get("createdDateTime"), "createdDateTime"),
        }
        if with_sync:
            out["synced"] = _text(bool(item.get("onPremisesSyncEnabled")))
        if with_activity:
            act = _obj(item.get("signInActivity"), "signInActivity")
            # The later of interactive and non-interactive sign-ins: a mailbox
            # used only from a phone app signs in non-interactively.
            stamps = [
                _date_part(act.get(k), f"signInActivity.{k}")
                for k in ("lastSignInDateTime", "lastNonInteractiveSignInDateTime")
            ]
            out["last_activity"] = max(stamps)
        licences = [
            _text(_obj(lic, "assignedLicenses").get("skuId"), "assignedLicenses.skuId")
            for lic in _list(item.get("assignedLicenses"), "assignedLicenses")
        ]
        return out, [s.lower() for s in licences]

    got, numbers, rejected = _rows(items, source, row)
    rows = [r for r, _ in got]
    lic_rows, lic_numbers = [], []
    for n, (r, licences) in zip(numbers, got, strict=True):
        for sku_id in licences:
            lic_rows.append({"upn": r["upn"], "sku": ids.get(sku_id, sku_id)})
            lic_numbers.append(n)
    columns = ["upn", "display_name", "user_type", "enabled", "created"]
    if with_sync:
        columns.append("synced")
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
                "synced": "onPremisesSyncEnabled",
            },
            numbers,
            rejected,
        ),
        _part(
            "licence_assignments",
            lic_rows,
            ["upn", "sku"],
            {"upn": "userPrincipalName", "sku": "assignedLicenses.skuId"},
            lic_numbers,
            rejected,
        ),
    ]


_MB = 1024 * 1024


def _megabytes(value: Any, path: str) -> str:
    text = _text(value, path)
    if not text or isinstance(value, bool):
        return text  # a boolean is left for the validator to reject, shown
    try:
        return f"{int(value) / _MB:.0f}"
    except (TypeError, ValueError, OverflowError):
        # "12 GB", infinity, 1e400: the validator rejects it with the cell shown.
        return text


def managed_devices(
    items: list[Mapping[str, Any]], source: str, context: Mapping[str, Any]
) -> list[Part]:
    """``GET /deviceManagement/managedDevices`` -> devices (storage in MB)."""
    fields = {
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
    }
    if any(isinstance(i, Mapping) and "azureADDeviceId" in i for i in items):
        # FND-15, FND-16: keys and LAPS backups hang off the Entra device.
        fields["entra_device_id"] = "azureADDeviceId"
    if any(isinstance(i, Mapping) and "managedDeviceOwnerType" in i for i in items):
        fields["ownership"] = "managedDeviceOwnerType"  # FND-16

    def row(i: Mapping[str, Any]) -> dict[str, str]:
        return {
            col: (_megabytes if col.endswith("_mb") else _text)(i.get(prop), prop)
            for col, prop in fields.items()
        }

    rows, numbers, rejected = _rows(items, source, row)
    part = _part("devices", rows, list(fields), fields, numbers, rejected)
    if "ownership" in part.frame.columns:
        part.frame["ownership"] = ownership(part.frame["ownership"]).to_numpy()
    return [part]


def registration_details(
    items: list[Mapping[str, Any]], source: str, context: Mapping[str, Any]
) -> list[Part]:
    """``GET /reports/authenticationMethods/userRegistrationDetails`` -> MFA."""

    def row(i: Mapping[str, Any]) -> dict[str, str]:
        return {
            "upn": _text(i.get("userPrincipalName"), "userPrincipalName"),
            "mfa_registered": _text(i.get("isMfaRegistered"), "isMfaRegistered"),
            "is_admin": _text(i.get("isAdmin"), "isAdmin"),
            "methods": ", ".join(
                _texts(i.get("methodsRegistered"), "methodsRegistered")
            ),
        }

    rows, numbers, rejected = _rows(items, source, row)
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
            numbers,
            rejected,
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

    def row(i: Mapping[str, Any]) -> dict[str, str]:
        principal = _obj(i.get("principal"), "principal")
        role = _obj(i.get("roleDefinition"), "roleDefinition")
        who = (
            _text(principal.get("userPrincipalName"), "principal.userPrincipalName")
            or _text(principal.get("displayName"), "principal.displayName")
            or _text(i.get("principalId"), "principalId")
        )
        return {
            "upn": who,
            "role": _text(role.get("displayName"), "roleDefinition.displayName")
            or _text(i.get("roleDefinitionId"), "roleDefinitionId"),
            # A schedule instance says Assigned or Activated (a PIM
            # activation); a plain roleAssignment says nothing: ``kind``.
            "assignment": _text(i.get("assignmentType"), "assignmentType")
            or _text(kind),
            # "#microsoft.graph.user", ".group" or ".servicePrincipal":
            # service principals and groups are not people (REV-04).
            "principal_type": _text(
                principal.get("@odata.type"), "principal.@odata.type"
            ),
        }

    rows, numbers, rejected = _rows(items, source, row)
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
            numbers,
            rejected,
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

#: Mappers of policy, score and settings resources, in :mod:`.tenant_json`,
#: which also recognises their saved files (single objects among them).
POLICY_MAPPERS: dict[str, Mapper] = {
    key: mapper for key, (_, mapper) in tenant_json.MAPPERS.items()
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

    def row(i: Mapping[str, Any]) -> dict[str, str] | None:
        if i.get("isVerified") is False:
            return None
        services = _texts(i.get("supportedServices"), "supportedServices")
        return {
            "domain": _text(i.get("id"), "id").lower(),
            "default": _text(i.get("isDefault"), "isDefault"),
            "initial": _text(i.get("isInitial"), "isInitial"),
            "email": _text("Email" in services),
        }

    # Unverified domains are left out after numbering, so an item keeps its
    # number in the file.
    got, all_numbers, rejected = _rows(items, source, row)
    kept = [(n, r) for n, r in zip(all_numbers, got, strict=True) if r is not None]
    rows = [r for _, r in kept]
    numbers = [n for n, _ in kept]
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
            numbers,
            rejected,
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

    def row(i: Mapping[str, Any]) -> dict[str, str]:
        return {
            "key_id": _text(i.get("id"), "id"),
            "device_id": _text(i.get("deviceId"), "deviceId").lower(),
            "created": _text(i.get("createdDateTime"), "createdDateTime"),
            "volume_type": _text(i.get("volumeType"), "volumeType"),
        }

    rows, numbers, rejected = _rows(items, source, row)
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
            numbers,
            rejected,
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

    def row(i: Mapping[str, Any]) -> dict[str, str]:
        return {
            "device_id": _text(i.get("id"), "id").lower(),
            "device_name": _text(i.get("deviceName"), "deviceName"),
            "last_backup": _text(i.get("lastBackupDateTime"), "lastBackupDateTime"),
        }

    rows, numbers, rejected = _rows(items, source, row)
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
            numbers,
            rejected,
        )
    ]


DEVICE_MAPPERS: dict[str, Mapper] = {
    "domains": domains,
    "bitlockerRecoveryKeys": recovery_keys,
    "deviceLocalCredentials": device_local_credentials,
}
