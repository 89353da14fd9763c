"""Known export formats: how each is recognised and mapped to canonical columns.

A format is recognised by its header row, never by its file name, so a
consultant can drop files in ``exports/`` under any name. Each format lists
the headers its product documents (the recognition signature), other
spellings the same column has had between export versions (aliases), the
headers it cannot do without, and a converter that turns the table of
strings into raw canonical frames. Headers are compared after folding case
and dropping spaces and punctuation, so ``User principal name``,
``UserPrincipalName`` and ``user_principal_name`` are one header.

Converters leave cells as text, except dates, which they parse through
:meth:`View.dates` because the day/month order of ``03/04/2026`` depends on
the file (see :mod:`healthcheck.datasets`); the canonical validator types
the rest.

The formats are grouped by product family, one module each: :mod:`.m365`
(admin center users, usage and licences), :mod:`.entra` (users, sign-ins,
role assignments, MFA registration, BitLocker keys, LAPS), :mod:`.intune`,
:mod:`.backup` (Veeam, Azure Backup, the generic job list), :mod:`.patch` (RMM
or WSUS), :mod:`.exchange` (Exchange Online PowerShell and the mailbox usage
report), :mod:`.identity` (per-user MFA) and :mod:`.defender` (Intune
antivirus report, Defender device inventory), on the
shared machinery of :mod:`.base`. This module keeps the registry
(:data:`TABLE_FORMATS`) and recognition.
"""

from __future__ import annotations

from collections.abc import Sequence

from . import backup, defender, entra, exchange, identity, intune, m365, patch
from .backup import not_a_backup, sessions_to_jobs
from .base import (
    Converter,
    DateResolver,
    Part,
    TableFormat,
    View,
    bad_cells,
    header_key,
)
from .m365 import CONCEALED_HINT, concealed

#: Every built-in format. The order is a priority: when two formats match a
#: file equally well, the earlier wins (see :func:`recognise`).
TABLE_FORMATS: tuple[TableFormat, ...] = (
    m365.ACTIVE_USERS,
    m365.USAGE_ACTIVE_USERS,
    m365.LICENCES,
    entra.USERS,
    entra.SIGN_INS,
    intune.DEVICES,
    backup.VEEAM_SESSIONS,
    backup.AZURE_BACKUP_JOBS,
    backup.GENERIC_BACKUP_JOBS,
    patch.PATCH_STATUS,
    entra.ROLE_ASSIGNMENTS,
    entra.MFA_REGISTRATION,
    exchange.EXO_MAILBOXES,
    exchange.MAILBOX_USAGE,
    identity.PER_USER_MFA,
    # Issue 13, part B.
    exchange.ACCEPTED_DOMAINS,
    exchange.OUTBOUND_SPAM,
    exchange.INBOX_RULES,
    exchange.DKIM_SIGNING,
    defender.INTUNE_ANTIVIRUS,
    defender.DEFENDER_INVENTORY,
    entra.BITLOCKER_KEYS,
    entra.LAPS_CREDENTIALS,
)

#: A file is a format when it has this share of the documented headers, or
#: all of the required ones and at least ``MATCH_WITH_REQUIRED`` (portals drop
#: and rename optional columns between versions).
MATCH_THRESHOLD = 0.5
MATCH_WITH_REQUIRED = 0.3
#: ... or all its required headers when it has at least this many: a
#: consultant who trimmed an export to the columns that matter is understood.
MATCH_REQUIRED = 3


def recognise(
    headers: Sequence[str], formats: Sequence[TableFormat] = TABLE_FORMATS
) -> tuple[TableFormat | None, TableFormat, float]:
    """Return (recognised format or None, closest format, its match share).

    A format that has all its required headers beats one that does not; then
    the larger share of documented headers wins, then the earlier format
    (the collector lists client.yaml's column mappings first, so a
    consultant's mapping claims a file a built-in format would half-match).
    """

    def score(item: tuple[int, TableFormat]) -> tuple[float, int]:
        n, f = item
        share = f.match(headers)
        complete = int(share > 0 and not f.missing(headers))
        return (share + complete, -n)

    best = max(enumerate(formats), key=score)[1]
    share = best.match(headers)
    complete = not best.missing(headers)
    ok = share >= MATCH_THRESHOLD or (
        complete
        and (share >= MATCH_WITH_REQUIRED or len(best.required) >= MATCH_REQUIRED)
    )
    if ok:
        return best, best, share
    # For the message, the closest is the format sharing most headers: a
    # short format matched by one generic header is rarely what was meant.
    closest = max(
        enumerate(formats),
        key=lambda item: (len(item[1].resolve(headers)), score(item)),
    )[1]
    return None, closest, closest.match(headers)


__all__ = [
    "CONCEALED_HINT",
    "MATCH_REQUIRED",
    "MATCH_THRESHOLD",
    "MATCH_WITH_REQUIRED",
    "TABLE_FORMATS",
    "Converter",
    "DateResolver",
    "Part",
    "TableFormat",
    "View",
    "bad_cells",
    "concealed",
    "header_key",
    "not_a_backup",
    "recognise",
    "sessions_to_jobs",
]
