"""Entra ID exports: users, sign-in logs, role assignments, MFA registration."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from .base import Converter, Part, TableFormat, View, bad_cells


def _entra_users(view: View) -> list[Part]:
    # Entra admin center > Users > All users > Download users
    # (https://learn.microsoft.com/entra/identity/users/users-bulk-download).
    created, bad = view.dates("createdDateTime")
    user_type = view.col("userType").astype("string").str.strip().str.lower()
    part = view.part(
        "users",
        {
            "upn": "userPrincipalName",
            "display_name": "displayName",
            "enabled": "accountEnabled",
            "user_type": "userType",
        },
        user_type=user_type.where(user_type != "", "member"),
        created=created,
    )
    part.source_columns["created"] = view.shown("createdDateTime")
    part.rejected.extend(bad_cells(view, bad, "createdDateTime"))
    return [part.without(bad)]


def _sign_ins(view: View) -> list[Part]:
    # Entra admin center > Monitoring > Sign-in logs > Download (CSV). Only
    # successful sign-ins count as activity. The log covers at most 30 days,
    # so it can raise a user's last activity but never prove it absent.
    when, bad = view.dates("Date (UTC)")
    status = view.col("Status").astype("string").str.strip().str.lower()
    ok = (status.isin(["success", "succeeded", "0"]) | (status == "")) & ~bad
    frame = pd.DataFrame(
        {
            "upn": view.col("Username").astype("string").str.strip().str.lower(),
            "last_activity": when,
        }
    )[ok.to_numpy()]
    rows = view.rows[ok.to_numpy()]
    # One row per user: the latest sign-in, with that sign-in's row number.
    order = frame["last_activity"].to_numpy().argsort(kind="stable")
    frame, rows = frame.iloc[order], rows[order]
    last = ~frame["upn"].duplicated(keep="last").to_numpy()
    part = Part(
        dataset="sign_in_activity",
        frame=frame[last].reset_index(drop=True),
        rows=rows[last],
        source_columns={"upn": view.shown("Username"), "last_activity": "Date (UTC)"},
        rejected=bad_cells(view, bad, "Date (UTC)"),
    )
    return [part]


def _simple(dataset: str, mapping: Mapping[str, str], **fixed: str) -> Converter:
    def convert(view: View) -> list[Part]:
        extra = {
            k: pd.Series(v, index=view.frame.index, dtype="object")
            for k, v in fixed.items()
        }
        # A fixed value fills a column only where the file has no such header.
        extra = {k: s for k, s in extra.items() if not view.has(mapping.get(k, ""))}
        part = view.part(
            dataset, {k: h for k, h in mapping.items() if k not in extra}, **extra
        )
        return [part]

    return convert


_ROLES = {"role": "Role", "upn": "User principal name", "assignment": "Assignment type"}
_MFA = {
    "upn": "User principal name",
    "mfa_registered": "MFA registered",
    "is_admin": "Admin",
    "methods": "Methods registered",
}


USERS = TableFormat(
    id="entra_users",
    title="Entra ID: Download users",
    reference="https://learn.microsoft.com/entra/identity/users/users-bulk-download",
    headers=(
        "userPrincipalName",
        "displayName",
        "surname",
        "mail",
        "givenName",
        "objectId",
        "userType",
        "jobTitle",
        "department",
        "accountEnabled",
        "usageLocation",
        "streetAddress",
        "state",
        "country",
        "physicalDeliveryOfficeName",
        "city",
        "postalCode",
        "telephoneNumber",
        "mobile",
        "alternateEmailAddress",
        "ageGroup",
        "createdDateTime",
    ),
    aliases={
        "objectId": ("id",),
        "physicalDeliveryOfficeName": ("officeLocation",),
        "mobile": ("mobilePhone",),
        "createdDateTime": ("Creation date", "Created date time"),
        "accountEnabled": ("Account enabled",),
    },
    required=("userPrincipalName", "displayName", "accountEnabled"),
    key=("userPrincipalName",),
    datasets=("users",),
    convert=_entra_users,
    reads=(
        "userPrincipalName",
        "displayName",
        "accountEnabled",
        "userType",
        "createdDateTime",
    ),
)


# Header confirmed (2026-11) against the header row that bitpusher2k's
# ProcessEntraSignInLog.ps1 (github.com/bitpusher2k/M365IRScripts,
# v2.9, 2024-10-14) checks a downloaded sign-in log for: "Date (UTC)",
# "Request ID", "User agent", ..., "Username", ..., "Status" ("Success",
# "Failure" or "Interrupted"), 55 columns in all, some with a trailing
# space ("Application ID "), which header folding ignores. Every header
# below is among them.
SIGN_INS = TableFormat(
    id="entra_sign_ins",
    title="Entra ID: Sign-in logs",
    reference="https://learn.microsoft.com/entra/identity/monitoring-health/"
    "howto-download-logs",
    headers=(
        "Date (UTC)",
        "Request ID",
        "User agent",
        "Correlation ID",
        "User ID",
        "User",
        "Username",
        "User type",
        "Application",
        "Application ID",
        "Resource",
        "IP address",
        "Location",
        "Status",
        "Sign-in error code",
        "Failure reason",
        "Client app",
        "Device ID",
        "Operating System",
    ),
    aliases={"Date (UTC)": ("Date", "CreatedDateTime"), "Username": ("UPN",)},
    required=("Date (UTC)", "Username"),
    key=("Username",),
    datasets=("users",),
    convert=_sign_ins,
    reads=("Date (UTC)", "Username", "Status"),
)


# Header NOT confirmed (2026-11) against Microsoft documentation. One
# community script that reads an exported role-assignment list uses
# "Role Name", "PrincipalName" and "Assignment State" (values such as
# "Eligible"); the aliases "Role name", "Principal name" and
# "Assignment state" read those spellings.
ROLE_ASSIGNMENTS = TableFormat(
    id="role_assignments",
    title="Entra ID role assignments",
    reference="https://learn.microsoft.com/entra/identity/role-based-access-"
    "control/view-assignments",
    headers=tuple(_ROLES.values()),
    aliases={
        "Role": ("Role name", "RoleName", "Role definition", "RoleDefinitionName"),
        "User principal name": (
            "Principal name",
            "Sign-in name",
            "SignInName",
            "Member",
        ),
        "Assignment type": ("Assignment state", "State", "Membership"),
    },
    required=("Role", "User principal name"),
    key=("Role",),
    datasets=("role_assignments",),
    # Without PIM the portal lists active assignments only: permanent.
    convert=_simple("role_assignments", _ROLES, assignment="permanent"),
)


MFA_REGISTRATION = TableFormat(
    id="mfa_registration",
    title="Entra ID: User registration details",
    reference="https://learn.microsoft.com/entra/identity/authentication/"
    "howto-authentication-methods-activity",
    headers=(
        "User principal name",
        "Display name",
        "User type",
        "Admin",
        "MFA capable",
        "MFA registered",
        "Passwordless capable",
        "SSPR registered",
        "Default MFA method",
        "Methods registered",
    ),
    aliases={
        "MFA registered": (
            "isMfaRegistered",
            "Multifactor authentication registered",
        ),
        "Admin": ("isAdmin",),
        "MFA capable": ("isMfaCapable",),
        "Methods registered": ("methodsRegistered",),
        "Default MFA method": ("defaultMfaMethod",),
    },
    required=("User principal name", "MFA registered"),
    key=("User principal name",),
    datasets=("mfa_registration",),
    convert=_simple("mfa_registration", _MFA),
    reads=tuple(_MFA.values()),
)


# Issue 13 (FND-15, FND-16): the Entra device lists, exported with the
# Microsoft Graph PowerShell SDK where the consultant has no app consent:
#   Get-MgInformationProtectionBitlockerRecoveryKey -All |
#     Select-Object Id, DeviceId, CreatedDateTime, VolumeType | Export-Csv
#   Get-MgDirectoryDeviceLocalCredential -All |
#     Select-Object Id, DeviceName, LastBackupDateTime, RefreshDateTime | Export-Csv
# Neither list carries a key or a password.


def _bitlocker_keys(view: View) -> list[Part]:
    created, bad = view.dates("CreatedDateTime")
    part = view.part(
        "bitlocker_keys",
        {"key_id": "Id", "volume_type": "VolumeType"},
        device_id=view.col("DeviceId").astype("string").str.strip().str.lower(),
        created=created,
    )
    part.source_columns.update(
        device_id=view.shown("DeviceId"), created=view.shown("CreatedDateTime")
    )
    part.rejected.extend(bad_cells(view, bad, "CreatedDateTime"))
    return [part.without(bad)]


BITLOCKER_KEYS = TableFormat(
    id="entra_bitlocker_keys",
    title="Entra ID: BitLocker recovery keys "
    "(Get-MgInformationProtectionBitlockerRecoveryKey)",
    reference="https://learn.microsoft.com/graph/api/bitlocker-list-recoverykeys",
    headers=("Id", "DeviceId", "CreatedDateTime", "VolumeType"),
    aliases={
        "Id": ("Key ID", "RecoveryKeyId", "BitLocker key ID"),
        "DeviceId": ("Device ID", "Entra device ID", "Azure AD device ID"),
        "CreatedDateTime": ("Created", "Key upload date"),
        "VolumeType": ("Volume type", "Drive type"),
    },
    required=("Id", "DeviceId", "VolumeType"),
    key=("Id",),
    datasets=("bitlocker_keys",),
    convert=_bitlocker_keys,
)


def _laps(view: View) -> list[Part]:
    backup, bad = view.dates("LastBackupDateTime")
    part = view.part(
        "laps_credentials",
        {"device_name": "DeviceName"},
        device_id=view.col("Id").astype("string").str.strip().str.lower(),
        last_backup=backup,
    )
    part.source_columns.update(
        device_id=view.shown("Id"), last_backup=view.shown("LastBackupDateTime")
    )
    part.rejected.extend(bad_cells(view, bad, "LastBackupDateTime"))
    return [part.without(bad)]


LAPS_CREDENTIALS = TableFormat(
    id="entra_laps_credentials",
    title="Entra ID: Windows LAPS backups (Get-MgDirectoryDeviceLocalCredential)",
    reference="https://learn.microsoft.com/graph/api/directory-list-devicelocalcredentials",
    headers=("Id", "DeviceName", "LastBackupDateTime", "RefreshDateTime"),
    aliases={
        "Id": ("Device ID", "DeviceId"),
        "DeviceName": ("Device name",),
        "LastBackupDateTime": ("Last backup", "Password last backed up"),
        "RefreshDateTime": ("Next rotation", "Refresh date"),
    },
    required=("Id", "DeviceName", "LastBackupDateTime"),
    key=("Id",),
    datasets=("laps_credentials",),
    convert=_laps,
)
