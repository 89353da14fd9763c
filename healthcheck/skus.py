"""Reference data about Microsoft licence SKUs: names, service plans, free SKUs.

The table ``skus`` is the whole of Microsoft's "Product names and service plan
identifiers for licensing"
(https://learn.microsoft.com/entra/identity/users/licensing-service-plan-reference),
as packaged or as ``healthcheck refdata update`` last brought it in (see
:mod:`healthcheck.refdata`); ``sku_notes`` adds what Microsoft's table does not
say: which SKUs are free, older names, and SKUs it lacks. Each SKU carries
its service plans, so "a bundle the user holds already includes this licence"
is decided from
Microsoft's own data, not from a hand-kept list of pairs. ``catalog/plan_rules.csv``
says which plans are too trivial to count and which plan a higher tier covers.

Unknown SKUs still work: they are shown by part number, are free only when
their part number says so, and never take part in an overlap.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from healthcheck import refdata

#: Part numbers that name a free, trial, viral (self-service sign-up) or
#: developer SKU. Microsoft's naming is consistent enough for these words;
#: the explicit ``free`` column of the catalogue covers the rest.
FREE_PATTERN = re.compile(r"(TRIAL|VIRAL|FREE|EXPLORATORY|DEVELOPERPACK|_DEV$)")


@dataclass(frozen=True, kw_only=True, slots=True)
class Sku:
    """One SKU of the reference table."""

    part_number: str
    guid: str
    name: str
    free: bool
    plans: frozenset[str]
    aliases: tuple[str, ...]
    source: str


def catalog_rows(name: str) -> list[dict[str, str]]:
    """Rows of a reference table by file name (``skus.csv``), comments skipped."""
    return refdata.table_rows(name.removesuffix(".csv"))


@cache
def catalog() -> dict[str, Sku]:
    """All known SKUs by part number: Microsoft's table with the notes applied."""
    out: dict[str, Sku] = {}
    for row in catalog_rows("skus.csv"):
        out.setdefault(
            row["sku"],
            Sku(
                part_number=row["sku"],
                guid=row["guid"],
                name=row["name"],
                free=False,
                plans=frozenset(row["plans"].split()),
                aliases=(),
                source="ms",
            ),
        )
    for note in catalog_rows("sku_notes.csv"):
        known = out.get(note["sku"])
        aliases = tuple(a for a in note["aliases"].split("|") if a)
        out[note["sku"]] = Sku(
            part_number=note["sku"],
            guid=known.guid if known else note["guid"],
            name=note["name"] or (known.name if known else note["sku"]),
            free=note["free"] == "yes",
            plans=known.plans if known else frozenset(),
            aliases=(known.aliases if known else ()) + aliases,
            source=known.source if known else "hand",
        )
    return out


@cache
def _plan_rules() -> tuple[frozenset[str], dict[str, frozenset[str]]]:
    ignored: set[str] = set()
    direct: dict[str, set[str]] = {}
    for row in catalog_rows("plan_rules.csv"):
        if row["kind"] == "ignore":
            ignored.add(row["plan"])
        elif row["kind"] == "covered_by":
            direct.setdefault(row["plan"], set()).add(row["covered_by"])
        else:
            raise ValueError(f"plan_rules.csv: unknown kind {row['kind']!r}")
    # Transitive closure: Kiosk < Plan 1 < Plan 2 means Plan 2 covers Kiosk.
    closed: dict[str, frozenset[str]] = {}
    for plan in direct:
        seen: set[str] = set()
        todo = list(direct[plan])
        while todo:
            higher = todo.pop()
            if higher not in seen:
                seen.add(higher)
                todo.extend(direct.get(higher, ()))
        closed[plan] = frozenset(seen)
    return frozenset(ignored), closed


@cache
def _by_name() -> dict[str, str]:
    out: dict[str, str] = {}
    for sku in catalog().values():
        for name in (sku.name, *sku.aliases, sku.part_number, sku.guid):
            # Microsoft gives two EEA SKUs one display name; the first listed
            # wins, so the mapping never depends on dict order.
            if name:
                out.setdefault(name.casefold(), sku.part_number)
    return out


