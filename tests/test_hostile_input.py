"""Issue 14, bad input cases 1-7: hostile copies of the sample end in a rejected
row or a listed file, never in a traceback, a crashed collector or invalid JSON.

Each test spoils a copy of the sample the way the issue reproduced it, runs
``healthcheck collect`` through click, and reads the evidence it wrote.
"""

from __future__ import annotations

import csv
import json
import math
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from collectors.exports import arm_json, graph_json, reader
from healthcheck import datasets
from healthcheck.cli import main

SKUS = "subscribedSkus.json"


def _set_cell(path: Path, column: str, value: str, row: int = 1) -> None:
    """Put ``value`` in ``column`` of the ``row``-th record of a CSV export."""
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    rows[row][rows[0].index(column)] = value
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)


def _strict(text: str) -> Any:
    """Parse JSON as the standard says: no NaN or Infinity."""

    def refuse(token: str) -> None:
        raise AssertionError(f"not JSON: {token}")

    return json.loads(text, parse_constant=refuse)


def _collect(engagement: Path, tmp_path: Path) -> tuple[Any, dict]:
    """Run ``healthcheck collect``; return the result and the manifest."""
    out = tmp_path / "evidence"
    got = CliRunner().invoke(main, ["collect", str(engagement), "--out", str(out)])
    assert "Traceback" not in got.output, got.output
    assert got.exit_code == 0, got.output
    manifest = json.loads((out / "manifest.json").read_text("utf-8"))
    failed = [r for r in manifest["runs"] if r["status"] == "failed"]
    assert not failed, failed  # no collector stopped with an exception
    for path in (out / "datasets").glob("*.json"):
        _strict(path.read_text("utf-8"))
    manifest["out"] = out
    return got, manifest


def _rejected(manifest: dict, dataset: str) -> list[tuple[str, int, str, str]]:
    return [
        (Path(r["source"]).name, r["row"], r["column"], r["reason"])
        for r in manifest["datasets"][dataset]["rejected"]
    ]


def _rows(manifest: dict, dataset: str) -> list[list[Any]]:
    path = manifest["out"] / "datasets" / f"{dataset}.json"
    doc = _strict(path.read_text("utf-8"))
    return [list(r) for r in zip(*doc["data"], strict=True)]


# --- 1. Dates out of pandas' range ---------------------------------------------


@pytest.mark.parametrize(
    ("dataset", "file", "column", "value"),
    [
        ("backup_jobs", "backup_jobs.csv", "Last run", "9999-12-31 00:00:00"),
        ("devices", "intune_devices.csv", "Last check-in", "9999-12-31 00:00:00"),
        ("users", "active_users.csv", "When created", "9999-12-31 00:00:00"),
        (
            "users",
            "usage_active_users_detail.csv",
            "Exchange Last Activity Date",
            "9999-12-31",
        ),
        ("backup_jobs", "backup_jobs.csv", "Last run", "1500-01-01 00:00:00"),
        ("devices", "intune_devices.csv", "Last check-in", "31.12.9999 10:00"),
        ("users", "active_users.csv", "When created", "Dec 31, 9999"),
    ],
)
def test_a_date_out_of_range_rejects_its_row(
    engagement: Path,
    tmp_path: Path,
    dataset: str,
    file: str,
    column: str,
    value: str,
) -> None:
    _set_cell(engagement / "exports" / file, column, value)
    _, manifest = _collect(engagement, tmp_path)
    hits = [r for r in _rejected(manifest, dataset) if r[:3] == (file, 2, column)]
    assert len(hits) == 1, _rejected(manifest, dataset)
    assert "expected a date" in hits[0][3] and repr(value) in hits[0][3]


def test_dates_beyond_nanoseconds_are_bad_cells_in_every_path() -> None:
    text = pd.Series(
        ["9999-12-31", "1500-01-01T00:00:00Z", "2262-04-12", "2026-11-20"],
        dtype=object,
    )
    values, bad = datasets.read_dates(text)
    assert bad.tolist() == [True, True, True, False]
    assert values.dtype == "datetime64[ns]"
    # A column a collector typed itself, at a resolution that holds year 9999.
    typed = pd.Series(
        pd.to_datetime(
            ["9999-12-31", "1677-09-21 12:00", "2026-11-20"], format="ISO8601"
        ).as_unit("s")
    )
    ds = datasets.build(
        "backup_jobs",
        pd.DataFrame(
            {
                "job": ["a", "b", "c"],
                "system": ["a", "b", "c"],
                "last_run": typed,
                "last_result": ["Success"] * 3,
                "last_success": typed,
            }
        ),
        collector="test",
        collected_at=datetime(2026, 11, 20),
        origin=[("jobs.csv", n) for n in (2, 3, 4)],
    )
    assert [(r.row, r.column) for r in ds.rejected] == [
        (2, "last_run"),
        (3, "last_run"),
    ]
    assert ds.frame["job"].tolist() == ["c"]


