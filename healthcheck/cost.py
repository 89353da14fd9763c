"""Licence waste in money, kept apart from scoring.

Each paid seat is counted at most once, in the first category that applies:
unassigned (bought, given to no one), disabled_user, inactive_user, overlap
(a standalone whose service a bundle the same user holds already includes).
Money is Decimal throughout; items are priced per seat per month from
``licence_prices`` in client.yaml and annual cost is 12 x monthly, so the
items sum exactly to the totals.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal

import pandas as pd

from healthcheck import facts, skus
from healthcheck.model import Waste, WasteCategory, WasteItem


def _item(
    category: WasteCategory, sku: str, users: list[str], count: int, price: Decimal
) -> WasteItem:
    monthly = (price * count).quantize(Decimal("0.01"))
    return WasteItem(
        category=category,
        sku=sku,
        sku_name=skus.display_name(sku),
        count=count,
        unit_price=price,
        monthly_cost=monthly,
        annual_cost=monthly * 12,
        users=tuple(sorted(users)),
    )


def compute_waste(
    frames: Mapping[str, pd.DataFrame],
    *,
    prices: Mapping[str, Decimal],
    currency: str,
    as_of: date,
    inactive_days: int,
) -> Waste:
    """Waste items over the licence datasets that arrived."""
    items: list[WasteItem] = []
    not_assessed: list[str] = []
    seen_skus: set[str] = set()
    subs = frames.get("licence_skus")
    if subs is None:
        not_assessed.append("unassigned: no licence subscription data")
    else:
        for sku, bought, used in zip(
            subs["sku"], subs["purchased"], subs["assigned"], strict=True
        ):
            if skus.is_free(sku) or pd.isna(used):
                continue
            seen_skus.add(sku)
            spare = int(bought) - int(used)
            if spare > 0 and sku in prices:
                items.append(
                    _item(WasteCategory.UNASSIGNED, sku, [], spare, prices[sku])
                )
    users = frames.get("users")
    assignments = frames.get("licence_assignments")
    if users is None or assignments is None:
        not_assessed.append(
            "disabled, inactive and overlapping licences: no user or "
            "licence assignment data"
        )
    else:
        paid = facts.paid_assignments(assignments)
        seen_skus |= set(paid["sku"])
        counted: set[tuple[str, str]] = set()
        groups: list[tuple[WasteCategory, set[tuple[str, str]]]] = []
        pairs = set(zip(paid["upn"], paid["sku"], strict=True))
        disabled = facts.disabled_upns(users)
        groups.append(
            (WasteCategory.DISABLED_USER, {p for p in pairs if p[0] in disabled})
        )
        if "last_activity" in users.columns:
            inactive = facts.inactive_upns(users, as_of, inactive_days)
            groups.append(
                (WasteCategory.INACTIVE_USER, {p for p in pairs if p[0] in inactive})
            )
        else:
            not_assessed.append("inactive_user: no sign-in or activity data")
        over = facts.overlapping(paid)
        groups.append(
            (WasteCategory.OVERLAP, set(zip(over["upn"], over["sku"], strict=True)))
        )
        for category, found in groups:
            fresh = found - counted
            counted |= fresh
            by_sku: dict[str, list[str]] = {}
            for upn, sku in fresh:
                by_sku.setdefault(sku, []).append(upn)
            for sku in sorted(by_sku):
                if sku in prices:
                    items.append(
                        _item(category, sku, by_sku[sku], len(by_sku[sku]), prices[sku])
                    )
    unpriced = sorted(s for s in seen_skus if s not in prices)
    assessed = subs is not None or (users is not None and assignments is not None)
    return Waste(
        currency=currency,
        assessed=assessed,
        items=tuple(items),
        not_assessed=tuple(not_assessed),
        unpriced_skus=tuple(unpriced),
    )
