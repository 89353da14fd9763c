"""The exports collector: recognition by header, quirks, and clear errors."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pandas as pd
import pytest
from healthcheck_collectors.exports import ExportsCollector
from healthcheck_collectors.exports.formats import TABLE_FORMATS

from healthcheck import pipeline
from healthcheck.config import CollectContext, load_engagement
from healthcheck.errors import InputError
from healthcheck.evidence import load
from tests.conftest import write_csv

USERS_HEADER = next(f for f in TABLE_FORMATS if f.id == "m365_active_users").headers


def _user_row(
    upn: str,
    *,
    blocked: str = "False",
    licences: str = "Unlicensed",
    created: str = "2024-01-10 08:00:00",
) -> list[str]:
    cells = dict.fromkeys(USERS_HEADER, "")
    cells.update(
        {
            "User principal name": upn,
            "Display name": upn.split("@")[0],
            "Block credential": blocked,
            "Licenses": licences,
            "When created": created,
        }
    )
    return [cells[h] for h in USERS_HEADER]


def _engagement(tmp_path: Path) -> Path:
    root = tmp_path / "eng"
    (root / "exports").mkdir(parents=True)
    (root / "client.yaml").write_text(
        "client:\n  name: Test Oy\nperiod: 2026-Q4\nas_of: 2026-11-20\n"
    )
    return root


def _collect(root: Path) -> tuple[dict, ExportsCollector]:
    coll = ExportsCollector()
    ctx = CollectContext(
        engagement=load_engagement(root), collected_at=datetime(2026, 11, 20, 12)
    )
    runs = {r.dataset_name: r for r in coll.collect(ctx)}
    return runs, coll


def test_active_users_give_users_and_licences(tmp_path: Path) -> None:
    root = _engagement(tmp_path)
    write_csv(
        root / "exports" / "whatever-name.csv",
        list(USERS_HEADER),
        [
            _user_row(
                "A@x.example",
                licences="Microsoft 365 Business Premium+Exchange Online (Plan 1)",
            ),
            _user_row("b@x.example", blocked="True", licences="Some Future Product"),
            _user_row("c@x.example"),
        ],
    )
    runs, _ = _collect(root)
    users = runs["users"].dataset.frame
    assert list(users["upn"]) == ["a@x.example", "b@x.example", "c@x.example"]
    assert list(users["enabled"]) == [True, False, True]
    assert "last_activity" not in users.columns
    lic = runs["licence_assignments"].dataset.frame
    assert sorted(zip(lic["upn"], lic["sku"], strict=True)) == [
        ("a@x.example", "EXCHANGESTANDARD"),
        ("a@x.example", "SPB"),
        ("b@x.example", "Some Future Product"),
    ]
    assert runs["devices"].status.value == "missing"
    assert "devices" in runs["devices"].reason


@pytest.mark.parametrize(
    "sep,encoding", [(",", "utf-8-sig"), (";", "utf-8"), ("\t", "utf-16")]
)
def test_delimiters_and_encodings(tmp_path: Path, sep: str, encoding: str) -> None:
    root = _engagement(tmp_path)
    write_csv(
        root / "exports" / "u.csv",
        list(USERS_HEADER),
        [_user_row("ä@x.example", licences="Microsoft 365 Business Basic")],
        sep=sep,
        encoding=encoding,
    )
    runs, _ = _collect(root)
    assert list(runs["users"].dataset.frame["upn"]) == ["ä@x.example"]
    assert list(runs["licence_assignments"].dataset.frame["sku"]) == [
        "O365_BUSINESS_ESSENTIALS"
    ]


def test_bad_cells_are_rejected_and_kept_with_reason(tmp_path: Path) -> None:
    root = _engagement(tmp_path)
    write_csv(
        root / "exports" / "u.csv",
        list(USERS_HEADER),
        [
            _user_row("a@x.example"),
            _user_row("b@x.example", created="yesterday"),
            _user_row("c@x.example", blocked="perhaps"),
        ],
    )
    runs, _ = _collect(root)
    ds = runs["users"].dataset
    assert list(ds.frame["upn"]) == ["a@x.example"]
    reasons = {(r.row, r.column): r.reason for r in ds.rejected}
    assert set(reasons) == {(3, "When created"), (4, "Block credential")}
    assert "'yesterday'" in reasons[(3, "When created")]
    assert "True or False" in reasons[(4, "Block credential")]


def test_rejections_reach_the_evidence_and_the_workbook(tmp_path: Path) -> None:
    root = _engagement(tmp_path)
    write_csv(
        root / "exports" / "u.csv",
        list(USERS_HEADER),
        [_user_row("a@x.example"), _user_row("b@x.example", created="31/13/2026")],
    )
    out = tmp_path / "out"
    pipeline.run(root, out)
    ev = load(out / "evidence")
    assert [(r["row"], r["column"]) for r in ev.rejected] == [(3, "When created")]
    manifest = json.loads((out / "evidence" / "manifest.json").read_text())
    assert manifest["datasets"]["users"]["sources"][0]["rows_read"] == 2
    sheet = pd.read_excel(out / "findings.xlsx", sheet_name="Rejected rows")
    assert list(sheet["Row"]) == [3]


def test_all_rows_bad_is_an_error(tmp_path: Path) -> None:
    root = _engagement(tmp_path)
    write_csv(
        root / "exports" / "u.csv",
        list(USERS_HEADER),
        [_user_row("a@x.example", created="n/a?")],
    )
    with pytest.raises(InputError) as err:
        _collect(root)
    text = str(err.value)
    assert "u.csv" in text and "row 2" in text and "When created" in text


def test_missing_required_column_names_file_and_column(tmp_path: Path) -> None:
    root = _engagement(tmp_path)
    header = [h for h in USERS_HEADER if h != "Licenses"]
    row = _user_row("a@x.example")
    row = [c for h, c in zip(USERS_HEADER, row, strict=True) if h != "Licenses"]
    write_csv(root / "exports" / "users.csv", header, [row])
    with pytest.raises(InputError) as err:
        _collect(root)
    assert err.value.column == "Licenses"
    assert err.value.file and err.value.file.endswith("users.csv")


def test_unrecognised_file_is_reported_with_closest_format(tmp_path: Path) -> None:
    root = _engagement(tmp_path)
    write_csv(
        root / "exports" / "notes.csv",
        ["Device name", "OS", "OS version", "Colour"],
        [["x", "Windows", "10.0", "blue"]],
    )
    (root / "exports" / "readme.txt").write_text("hello\n")
    write_csv(root / "exports" / "users.csv", list(USERS_HEADER), [_user_row("a@x")])
    runs, coll = _collect(root)
    reasons = {Path(u["path"]).name: u["reason"] for u in coll.unrecognised}
    assert "Intune: All devices" in reasons["notes.csv"]
    assert "'Device ID'" in reasons["notes.csv"]
    assert "'Last check-in'" in reasons["notes.csv"]
    assert "no header belongs to a known format" in reasons["readme.txt"]
    assert runs["devices"].status.value == "missing"
    assert runs["users"].status.value == "ok"


def test_nothing_usable_in_exports_is_an_error(tmp_path: Path) -> None:
    root = _engagement(tmp_path)
    write_csv(
        root / "exports" / "notes.csv",
        ["Device name", "OS", "OS version", "Colour"],
        [["x", "Windows", "10.0", "blue"]],
    )
    with pytest.raises(InputError) as err:
        _collect(root)
    assert "notes.csv" in str(err.value) and "Intune: All devices" in str(err.value)
    assert "'Device ID'" in str(err.value)


def test_usage_report_adds_last_activity(tmp_path: Path) -> None:
    root = _engagement(tmp_path)
    write_csv(
        root / "exports" / "u.csv",
        list(USERS_HEADER),
        [_user_row("a@x.example"), _user_row("b@x.example")],
    )
    write_csv(
        root / "exports" / "usage.csv",
        [
            "Report Refresh Date",
            "User Principal Name",
            "Display Name",
            "Exchange Last Activity Date",
            "Teams Last Activity Date",
            "Assigned Products",
        ],
        [
            ["2026-11-19", "A@x.example", "a", "2026-10-01", "2026-11-02", ""],
            ["2026-11-19", "b@x.example", "b", "", "not a date", ""],
        ],
    )
    runs, _ = _collect(root)
    ds = runs["users"].dataset
    act = dict(zip(ds.frame["upn"], ds.frame["last_activity"], strict=True))
    assert act["a@x.example"] == pd.Timestamp("2026-11-02")
    assert pd.isna(act["b@x.example"])
    assert [(r.column, r.row) for r in ds.rejected] == [("Teams Last Activity Date", 3)]


def test_subscribed_skus_json(tmp_path: Path) -> None:
    root = _engagement(tmp_path)
    (root / "exports" / "skus.json").write_text(
        json.dumps(
            {
                "value": [
                    {
                        "skuPartNumber": "SPB",
                        "consumedUnits": 3,
                        "prepaidUnits": {"enabled": 5},
                    },
                    {
                        "skuPartNumber": "FLOW_FREE",
                        "consumedUnits": 1,
                        "prepaidUnits": {"enabled": 10000},
                    },
                ]
            }
        )
    )
    runs, _ = _collect(root)
    frame = runs["licence_skus"].dataset.frame
    assert list(frame["purchased"]) == [5, 10000]
    assert list(frame["name"]) == [
        "Microsoft 365 Business Premium",
        "Microsoft Power Automate Free",
    ]


def test_broken_json_names_the_line(tmp_path: Path) -> None:
    root = _engagement(tmp_path)
    (root / "exports" / "skus.json").write_text('{"value": [\n  {"skuPartNumber": }\n')
    with pytest.raises(InputError) as err:
        _collect(root)
    assert "skus.json" in str(err.value) and "row 2" in str(err.value)


def test_empty_file_is_reported_and_the_others_still_read(tmp_path: Path) -> None:
    root = _engagement(tmp_path)
    (root / "exports" / "roles.csv").write_bytes(b"")
    (root / "exports" / "devices.csv").write_text(" \r\n\n", encoding="utf-8")
    write_csv(root / "exports" / "users.csv", list(USERS_HEADER), [_user_row("a@x")])
    runs, coll = _collect(root)
    reasons = {Path(u["path"]).name: u["reason"] for u in coll.unrecognised}
    assert reasons["roles.csv"] == "the file is empty: download the export again"
    assert reasons["devices.csv"] == reasons["roles.csv"]
    assert runs["users"].status.value == "ok"
    assert runs["role_assignments"].status.value == "missing"


def test_only_empty_files_is_an_error_naming_them(tmp_path: Path) -> None:
    root = _engagement(tmp_path)
    (root / "exports" / "roles.csv").write_bytes(b"")
    with pytest.raises(InputError) as err:
        _collect(root)
    assert "roles.csv: the file is empty" in str(err.value)


def test_unrecognised_files_belong_to_their_own_engagement(tmp_path: Path) -> None:
    # The registry caches one collector instance per process, so two
    # engagements collected one after the other share it.
    first = _engagement(tmp_path / "a")
    (first / "exports" / "notes-of-a.txt").write_text("hello\n")
    write_csv(first / "exports" / "users.csv", list(USERS_HEADER), [_user_row("a@x")])
    second = _engagement(tmp_path / "b")
    write_csv(second / "exports" / "users.csv", list(USERS_HEADER), [_user_row("b@x")])
    pipeline.collect(first, tmp_path / "ev-a")
    pipeline.collect(second, tmp_path / "ev-b")
    listed_a = json.loads((tmp_path / "ev-a" / "manifest.json").read_text())
    listed_b = json.loads((tmp_path / "ev-b" / "manifest.json").read_text())
    assert [Path(u["path"]).name for u in listed_a["unrecognised"]] == [
        "notes-of-a.txt"
    ]
    assert listed_b["unrecognised"] == []