# --- 2, 3, 4. Counts and sizes -------------------------------------------------


@pytest.mark.parametrize(
    ("literal", "shown"),
    [
        ("1e309", "'inf'"),
        ("-Infinity", "'-inf'"),
        ("NaN", "'nan'"),
        ("-5", "'-5'"),
        ("1" + "0" * 30, "'1" + "0" * 30 + "'"),
        ("2.5", "'2.5'"),
    ],
)
def test_seat_counts_must_be_finite_non_negative_whole_numbers(
    engagement: Path, tmp_path: Path, literal: str, shown: str
) -> None:
    path = engagement / "exports" / SKUS
    text = path.read_text("utf-8")
    assert text.count('"consumedUnits": 30,') == 1
    path.write_text(
        text.replace('"consumedUnits": 30,', f'"consumedUnits": {literal},')
    )
    _, manifest = _collect(engagement, tmp_path)
    assert _rejected(manifest, "licence_skus") == [
        (
            SKUS,
            1,
            "consumedUnits",
            "expected a whole number from 0 to 9,007,199,254,740,991, got " + shown,
        )
    ]
    skus = {row[0]: row for row in _rows(manifest, "licence_skus")}
    assert "SPB" not in skus  # no seat count, so no invented waste
    assert all(0 <= n < 2**53 for row in skus.values() for n in row[2:])


def test_negative_purchased_seats_are_rejected(
    engagement: Path, tmp_path: Path
) -> None:
    path = engagement / "exports" / SKUS
    doc = json.loads(path.read_text("utf-8"))
    doc["value"][1]["prepaidUnits"]["enabled"] = -3
    path.write_text(json.dumps(doc))
    _, manifest = _collect(engagement, tmp_path)
    [(file, row, column, reason)] = _rejected(manifest, "licence_skus")
    assert (file, row, column) == (SKUS, 2, "prepaidUnits.enabled")
    assert reason.endswith("got '-3'")


@pytest.mark.parametrize("value", ["-5", "Infinity", "-inf", "1e400", "NaN", "9" * 40])
@pytest.mark.parametrize("column", ["Total storage", "Free storage"])
def test_disk_sizes_must_be_finite_and_non_negative(
    engagement: Path, tmp_path: Path, column: str, value: str
) -> None:
    _set_cell(engagement / "exports" / "intune_devices.csv", column, value)
    _, manifest = _collect(engagement, tmp_path)  # devices.json parses strictly
    assert _rejected(manifest, "devices") == [
        (
            "intune_devices.csv",
            2,
            column,
            f"expected a number from 0 to 9,007,199,254,740,991, got {value!r}",
        )
    ]
    sizes = [v for row in _rows(manifest, "devices") for v in row if type(v) is float]
    assert sizes and all(math.isfinite(v) and v >= 0 for v in sizes)


def test_every_number_column_refuses_what_is_not_a_count() -> None:
    """The rule lives in the validator, so every int and float column has it."""
    cells = ["nan", "inf", "-inf", "-1", "1e400", str(2**53), "3", "0", ""]
    for name, sch in datasets.SCHEMAS.items():
        for col in sch.columns:
            if col.kind not in (datasets.INT, datasets.FLOAT):
                continue
            raw = pd.Series(cells, dtype=object)
            values, bad = datasets.validate._convert(col, raw)
            assert bad.tolist()[:6] == [True] * 6, (name, col.name)
            assert bad.tolist()[6:8] == [False, False], (name, col.name)
            kept = values[~bad].dropna().to_numpy(dtype=float)
            assert np.isfinite(kept).all() and (kept >= 0).all()


# --- 5. JSON nesting -------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("deep.json", "[" * 10_000 + "]" * 10_000),
        ("deep_objects.json", '{"a":' * 10_000 + "1" + "}" * 10_000),
        (SKUS, '{"value": ' + "[" * 10_000 + "]" * 10_000 + "}"),
    ],
)
def test_json_nested_10000_deep_is_listed_as_unusable(
    engagement: Path, tmp_path: Path, name: str, text: str
) -> None:
    (engagement / "exports" / name).write_text(text)
    _, manifest = _collect(engagement, tmp_path)
    listed = {Path(u["path"]).name: u["reason"] for u in manifest["unrecognised"]}
    assert listed[name] == "JSON nested too deeply to be an API response"
    assert manifest["datasets"]["devices"]["rows"] > 0  # the others are read


