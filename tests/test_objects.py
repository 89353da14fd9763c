"""Affected-object sheets carry each object's evidence (issue 15)."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest

from healthcheck import objects, zones
from healthcheck.model import Finding, Layer, ObjectTable, Severity, Status


@pytest.fixture(scope="module")
def book(sample_run: Path) -> openpyxl.Workbook:
    return openpyxl.load_workbook(sample_run / "findings.xlsx")


@pytest.fixture(scope="module")
def zone(sample_run: Path) -> str:
    """The zone the sample's times are shown in (client.yaml's, or this machine's)."""
    return json.loads((sample_run / "assessment.json").read_text())["timezone"]


def _sheet(book: openpyxl.Workbook, rule: str) -> Any:
    return next(book[n] for n in book.sheetnames if n.startswith(rule + " "))


def _rows(ws: Any) -> list[dict[str, Any]]:
    cells = list(ws.iter_rows())
    header = [c.value for c in cells[0]]
    return [dict(zip(header, row, strict=True)) for row in cells[1:]]


def test_devices_sheet_names_user_os_and_check_in_as_dates(book, zone) -> None:
    rows = _rows(_sheet(book, "FND-01"))
    assert len(rows) == 7
    first = rows[0]
    assert first["Device"].value == "AUR-AN-008"
    assert first["Primary user"].value == "sami.leppanen@aurora-logistics.example"
    assert first["OS"].value == "Android" and first["OS version"].value == "14"
    check_in = first[f"Last check-in ({zone})"]
    utc = datetime(2026, 9, 13, 7, 12, 19)
    assert check_in.is_date and check_in.value == zones.local_naive(utc, zone)
    assert check_in.number_format == "d mmm yyyy hh:mm"
    assert first["Compliance"].value == "noncompliant"
    assert first["Encrypted"].data_type == "b"


def test_accounts_sheet_has_licences_last_activity_and_its_source(book, zone) -> None:
    rows = _rows(_sheet(book, "REV-02"))
    anne = next(
        r for r in rows if r["User principal name"].value.startswith("anne.miettinen")
    )
    assert anne["Display name"].value == "Anne Miettinen"
    assert anne["Sign-in allowed"].value is True
    assert anne["Licences"].value == "SPB"
    last = anne["Last activity"]
    assert last.is_date and last.value.date() == date(2026, 7, 15)
    assert last.number_format == "d mmm yyyy"
    assert anne["Activity from"].value == "usage_active_users_detail.csv"
    assert anne[f"Created ({zone})"].is_date


def test_backup_and_role_sheets(book, zone) -> None:
    (job,) = _rows(_sheet(book, "FND-04"))
    assert job["Backup job"].value == "Nightly SRV-ERP01"
    assert job["Protected system"].value == "SRV-ERP01"
    assert job["Last result"].value == "failed"
    last_run = zones.local_naive(datetime(2026, 11, 20, 2, 30), zone)
    assert job[f"Last run ({zone})"].value == last_run
    last_success = zones.local_naive(datetime(2026, 11, 14, 2, 30), zone)
    assert job[f"Last success ({zone})"].value == last_success
    holders = _rows(_sheet(book, "REV-04"))
    # Every role a holder has is a row: the admin sees what the account can do.
    assert sorted(
        (h["User principal name"].value[:5], h["Role"].value) for h in holders
    ) == [
        ("antti", "Global Administrator"),
        ("sanna", "Billing Administrator"),
        ("sanna", "Global Administrator"),
    ]
    assert {h["Assignment type"].value for h in holders} == {"permanent", "eligible"}
    assert {h["MFA registered"].value for h in holders} == {False}
    # FND-07 uses backup jobs and devices and names servers: device columns.
    servers = _rows(_sheet(book, "FND-07"))
    assert [s["Device"].value for s in servers] == ["SRV-DC01", "SRV-PRINT01"]


def test_list_sheets_keep_header_filter_and_finnish_labels(sample_run, tmp_path):
    from healthcheck.model import Assessment
    from healthcheck.report import xlsx

    a = Assessment.from_dict(json.loads((sample_run / "assessment.json").read_text()))
    xlsx.write(a, tmp_path / "fi.xlsx", lang="fi")
    ws = _sheet(openpyxl.load_workbook(tmp_path / "fi.xlsx"), "FND-01")
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref.startswith("A1:G")
    header = [c.value for c in ws[1]]
    assert header[:2] == ["Laite", "Ensisijainen käyttäjä"]
    assert ws.cell(row=2, column=5).number_format == "d.m.yyyy h:mm"


def _finding(affected: tuple[str, ...], evidence: tuple[str, ...]) -> Finding:
    return Finding(
        rule_id="X-01",
        layer=Layer.FOUNDATION,
        severity=Severity.HIGH,
        weight=1,
        title="t",
        status=Status.FAIL,
        affected=affected,
        evidence=evidence,
    )


def test_unknown_names_keep_a_row_and_json_round_trips() -> None:
    frames = {
        "devices": pd.DataFrame(
            {
                "device_id": ["1"],
                "name": ["PC-1"],
                "os": ["Windows"],
                "last_check_in": [pd.Timestamp("2026-11-01 10:00")],
            }
        )
    }
    (f,), tables = objects.attach([_finding(("GONE", "pc-1"), ("devices",))], frames)
    assert f.object_kind == "devices"
    table = tables["devices"]
    assert table.columns == ("name", "os", "last_check_in")
    assert table.rows == (
        ("GONE", None, None),
        ("PC-1", "Windows", "2026-11-01T10:00:00"),
    )
    back = ObjectTable.from_dict(json.loads(json.dumps(table.to_dict())))
    assert back == table
    assert back.typed_rows()[1][2] == datetime(2026, 11, 1, 10, 0)
    assert Finding.from_dict(f.to_dict()).object_kind == "devices"


def test_no_objects_when_no_name_matches_or_dataset_unused() -> None:
    frames = {"devices": pd.DataFrame({"device_id": ["1"], "name": ["PC-1"]})}
    (f,), tables = objects.attach([_finding(("nothing",), ("devices",))], frames)
    assert f.object_kind == "" and tables == {}
    # A rule that did not use the devices is not given device columns.
    (g,), _ = objects.attach([_finding(("PC-1",), ("users",))], frames)
    assert g.object_kind == ""


def test_an_object_listed_by_several_rules_is_one_row() -> None:
    frames = {
        "devices": pd.DataFrame(
            {"device_id": ["1", "2"], "name": ["PC-1", "PC-2"], "os": ["W", "W"]}
        )
    }
    found, tables = objects.attach(
        [
            _finding(("PC-2", "PC-1"), ("devices",)),
            _finding(("PC-1",), ("devices",)),
        ],
        frames,
    )
    assert tables["devices"].rows == (("PC-1", "W"), ("PC-2", "W"))
    from healthcheck.model import Assessment

    class A:  # objects_of reads only these two fields
        objects = tables

    first = Assessment.objects_of(A, found[0])  # type: ignore[arg-type]
    assert first is not None and first.rows == (("PC-2", "W"), ("PC-1", "W"))


def test_object_table_stays_compact() -> None:
    table = ObjectTable(kind="accounts", columns=("upn",), types=("text",))
    assert set(table.to_dict()) == {"kind", "columns", "types", "rows"}
