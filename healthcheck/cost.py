"""Licence waste in money, kept apart from scoring.

Each paid seat is counted at most once, in the first category that applies:
unassigned (bought, given to no one), disabled_user, inactive_user, overlap
(a licence whose services a bundle the same user holds already includes,
decided from Microsoft's service-plan table in ``healthcheck.skus``).

Money is Decimal throughout. A seat is priced per month from ``client.yaml``
(``licence_prices``), else from the default list-price table for the currency
(``healthcheck.prices``); annual cost is 12 x monthly and every price is whole
cents, so the items, and the per-user rows behind them, sum exactly to the
totals. Free, trial and viral SKUs are never waste.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

import pandas as pd

from healthcheck import facts, mailbox_licences, skus
from healthcheck import prices as pricing
from healthcheck.i18n import english
from healthcheck.model import (
    Message,
    Waste,
    WasteCategory,
    WasteItem,
    message_params,
    msg,
)

HIGH, MEDIUM = "high", "medium"

#: The datasets :func:`compute_waste` reads: what ``healthcheck permissions``
#: names "licence waste" beside the rules, and what a collector may provide
#: for the waste model alone (``mailboxes``).
DATASETS = frozenset({"licence_skus", "users", "licence_assignments", "mailboxes"})

#: How sure each category is; the report and README say why. An overlap that
#: rests on a higher tier of a service (plan_rules.csv) is medium instead, and
#: so is a blocked account whose mailbox needs its licence (a shared mailbox
#: over 50 GB, with an archive or on litigation hold: Microsoft's "About
#: shared mailboxes", https://learn.microsoft.com/microsoft-365/admin/email/about-shared-mailboxes).
CONFIDENCE = {
    WasteCategory.UNASSIGNED: HIGH,  # Microsoft's own bought and assigned counts
    WasteCategory.DISABLED_USER: HIGH,  # the account cannot sign in
    WasteCategory.INACTIVE_USER: MEDIUM,  # leave or shared use may explain it
    WasteCategory.OVERLAP: HIGH,  # Microsoft's service-plan table
}


# The texts (actions, per-user evidence, what could not be assessed) are
# messages of healthcheck/locales/<lang>/cost.toml: the English in
# assessment.json is rendered from there, and the keys and parameters are kept
# beside it so a report can show them in another language.


def _when(term: str) -> Message:
    """When a seat reduction takes effect, from the billing term."""
    if term == "annual_billed_monthly":
        term = "annual"  # still an annual commitment: reduced at renewal
    return msg(f"cost.when.{term if term in pricing.TERMS else 'unknown'}")


def _action(
    category: WasteCategory, term: str, tier: bool = False, mailbox: str = ""
) -> Message:
    """What the saving needs.

    ``mailbox`` is for blocked accounts: ``kept`` when their mailboxes need
    the licence, else the facts to check first (see :func:`_mailbox_check`).
    """
    if category is WasteCategory.DISABLED_USER and mailbox == "kept":
        return msg("cost.mailbox.action_kept", when=_when(term))
    name = "overlap_tier" if category is WasteCategory.OVERLAP and tier else None
    said = msg(f"cost.action.{name or category.value}", when=_when(term))
    check = mailbox_licences.check_message(mailbox.split()) if mailbox else None
    if check is None:
        return said
    return msg("cost.mailbox.action_check", action=said, check=check)


def _said(message: Message) -> tuple[str, str, dict[str, Any]]:
    """English text, key and JSON-safe parameters of a message."""
    return english(message), message.key, message_params(message.params)


def _item(
    category: WasteCategory,
    sku: str,
    users: list[str],
    count: int,
    price: pricing.Resolved,
    *,
    details: Mapping[str, Message] | None = None,
    tier: bool = False,
    mailbox: str = "",
) -> WasteItem:
    monthly = (price.price * count).quantize(pricing.CENT)
    confidence = CONFIDENCE[category]
    if (category is WasteCategory.OVERLAP and tier) or mailbox == "kept":
        confidence = MEDIUM
    action, action_key, action_params = _said(
        _action(category, price.term, tier, mailbox)
    )
    note, note_key, note_params = price.note, "", dict[str, Any]()
    if price.listed is not None:  # a default list price: its date and source
        listed = price.listed
        note, note_key, note_params = _said(
            msg(
                f"cost.price_note.{'list_term' if price.term else 'list'}",
                date=listed.as_of,
                source=listed.source,
                term=msg(f"cost.term.{price.term or 'annual'}"),
                estimate=msg("cost.price_note.estimate")
                if listed.basis == "estimate"
                else "",
            )
        )
    # Thousands of users share one evidence sentence ("included in Microsoft
    # 365 Business Standard"): render and store each distinct one once.
    shared: dict[int, tuple[str, dict[str, Any]]] = {}
    texts: dict[str, str] = {}
    messages: dict[str, dict[str, Any]] = {}
    for u, m in sorted((details or {}).items()):
        got = shared.get(id(m))
        if got is None:
            text, key, params = _said(m)
            got = shared[id(m)] = (text, {"key": key, "params": params})
        texts[u], messages[u] = got
    return WasteItem(
        category=category,
        sku=sku,
        sku_name=skus.display_name(sku),
        count=count,
        unit_price=price.price,
        monthly_cost=monthly,
        annual_cost=monthly * 12,
        users=tuple(sorted(users)),
        price_origin=price.origin,
        billing_term=price.term,
        price_note=note,
        action=action,
        confidence=confidence,
        user_details=texts,
        action_key=action_key,
        action_params=action_params,
        price_note_key=note_key,
        price_note_params=note_params,
        user_detail_messages=messages,
    )


def _day(value: object) -> date | None:
    return None if value is None or pd.isna(value) else pd.Timestamp(value).date()


def _inactive_details(users: pd.DataFrame, upns: set[str]) -> dict[str, Message]:
    """Per inactive user, the evidence: last activity date, or none and created."""
    quiet = users[users["upn"].isin(upns)].drop_duplicates("upn")
    sources = (
        quiet["last_activity_source"]
        if "last_activity_source" in quiet.columns
        else pd.Series([None] * len(quiet), index=quiet.index)
    )
    out = {}
    for upn, last, created, source in zip(
        quiet["upn"].tolist(),
        quiet["last_activity"].tolist(),
        quiet["created"].tolist(),
        sources.tolist(),
        strict=True,
    ):
        # Where the date came from is the collector's own words ("last sign-in").
        said = (
            msg("cost.evidence.source", source=source.strip())
            if isinstance(source, str) and source.strip()
            else ""
        )
        last_day, created_day = _day(last), _day(created)
        if last_day is not None:
            out[upn] = msg("cost.evidence.last_activity", date=last_day, source=said)
        elif created_day is not None:
            out[upn] = msg(
                "cost.evidence.no_activity_created", created=created_day, source=said
            )
        else:
            out[upn] = msg("cost.evidence.no_activity", source=said)
    return out


def compute_waste(
    frames: Mapping[str, pd.DataFrame],
    *,
    prices: Mapping[str, Decimal],
    currency: str,
    as_of: date,
    inactive_days: int,
    activity_source: str = "",
) -> Waste:
    """Waste items over the licence datasets that arrived.

    Args:
        frames: canonical frames by dataset name.
        prices: ``licence_prices`` from client.yaml (a plain mapping of SKU to
            monthly price also works); SKUs missing here fall back to the
            default list prices for ``currency``.
        currency: ISO code of the engagement.
        as_of: the assessment date.
        inactive_days: the inactivity limit.
        activity_source: where ``users.last_activity`` came from, when the
            caller knows (e.g. "last sign-in"); a ``last_activity_source``
            column in ``users`` is used per user instead.
    """
    price_book = _PriceBook(prices, currency)
    items: list[WasteItem] = []
    not_assessed: list[Message] = []
    subs = frames.get("licence_skus")
    if subs is None:
        not_assessed.append(msg("cost.not_assessed.unassigned"))
    else:
        for sku, bought, used in zip(
            subs["sku"], subs["purchased"], subs["assigned"], strict=True
        ):
            if skus.is_free(sku) or pd.isna(used):
                continue
            price = price_book.get(sku)
            spare = int(bought) - int(used)
            if spare > 0 and price is not None:
                items.append(_item(WasteCategory.UNASSIGNED, sku, [], spare, price))
    users = frames.get("users")
    assignments = frames.get("licence_assignments")
    if users is None or assignments is None:
        not_assessed.append(msg("cost.not_assessed.per_user"))
    else:
        items += _per_user(
            users,
            assignments,
            price_book,
            as_of,
            inactive_days,
            not_assessed,
            frames.get("mailboxes"),
        )
    sources = {activity_source.strip()} - {""}
    if users is not None and "last_activity_source" in users.columns:
        sources = {s.strip() for s in users["last_activity_source"].dropna()} - {""}
    assessed = subs is not None or (users is not None and assignments is not None)
    listed = any(i.price_origin == "list" for i in items)
    return Waste(
        currency=currency,
        assessed=assessed,
        items=tuple(items),
        not_assessed=tuple(english(m) for m in not_assessed),
        not_assessed_messages=tuple(m.to_dict() for m in not_assessed),
        unpriced_skus=tuple(sorted(price_book.unpriced)),
        list_price_basis=prices_basis() if listed else "",
        list_price_basis_key=BASIS_KEY if listed else "",
        activity_source=", ".join(sorted(sources)),
        inactive_days=inactive_days,
    )


#: The locale key of :func:`prices_basis`.
BASIS_KEY = "cost.list_price_basis"


def prices_basis() -> str:
    """What a default list price is, for the report (English)."""
    return english(msg(BASIS_KEY))


class _PriceBook:
    """Resolves and remembers prices; collects paid SKUs that have none."""

    def __init__(self, client: Mapping[str, Decimal], currency: str) -> None:
        self.client = client
        self.currency = currency
        self.unpriced: set[str] = set()

    def get(self, sku: str) -> pricing.Resolved | None:
        found = pricing.resolve(sku, self.client, self.currency)
        if found is None:
            self.unpriced.add(sku)
        return found


def _per_user(
    users: pd.DataFrame,
    assignments: pd.DataFrame,
    price_book: _PriceBook,
    as_of: date,
    inactive_days: int,
    not_assessed: list[Message],
    mailboxes: pd.DataFrame | None = None,
) -> list[WasteItem]:
    """Disabled, inactive and overlap items; each (user, SKU) counted once.

    A blocked account's licence that carries a mailbox needing it (see
    :mod:`healthcheck.mailbox_licences`) is a line of its own, medium
    confidence, each user's evidence saying why; the other blocked accounts'
    line names what the mailbox data could not tell.
    """
    paid = facts.paid_assignments(assignments)
    for sku in set(paid["sku"]):
        price_book.get(sku)  # records unpriced SKUs even when nothing is waste
    # .tolist(): iterating pandas string arrays costs a call per cell.
    pairs = set(zip(paid["upn"].tolist(), paid["sku"].tolist(), strict=True))
    groups: list[
        tuple[WasteCategory, dict[tuple[str, str], Message], set[tuple[str, str]]]
    ] = []
    disabled = facts.disabled_upns(users)
    blocked = msg("cost.evidence.blocked")
    mailbox_needs = mailbox_licences.needs(
        mailboxes, (u for u, _ in pairs if u in disabled)
    )
    #: (user, SKU) pairs whose licence the user's mailbox needs.
    kept: set[tuple[str, str]] = set()
    found_disabled: dict[tuple[str, str], Message] = {}
    for pair in pairs:
        if pair[0] not in disabled:
            continue
        need = mailbox_needs[pair[0]]
        if need.reasons and mailbox_licences.gives_mailbox(pair[1]):
            kept.add(pair)
            found_disabled[pair] = msg(
                "cost.mailbox.evidence", blocked=blocked, reasons=list(need.reasons)
            )
        else:
            found_disabled[pair] = blocked
    groups.append((WasteCategory.DISABLED_USER, found_disabled, set()))
    if "last_activity" in users.columns:
        inactive = facts.inactive_upns(users, as_of, inactive_days)
        details = _inactive_details(users, inactive)
        groups.append(
            (
                WasteCategory.INACTIVE_USER,
                {p: details[p[0]] for p in pairs if p[0] in inactive},
                set(),
            )
        )
    else:
        not_assessed.append(msg("cost.not_assessed.inactive_user"))
    overlap: dict[tuple[str, str], Message] = {}
    tiers: set[tuple[str, str]] = set()
    said: dict[tuple[str, str], Message] = {}  # one message per (key, bundle)
    for (upn, sku), bundle in facts.overlapping(paid).items():
        how = skus.coverage(sku, bundle)
        key = "included_tier" if how == "tier" else "included"
        if (key, bundle) not in said:
            said[key, bundle] = msg(
                f"cost.evidence.{key}", bundle=skus.display_name(bundle)
            )
        overlap[(upn, sku)] = said[key, bundle]
        if how == "tier":
            tiers.add((upn, sku))
    groups.append((WasteCategory.OVERLAP, overlap, tiers))

    def _lines(
        category: WasteCategory, sku: str, details: dict[str, Message]
    ) -> list[tuple[dict[str, Message], str]]:
        """A SKU's users split into lines, each with its ``mailbox`` mark."""
        if category is not WasteCategory.DISABLED_USER:
            return [(details, "")]
        held = {u: why for u, why in details.items() if (u, sku) in kept}
        plain = {u: why for u, why in details.items() if (u, sku) not in kept}
        # What the data could not tell about the plain line's mailboxes,
        # when the licence could carry one.
        unknown = sorted(
            {f for u in plain for f in mailbox_needs[u].unknown}
            if mailbox_licences.gives_mailbox(sku)
            else set()
        )
        lines = [(held, "kept")] if held else []
        if plain:
            lines.append((plain, " ".join(unknown)))
        return lines

    items: list[WasteItem] = []
    counted: set[tuple[str, str]] = set()
    for category, found, tier_pairs in groups:
        fresh = {p: why for p, why in found.items() if p not in counted}
        counted |= set(fresh)
        by_sku: dict[str, dict[str, Message]] = {}
        for (upn, sku), why in fresh.items():
            by_sku.setdefault(sku, {})[upn] = why
        for sku in sorted(by_sku):
            price = price_book.get(sku)
            if price is None:
                continue
            for details, mailbox in _lines(category, sku, by_sku[sku]):
                items.append(
                    _item(
                        category,
                        sku,
                        list(details),
                        len(details),
                        price,
                        details=details,
                        tier=any((u, sku) in tier_pairs for u in details),
                        mailbox=mailbox,
                    )
                )
    return items
