"""The SKU catalogue, the plan rules and the list-price table, as data."""

from __future__ import annotations

import json
import re
from decimal import Decimal

import pytest

from healthcheck import prices, skus
from tests.conftest import ROOT

GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def test_catalogue_rows_are_well_formed() -> None:
    rows = skus.catalog_rows("skus.csv")
    part_numbers = [r["sku"] for r in rows]
    assert len(part_numbers) == len(set(part_numbers)), "duplicate part number"
    guids = [r["guid"] for r in rows]
    assert len(guids) == len(set(guids)), "duplicate GUID"
    # The whole of Microsoft's table (about 560 SKUs), each dated and sourced.
    assert len(rows) > 500
    for r in rows:
        assert r["name"].strip() and GUID.match(r["guid"]) and r["plans"].split(), r
        assert r["source"] == "microsoft-licensing-csv", r
        assert re.fullmatch(r"20\d\d-\d\d-\d\d", r["as_of"]), r
    notes = skus.catalog_rows("sku_notes.csv")
    assert len({n["sku"] for n in notes}) == len(notes), "duplicate note"
    for n in notes:
        assert n["free"] in ("yes", "no") and n["why"].strip(), n
        assert n["as_of"] and n["source"], n
        if n["sku"] not in part_numbers:
            # A SKU Microsoft's table lacks needs a name; no plans are guessed.
            assert n["name"].strip() and skus.service_plans(n["sku"]) == set(), n


def test_free_skus_are_marked_free() -> None:
    # Communications Credits is a prepaid balance of 10,000,000 units.
    assert skus.is_free("MCOPSTNC")
    assert skus.is_free("TEAMS_EXPLORATORY") and skus.is_free("POWER_BI_STANDARD")
    assert not skus.is_free("Teams_Ess") and not skus.is_free("SPE_E3")
    assert skus.display_name("Teams_Ess") == "Microsoft Teams Essentials"
    # E3, E5 and Defender for Office 365 P1 carry their plans now.
    for sku in ("SPE_E3", "SPE_E5", "ATP_ENTERPRISE"):
        assert skus.service_plans(sku), sku


def test_catalogue_header_names_its_source_and_date() -> None:
    text = (ROOT / "healthcheck" / "catalog" / "skus.csv").read_text("utf-8")
    header = "\n".join(line for line in text.splitlines() if line.startswith("#"))
    assert "licensing-service-plan-reference" in header
    assert re.search(r"20\d\d-\d\d-\d\d", header)


def test_names_part_numbers_and_guids() -> None:
    assert skus.display_name("SPB") == "Microsoft 365 Business Premium"
    assert skus.display_name("CONTOSO_ADDON") == "CONTOSO_ADDON"
    assert skus.part_number(" Microsoft 365 Business Premium ") == "SPB"
    assert skus.part_number("office 365 business essentials") == (
        "O365_BUSINESS_ESSENTIALS"
    )
    assert skus.part_number("4b9405b0-7788-4568-add1-99614e613b69") == (
        "EXCHANGESTANDARD"
    )
    assert skus.part_number("Some New Product") == "Some New Product"


def test_a_display_name_names_one_sku() -> None:
    owners: dict[str, list[str]] = {}
    for sku in skus.catalog().values():
        for name in (sku.name, *sku.aliases):
            owners.setdefault(name.casefold(), []).append(sku.part_number)
    shared = {n: o for n, o in owners.items() if len(o) > 1}
    # Only Microsoft's own table gives two SKUs one display name (no note adds
    # a clash), and then the first SKU it lists is the one a name maps to.
    ms_names = {r["name"].casefold() for r in skus.catalog_rows("skus.csv")}
    assert shared and set(shared) <= ms_names
    for name, part_numbers in shared.items():
        assert skus.part_number(name) == part_numbers[0], name
    assert skus.part_number("Microsoft 365 Business Basic") == (
        "O365_BUSINESS_ESSENTIALS"
    )
    # Same services under two part numbers: exactly one of the pair is named.
    pair = {"EXCHANGESTANDARD", "EXCHANGEESSENTIALS"}
    named = [s for s in pair if skus.covering_bundle(s, pair - {s}) is not None]
    assert len(named) == 1


def test_sample_tenant_skus_are_all_known() -> None:
    data = json.loads(
        (ROOT / "sample_data/aurora-logistics/exports/subscribedSkus.json").read_text(
            encoding="utf-8"
        )
    )
    for sub in data["value"]:
        known = skus.catalog()[sub["skuPartNumber"]]
        if known.guid:
            assert known.guid == sub["skuId"], sub["skuPartNumber"]


@pytest.mark.parametrize(
    "sku,free",
    [
        ("FLOW_FREE", True),
        ("POWER_BI_STANDARD", True),
        ("TEAMS_EXPLORATORY", True),
        ("SMB_APPS", True),  # "Business Apps (free)" in Microsoft's table
        ("POWERAPPS_DEV", True),  # by the rule: a developer SKU
        ("DYN365_SOMETHING_TRIAL", True),  # by the rule, though unknown
        ("SPB", False),
        ("POWER_BI_PRO", False),
        ("CONTOSO_ADDON", False),
    ],
)
def test_free_trial_and_viral_skus(sku: str, free: bool) -> None:
    assert skus.is_free(sku) is free