# --- 6. JSON shapes --------------------------------------------------------------


def test_a_number_where_an_object_belongs_rejects_the_item(
    engagement: Path, tmp_path: Path
) -> None:
    path = engagement / "exports" / SKUS
    text = path.read_text("utf-8")
    start = text.index('"prepaidUnits": {')
    end = text.index("}", start) + 1
    path.write_text(text[:start] + '"prepaidUnits": 1e30' + text[end:])
    _, manifest = _collect(engagement, tmp_path)
    assert _rejected(manifest, "licence_skus") == [
        (SKUS, 1, "prepaidUnits", "expected an object, got 1e+30")
    ]
    assert len(_rows(manifest, "licence_skus")) == 7


#: Per mapper, an item whose properties hold every wrong JSON type we can think
#: of, and a property whose shape it must name.
_SPOILT: dict[str, tuple[dict[str, Any], str]] = {
    "subscribedSkus": (
        {"skuPartNumber": "SPB", "prepaidUnits": [1], "consumedUnits": 3},
        "prepaidUnits",
    ),
    "users": (
        {"userPrincipalName": "a@x.example", "assignedLicenses": {"skuId": "x"}},
        "assignedLicenses",
    ),
    "managedDevices": ({"id": "d1", "deviceName": {"x": 1}}, "deviceName"),
    "userRegistrationDetails": (
        {"userPrincipalName": "a@x.example", "methodsRegistered": 7},
        "methodsRegistered",
    ),
    "roleAssignments": ({"roleDefinitionId": "r", "principal": "p"}, "principal"),
    "securityDefaults": ({"isEnabled": [True]}, "isEnabled"),
    "conditionalAccessPolicies": (
        {"id": "p", "conditions": {"users": {"excludeUsers": 5}}},
        "conditions.users.excludeUsers",
    ),
    "secureScores": ({"createdDateTime": {"d": 1}}, "createdDateTime"),
    "applications": (
        {"displayName": "App", "passwordCredentials": [{"endDateTime": [1]}]},
        "passwordCredentials.endDateTime",
    ),
    "authorizationPolicy": (
        {"defaultUserRolePermissions": {"permissionGrantPoliciesAssigned": "x"}},
        "defaultUserRolePermissions.permissionGrantPoliciesAssigned",
    ),
    # Get-SPOTenant's PascalCase name is the one shown.
    "sharepointSettings": ({"SharingCapability": ["x"]}, "SharingCapability"),
    "domains": ({"id": "x.example", "supportedServices": "Email"}, "supportedServices"),
    "bitlockerRecoveryKeys": ({"id": "k", "deviceId": {"id": "d"}}, "deviceId"),
    "deviceLocalCredentials": (
        {"id": "d", "lastBackupDateTime": [1]},
        "lastBackupDateTime",
    ),
}


@pytest.mark.parametrize(
    "resource",
    sorted(graph_json.MAPPERS | graph_json.POLICY_MAPPERS | graph_json.DEVICE_MAPPERS),
)
def test_every_graph_mapper_checks_shapes_before_use(resource: str) -> None:
    mapper = (
        graph_json.MAPPERS | graph_json.POLICY_MAPPERS | graph_json.DEVICE_MAPPERS
    )[resource]
    spoilt, prop = _SPOILT[resource]
    items: list[Any] = [spoilt, 42, "text", None, [1, 2]]
    parts = mapper(items, "saved.json", {})
    for part in parts:
        assert part.frame.empty and list(part.rows) == []
        assert [(r.row, r.column) for r in part.rejected] == [
            (1, prop),
            (2, None),
            (3, None),
            (4, None),
            (5, None),
        ]
        assert part.rejected[1].reason == "expected an object, got 42"


