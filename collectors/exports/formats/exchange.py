"""Exchange Online exports: mailboxes, domains, forwarding, inbox rules, DKIM.

Most are a cmdlet's objects piped to ``Export-Csv``, so the headers are the
cmdlet's property names (an admin without Graph access can run them in the
Exchange Online PowerShell module, with the View-Only Organization
Management role); multi-valued properties export as their .NET type name
unless the admin joins them, and the README gives the one-line commands.

One ``Get-EXOMailbox``/``Get-Mailbox`` export gives two datasets: the
``mailboxes`` facts the waste model reads (whether a blocked account's mailbox
still needs its licence: recipient type, litigation hold, archive, storage)
and the ``mail_forwarding`` that FND-12 reads, each from the columns the file
has. The admin center's mailbox usage report gives ``mailboxes`` too, without
litigation hold. A fact a file lacks is left out, so it stays unknown rather
than "no".
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


def _lower(series: pd.Series) -> pd.Series:
    return series.astype("string").str.strip().str.lower()


def _accepted_domains(view: View) -> list[Part]:
    # Get-AcceptedDomain: every accepted domain is a mail domain of the
    # tenant (Authoritative or a relay domain alike).
    part = view.part(
        "accepted_domains",
        {"default": "Default"},
        domain=_lower(view.col("DomainName")),
    )
    part.source_columns["domain"] = view.shown("DomainName")
    part.frame["email"] = "True"
    if view.has("InitialDomain"):
        part.frame["initial"] = view.col("InitialDomain").to_numpy()
        part.source_columns["initial"] = view.shown("InitialDomain")
    return [part]


ACCEPTED_DOMAINS = TableFormat(
    id="exchange_accepted_domains",
    title="Exchange Online: Get-AcceptedDomain",
    reference="https://learn.microsoft.com/powershell/module/exchange/get-accepteddomain",
    headers=("DomainName", "DomainType", "Default", "InitialDomain", "Name"),
    aliases={"DomainName": ("Domain name",), "DomainType": ("Domain type",)},
    required=("DomainName", "DomainType"),
    key=("DomainName",),
    datasets=("accepted_domains",),
    convert=_accepted_domains,
)


def _outbound_spam(view: View) -> list[Part]:
    # Get-HostedOutboundSpamFilterPolicy: AutoForwardingMode is Automatic,
    # On or Off; https://learn.microsoft.com/powershell/module/exchange/
    # set-hostedoutboundspamfilterpolicy#-autoforwardingmode
    part = view.part(
        "outbound_spam_policies",
        {
            "policy": "Name",
            "auto_forwarding": "AutoForwardingMode",
            "is_default": "IsDefault",
        },
    )
    if view.has("Enabled"):  # a custom policy's rule state, where joined in
        part.frame["enabled"] = view.col("Enabled").to_numpy()
        part.source_columns["enabled"] = view.shown("Enabled")
    return [part]


OUTBOUND_SPAM = TableFormat(
    id="exchange_outbound_spam",
    title="Exchange Online: Get-HostedOutboundSpamFilterPolicy",
    reference="https://learn.microsoft.com/powershell/module/exchange/"
    "get-hostedoutboundspamfilterpolicy",
    headers=("Name", "AutoForwardingMode", "IsDefault", "Enabled", "Identity"),
    aliases={"AutoForwardingMode": ("Automatic forwarding", "Auto forwarding mode")},
    required=("Name", "AutoForwardingMode"),
    key=("Name",),
    datasets=("outbound_spam_policies",),
    convert=_outbound_spam,
)


def _strip_smtp(series: pd.Series) -> pd.Series:
    # ForwardingSmtpAddress exports as "smtp:anna@example.com".
    text = series.astype("string").str.strip()
    return text.str.replace(r"^smtp:", "", case=False, regex=True)


def _forwarding(view: View) -> list[Part]:
    # Get-Mailbox -ResultSize Unlimited | Export-Csv: the forwarding columns.
    # The mailbox is its primary address; where a row leaves that blank (an
    # export that selected the column but has no value), its UPN.
    mailbox = _lower(view.col("UserPrincipalName"))
    who = "UserPrincipalName"
    if view.has("PrimarySmtpAddress"):
        primary = _lower(view.col("PrimarySmtpAddress"))
        mailbox = primary.mask(primary.fillna("").eq(""), mailbox)
        who = "PrimarySmtpAddress"
    part = view.part(
        "mail_forwarding",
        {
            "forwarding_address": "ForwardingAddress",
            "deliver_and_forward": "DeliverToMailboxAndForward",
        },
        mailbox=mailbox,
        forwarding_smtp=_strip_smtp(view.col("ForwardingSmtpAddress")),
    )
    part.source_columns.update(
        mailbox=view.shown(who),
        forwarding_smtp=view.shown("ForwardingSmtpAddress"),
    )
    return [part]


def _inbox_rules(view: View) -> list[Part]:
    # Get-InboxRule per mailbox, with the mailbox added as a column (the
    # cmdlet's MailboxOwnerId is a name, not an address). Forward targets
    # export as '"Name" [SMTP:x@example.com]' lists; joined with ";" they
    # are read as they are: the rule finds the addresses in the text.
    targets = pd.concat(
        [
            view.col(h).astype("string").fillna("")
            for h in ("ForwardTo", "ForwardAsAttachmentTo", "RedirectTo")
        ],
        axis=1,
    ).agg(";".join, axis=1)
    part = view.part(
        "inbox_rules",
        {"rule": "Name", "enabled": "Enabled"},
        mailbox=_lower(view.col("Mailbox")),
        forward_to=targets.str.strip(";"),
    )
    part.source_columns.update(
        mailbox=view.shown("Mailbox"), forward_to=view.shown("ForwardTo")
    )
    return [part]


INBOX_RULES = TableFormat(
    id="exchange_inbox_rules",
    title="Exchange Online: Get-InboxRule",
    reference="https://learn.microsoft.com/powershell/module/exchange/get-inboxrule",
    headers=(
        "Mailbox",
        "Name",
        "Enabled",
        "ForwardTo",
        "ForwardAsAttachmentTo",
        "RedirectTo",
        "Identity",
    ),
    aliases={"Mailbox": ("MailboxOwnerId", "MailboxOwner", "UserPrincipalName")},
    required=("Mailbox", "Name", "ForwardTo"),
    key=("Mailbox", "Name"),
    datasets=("inbox_rules",),
    convert=_inbox_rules,
)


def _dkim(view: View) -> list[Part]:
    # Get-DkimSigningConfig: Enabled says whether Exchange signs the domain.
    part = view.part(
        "dkim_signing", {"enabled": "Enabled"}, domain=_lower(view.col("Domain"))
    )
    part.source_columns["domain"] = view.shown("Domain")
    return [part]


DKIM_SIGNING = TableFormat(
    id="exchange_dkim_signing",
    title="Exchange Online: Get-DkimSigningConfig",
    reference="https://learn.microsoft.com/powershell/module/exchange/get-dkimsigningconfig",
    headers=("Domain", "Enabled", "Status", "Selector1CNAME", "Selector2CNAME"),
    required=("Domain", "Enabled", "Selector1CNAME"),
    key=("Domain",),
    datasets=("dkim_signing",),
    convert=_dkim,
)


#: The forwarding columns of a mailbox export: FND-12 reads both (an outside
#: address, or a mail contact), so a file has both or neither.
_FORWARDING = ("ForwardingSmtpAddress", "ForwardingAddress")


def _mailbox_export(view: View) -> list[Part]:
    """Both datasets a mailbox export can give, each from the columns it has.

    Mailbox facts need RecipientTypeDetails; forwarding needs both of
    :data:`_FORWARDING`. A file with only one of those is refused with the
    other named, rather than read as if nobody forwarded mail.

    Raises:
        InputError: one forwarding column without the other.
    """
    parts = []
    if view.has("RecipientTypeDetails"):
        parts += _exo_mailboxes(view)
    present = [h for h in _FORWARDING if view.has(h)]
    if present and len(present) < len(_FORWARDING):
        lacking = next(h for h in _FORWARDING if not view.has(h))
        raise InputError(
            f"has the forwarding column {view.shown(present[0])} but not "
            f"{lacking}, which it needs beside it",
            file=view.source,
            column=lacking,
            hint="export Get-Mailbox again with ForwardingSmtpAddress, "
            "ForwardingAddress and DeliverToMailboxAndForward",
        )
    if present:
        parts += _forwarding(view)
    return parts


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
        "ForwardingSmtpAddress",
        "ForwardingAddress",
        "DeliverToMailboxAndForward",
    ),
    aliases={"RecipientTypeDetails": ("Recipient type details",)},
    required=("UserPrincipalName",),
    # The mailbox facts, the forwarding columns, or both.
    any_of=(("RecipientTypeDetails", "ForwardingSmtpAddress"),),
    key=("UserPrincipalName",),
    datasets=("mailboxes", "mail_forwarding"),
    convert=_mailbox_export,
    reads=(
        "UserPrincipalName",
        "PrimarySmtpAddress",
        "RecipientTypeDetails",
        "LitigationHoldEnabled",
        "ArchiveStatus",
        "ArchiveGuid",
        "TotalItemSize",
        "ForwardingSmtpAddress",
        "ForwardingAddress",
        "DeliverToMailboxAndForward",
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
