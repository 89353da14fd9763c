"""Reference data about Microsoft licence SKUs: friendly names, free SKUs, bundles.

A small table for the SKUs a small business meets most, after Microsoft's
"Product names and service plan identifiers for licensing" list
(https://learn.microsoft.com/entra/identity/users/licensing-service-plan-reference).
Unknown SKUs still work: they are shown by part number.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from functools import cache
from importlib import resources


@dataclass(frozen=True, kw_only=True, slots=True)
class Sku:
    """One SKU of the reference table."""

    part_number: str
    name: str
    free: bool
    included_in: frozenset[str]
    aliases: tuple[str, ...]


@cache
def catalog() -> dict[str, Sku]:
    """All known SKUs by part number."""
    text = (
        resources.files("healthcheck.catalog")
        .joinpath("skus.csv")
        .read_text(encoding="utf-8")
    )
    out = {}
    for row in csv.DictReader(io.StringIO(text)):
        out[row["sku"]] = Sku(
            part_number=row["sku"],
            name=row["name"],
            free=row["free"] == "yes",
            included_in=frozenset(row["included_in"].split()),
            aliases=tuple(a for a in row["aliases"].split("|") if a),
        )
    return out


@cache
def _by_name() -> dict[str, str]:
    out = {}
    for sku in catalog().values():
        for name in (sku.name, *sku.aliases, sku.part_number):
            out[name.casefold()] = sku.part_number
    return out


def part_number(product_name: str) -> str:
    """Map a product's friendly name (as admin-center exports show it) to its SKU.

    Returns the name itself, stripped, when it is not in the table.
    """
    name = product_name.strip()
    return _by_name().get(name.casefold(), name)


def display_name(sku: str) -> str:
    """Friendly name of a SKU, or the part number when unknown."""
    known = catalog().get(sku)
    return known.name if known else sku


def is_free(sku: str) -> bool:
    """True for free, trial-like or viral SKUs that are never waste."""
    known = catalog().get(sku)
    return bool(known and known.free)


def included_in(sku: str) -> frozenset[str]:
    """Bundles that already include this standalone SKU's service."""
    known = catalog().get(sku)
    return known.included_in if known else frozenset()
