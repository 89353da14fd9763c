"""Licence waste in money on a tiny hand-made tenant; all sums worked by hand."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal

import pandas as pd

from healthcheck import cost, datasets
from healthcheck.model import Waste, WasteCategory

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
    assert w.not_assessed[0].startswith("unassigned")


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
    assert [n for n in w.not_assessed if n.startswith("unassigned")]
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
    inactive_notes = [n for n in w.not_assessed if n.startswith("inactive_user")]
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
