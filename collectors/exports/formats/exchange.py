"""Exchange Online PowerShell exports: domains, forwarding, inbox rules, DKIM.

Each is a cmdlet's objects piped to ``Export-Csv``, so the headers are the
cmdlet's property names (an admin without Graph access can run them in the
Exchange Online PowerShell module, with the View-Only Organization
Management role). Multi-valued properties export as their .NET type name
unless the admin joins them; the README gives the one-line commands.
"""

from __future__ import annotations

import pandas as pd

from .base import Part, TableFormat, View


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


def _mailboxes(view: View) -> list[Part]:
    # Get-Mailbox -ResultSize Unlimited | Export-Csv: the forwarding columns.
    who = (
        "PrimarySmtpAddress" if view.has("PrimarySmtpAddress") else "UserPrincipalName"
    )
    part = view.part(
        "mail_forwarding",
        {
            "forwarding_address": "ForwardingAddress",
            "deliver_and_forward": "DeliverToMailboxAndForward",
        },
        mailbox=_lower(view.col(who)),
        forwarding_smtp=_strip_smtp(view.col("ForwardingSmtpAddress")),
    )
    part.source_columns.update(
        mailbox=view.shown(who),
        forwarding_smtp=view.shown("ForwardingSmtpAddress"),
    )
    return [part]


MAILBOXES = TableFormat(
    id="exchange_mailboxes",
    title="Exchange Online: Get-Mailbox (forwarding)",
    reference="https://learn.microsoft.com/powershell/module/exchange/get-mailbox",
    headers=(
        "UserPrincipalName",
        "PrimarySmtpAddress",
        "DisplayName",
        "RecipientTypeDetails",
        "ForwardingSmtpAddress",
        "ForwardingAddress",
        "DeliverToMailboxAndForward",
    ),
    required=("ForwardingSmtpAddress", "ForwardingAddress"),
    any_of=(("PrimarySmtpAddress", "UserPrincipalName"),),
    key=("PrimarySmtpAddress",),
    datasets=("mail_forwarding",),
    convert=_mailboxes,
)


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
