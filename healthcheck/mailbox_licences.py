"""Whether a blocked account's mailbox still needs a licence: Microsoft's rules.

A shared mailbox needs no licence, except when it has more than 50 GB in
use, an in-place archive, or litigation hold: then it needs Exchange Online
Plan 2 (or Plan 1 with Exchange Online Archiving). Sources:
https://learn.microsoft.com/microsoft-365/admin/email/about-shared-mailboxes
and https://learn.microsoft.com/microsoft-365/admin/email/remove-license-from-shared-mailbox.

The cost model's advice for a blocked account is "convert the mailbox to
shared, then remove the licence", so the same three facts decide for every
mailbox of a blocked account, whatever its recipient type. A fact the data
does not give is *unknown*, never "no": the waste line then says what to
check.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd

from healthcheck import skus
from healthcheck.model import Message, msg

#: Storage a shared mailbox may use without a licence, in GB (1024^3 bytes:
#: Exchange's quota of 50 GB is 53,687,091,200 bytes).
LIMIT_GB = 50.0

#: The mailbox facts that decide, in the order the texts list them.
FACTS = ("storage_gb", "has_archive", "litigation_hold")


@dataclass(frozen=True, slots=True)
class Need:
    """What the data says about one account's mailbox."""

    #: Why the mailbox needs a licence; empty when no known fact says so.
    reasons: tuple[Message, ...] = ()
    #: The facts in :data:`FACTS` the data does not give for this mailbox.
    unknown: tuple[str, ...] = ()


def needs(mailboxes: pd.DataFrame | None, upns: Iterable[str]) -> dict[str, Need]:
    """Per account in ``upns``, whether its mailbox needs a licence.

    Without mailbox data every fact is unknown. With it, an account the data
    does not list has no mailbox (nothing to keep); a column the source
    lacks, or an empty cell, leaves that fact unknown.
    """
    wanted = sorted(set(upns))
    if mailboxes is None:
        return {u: Need(unknown=FACTS) for u in wanted}
    listed = mailboxes.drop_duplicates("upn").set_index("upn")
    out = {}
    for upn in wanted:
        if upn not in listed.index:
            out[upn] = Need()
            continue
        row = listed.loc[upn]
        reasons: list[Message] = []
        unknown: list[str] = []
        kind = row.get("recipient_type")
        kind = kind if isinstance(kind, str) else ""
        size = row.get("storage_gb")
        if size is None or pd.isna(size):
            unknown.append("storage_gb")
        elif float(size) > LIMIT_GB:
            reasons.append(
                msg(
                    "cost.mailbox.over_limit",
                    kind=msg(f"cost.mailbox.kind.{kind or 'unknown'}"),
                    size=round(float(size), 1),
                )
            )
        for fact, key in (("has_archive", "archive"), ("litigation_hold", "hold")):
            value = row.get(fact)
            if value is None or pd.isna(value):
                unknown.append(fact)
            elif bool(value):
                reasons.append(msg(f"cost.mailbox.{key}"))
        out[upn] = Need(tuple(reasons), tuple(unknown))
    return out


def gives_mailbox(sku: str) -> bool:
    """True when the SKU may carry an Exchange Online mailbox or archive.

    A SKU whose service plans the table does not list may: only a licence
    known to have no Exchange plan is waste whatever the mailbox holds.
    """
    plans = skus.service_plans(sku)
    if not plans:
        return True
    return any(
        (p.startswith("EXCHANGE_S_") and "FOUNDATION" not in p)
        or p == "EXCHANGE_L_STANDARD"
        for p in plans
    )


def check_message(unknown: Iterable[str]) -> Message | None:
    """What to check before removing a licence, for the facts not known."""
    missing = [f for f in FACTS if f in set(unknown)]
    if not missing:
        return None
    if missing == list(FACTS):
        return msg("cost.mailbox.check_all")
    return msg(
        "cost.mailbox.check_some",
        what=[msg(f"cost.mailbox.what.{f}") for f in missing],
    )