def test_a_spoilt_setting_item_is_named_by_its_number_and_the_others_kept() -> None:
    apps = [
        {
            "displayName": "Good",
            "appId": "a1",
            "passwordCredentials": [{"keyId": "k1"}],
        },
        {"displayName": "Bad", "keyCredentials": 3},
        {
            "displayName": "Two",
            "appId": "a3",
            "passwordCredentials": [{"keyId": "k3"}],
            "keyCredentials": [{"keyId": "k4"}],
        },
    ]
    [part] = graph_json.POLICY_MAPPERS["applications"](apps, "apps.json", {})
    assert part.frame["key_id"].tolist() == ["k1", "k3", "k4"]
    assert list(part.rows) == [1, 3, 3]  # a credential row is its app's item
    assert [(r.row, r.column, r.reason) for r in part.rejected] == [
        (2, "keyCredentials", "expected a list, got 3")
    ]
    spo = [{"PreventExternalUsersFromResharing": "yes", "SharingCapability": "x"}]
    [part] = graph_json.POLICY_MAPPERS["sharepointSettings"](spo, "spo.json", {})
    assert [(r.row, r.column, r.reason) for r in part.rejected] == [
        (1, "PreventExternalUsersFromResharing", "expected true or false, got 'yes'")
    ]


def test_an_unverified_domain_does_not_shift_the_item_numbers() -> None:
    items = [
        {"id": "new.example", "isVerified": False},
        {"id": "x.example", "isVerified": True, "supportedServices": 5},
        {"id": "y.example", "isVerified": True, "supportedServices": ["Email"]},
    ]
    [part] = graph_json.DEVICE_MAPPERS["domains"](items, "domains.json", {})
    assert part.frame["domain"].tolist() == ["y.example"]
    assert list(part.rows) == [3]
    assert [(r.row, r.column) for r in part.rejected] == [(2, "supportedServices")]


def test_azure_backup_jobs_check_shapes_before_use() -> None:
    good = {
        "type": "Microsoft.RecoveryServices/vaults/backupJobs",
        "properties": {
            "entityFriendlyName": "vm1",
            "operation": "Backup",
            "status": "Completed",
            "startTime": "2026-11-19T22:00:00Z",
        },
    }
    bad_name = {"properties": {"entityFriendlyName": {"a": 1}}}
    bad_props = {"properties": 1e30}
    [part] = arm_json.backup_jobs([bad_name, good, bad_props, 7], "jobs.json")
    assert part.frame["job"].tolist() == ["vm1"] and list(part.rows) == [2]
    assert [(r.row, r.column, r.reason) for r in part.rejected] == [
        (
            1,
            "properties.entityFriendlyName",
            "expected text or a number, got an object",
        ),
        (3, "properties", "expected an object, got 1e+30"),
        (4, None, "expected an object, got 7"),
    ]


@pytest.mark.parametrize("text", ['"hello"', "[1, 2, 3]", '{"value": "x"}', "null"])
def test_json_of_another_shape_is_listed_not_read(
    engagement: Path, tmp_path: Path, text: str
) -> None:
    (engagement / "exports" / SKUS).write_text(text)
    _, manifest = _collect(engagement, tmp_path)
    listed = {Path(u["path"]).name for u in manifest["unrecognised"]}
    assert SKUS in listed and "licence_skus" not in manifest["datasets"]


# --- 7. Empty lines ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("file", "tail"),
    [
        ("backup_jobs.csv", "\n"),
        ("intune_devices.csv", "\r\n"),
        ("role_assignments.csv", ",,\n"),
    ],
)
def test_a_million_empty_lines_are_cut_before_parsing(
    engagement: Path, tmp_path: Path, file: str, tail: str
) -> None:
    path = engagement / "exports" / file
    before = reader.read(path)
    with path.open("a", newline="") as fh:
        fh.write(tail * 1_000_000)
    after = reader.read(path)
    # Linear in the bytes, and nothing per blank line after that: the frame
    # the collector walks is the one the file had before.
    assert after.frame is not None and before.frame is not None
    assert len(after.frame) == len(before.frame)
    assert after.rows.tolist() == before.rows.tolist()
    _, manifest = _collect(engagement, tmp_path)
    assert manifest["datasets"]["devices"]["rows"] == 70
    for ds in manifest["datasets"].values():
        assert not ds["rejected"] or all("row" in r for r in ds["rejected"])


def test_blank_and_summary_lines_at_the_end_are_judged_a_column_at_a_time(
    engagement: Path, tmp_path: Path
) -> None:
    path = engagement / "exports" / "backup_jobs.csv"
    with path.open("a") as fh:
        fh.write("Total: 3\n" + '""\n' * 100_000 + "Total: 3\n")
    _, manifest = _collect(engagement, tmp_path)
    rejected = _rejected(manifest, "backup_jobs")
    assert [r[1] for r in rejected] == [5, 100_006]
    assert all(
        r[3] == "skipped: a summary line, not a record ('Total: 3')" for r in rejected
    )
    assert manifest["datasets"]["backup_jobs"]["rows"] == 3
