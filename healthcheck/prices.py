"""Licence prices: the client's own (``client.yaml``) and a default list-price table.

A client's invoice price always wins. Where ``client.yaml`` names no price for
a SKU, the list price for the engagement's currency from the ``list_prices``
table is used and reported as a list price with its date, plus Microsoft's
uplift for the SKU's billing term when ``client.yaml`` gives one; a SKU with
neither is *unpriced* and left out of the totals.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache
from typing import Any

from healthcheck import refdata
from healthcheck.skus import catalog_rows

#: Billing terms a client price may name. An annual commitment (paid up front
#: or billed monthly) can only be reduced at renewal; a monthly one at the end
#: of any month.
TERMS = ("annual", "annual_billed_monthly", "monthly")

#: Microsoft's New Commerce uplift on the annual, paid-up-front list price:
#: +5 % for an annual term billed monthly (since 2025-04-01), +20 % for a
#: monthly term. https://learn.microsoft.com/partner-center/announcements/2024-november
UPLIFT = {
    "annual": Decimal("1.00"),
    "annual_billed_monthly": Decimal("1.05"),
    "monthly": Decimal("1.20"),
}

CENT = Decimal("0.01")


@dataclass(frozen=True, kw_only=True, slots=True)
class LicencePrice:
    """One SKU's entry in ``client.yaml``: monthly price per seat, and terms.

    ``price`` is None when the entry gives only the billing term: the list
    price is then used, with the term's uplift.
    """

    price: Decimal | None
    term: str = ""
    note: str = ""

    def to_json(self) -> Any:
        """The simple form (the price as text) unless a term or note is set."""
        if not self.term and not self.note and self.price is not None:
            return str(self.price)
        out: dict[str, str] = {}
        if self.price is not None:
            out["price"] = str(self.price)
        if self.term:
            out["term"] = self.term
        if self.note:
            out["note"] = self.note
        return out


class ClientPrices(Mapping[str, Decimal]):
    """``licence_prices`` from ``client.yaml``: SKU -> monthly price per seat.

    It reads as a plain mapping of prices, so callers that only need the
    number keep working; :meth:`detail` gives the billing term and note.
    """

    def __init__(self, entries: Mapping[str, LicencePrice] | None = None) -> None:
        """Wrap validated entries (see ``healthcheck.config``)."""
        self._all = dict(entries or {})
        # The mapping holds the priced entries; term-only ones (a list price
        # with the client's billing term) are reached through term().
        self._entries = {k: v for k, v in self._all.items() if v.price is not None}

    def __getitem__(self, sku: str) -> Decimal:
        price = self._entries[sku].price
        assert price is not None
        return price

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def entries(self) -> dict[str, LicencePrice]:
        """Every entry, term-only ones included."""
        return dict(self._all)

    def term(self, sku: str) -> str:
        """The billing term ``client.yaml`` gives for ``sku``, else empty."""
        entry = self._all.get(sku) or self._all.get(sku.upper())
        return entry.term if entry else ""

    def __repr__(self) -> str:
        return f"ClientPrices({self._entries!r})"

    def detail(self, sku: str) -> LicencePrice:
        """Price, term and note of one SKU."""
        return self._entries[sku]


def prices_to_json(prices: Mapping[str, Decimal]) -> dict[str, Any]:
    """JSON form of ``licence_prices`` that :class:`ClientPrices` parsing reads back."""
    if isinstance(prices, ClientPrices):
        return {sku: e.to_json() for sku, e in prices.entries().items()}
    return {sku: str(value) for sku, value in prices.items()}


@dataclass(frozen=True, kw_only=True, slots=True)
class ListPrice:
    """A default list price (annual term, paid up front) and where it was published."""

    price: Decimal
    as_of: date
    source: str
    #: ``published``, or ``estimate`` when converted from another currency.
    basis: str = "published"


@cache
def list_prices(currency: str) -> dict[str, ListPrice]:
    """Default list prices for one currency (empty for a currency not listed)."""
    return {
        row["sku"]: ListPrice(
            price=Decimal(row["price"]).quantize(CENT),
            as_of=date.fromisoformat(row["as_of"]),
            source=row["source"],
            basis=row.get("basis") or "published",
        )
        for row in catalog_rows("list_prices.csv")
        if row["currency"] == currency
    }


refdata.on_change(list_prices.cache_clear)


@dataclass(frozen=True, kw_only=True, slots=True)
class Resolved:
    """The price used for one SKU, and what kind of price it is."""

    price: Decimal
    origin: str  # "client" or "list"
    term: str
    #: The client's note; empty for a list price.
    note: str
    #: The list-price entry (its date and source) when origin is "list".
    listed: ListPrice | None = None


def resolve(sku: str, client: Mapping[str, Decimal], currency: str) -> Resolved | None:
    """The price to use for ``sku``: the client's, else the list price, else None."""
    # client.yaml keys are upper-cased when read; some part numbers are not
    # (Microsoft_365_Business_Basic_EEA_(no_Teams)), so try both spellings.
    key = sku if sku in client else sku.upper()
    term = client.term(sku) if isinstance(client, ClientPrices) else ""
    if key in client:
        detail = (
            client.detail(key)
            if isinstance(client, ClientPrices)
            else LicencePrice(price=Decimal(str(client[key])))
        )
        return Resolved(
            price=detail.price.quantize(CENT),
            origin="client",
            term=detail.term,
            note=detail.note,
        )
    listed = list_prices(currency).get(sku)
    if listed is None:
        return None
    return Resolved(
        # List prices are for an annual term paid up front; a term from
        # client.yaml adds Microsoft's uplift. Without one the client's term
        # is unknown, so the action says "at renewal if annual".
        price=(listed.price * UPLIFT[term or "annual"]).quantize(CENT),
        origin="list",
        term=term,
        note="",
        listed=listed,
    )
