"""Exchange Online exports: mailboxes from PowerShell and the mailbox usage report.

Both give the ``mailboxes`` dataset, which tells the waste model whether a
blocked account's mailbox still needs its licence. Each source knows some of
the facts: PowerShell knows litigation hold and the archive, and storage
only when ``TotalItemSize`` from ``Get-EXOMailboxStatistics`` was added; the
usage report knows storage and the archive, not litigation hold. A fact a
file lacks is left out, so it stays unknown rather than "no".
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from healthcheck import datasets
from healthcheck.errors import InputError
from healthcheck.model import Rejected

from .base import Part, TableFormat, View
from .m365 import CONCEALED_HINT, concealed

#: Exchange's RecipientTypeDetails (and the usage report's shorter "Shared")
#: -> the canonical recipient type; any other mailbox kind is "other".
_KINDS = {
    "usermailbox": "user",
    "user": "user",
    "sharedmailbox": "shared",
    "shared": "shared",
    "roommailbox": "room",
    "room": "room",
    "equipmentmailbox": "equipment",
    "equipment": "equipment",
}
_GIB = 1024**3
_UNITS = {"b": 1, "kb": 1024, "mb": 1024**2, "gb": _GIB, "tb": 1024**4}
#: "14.61 GB (15,687,850,951 bytes)": Exchange's ByteQuantifiedSize as text.
_BYTES_IN_PARENS = re.compile(r"\(\s*([\d\s,.\u00a0']+)\s*bytes\s*\)", re.I)
_WITH_UNIT = re.compile(r"^\s*([\d.,\s\u00a0]+?)\s*(b|kb|mb|gb|tb)\s*$", re.I)
_ZERO_GUID = "00000000-0000-0000-0000-000000000000"


def _kinds(cells: pd.Series) -> pd.Series:
    def one(value: str) -> str:
        key = re.sub(r"\s", "", value).lower()
        return _KINDS.get(key, "other") if key else ""

    return datasets.map_distinct(cells, one)


def _number(text: str) -> float | None:
    digits = re.sub(r"[\s\u00a0',]", "", text)
    try:
        return float(digits)
    except ValueError:
        return None


def _gigabytes(cells: pd.Series, unit: int) -> pd.Series:
    """Sizes as GB text; ``unit`` is the bytes of a bare number in the column.

    A cell that is no size is kept as it is, for the validator to reject
    with the file, row and column named.
    """

    def one(value: str) -> str:
        text = value.strip()
        if not text:
            return ""
        found = _BYTES_IN_PARENS.search(text)
        if found and (n := _number(found.group(1))) is not None:
            return repr(n / _GIB)
        found = _WITH_UNIT.match(text)
        if found and (n := _number(found.group(1).replace(",", "."))) is not None:
            return repr(n * _UNITS[found.group(2).lower()] / _GIB)
        n = _number(text)
        return text if n is None else repr(n * unit / _GIB)

    return datasets.map_distinct(cells, one)


def _exo_mailboxes(view: View) -> list[Part]:
    # Get-EXOMailbox -PropertySets All | Export-Csv, or Get-Mailbox | Export-Csv
    # (https://learn.microsoft.com/powershell/module/exchange/get-exomailbox):
    # one row per mailbox with its RecipientTypeDetails, LitigationHoldEnabled
    # and archive (ArchiveStatus "Active", or an ArchiveGuid other than zeros).
    extra = {"recipient_type": _kinds(view.col("RecipientTypeDetails"))}
    if view.has("LitigationHoldEnabled"):
        extra["litigation_hold"] = view.col("LitigationHoldEnabled")
    if view.has("ArchiveStatus"):
        extra["has_archive"] = datasets.map_distinct(
            view.col("ArchiveStatus"),
            lambda v: "" if not v.strip() else str(v.strip().lower() == "active"),
        )
    elif view.has("ArchiveGuid"):
        extra["has_archive"] = datasets.map_distinct(
            view.col("ArchiveGuid"),
            lambda v: "" if not v.strip() else str(v.strip() != _ZERO_GUID),
        )
    if view.has("TotalItemSize"):
        # Get-EXOMailboxStatistics' TotalItemSize, added to the export.
        extra["storage_gb"] = _gigabytes(view.col("TotalItemSize"), 1)
    part = view.part("mailboxes", {"upn": "UserPrincipalName"}, **extra)
    for canon, header in (
        ("recipient_type", "RecipientTypeDetails"),
        ("litigation_hold", "LitigationHoldEnabled"),
        (
            "has_archive",
            "ArchiveStatus" if view.has("ArchiveStatus") else "ArchiveGuid",
        ),
        ("storage_gb", "TotalItemSize"),
    ):
        if canon in extra:
            part.source_columns[canon] = view.shown(header)
    return [part]


def _unit_of(header: str) -> int:
    """Bytes per number in a storage column, from its header: "(Byte)", "(MB)"."""
    found = re.search(r"\((kb|mb|gb|tb)\)", header, re.I)
    return _UNITS[found.group(1).lower()] if found else 1


def _mailbox_usage(view: View) -> list[Part]:
    # Microsoft 365 admin center > Reports > Usage > Exchange > Mailbox usage >
    # Export, or Graph getMailboxUsageDetail (the same CSV:
    # https://learn.microsoft.com/graph/api/reportroot-getmailboxusagedetail).
    # It has no litigation hold. Deleted mailboxes are listed as skipped.
    upn = view.col("User Principal Name")
    if concealed(upn):
        raise InputError(
            "user names are hashes, not names",
            file=view.source,
            column=view.shown("User Principal Name"),
            hint=CONCEALED_HINT,
        )
    header = view.shown("Storage Used (Byte)")
    extra = {
        "storage_gb": _gigabytes(view.col("Storage Used (Byte)"), _unit_of(header))
    }
    if view.has("Has Archive"):
        extra["has_archive"] = view.col("Has Archive")
    if view.has("Recipient Type"):
        extra["recipient_type"] = _kinds(view.col("Recipient Type"))
    part = view.part("mailboxes", {"upn": "User Principal Name"}, **extra)
    part.source_columns["storage_gb"] = header
    for canon, name in (
        ("has_archive", "Has Archive"),
        ("recipient_type", "Recipient Type"),
    ):
        if canon in extra:
            part.source_columns[canon] = view.shown(name)
    deleted = (
        (view.col("Is Deleted").astype("string").str.strip().str.lower().eq("true"))
        .fillna(False)
        .to_numpy()
    )
    part.rejected.extend(
        Rejected(
            source=view.source,
            row=int(view.rows[i]),
            column=None,
            reason="skipped: a deleted mailbox",
        )
        for i in np.flatnonzero(deleted)
    )
    return [part.without(deleted)]


EXO_MAILBOXES = TableFormat(
    id="exo_mailboxes",
    title="Exchange Online PowerShell: Get-EXOMailbox or Get-Mailbox",
    reference="https://learn.microsoft.com/powershell/module/exchange/get-exomailbox",
    headers=(
        "UserPrincipalName",
        "DisplayName",
        "PrimarySmtpAddress",
        "Alias",
        "RecipientTypeDetails",
        "LitigationHoldEnabled",
        "ArchiveStatus",
        "ArchiveGuid",
        "ArchiveName",
        "ExternalDirectoryObjectId",
        "TotalItemSize",
    ),
    aliases={"RecipientTypeDetails": ("Recipient type details",)},
    required=("UserPrincipalName", "RecipientTypeDetails"),
    key=("UserPrincipalName",),
    datasets=("mailboxes",),
    convert=_exo_mailboxes,
    reads=(
        "UserPrincipalName",
        "RecipientTypeDetails",
        "LitigationHoldEnabled",
        "ArchiveStatus",
        "ArchiveGuid",
        "TotalItemSize",
    ),
)


MAILBOX_USAGE = TableFormat(
    id="m365_mailbox_usage",
    title="Microsoft 365 usage report: Mailbox usage",
    reference="https://learn.microsoft.com/microsoft-365/admin/activity-reports/"
    "mailbox-usage",
    headers=(
        "Report Refresh Date",
        "User Principal Name",
        "Display Name",
        "Is Deleted",
        "Deleted Date",
        "Created Date",
        "Last Activity Date",
        "Item Count",
        "Storage Used (Byte)",
        "Issue Warning Quota (Byte)",
        "Prohibit Send Quota (Byte)",
        "Prohibit Send/Receive Quota (Byte)",
        "Deleted Item Count",
        "Deleted Item Size (Byte)",
        "Deleted Item Quota (Byte)",
        "Has Archive",
        "Recipient Type",
        "Report Period",
    ),
    aliases={
        "User Principal Name": ("User Name", "Username"),
        "Storage Used (Byte)": (
            "Storage Used (Bytes)",
            "Storage used (MB)",
            "Storage used (GB)",
            "Storage used",
        ),
    },
    required=("User Principal Name", "Storage Used (Byte)"),
    key=("User Principal Name",),
    datasets=("mailboxes",),
    convert=_mailbox_usage,
    reads=(
        "User Principal Name",
        "Is Deleted",
        "Storage Used (Byte)",
        "Has Archive",
        "Recipient Type",
    ),
)
