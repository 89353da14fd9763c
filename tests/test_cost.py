"""Licence waste in money on a tiny hand-made tenant; all sums worked by hand."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

from healthcheck import cost, datasets
from healthcheck.config import ClientConfig, load_engagement
from healthcheck.errors import ConfigError
from healthcheck.model import Assessment, Waste, WasteCategory
from healthcheck.prices import ClientPrices, LicencePrice
from healthcheck.report import context, xlsx

AS_OF = date(2026, 11, 20)  # 90 days before: 2026-08-22
D = Decimal

PRICES: dict[str, Decimal] = {
    "SPB": D("20.60"),
    "O365_BUSINESS_ESSENTIALS": D("5.60"),
    "O365_BUSINESS": D("9.80"),
    "EXCHANGESTANDARD": D("4.00"),
    "VISIOCLIENT": D("14.10"),
    # A price for a free SKU must still never make it waste.
    "FLOW_FREE": D("1.00"),
    # PROJECTPROFESSIONAL deliberately has no price.
}

UNASSIGNED = WasteCategory.UNASSIGNED
DISABLED = WasteCategory.DISABLED_USER
INACTIVE = WasteCategory.INACTIVE_USER
OVERLAP = WasteCategory.OVERLAP


def frame(name: str, rows: list[dict[str, str]]) -> pd.DataFrame:
    """A canonical frame built through the validator from string cells."""
    ds = datasets.build(
        name,
        pd.DataFrame(rows),
        collector="test",
        collected_at=datetime(2026, 11, 20),
        origin=[("t.csv", i + 2) for i in range(len(rows))],
    )
    assert ds.rejected == (), ds.rejected
    return ds.frame


def user(
    upn: str,
    *,
    enabled: str = "True",
    created: str = "2024-01-15",
    last_activity: str | None = "2026-11-18",
) -> dict[str, str]:
    """A users row; last_activity None leaves the optional column out."""
    row = {
        "upn": upn,
        "display_name": "",
        "user_type": "Member",
        "enabled": enabled,
        "created": created,
    }
    if last_activity is not None:
        row["last_activity"] = last_activity
    return row


def assignments(pairs: list[tuple[str, str]]) -> pd.DataFrame:
    return frame("licence_assignments", [{"upn": u, "sku": s} for u, s in pairs])


def subs(rows: list[tuple[str, str, str]]) -> pd.DataFrame:
    return frame(
        "licence_skus",
        [{"sku": s, "name": "", "purchased": p, "assigned": a} for s, p, a in rows],
    )


def waste(
    frames: Mapping[str, pd.DataFrame], prices: Mapping[str, Decimal] = PRICES
) -> Waste:
    return cost.compute_waste(
        frames, prices=prices, currency="EUR", as_of=AS_OF, inactive_days=90
    )


def rows(w: Waste) -> list[tuple[object, ...]]:
    """Items as comparable tuples."""
    return [
        (
            i.category,
            i.sku,
            i.count,
            i.unit_price,
            i.monthly_cost,
            i.annual_cost,
            i.users,
        )
        for i in w.items
    ]


def assert_sums(w: Waste) -> None:
    assert sum((i.monthly_cost for i in w.items), D("0")) == w.monthly_total
    assert sum((i.annual_cost for i in w.items), D("0")) == w.annual_total
    assert w.annual_total == w.monthly_total * 12


# ---------------------------------------------------------------- categories


def test_unassigned_seats() -> None:
    w = waste(
        {
            "licence_skus": subs(
                [
                    ("SPB", "10", "7"),  # 3 spare
                    ("VISIOCLIENT", "2", "1"),  # 1 spare
                    ("O365_BUSINESS_ESSENTIALS", "5", "5"),  # none
                    ("EXCHANGESTANDARD", "1", "2"),  # over-assigned: none
                    ("FLOW_FREE", "10000", "4"),  # free: never waste
                    ("PROJECTPROFESSIONAL", "3", "1"),  # 2 spare, no price
                    ("O365_BUSINESS", "4", ""),  # assigned unknown: skipped
                ]
            )
        }
    )
    assert w.assessed
    assert rows(w) == [
        # 3 x 20.60 = 61.80 a month; x 12 = 741.60 a year
        (UNASSIGNED, "SPB", 3, D("20.60"), D("61.80"), D("741.60"), ()),
        # 1 x 14.10 = 14.10; x 12 = 169.20
        (UNASSIGNED, "VISIOCLIENT", 1, D("14.10"), D("14.10"), D("169.20"), ()),
    ]
    # 61.80 + 14.10 = 75.90; 741.60 + 169.20 = 910.80
    assert w.monthly_total == D("75.90")
    assert w.annual_total == D("910.80")
    assert_sums(w)
    assert w.unpriced_skus == ("PROJECTPROFESSIONAL",)
    assert w.items[0].sku_name == "Microsoft 365 Business Premium"
    # No user data: the per-user categories are reported as not assessed.
    assert len(w.not_assessed) == 1
    assert w.not_assessed[0].startswith("disabled, inactive and overlapping")


def test_disabled_users() -> None:
    w = waste(
        {
            "users": frame(
                "users",
                [
                    user("alice@x.fi"),
                    user("bob@x.fi", enabled="False"),
                    user("carol@x.fi", enabled="False"),
                    user("dave@x.fi", enabled="False"),
                ],
            ),
            "licence_assignments": assignments(
                [
                    ("alice@x.fi", "SPB"),
                    ("bob@x.fi", "SPB"),
                    ("bob@x.fi", "VISIOCLIENT"),
                    ("carol@x.fi", "SPB"),
                    ("carol@x.fi", "PROJECTPROFESSIONAL"),  # no price
                    ("dave@x.fi", "FLOW_FREE"),  # free
                ]
            ),
        }
    )
    assert w.assessed
    assert rows(w) == [
        # 2 x 20.60 = 41.20; x 12 = 494.40
        (
            DISABLED,
            "SPB",
            2,
            D("20.60"),
            D("41.20"),
            D("494.40"),
            ("bob@x.fi", "carol@x.fi"),
        ),
        # 1 x 14.10 = 14.10; x 12 = 169.20
        (
            DISABLED,
            "VISIOCLIENT",
            1,
            D("14.10"),
            D("14.10"),
            D("169.20"),
            ("bob@x.fi",),
        ),
    ]
    # 41.20 + 14.10 = 55.30; 494.40 + 169.20 = 663.60
    assert w.monthly_total == D("55.30")
    assert w.annual_total == D("663.60")
    assert_sums(w)
    assert w.unpriced_skus == ("PROJECTPROFESSIONAL",)
    assert len(w.not_assessed) == 1
    assert w.not_assessed_messages[0]["key"] == "cost.not_assessed.unassigned"
    assert w.not_assessed[0].startswith("seats bought but not assigned")


def test_inactive_users() -> None:
    w = waste(
        {
            "users": frame(
                "users",
                [
                    # quiet since May: inactive
                    user("erin@x.fi", last_activity="2026-05-01"),
                    # never active, created long ago: inactive
                    user("frank@x.fi", created="2023-02-01", last_activity=""),
                    # never active but created within 90 days: new, not inactive
                    user("gina@x.fi", created="2026-10-15", last_activity=""),
                    # active last week
                    user("hank@x.fi", last_activity="2026-11-10"),
                ],
            ),
            "licence_assignments": assignments(
                [
                    ("erin@x.fi", "SPB"),
                    ("erin@x.fi", "FLOW_FREE"),
                    ("frank@x.fi", "O365_BUSINESS_ESSENTIALS"),
                    ("gina@x.fi", "SPB"),
                    ("hank@x.fi", "SPB"),
                ]
            ),
        }
    )
    assert rows(w) == [
        # 1 x 5.60 = 5.60; x 12 = 67.20
        (
            INACTIVE,
            "O365_BUSINESS_ESSENTIALS",
            1,
            D("5.60"),
            D("5.60"),
            D("67.20"),
            ("frank@x.fi",),
        ),
        # 1 x 20.60 = 20.60; x 12 = 247.20
        (
            INACTIVE,
            "SPB",
            1,
            D("20.60"),
            D("20.60"),
            D("247.20"),
            ("erin@x.fi",),
        ),
    ]
    # 5.60 + 20.60 = 26.20; 67.20 + 247.20 = 314.40
    assert w.monthly_total == D("26.20")
    assert w.annual_total == D("314.40")
    assert_sums(w)
    assert w.unpriced_skus == ()


def test_overlapping_licences() -> None:
    w = waste(
        {
            "users": frame(
                "users",
                [user(u) for u in ("ivan", "judy", "kim", "leo", "mia")],
            ),
            "licence_assignments": assignments(
                [
                    ("ivan", "SPB"),
                    ("ivan", "EXCHANGESTANDARD"),  # in SPB: overlap
                    ("judy", "O365_BUSINESS_ESSENTIALS"),
                    ("judy", "EXCHANGESTANDARD"),  # in Business Basic: overlap
                    ("kim", "SPB"),
                    ("kim", "O365_BUSINESS"),  # Apps for business in SPB
                    ("leo", "EXCHANGESTANDARD"),  # alone: fine
                    ("mia", "O365_BUSINESS"),  # alone: fine
                ]
            ),
        }
    )
    assert rows(w) == [
        # 2 x 4.00 = 8.00; x 12 = 96.00
        (
            OVERLAP,
            "EXCHANGESTANDARD",
            2,
            D("4.00"),
            D("8.00"),
            D("96.00"),
            ("ivan", "judy"),
        ),
        # 1 x 9.80 = 9.80; x 12 = 117.60
        (OVERLAP, "O365_BUSINESS", 1, D("9.80"), D("9.80"), D("117.60"), ("kim",)),
    ]
    # 8.00 + 9.80 = 17.80; 96.00 + 117.60 = 213.60
    assert w.monthly_total == D("17.80")
    assert w.annual_total == D("213.60")
    assert_sums(w)


def test_each_user_sku_pair_is_counted_once_in_the_first_category() -> None:
    w = waste(
        {
            "users": frame(
                "users",
                [
                    # disabled, quiet since January, SPB + overlapping Exchange
                    user("zoe", enabled="False", last_activity="2026-01-01"),
                    # enabled and quiet, SPB + overlapping Exchange
                    user("yan", last_activity="2026-01-01"),
                ],
            ),
            "licence_assignments": assignments(
                [
                    ("zoe", "SPB"),
                    ("zoe", "EXCHANGESTANDARD"),
                    ("yan", "SPB"),
                    ("yan", "EXCHANGESTANDARD"),
                ]
            ),
        }
    )
    assert rows(w) == [
        (DISABLED, "EXCHANGESTANDARD", 1, D("4.00"), D("4.00"), D("48.00"), ("zoe",)),
        (DISABLED, "SPB", 1, D("20.60"), D("20.60"), D("247.20"), ("zoe",)),
        (INACTIVE, "EXCHANGESTANDARD", 1, D("4.00"), D("4.00"), D("48.00"), ("yan",)),
        (INACTIVE, "SPB", 1, D("20.60"), D("20.60"), D("247.20"), ("yan",)),
    ]
    pairs = [(i.sku, u) for i in w.items for u in i.users]
    assert len(pairs) == len(set(pairs)) == 4
    assert not [i for i in w.items if i.category is OVERLAP]
    # 2 x (4.00 + 20.60) = 49.20; x 12 = 590.40
    assert w.monthly_total == D("49.20")
    assert w.annual_total == D("590.40")
    assert_sums(w)


# -------------------------------------------------------------------- totals


def _tenant() -> dict[str, pd.DataFrame]:
    return {
        "licence_skus": subs(
            [
                ("SPB", "6", "4"),  # 2 spare
                ("EXCHANGESTANDARD", "3", "3"),
                ("O365_BUSINESS_ESSENTIALS", "2", "1"),  # 1 spare
                ("PROJECTPROFESSIONAL", "1", "1"),
                ("FLOW_FREE", "10000", "3"),
            ]
        ),
        "users": frame(
            "users",
            [
                user("ann"),
                user("ben", enabled="False"),
                user("cat", last_activity="2026-03-03"),
                user("dan"),
            ],
        ),
        "licence_assignments": assignments(
            [
                ("ann", "SPB"),
                ("ann", "EXCHANGESTANDARD"),  # overlap
                ("ben", "SPB"),  # disabled
                ("ben", "PROJECTPROFESSIONAL"),  # disabled, no price
                ("ben", "FLOW_FREE"),  # free
                ("cat", "SPB"),  # inactive
                ("cat", "FLOW_FREE"),  # free
                ("dan", "O365_BUSINESS_ESSENTIALS"),
                ("dan", "EXCHANGESTANDARD"),  # overlap
                ("dan", "FLOW_FREE"),  # free
            ]
        ),
    }


def test_items_sum_exactly_to_the_totals() -> None:
    w = waste(_tenant())
    assert [(i.category, i.sku, i.count, i.monthly_cost) for i in w.items] == [
        (UNASSIGNED, "SPB", 2, D("41.20")),  # 2 x 20.60
        (UNASSIGNED, "O365_BUSINESS_ESSENTIALS", 1, D("5.60")),  # 1 x 5.60
        (DISABLED, "SPB", 1, D("20.60")),  # ben
        (INACTIVE, "SPB", 1, D("20.60")),  # cat
        (OVERLAP, "EXCHANGESTANDARD", 2, D("8.00")),  # ann, dan: 2 x 4.00
    ]
    # 41.20 + 5.60 + 20.60 + 20.60 + 8.00 = 96.00 a month
    assert w.monthly_total == D("96.00")
    # 494.40 + 67.20 + 247.20 + 247.20 + 96.00 = 1152.00 a year
    assert w.annual_total == D("1152.00")
    assert_sums(w)
    assert w.unpriced_skus == ("PROJECTPROFESSIONAL",)
    assert w.not_assessed == ()
    d = w.to_dict()
    assert d["monthly_total"] == 96.0
    assert d["annual_total"] == 1152.0
    assert d["currency"] == "EUR"
    assert d["unpriced_skus"] == ["PROJECTPROFESSIONAL"]
    assert Waste.from_dict(d) == w


def test_cents_do_not_drift() -> None:
    # 0.10 does not exist as a float; 7 x 0.10 = 0.70 exactly, 12 x 0.70 = 8.40.
    w = waste(
        {"licence_skus": subs([("SPB", "7", "0"), ("VISIOCLIENT", "3", "0")])},
        prices={"SPB": D("0.10"), "VISIOCLIENT": D("0.20")},
    )
    # 0.70 + 3 x 0.20 = 1.30; 12 x 1.30 = 15.60
    assert w.monthly_total == D("1.30")
    assert w.annual_total == D("15.60")
    assert_sums(w)


# ------------------------------------------------------- prices and free SKUs


def test_sku_without_price_is_listed_not_priced() -> None:
    w = waste(
        {
            "users": frame("users", [user("ben", enabled="False")]),
            "licence_assignments": assignments([("ben", "PROJECTPROFESSIONAL")]),
        }
    )
    assert w.items == ()
    assert w.unpriced_skus == ("PROJECTPROFESSIONAL",)
    assert w.monthly_total == D("0.00")


def test_free_skus_never_waste() -> None:
    prices = {**PRICES, "TEAMS_EXPLORATORY": D("2.00")}
    w = waste(
        {
            "licence_skus": subs(
                [("FLOW_FREE", "10000", "2"), ("TEAMS_EXPLORATORY", "50", "1")]
            ),
            "users": frame(
                "users",
                [
                    user("ben", enabled="False"),
                    user("cat", last_activity="2025-01-01"),
                ],
            ),
            "licence_assignments": assignments(
                [("ben", "FLOW_FREE"), ("cat", "TEAMS_EXPLORATORY")]
            ),
        },
        prices=prices,
    )
    assert w.items == ()
    assert w.unpriced_skus == ()
    assert w.assessed
    assert w.monthly_total == D("0.00")
    # Without a price they are not "unpriced" either: they cost nothing.
    w = waste(
        {"licence_skus": subs([("FLOW_FREE", "10000", "2")])},
        prices={},
    )
    assert w.items == ()
    assert w.unpriced_skus == ()


# ------------------------------------------------------------- missing data


def test_without_licence_skus_unassigned_is_not_assessed() -> None:
    t = _tenant()
    del t["licence_skus"]
    w = waste(t)
    assert w.assessed
    assert [n for n in w.not_assessed if n.startswith("seats bought but not")]
    assert not [i for i in w.items if i.category is UNASSIGNED]
    # The per-user categories still count: 20.60 + 20.60 + 8.00 = 49.20
    assert w.monthly_total == D("49.20")


def test_without_last_activity_inactive_is_not_assessed() -> None:
    users = frame(
        "users",
        [
            user("ben", enabled="False", last_activity=None),
            user("cat", created="2020-01-01", last_activity=None),
        ],
    )
    assert "last_activity" not in users.columns
    w = waste(
        {
            "users": users,
            "licence_assignments": assignments([("ben", "SPB"), ("cat", "SPB")]),
        }
    )
    assert w.assessed
    inactive_notes = [
        n for n in w.not_assessed if n.startswith("licences of inactive accounts")
    ]
    assert len(inactive_notes) == 1
    # Disabled still counts: 1 x 20.60.
    assert rows(w) == [
        (DISABLED, "SPB", 1, D("20.60"), D("20.60"), D("247.20"), ("ben",)),
    ]


def test_without_any_licence_data_waste_is_not_assessed() -> None:
    w = waste({"users": frame("users", [user("ann")])})
    assert not w.assessed
    assert w.items == ()
    assert len(w.not_assessed) == 2
    d = w.to_dict()
    assert d["assessed"] is False
    assert d["monthly_total"] is None
    assert d["annual_total"] is None
    assert waste({}).to_dict()["monthly_total"] is None


# ----------------------------------------------- a small tenant, end to end


def client_prices(**entries: LicencePrice) -> ClientPrices:
    return ClientPrices(entries)


def _small_tenant() -> dict[str, pd.DataFrame]:
    return {
        "licence_skus": subs(
            [
                ("SPB", "5", "4"),  # 1 spare
                ("O365_BUSINESS_ESSENTIALS", "3", "3"),
                ("EXCHANGESTANDARD", "2", "2"),
                ("O365_BUSINESS", "1", "1"),
                ("FLOW_FREE", "10000", "2"),
            ]
        ),
        "users": frame(
            "users",
            [
                user("ann"),
                user("ben", enabled="False", last_activity="2026-01-05"),
                user("cat", last_activity="2026-03-03"),
                user("dan"),
                user("eve"),
                # created 2026-10-01, never active: new, not inactive
                user("fay", created="2026-10-01", last_activity=""),
            ],
        ),
        "licence_assignments": assignments(
            [
                ("ann", "SPB"),
                ("ann", "EXCHANGESTANDARD"),  # overlap: in Business Premium
                ("ann", "FLOW_FREE"),
                ("ben", "SPB"),  # disabled
                ("ben", "O365_BUSINESS_ESSENTIALS"),  # disabled (also in SPB)
                ("cat", "O365_BUSINESS_ESSENTIALS"),  # inactive
                ("dan", "SPB"),
                ("dan", "O365_BUSINESS"),  # overlap by a higher tier: medium
                ("eve", "O365_BUSINESS_ESSENTIALS"),
                ("eve", "EXCHANGESTANDARD"),  # overlap: in Business Basic
                ("eve", "FLOW_FREE"),
                ("fay", "SPB"),
            ]
        ),
    }


SMALL_PRICES = client_prices(
    SPB=LicencePrice(price=D("20.60"), term="annual", note="CSP invoice"),
    EXCHANGESTANDARD=LicencePrice(price=D("3.70"), term="monthly"),
    O365_BUSINESS=LicencePrice(price=D("9.80")),
    # O365_BUSINESS_ESSENTIALS has no client price: the EUR list price applies.
)


def test_small_tenant_computed_by_hand_to_the_cent() -> None:
    w = waste(_small_tenant(), prices=SMALL_PRICES)
    assert rows(w) == [
        # 5 bought - 4 assigned = 1 x 20.60 = 20.60; x 12 = 247.20
        (UNASSIGNED, "SPB", 1, D("20.60"), D("20.60"), D("247.20"), ()),
        # ben, list price 6.55: 6.55; x 12 = 78.60
        (
            DISABLED,
            "O365_BUSINESS_ESSENTIALS",
            1,
            D("6.55"),
            D("6.55"),
            D("78.60"),
            ("ben",),
        ),
        # ben: 20.60; 247.20
        (DISABLED, "SPB", 1, D("20.60"), D("20.60"), D("247.20"), ("ben",)),
        # cat, quiet since March: 6.55; 78.60
        (
            INACTIVE,
            "O365_BUSINESS_ESSENTIALS",
            1,
            D("6.55"),
            D("6.55"),
            D("78.60"),
            ("cat",),
        ),
        # ann and eve: 2 x 3.70 = 7.40; x 12 = 88.80
        (
            OVERLAP,
            "EXCHANGESTANDARD",
            2,
            D("3.70"),
            D("7.40"),
            D("88.80"),
            ("ann", "eve"),
        ),
        # dan: 9.80; 117.60
        (OVERLAP, "O365_BUSINESS", 1, D("9.80"), D("9.80"), D("117.60"), ("dan",)),
    ]
    # 20.60 + 6.55 + 20.60 + 6.55 + 7.40 + 9.80 = 71.50 a month
    assert w.monthly_total == D("71.50")
    # 247.20 + 78.60 + 247.20 + 78.60 + 88.80 + 117.60 = 858.00 a year
    assert w.annual_total == D("858.00")
    assert_sums(w)
    assert w.unpriced_skus == ()
    assert w.inactive_days == 90
    # Where each price came from, and the billing term where client.yaml says.
    basis = {(i.category, i.sku): (i.price_origin, i.billing_term) for i in w.items}
    assert basis == {
        (UNASSIGNED, "SPB"): ("client", "annual"),
        (DISABLED, "O365_BUSINESS_ESSENTIALS"): ("list", ""),
        (DISABLED, "SPB"): ("client", "annual"),
        (INACTIVE, "O365_BUSINESS_ESSENTIALS"): ("list", ""),
        (OVERLAP, "EXCHANGESTANDARD"): ("client", "monthly"),
        (OVERLAP, "O365_BUSINESS"): ("client", ""),
    }
    assert "excluding VAT" in w.list_price_basis
    listed = [i for i in w.items if i.price_origin == "list"]
    assert all(i.price_note.startswith("list price 2026-07-01") for i in listed)
    # Confidence: high for counts and blocked accounts, medium for inactivity
    # and for an overlap that rests on a higher tier of a service.
    assert [i.confidence for i in w.items] == [
        "high",
        "high",
        "high",
        "medium",
        "high",
        "medium",
    ]
    # The evidence behind each user.
    details = {(i.sku, u): e for i in w.items for u, e in i.user_details.items()}
    assert details[("SPB", "ben")] == "sign-in blocked"
    assert details[("O365_BUSINESS_ESSENTIALS", "cat")] == "last activity 2026-03-03"
    assert details[("EXCHANGESTANDARD", "ann")] == (
        "included in Microsoft 365 Business Premium"
    )
    assert details[("EXCHANGESTANDARD", "eve")] == (
        "included in Microsoft 365 Business Basic"
    )
    assert details[("O365_BUSINESS", "dan")].endswith("(a higher tier of each service)")


def test_waste_by_user_rows_sum_exactly_to_the_totals() -> None:
    w = waste(_small_tenant(), prices=SMALL_PRICES)
    # The workbook's "Waste by user" rows: one per user behind each line; the
    # unassigned seats have no user and appear as their line alone.
    per_user = [i for i in w.items if i.users]
    for item in per_user:
        rows = xlsx.user_rows(item)
        assert len(rows) == item.count == len(item.users)
        assert sum((r[2] for r in rows), D("0")) == item.monthly_cost
        assert sum((r[3] for r in rows), D("0")) == item.annual_cost
    assert sum(i.count for i in w.items) == 7
    assert sum((i.monthly_cost for i in w.items), D("0")) == w.monthly_total
    assert w.monthly_total == D("71.50") and w.annual_total == D("858.00")
    evidence = {(i.sku, r[0]): r[4] for i in per_user for r in xlsx.user_rows(i)}
    assert evidence[("O365_BUSINESS_ESSENTIALS", "cat")] == "last activity 2026-03-03"


def test_json_round_trip_keeps_the_new_fields() -> None:
    w = waste(_small_tenant(), prices=SMALL_PRICES)
    d = w.to_dict()
    assert d["monthly_total"] == 71.5 and d["annual_total"] == 858.0
    item = next(i for i in d["items"] if i["sku"] == "EXCHANGESTANDARD")
    assert item["price_origin"] == "client" and item["billing_term"] == "monthly"
    assert [(e["user"], e["evidence"]) for e in item["user_evidence"]] == [
        ("ann", "included in Microsoft 365 Business Premium"),
        ("eve", "included in Microsoft 365 Business Basic"),
    ]
    # The key and parameters each English text was rendered from.
    assert item["user_evidence"][0]["evidence_key"] == "cost.evidence.included"
    assert item["user_evidence"][0]["evidence_params"] == {
        "bundle": "Microsoft 365 Business Premium"
    }
    assert item["action_key"] == "cost.action.overlap"
    assert item["action_params"] == {"when": {"key": "cost.when.monthly", "params": {}}}
    assert Waste.from_dict(d) == w
    assert Waste.from_dict(json.loads(json.dumps(d))) == w


# ------------------------------------------------------- billing and actions


def test_billing_term_decides_when_the_saving_arrives() -> None:
    tenant = {"licence_skus": subs([("SPB", "3", "1"), ("VISIOCLIENT", "2", "1")])}
    w = waste(
        tenant,
        prices=client_prices(
            SPB=LicencePrice(price=D("20.60"), term="annual"),
            VISIOCLIENT=LicencePrice(price=D("14.10"), term="monthly"),
        ),
    )
    spb, visio = w.items
    assert "at the next renewal" in spb.action
    assert "end of the month" in visio.action
    # A plain price (no term known) says both.
    w = waste(tenant, prices={"SPB": D("20.60"), "VISIOCLIENT": D("14.10")})
    assert all("at renewal if an annual commitment" in i.action for i in w.items)
    assert all(i.billing_term == "" for i in w.items)
    # 2 x 20.60 + 1 x 14.10 = 55.30 either way
    assert w.monthly_total == D("55.30")


def test_every_category_says_what_the_saving_needs() -> None:
    w = waste(_small_tenant(), prices=SMALL_PRICES)
    actions = {i.category: i.action for i in w.items}
    assert actions[UNASSIGNED].startswith("Reduce the seat count")
    assert actions[DISABLED].startswith("Remove the licence")
    assert "reassign" in actions[INACTIVE]
    overlap = {i.sku: i.action for i in w.items if i.category is OVERLAP}
    assert overlap["EXCHANGESTANDARD"].startswith("Remove this licence")
    assert overlap["O365_BUSINESS"].startswith("Downgrade")


# ------------------------------------------------------------- list prices


def test_list_price_fills_in_only_what_client_yaml_leaves_out() -> None:
    tenant = {"licence_skus": subs([("SPB", "2", "0")])}
    # No client price: the EUR list price, 2 x 20.60 = 41.20.
    w = waste(tenant, prices={})
    assert rows(w) == [
        (UNASSIGNED, "SPB", 2, D("20.60"), D("41.20"), D("494.40"), ()),
    ]
    assert w.items[0].price_origin == "list"
    # The client's price wins: 2 x 18.50 = 37.00.
    w = waste(tenant, prices={"SPB": D("18.50")})
    assert w.monthly_total == D("37.00")
    assert w.items[0].price_origin == "client"
    assert w.list_price_basis == ""
    # USD list: 2 x 22.00 = 44.00.
    w = cost.compute_waste(
        tenant, prices={}, currency="USD", as_of=AS_OF, inactive_days=90
    )
    assert w.monthly_total == D("44.00")
    # A currency without a list: unpriced, not zero.
    w = cost.compute_waste(
        tenant, prices={}, currency="SEK", as_of=AS_OF, inactive_days=90
    )
    assert w.items == () and w.unpriced_skus == ("SPB",)


def test_mixed_case_part_numbers_find_their_client_yaml_price(
    tmp_path: Path,
) -> None:
    sku = "Microsoft_365_Business_Basic_EEA_(no_Teams)"
    cfg = _config(tmp_path, f"licence_prices:\n  {sku}: 4.90\n")
    # 3 bought, 1 assigned: 2 x 4.90 = 9.80
    w = waste({"licence_skus": subs([(sku, "3", "1")])}, prices=cfg.licence_prices)
    assert w.monthly_total == D("9.80") and w.unpriced_skus == ()


def test_communications_credits_are_never_unassigned_seats() -> None:
    # MCOPSTNC is a prepaid calling balance of 10,000,000 units, not seats;
    # sku_notes.csv marks it free, whatever price is given.
    w = waste(
        {"licence_skus": subs([("MCOPSTNC", "10000000", "0"), ("SPB", "3", "2")])},
        prices={"MCOPSTNC": D("1.00"), "SPB": D("20.60")},
    )
    assert [(i.sku, i.count) for i in w.items] == [("SPB", 1)]
    assert w.monthly_total == D("20.60")


def test_trial_and_viral_skus_are_free_by_their_part_number() -> None:
    w = waste(
        {
            "licence_skus": subs(
                [("DYN365_X_TRIAL", "25", "1"), ("POWERAPPS_VIRAL", "10000", "3")]
            ),
            "users": frame("users", [user("ben", enabled="False")]),
            "licence_assignments": assignments([("ben", "DYN365_X_TRIAL")]),
        },
        # Even a (mistaken) price for them never makes them waste.
        prices={"DYN365_X_TRIAL": D("50.00"), "POWERAPPS_VIRAL": D("1.00")},
    )
    assert w.items == () and w.unpriced_skus == ()


# --------------------------------------------------------------- overlaps


def _overlaps(pairs: list[tuple[str, str]]) -> list[tuple[str, tuple[str, ...]]]:
    upns = sorted({u for u, _ in pairs})
    w = waste(
        {
            "users": frame("users", [user(u) for u in upns]),
            "licence_assignments": assignments(pairs),
        },
        prices={s: D("1.00") for _, s in pairs},
    )
    assert all(i.category is OVERLAP for i in w.items)
    return [(i.sku, i.users) for i in w.items]


def test_overlap_is_decided_from_service_plans() -> None:
    assert _overlaps(
        [
            # Entra ID P1 and Intune Plan 1 are both in Business Premium.
            ("a", "SPB"),
            ("a", "AAD_PREMIUM"),
            ("a", "INTUNE_A"),
            # Visio Plan 1's services are all in Visio Plan 2.
            ("b", "VISIOCLIENT"),
            ("b", "VISIOONLINE_PLAN1"),
            # Business Standard beside Business Premium: the lesser bundle.
            ("c", "SPB"),
            ("c", "O365_BUSINESS_PREMIUM"),
            # Power BI Pro is not part of Business Premium.
            ("d", "SPB"),
            ("d", "POWER_BI_PRO"),
            # Microsoft 365 E5 includes Power BI Pro (its plans are listed
            # now that the whole of Microsoft's table is).
            ("h", "SPE_E5"),
            ("h", "POWER_BI_PRO"),
            # ... but Power BI Pro is part of Office 365 E5.
            ("i", "ENTERPRISEPREMIUM"),
            ("i", "POWER_BI_PRO"),
            # An unknown SKU never overlaps.
            ("e", "SPB"),
            ("e", "CONTOSO_ADDON"),
            # Exchange Online Plan 2 is not inside Business Premium.
            ("f", "SPB"),
            ("f", "EXCHANGEENTERPRISE"),
        ]
    ) == [
        ("AAD_PREMIUM", ("a",)),
        ("INTUNE_A", ("a",)),
        ("O365_BUSINESS_PREMIUM", ("c",)),
        ("POWER_BI_PRO", ("h", "i")),
        ("VISIOONLINE_PLAN1", ("b",)),
    ]


def test_two_licences_with_the_same_services_count_once() -> None:
    # Exchange Online (Plan 1) and Exchange Online Essentials (ExO P1 based)
    # give the same mailbox: one of the pair is waste, not both.
    found = _overlaps([("g", "EXCHANGESTANDARD"), ("g", "EXCHANGEESSENTIALS")])
    assert len(found) == 1


def test_no_user_is_counted_twice_whatever_applies() -> None:
    w = waste(
        {
            "licence_skus": subs([("SPB", "4", "3"), ("EXCHANGESTANDARD", "3", "3")]),
            "users": frame(
                "users",
                [
                    # disabled, inactive and overlapping: counted as disabled
                    user("zoe", enabled="False", last_activity="2025-01-01"),
                    # inactive and overlapping: counted as inactive
                    user("yan", last_activity="2025-01-01"),
                    # only overlapping
                    user("xia"),
                ],
            ),
            "licence_assignments": assignments(
                [
                    ("zoe", "SPB"),
                    ("zoe", "EXCHANGESTANDARD"),
                    ("yan", "SPB"),
                    ("yan", "EXCHANGESTANDARD"),
                    ("xia", "SPB"),
                    ("xia", "EXCHANGESTANDARD"),
                ]
            ),
        }
    )
    seen = [(i.sku, u) for i in w.items for u in i.users]
    assert len(seen) == len(set(seen)) == 5
    assert [(i.category, i.sku, i.users) for i in w.items] == [
        (UNASSIGNED, "SPB", ()),  # seats, not users: 4 - 3
        (DISABLED, "EXCHANGESTANDARD", ("zoe",)),
        (DISABLED, "SPB", ("zoe",)),
        (INACTIVE, "EXCHANGESTANDARD", ("yan",)),
        (INACTIVE, "SPB", ("yan",)),
        (OVERLAP, "EXCHANGESTANDARD", ("xia",)),
    ]
    # 20.60 + (4.00 + 20.60) x 2 + 4.00 = 73.80
    assert w.monthly_total == D("73.80")
    assert_sums(w)


# ---------------------------------------------------------------- activity


def test_inactive_evidence_names_the_activity_source_when_known() -> None:
    users = frame(
        "users",
        [
            user("erin", last_activity="2026-05-01"),
            user("frank", created="2023-02-01", last_activity=""),
        ],
    )
    tenant = {
        "users": users,
        "licence_assignments": assignments([("erin", "SPB"), ("frank", "SPB")]),
    }
    w = waste(tenant)
    assert w.activity_source == ""  # the evidence does not say: nothing invented
    assert dict(w.items[0].user_details) == {
        "erin": "last activity 2026-05-01",
        "frank": "no activity recorded; created 2023-02-01",
    }
    w = cost.compute_waste(
        tenant,
        prices=PRICES,
        currency="EUR",
        as_of=AS_OF,
        inactive_days=90,
        activity_source="last sign-in (Microsoft Graph)",
    )
    assert w.activity_source == "last sign-in (Microsoft Graph)"
    # A per-user source column, when a collector provides one, wins.
    tenant["users"] = users.assign(last_activity_source="usage report")
    w = waste(tenant)
    assert w.activity_source == "usage report"
    assert w.items[0].user_details["erin"] == "last activity 2026-05-01 (usage report)"


# ----------------------------------------------------- prices in client.yaml

GOOD = "client:\n  name: Test Oy\nperiod: 2026-Q4\n"


def _config(tmp_path: Path, text: str) -> ClientConfig:
    (tmp_path / "client.yaml").write_text(GOOD + text, encoding="utf-8")
    return load_engagement(tmp_path).config


def test_client_yaml_prices_simple_and_full_form(tmp_path: Path) -> None:
    cfg = _config(
        tmp_path,
        "licence_prices:\n"
        "  spb: {price: 18.5, term: annual, note: negotiated 2026}\n"
        "  EXCHANGESTANDARD: 3.7\n",
    )
    prices = cfg.licence_prices
    assert dict(prices) == {"SPB": D("18.50"), "EXCHANGESTANDARD": D("3.70")}
    assert isinstance(prices, ClientPrices)
    assert prices.detail("SPB") == LicencePrice(
        price=D("18.50"), term="annual", note="negotiated 2026"
    )
    # Saved with the evidence and read back, the terms survive.
    again = ClientConfig.from_dict(cfg.to_dict())
    assert again.licence_prices.detail("SPB").term == "annual"  # type: ignore[attr-defined]
    assert cfg.to_dict()["licence_prices"] == {
        "SPB": {"price": "18.50", "term": "annual", "note": "negotiated 2026"},
        "EXCHANGESTANDARD": "3.70",
    }


@pytest.mark.parametrize(
    "text,key",
    [
        ("  SPB: {price: 18.5, term: yearly}\n", "'licence_prices.SPB.term'"),
        ("  SPB: {price: cheap}\n", "'licence_prices.SPB.price'"),
        ("  SPB: {note: invoice}\n", "'licence_prices.SPB.price'"),
        ("  SPB: {price: 1, discount: 5}\n", "'licence_prices.SPB.discount'"),
        ("  SPB: {price: 1, note: [a]}\n", "'licence_prices.SPB.note'"),
        ("  SPB: -3\n", "'licence_prices.SPB'"),
    ],
)
def test_bad_prices_name_client_yaml_and_the_key(
    tmp_path: Path, text: str, key: str
) -> None:
    with pytest.raises(ConfigError) as err:
        _config(tmp_path, "licence_prices:\n" + text)
    message = str(err.value)
    assert "client.yaml" in message and key in message
    assert "\n" not in message


# -------------------------------------------------- what reports show of it


def test_sample_report_and_workbook_trace_every_euro(sample_run: Path) -> None:
    data = json.loads((sample_run / "assessment.json").read_text(encoding="utf-8"))
    a = Assessment.from_dict(data)
    w = a.waste
    assert_sums(w)
    # The sample prices SPB as {price: 20.60, term: annual} in client.yaml.
    spb = [i for i in w.items if i.sku == "SPB"]
    assert spb and all(i.billing_term == "annual" for i in spb)
    assert all("next renewal" in i.action for i in spb)
    view = context.build(a)["waste"]
    labels = {
        (line["category"], line["sku_name"]): line["price_label"]
        for line in view["lines"]
    }
    premium = "Microsoft 365 Business Premium"
    assert labels[("Bought but not assigned", premium)] == "client price, annual"
    assert view["has_client"] and not view["has_list"] and view["list_basis"] == ""
    # The sample's evidence does not say where activity dates came from, and
    # the report invents nothing.
    assert w.activity_source == ""
    unassigned = next(c for c in view["actions"] if c["category"].startswith("Bought"))
    assert any(
        t["when"].lower().startswith("at the next renewal") and premium in t["licences"]
        for t in unassigned["timing"]
    )
    # The workbook's per-user rows behind every line sum to the line.
    for item in w.items:
        rows = xlsx.user_rows(item)
        assert [r[0] for r in rows] == list(item.users)
        if rows:
            assert sum((r[2] for r in rows), D("0")) == item.monthly_cost


# ------------------------------------------------ mailboxes that need a licence


def _mailbox_tenant(
    mailboxes: list[dict[str, str]] | None,
) -> dict[str, pd.DataFrame]:
    """Three blocked accounts with Business Premium, one also with Visio."""
    frames = {
        "users": frame(
            "users",
            [
                user("archive@x.fi", enabled="False"),
                user("big@x.fi", enabled="False"),
                user("plain@x.fi", enabled="False"),
            ],
        ),
        "licence_assignments": assignments(
            [
                ("archive@x.fi", "SPB"),
                ("archive@x.fi", "VISIOCLIENT"),  # no mailbox in Visio
                ("big@x.fi", "SPB"),
                ("plain@x.fi", "SPB"),
            ]
        ),
    }
    if mailboxes is not None:
        frames["mailboxes"] = frame("mailboxes", mailboxes)
    return frames


def _box(upn: str, kind: str, gb: str, archive: str, hold: str) -> dict[str, str]:
    return {
        "upn": upn,
        "recipient_type": kind,
        "storage_gb": gb,
        "has_archive": archive,
        "litigation_hold": hold,
    }


def test_a_mailbox_that_needs_its_licence_is_medium_and_says_why() -> None:
    w = waste(
        _mailbox_tenant(
            [
                _box("archive@x.fi", "SharedMailbox", "3.2", "True", "False"),
                # 50 GB is the limit itself: still free of a licence.
                _box("big@x.fi", "Shared", "50.0", "False", "False"),
                _box("plain@x.fi", "UserMailbox", "1.5", "False", "False"),
            ]
        )
    )
    lines = {(i.sku, i.confidence): i for i in w.items}
    kept = lines[("SPB", "medium")]
    assert kept.users == ("archive@x.fi",)
    assert kept.action.startswith("Do not just remove this licence")
    assert kept.user_details["archive@x.fi"] == (
        "sign-in blocked; archive enabled: the mailbox needs Exchange Online "
        "Plan 2 (or Plan 1 with Exchange Online Archiving)"
    )
    plain = lines[("SPB", "high")]
    assert plain.users == ("big@x.fi", "plain@x.fi")
    assert plain.action.startswith("Remove the licence")
    assert "check" not in plain.action  # every fact is known
    assert plain.user_details["plain@x.fi"] == "sign-in blocked"
    # Visio carries no mailbox: its seat is waste whatever the mailbox holds.
    assert lines[("VISIOCLIENT", "high")].users == ("archive@x.fi",)
    assert_sums(w)
    assert w.monthly_total == D("20.60") * 3 + D("14.10")


def test_a_held_or_oversized_mailbox_names_each_reason() -> None:
    w = waste(
        _mailbox_tenant(
            [
                _box("archive@x.fi", "UserMailbox", "12", "False", "True"),
                _box("big@x.fi", "SharedMailbox", "50.4", "True", "False"),
                _box("plain@x.fi", "SharedMailbox", "0.1", "False", "False"),
            ]
        )
    )
    kept = next(i for i in w.items if i.confidence == "medium")
    assert kept.users == ("archive@x.fi", "big@x.fi")
    assert kept.user_details["archive@x.fi"].startswith(
        "sign-in blocked; on litigation hold:"
    )
    assert kept.user_details["big@x.fi"].startswith(
        "sign-in blocked; shared mailbox over 50 GB (50.4 GB), archive enabled:"
    )
    fi = kept.user_detail_messages["big@x.fi"]
    assert fi["key"] == "cost.mailbox.evidence"


def test_without_mailbox_data_the_line_says_what_to_check() -> None:
    w = waste(_mailbox_tenant(None))
    spb = next(i for i in w.items if i.sku == "SPB")
    assert spb.category is DISABLED and spb.count == 3
    assert spb.confidence == "high"
    assert spb.action.startswith("Remove the licence")
    assert (
        "check whether these are shared mailboxes over 50 GB, with an archive "
        "or on litigation hold" in spb.action
    )
    assert spb.action_key == "cost.mailbox.action_check"
    visio = next(i for i in w.items if i.sku == "VISIOCLIENT")
    assert "check" not in visio.action  # no mailbox to ask about


def test_a_fact_the_mailbox_data_lacks_is_named_not_assumed() -> None:
    # A source without litigation hold (Graph's mailbox usage report).
    boxes = [
        {"upn": u, "storage_gb": "1", "has_archive": "False"}
        for u in ("archive@x.fi", "big@x.fi", "plain@x.fi")
    ]
    w = waste(_mailbox_tenant(boxes))
    spb = next(i for i in w.items if i.sku == "SPB")
    assert spb.confidence == "high" and spb.count == 3
    assert "check whether it is on litigation hold" in spb.action
    assert "whether the mailbox is over 50 GB" not in spb.action
    assert "whether it has an archive" not in spb.action


def test_an_account_without_a_mailbox_has_nothing_to_check() -> None:
    w = waste(_mailbox_tenant([_box("big@x.fi", "Shared", "60", "", "")]))
    lines = {i.confidence: i for i in w.items if i.sku == "SPB"}
    assert lines["medium"].users == ("big@x.fi",)
    assert lines["high"].users == ("archive@x.fi", "plain@x.fi")
    assert "check" not in lines["high"].action


class _Recording(Mapping[str, pd.DataFrame]):
    """Frames that note every dataset name asked for."""

    def __init__(self, frames: dict[str, pd.DataFrame]) -> None:
        self.frames = frames
        self.asked: set[str] = set()

    def __getitem__(self, name: str) -> pd.DataFrame:
        self.asked.add(name)
        return self.frames[name]

    def __iter__(self):  # type: ignore[no-untyped-def]
        raise AssertionError("the waste model asks for datasets by name")

    def __len__(self) -> int:
        return len(self.frames)


def test_the_waste_model_reads_the_datasets_it_declares() -> None:
    # cost.DATASETS is what `healthcheck permissions` credits to "licence
    # waste": it must be exactly what compute_waste asks for.
    frames = _Recording(
        {
            "licence_skus": subs([("SPB", "3", "1")]),
            "users": frame("users", [user("erin", enabled="False")]),
            "licence_assignments": assignments([("erin", "SPB")]),
        }
    )
    assert waste(frames).items
    assert frames.asked == cost.DATASETS