def part_number(product_name: str) -> str:
    """Map a product's friendly name, part number or SKU GUID to its part number.

    Returns the name itself, stripped, when it is not in the table.
    """
    name = product_name.strip()
    return _by_name().get(name.casefold(), name)


def display_name(sku: str) -> str:
    """Friendly name of a SKU, or the part number when unknown."""
    known = catalog().get(sku)
    return known.name if known else sku


@cache
def is_free(sku: str) -> bool:
    """True for free, trial, viral or developer SKUs, which are never waste.

    The catalogue's ``free`` column decides for known SKUs; for any SKU the
    part number decides too (see :data:`FREE_PATTERN`), so an unknown
    ``*_TRIAL`` SKU is never priced as waste.
    """
    if not isinstance(sku, str):
        return False  # an empty cell is no SKU, and no free one
    known = catalog().get(sku)
    return bool(known and known.free) or bool(FREE_PATTERN.search(sku.upper()))


def service_plans(sku: str) -> frozenset[str]:
    """Service plan names of a SKU; empty when the table does not list them."""
    known = catalog().get(sku)
    return known.plans if known else frozenset()


def _essential(plans: frozenset[str]) -> frozenset[str]:
    ignored, _ = _plan_rules()
    return frozenset(p for p in plans if p not in ignored)


def _covered(plan: str, by: frozenset[str]) -> bool:
    _, higher = _plan_rules()
    return plan in by or bool(higher.get(plan, frozenset()) & by)


@cache  # called per user and SKU pair on tenants of tens of thousands
def coverage(standalone: str, bundle: str) -> str | None:
    """How ``bundle`` includes every service of ``standalone``, or None.

    Returns ``"exact"`` when every non-trivial service plan of the standalone
    is listed in the bundle, ``"tier"`` when some are only covered by a higher
    tier of the same plan (``plan_rules.csv``), and None otherwise, or when
    either SKU's plans are unknown. Two SKUs with the same services cover each
    other; :func:`covering_bundle` breaks that tie.
    """
    if standalone == bundle:
        return None
    mine = _essential(service_plans(standalone))
    theirs = service_plans(bundle)
    if not mine or not theirs:
        return None
    if mine <= theirs:
        return "exact"
    if all(_covered(p, theirs) for p in mine):
        return "tier"
    return None


def covering_bundle(sku: str, held: set[str] | frozenset[str]) -> str | None:
    """The SKU among ``held`` that already includes ``sku``, or None.

    When two held SKUs include each other (the same services under two part
    numbers), only the one later in part-number order is reported, so one of
    the pair is kept. Among several covering bundles the first by part number
    is named, so the result does not depend on input order.
    """
    for other in sorted(held):
        if coverage(sku, other) is None:
            continue
        if coverage(other, sku) is not None and sku < other:
            continue  # mutual: keep the first of the pair
        return other
    return None


def included_in(sku: str) -> frozenset[str]:
    """Known SKUs whose service plans already include this SKU's services."""
    return frozenset(
        other for other in catalog() if covering_bundle(sku, {other}) is not None
    )


#: Service plans of Microsoft Entra ID P1/P2 (with MFA and Cloud App
#: Discovery, which both include). An admin account holding only these is
#: still a dedicated admin account: CIS Microsoft 365 Foundations Benchmark
#: 1.1.4 (administrative accounts use a licence with no applications assigned,
#: such as Entra ID P1 or P2).
IDENTITY_PLANS = frozenset(
    {"AAD_PREMIUM", "AAD_PREMIUM_P2", "MFA_PREMIUM", "ADALLOM_S_DISCOVERY"}
)


def identity_only(sku: str) -> bool:
    """True for a SKU whose services are identity only (Entra ID P1 or P2)."""
    plans = _essential(service_plans(sku))
    return bool(plans) and plans <= IDENTITY_PLANS


def has_plan(sku: str, plan: str) -> bool:
    """True when the table lists ``plan`` among the SKU's service plans."""
    return plan in service_plans(sku)


# Every cache above derives from the tables; a pinned or updated table
# (evidence rebuild, refdata update) must not meet stale answers.
for _cached in (catalog, _plan_rules, _by_name, is_free, coverage):
    refdata.on_change(_cached.cache_clear)