def test_coverage_from_service_plans() -> None:
    # Every plan of Exchange Online (Plan 1) is listed in Business Premium,
    # once To-Do and Office 365 mobility (seeded everywhere) are set aside.
    assert skus.coverage("EXCHANGESTANDARD", "SPB") == "exact"
    assert skus.coverage("EXCHANGESTANDARD", "O365_BUSINESS_ESSENTIALS") == "exact"
    # Apps for business lists OneDrive (Plan 1); Premium gives it through
    # SharePoint (Plan 1): covered by a rule, so only a "tier" match.
    assert skus.coverage("O365_BUSINESS", "SPB") == "tier"
    assert skus.coverage("EXCHANGESTANDARD", "EXCHANGEENTERPRISE") == "tier"
    assert skus.coverage("SPB", "O365_BUSINESS_PREMIUM") is None
    assert skus.coverage("EXCHANGEENTERPRISE", "SPB") is None
    assert skus.coverage("POWER_BI_PRO", "SPB") is None
    assert skus.coverage("POWER_BI_PRO", "ENTERPRISEPREMIUM") == "exact"
    assert skus.coverage("STANDARDPACK", "ENTERPRISEPACK") == "tier"
    assert skus.coverage("ENTERPRISEPACK", "STANDARDPACK") is None
    # Microsoft 365 E5 includes Power BI Pro; E3 does not.
    assert skus.coverage("POWER_BI_PRO", "SPE_E5") == "exact"
    assert skus.coverage("POWER_BI_PRO", "SPE_E3") is None
    assert skus.coverage("CONTOSO_ADDON", "SPB") is None
    assert skus.coverage("SPB", "SPB") is None
    assert "SPB" in skus.included_in("EXCHANGESTANDARD")
    # Only the non-profit offer of the same services, under its own number.
    assert skus.included_in("SPB") == frozenset(
        {"Microsoft_365_Business_Premium_Donation_(Non_Profit_Pricing)"}
    )


def test_covering_bundle_is_deterministic_and_breaks_ties() -> None:
    held = {"SPB", "O365_BUSINESS_ESSENTIALS"}
    assert skus.covering_bundle("EXCHANGESTANDARD", held) == (
        "O365_BUSINESS_ESSENTIALS"
    )
    # Same services under two part numbers: exactly one of the pair is named.
    pair = {"EXCHANGESTANDARD", "EXCHANGEESSENTIALS"}
    named = [s for s in pair if skus.covering_bundle(s, pair - {s}) is not None]
    assert len(named) == 1


def test_plan_rules_never_empty_a_paid_licence() -> None:
    """Ignoring trivial plans must not make a paid SKU look like it has none."""
    ignored = {
        r["plan"] for r in skus.catalog_rows("plan_rules.csv") if r["kind"] == "ignore"
    }
    for sku in skus.catalog().values():
        if sku.plans and not sku.free:
            assert sku.plans - ignored, sku.part_number
    for r in skus.catalog_rows("plan_rules.csv"):
        assert r["kind"] in ("ignore", "covered_by") and r["why"].strip(), r
        if r["kind"] == "covered_by":
            assert r["covered_by"] and r["covered_by"] != r["plan"], r


def test_list_prices_are_dated_sourced_and_known() -> None:
    text = (ROOT / "healthcheck" / "catalog" / "list_prices.csv").read_text("utf-8")
    assert "LIST PRICES" in text and "EXCLUDING VAT" in text
    sources = set(re.findall(r"^#\s+(\w+)\s+https://", text, flags=re.M))
    rows = skus.catalog_rows("list_prices.csv")
    assert {r["currency"] for r in rows} >= {"EUR", "USD", "GBP"}
    for r in rows:
        assert r["sku"] in skus.catalog(), r
        assert not skus.is_free(r["sku"]), r
        assert Decimal(r["price"]) > 0, r
        assert r["source"] in sources, r
    eur = prices.list_prices("EUR")
    assert eur["SPB"].price == Decimal("20.60")
    assert eur["SPB"].as_of.isoformat() == "2026-07-01"
    usd = prices.list_prices("USD")
    # Microsoft's prices from 2026-07-01, as issue 12 gives them.
    assert {s: usd[s].price for s in ("O365_BUSINESS_ESSENTIALS", "SPE_E5")} == {
        "O365_BUSINESS_ESSENTIALS": Decimal("7.00"),
        "SPE_E5": Decimal("60.00"),
    }
    # The licences that most often overlap have a price in every currency,
    # and a converted one says it is an estimate.
    overlap = ("EXCHANGESTANDARD", "EXCHANGEENTERPRISE", "POWER_BI_PRO", "Teams_Ess")
    for currency in ("EUR", "USD", "GBP"):
        listed = prices.list_prices(currency)
        assert set(overlap + ("ATP_ENTERPRISE", "INTUNE_A")) <= set(listed)
    assert prices.list_prices("GBP")["POWER_BI_PRO"].basis == "estimate"
    assert usd["POWER_BI_PRO"].basis == "published"
    assert prices.list_prices("SEK") == {}


def test_identity_only_skus_are_entra_id_p1_and_p2() -> None:
    assert skus.identity_only("AAD_PREMIUM")
    assert skus.identity_only("AAD_PREMIUM_P2")
    # Bundles that include Entra ID P2 also give mail and apps.
    assert not skus.identity_only("SPB")
    assert not skus.identity_only("EMSPREMIUM")
    assert not skus.identity_only("UNKNOWN_SKU")  # no plans known: never assumed


def test_has_plan_reads_the_service_plans() -> None:
    assert skus.has_plan("EMSPREMIUM", "AAD_PREMIUM_P2")
    assert not skus.has_plan("SPB", "AAD_PREMIUM_P2")
