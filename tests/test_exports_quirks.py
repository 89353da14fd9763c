"""One test per real-world quirk of exported files (issue 3)."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from healthcheck.errors import ConfigError, InputError
from tests.conftest import write_csv
from tests.test_exports_formats import DATA, collect, engagement, frame

INTUNE = (DATA / "intune_devices.csv").read_text(encoding="utf-8").splitlines()
HEADER = INTUNE[0].split(",")


def _devices(rows: list[dict[str, str]], header: list[str] | None = None) -> list:
    header = header or ["Device ID", "Device name", "Last check-in", "OS", "OS version"]
    return [header, [[r.get(h, "") for h in header] for r in rows]]


def _dev(n: int, **cells: str) -> dict[str, str]:
    base = {
        "Device ID": f"id-{n}",
        "Device name": f"PC-{n}",
        "Last check-in": "2026-11-19 08:00:00",
        "OS": "Windows",
        "OS version": "10.0.22631",
    }
    return base | cells


def test_utf8_with_bom(tmp_path: Path) -> None:
    assert (DATA / "m365_active_users.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    users = frame(collect(engagement(tmp_path, "m365_active_users.csv"))[0], "users")
    assert "upn" in users.columns and len(users) == 3


def test_utf16_excel_unicode_text_with_and_without_bom(tmp_path: Path) -> None:
    text = (DATA / "intune_devices.csv").read_text(encoding="utf-8")
    # Excel's "Unicode text" is UTF-16 LE with a BOM, tab-separated.
    tabbed = "\r\n".join(
        "\t".join(cells)
        for cells in pd.read_csv(DATA / "intune_devices.csv", dtype=str)
        .fillna("")
        .pipe(lambda f: [list(f.columns)] + f.values.tolist())
    )
    assert text  # the source fixture is there
    for name, data in (
        ("bom.txt", tabbed.encode("utf-16")),
        ("nobom.txt", tabbed.encode("utf-16-le")),
    ):
        root = engagement(tmp_path / name)
        (root / "exports" / name).write_bytes(data)
        dev = frame(collect(root)[0], "devices")
        assert list(dev["name"]) == ["CON-LT-001", "CON-LT-002"]


@pytest.mark.parametrize("sep", [",", ";", "\t"])
def test_delimiters(tmp_path: Path, sep: str) -> None:
    root = engagement(tmp_path)
    header, rows = _devices([_dev(1), _dev(2)])
    write_csv(root / "exports" / "d.csv", header, rows, sep=sep)
    assert len(frame(collect(root)[0], "devices")) == 2


def test_decimal_comma(tmp_path: Path) -> None:
    root = engagement(tmp_path)
    header = HEADER[:0] + [
        "Device ID",
        "Device name",
        "Last check-in",
        "OS",
        "OS version",
        "Total storage",
        "Free storage",
    ]
    header, rows = _devices(
        [
            _dev(1, **{"Total storage": "243852,5", "Free storage": "1 024,25"}),
            _dev(2, **{"Total storage": "121000", "Free storage": "99,9"}),
        ],
        header,
    )
    write_csv(root / "exports" / "d.csv", header, rows, sep=";")
    dev = frame(collect(root)[0], "devices")
    assert list(dev["total_storage_mb"]) == [243852.5, 121000.0]
    assert list(dev["free_storage_mb"]) == [1024.25, 99.9]


def test_us_and_european_dates_decided_from_the_data(tmp_path: Path) -> None:
    root = engagement(tmp_path)
    header, rows = _devices(
        [
            _dev(1, **{"Last check-in": "03/04/2026 08:00"}),
            _dev(2, **{"Last check-in": "25/04/2026 17:30"}),
        ]
    )
    write_csv(root / "exports" / "eu.csv", header, rows)
    dev = frame(collect(root)[0], "devices")
    # 25/04 proves day-first, so 03/04 is 3 April, not March 4.
    assert list(dev["last_check_in"]) == [
        pd.Timestamp("2026-04-03 08:00"),
        pd.Timestamp("2026-04-25 17:30"),
    ]
    us = engagement(tmp_path / "us")
    header, rows = _devices(
        [
            _dev(1, **{"Last check-in": "03/04/2026 8:00 AM"}),
            _dev(2, **{"Last check-in": "04/25/2026 5:30 PM"}),
        ]
    )
    write_csv(us / "exports" / "us.csv", header, rows)
    dev = frame(collect(us)[0], "devices")
    assert list(dev["last_check_in"]) == [
        pd.Timestamp("2026-03-04 08:00"),
        pd.Timestamp("2026-04-25 17:30"),
    ]


def test_ambiguous_dates_are_never_guessed(tmp_path: Path) -> None:
    root = engagement(tmp_path)
    header, rows = _devices([_dev(1, **{"Last check-in": "03/04/2026"})])
    write_csv(root / "exports" / "amb.csv", header, rows)
    with pytest.raises(InputError) as err:
        collect(root)
    assert err.value.column == "Last check-in"
    assert err.value.file.endswith("amb.csv")
    assert "'03/04/2026'" in str(err.value) and "date_order" in str(err.value)


def test_ambiguous_dates_read_with_client_yaml_date_order(tmp_path: Path) -> None:
    root = engagement(tmp_path, yaml="column_mappings:\n  date_order: MDY\n")
    header, rows = _devices([_dev(1, **{"Last check-in": "03/04/2026"})])
    write_csv(root / "exports" / "amb.csv", header, rows)
    dev = frame(collect(root)[0], "devices")
    assert dev["last_check_in"].iloc[0] == pd.Timestamp("2026-03-04")


def test_ambiguous_column_settled_by_another_column_of_the_file(
    tmp_path: Path,
) -> None:
    root = engagement(tmp_path)
    header = [
        "Device ID",
        "Device name",
        "Last check-in",
        "OS",
        "OS version",
        "Enrollment date",
    ]
    header, rows = _devices(
        [_dev(1, **{"Last check-in": "03/04/2026", "Enrollment date": "28/02/2024"})],
        header,
    )
    write_csv(root / "exports" / "d.csv", header, rows)
    dev = frame(collect(root)[0], "devices")
    assert dev["last_check_in"].iloc[0] == pd.Timestamp("2026-04-03")


def test_data_contradicting_client_yaml_is_an_error(tmp_path: Path) -> None:
    yaml = (
        "column_mappings:\n  formats:\n    - format: intune_devices\n"
        "      date_order: MDY\n"
    )
    root = engagement(tmp_path, yaml=yaml)
    header, rows = _devices([_dev(1, **{"Last check-in": "25/04/2026"})])
    write_csv(root / "exports" / "d.csv", header, rows)
    with pytest.raises(InputError) as err:
        collect(root)
    assert "day-first" in str(err.value) and "MDY" in str(err.value)


def test_iso_timestamps_never_and_blank(tmp_path: Path) -> None:
    root = engagement(tmp_path)
    header, rows = _devices(
        [
            _dev(1, **{"Last check-in": "2026-11-19T08:27:07Z"}),
            _dev(2, **{"Last check-in": "2026-11-19T10:27:07+02:00"}),
            _dev(3, **{"Last check-in": "Never"}),
            _dev(4, **{"Last check-in": ""}),
        ]
    )
    write_csv(root / "exports" / "d.csv", header, rows)
    runs, _ = collect(root)
    dev = frame(runs, "devices")
    assert dev["last_check_in"].iloc[0] == pd.Timestamp("2026-11-19 08:27:07")
    assert dev["last_check_in"].iloc[1] == pd.Timestamp("2026-11-19 08:27:07")
    assert dev["last_check_in"].iloc[2:].isna().all()
    assert runs["devices"].dataset.rejected == ()


def test_xlsx_with_a_title_row(tmp_path: Path) -> None:
    root = engagement(tmp_path)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["All devices - exported 20.11.2026"])
    ws.append([])
    header, rows = _devices([_dev(1), _dev(2, **{"Last check-in": "yesterday"})])
    ws.append(header)
    for r in rows:
        ws.append(r)
    wb.save(root / "exports" / "devices.xlsx")
    runs, _ = collect(root)
    assert list(frame(runs, "devices")["name"]) == ["PC-1"]
    # Row 5 as Excel shows it: title, blank, header, PC-1, PC-2.
    assert [(r.row, r.column) for r in runs["devices"].dataset.rejected] == [
        (5, "Last check-in")
    ]


def test_source_hashes_are_of_the_files_bytes(tmp_path: Path) -> None:
    root = engagement(tmp_path, "azure_backup_jobs.json")
    wb = openpyxl.Workbook()
    header, rows = _devices([_dev(1), _dev(2)])
    wb.active.append(header)
    for r in rows:
        wb.active.append(r)
    wb.save(root / "exports" / "devices.xlsx")
    # A row with cells past the header takes the reader's slow path.
    header, rows = _devices([_dev(3), _dev(4)])
    write_csv(root / "exports" / "ragged.csv", header, [rows[0], rows[1] + ["x"]])
    runs, _ = collect(root)
    hashed = {
        Path(s.path).name: s.sha256
        for name in ("devices", "backup_jobs")
        for s in runs[name].dataset.sources
    }
    assert hashed == {
        name: hashlib.sha256((root / "exports" / name).read_bytes()).hexdigest()
        for name in ("azure_backup_jobs.json", "devices.xlsx", "ragged.csv")
    }


def test_extra_missing_optional_and_reordered_columns(tmp_path: Path) -> None:
    root = engagement(tmp_path)
    header = ["Colour", "OS version", "OS", "Last check-in", "Device name", "Device ID"]
    header, rows = _devices([_dev(1, Colour="blue")], header)
    write_csv(root / "exports" / "d.csv", header, rows)
    dev = frame(collect(root)[0], "devices")
    assert dev["os_version"].iloc[0] == "10.0.22631"
    # Encrypted and storage are optional: absent columns, not empty values.
    assert "encrypted" not in dev.columns and "free_storage_mb" not in dev.columns


def test_header_names_from_another_export_version(tmp_path: Path) -> None:
    root = engagement(tmp_path)
    header = [
        "DeviceId",
        "DeviceName",
        "LastContact",
        "OS",
        "OSVersion",
        "ComplianceState",
        "UPN",
    ]
    header, rows = _devices(
        [
            _dev(
                1,
                DeviceId="id-9",
                DeviceName="PC-9",
                LastContact="2026-11-18",
                OSVersion="14.1",
                ComplianceState="Compliant",
                UPN="a@x",
            )
        ],
        header,
    )
    write_csv(root / "exports" / "d.csv", header, rows)
    dev = frame(collect(root)[0], "devices")
    assert dev.iloc[0]["device_id"] == "id-9"
    assert dev.iloc[0]["compliance"] == "compliant"
    assert dev.iloc[0]["primary_user"] == "a@x"


def test_duplicate_rows_are_skipped_and_listed(tmp_path: Path) -> None:
    root = engagement(tmp_path)
    header, rows = _devices(
        [_dev(1), _dev(2), _dev(1), _dev(2, **{"OS version": "11"})]
    )
    write_csv(root / "exports" / "d.csv", header, rows)
    runs, _ = collect(root)
    dev = frame(runs, "devices")
    assert list(dev["device_id"]) == ["id-1", "id-2"]
    notes = {r.row: r.reason for r in runs["devices"].dataset.rejected}
    assert notes[4] == "skipped: repeats row 2 exactly"
    # Same key, other values: a contradiction, rejected rather than folded.
    assert "duplicate" in notes[5]


def test_trailing_summary_lines_are_skipped_without_losing_rows(
    tmp_path: Path,
) -> None:
    root = engagement(tmp_path)
    header, rows = _devices([_dev(1), _dev(2)])
    rows += [["", "", "", "", ""], ["Total", "2", "", "", ""], ["Exported by admin"]]
    write_csv(root / "exports" / "d.csv", header, rows)
    runs, _ = collect(root)
    assert len(frame(runs, "devices")) == 2
    notes = [(r.row, r.reason) for r in runs["devices"].dataset.rejected]
    assert [n for n, _ in notes] == [5, 6]
    assert all(reason.startswith("skipped: a summary line") for _, reason in notes)


def test_blank_lines_keep_row_numbers(tmp_path: Path) -> None:
    root = engagement(tmp_path)
    header, rows = _devices([_dev(1)])
    rows += [["", "", "", "", ""], [*_devices([_dev(2, OS="")])[1][0]]]
    write_csv(root / "exports" / "d.csv", header, rows)
    runs, _ = collect(root)
    assert [(r.row, r.column) for r in runs["devices"].dataset.rejected] == [(4, "OS")]


def test_row_with_extra_cells_is_rejected_others_kept(tmp_path: Path) -> None:
    root = engagement(tmp_path)
    path = root / "exports" / "d.csv"
    path.write_text(
        "Device ID,Device name,Last check-in,OS,OS version\n"
        "id-1,PC-1,2026-11-19,Windows,10\n"
        "id-2,PC, 2,2026-11-19,Windows,10\n"
        "id-3,PC-3,2026-11-19,Windows,10\n"
    )
    runs, _ = collect(root)
    assert list(frame(runs, "devices")["device_id"]) == ["id-1", "id-3"]
    (bad,) = runs["devices"].dataset.rejected
    assert bad.row == 3 and "6 cells" in bad.reason


def test_title_lines_above_the_header(tmp_path: Path) -> None:
    root = engagement(tmp_path)
    path = root / "exports" / "jobs.csv"
    path.write_text(
        "Backup job report\nGenerated 2026-11-20\n\n"
        "Job name,Protected system,Last run,Last result,Last success\n"
        "Nightly,NAS,2026-11-20 02:00,Succeeded,2026-11-20 02:00\n"
        "Weekly,NAS,2026-11-15 02:00,bogus,2026-11-15 02:00\n"
    )
    runs, _ = collect(root)
    assert list(frame(runs, "backup_jobs")["job"]) == ["Nightly"]
    assert [r.row for r in runs["backup_jobs"].dataset.rejected] == [6]


def test_column_mapping_reads_an_unknown_vendor(tmp_path: Path) -> None:
    yaml = """column_mappings:
  formats:
    - name: Acronis plans
      dataset: backup_jobs
      columns:
        job: Plan
        system: Machine
        last_run: Last backup
        last_result: State
      values:
        last_result: {OK: success, Error: failed}
      date_order: DMY
"""
    root = engagement(tmp_path, yaml=yaml)
    write_csv(
        root / "exports" / "acronis.csv",
        ["Plan", "Machine", "Last backup", "State"],
        [["Daily", "SRV1", "03.04.2026 01:00", "OK"], ["Files", "SRV2", "", "Error"]],
    )
    runs, _ = collect(root)
    jobs = frame(runs, "backup_jobs")
    assert list(jobs["last_result"]) == ["success", "failed"]
    assert jobs["last_run"].iloc[0] == pd.Timestamp("2026-04-03 01:00")
    assert runs["backup_jobs"].dataset.sources[0].format == "mapped:Acronis plans"


def test_column_mapping_adds_a_header_spelling_to_a_known_format(
    tmp_path: Path,
) -> None:
    yaml = """column_mappings:
  formats:
    - format: veeam_sessions
      columns:
        Job name: Backup job
"""
    root = engagement(tmp_path, yaml=yaml)
    src = (DATA / "veeam_sessions.csv").read_text().replace("Job name", "Backup job")
    (root / "exports" / "v.csv").write_text(src)
    assert len(frame(collect(root)[0], "backup_jobs")) == 2


@pytest.mark.parametrize(
    "yaml,key",
    [
        ("column_mappings:\n  date_order: YMD\n", "column_mappings.date_order"),
        (
            "column_mappings:\n  formats:\n    - name: X\n      dataset: nope\n"
            "      columns: {job: A}\n",
            "column_mappings.formats[0].dataset",
        ),
        (
            "column_mappings:\n  formats:\n    - name: X\n      dataset: backup_jobs\n"
            "      columns: {job: A}\n",
            "column_mappings.formats[0].columns",
        ),
        (
            "column_mappings:\n  formats:\n    - format: nope\n",
            "column_mappings.formats[0].format",
        ),
        ("column_mappings:\n  colour: red\n", "column_mappings.colour"),
    ],
)
def test_column_mapping_errors_name_client_yaml_and_key(
    tmp_path: Path, yaml: str, key: str
) -> None:
    root = engagement(tmp_path, "backup_jobs_generic.csv", yaml=yaml)
    with pytest.raises(ConfigError) as err:
        collect(root)
    assert "client.yaml" in str(err.value) and f"'{key}'" in str(err.value)


def test_unreadable_rows_are_counted_and_listed(tmp_path: Path) -> None:
    root = engagement(tmp_path)
    shutil.copy(DATA / "veeam_sessions.csv", root / "exports" / "v.csv")
    with (root / "exports" / "v.csv").open("a") as fh:
        fh.write("SRV-X;Backup;31.02.2026 22:00:00;;Success\n")
    runs, _ = collect(root)
    ds = runs["backup_jobs"].dataset
    listed = {(r.row, r.column): r.reason for r in ds.rejected}
    assert "'31.02.2026 22:00:00'" in listed[(7, "Start time")]
    # The session still running is not a result yet: skipped, and said so.
    assert listed[(6, "Result")] == "skipped: a session still running ('None')"
    assert ds.sources[0].rows_rejected == 2 and ds.sources[0].rows_read == 6


def test_exit_code_2_only_when_nothing_usable_remains(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from healthcheck.cli import main

    some_bad = engagement(tmp_path / "a", "veeam_sessions.csv")
    with (some_bad / "exports" / "veeam_sessions.csv").open("a") as fh:
        fh.write("SRV-X;Backup;31.02.2026 22:00:00;;Success\n")
    (some_bad / "exports" / "notes.csv").write_text("Colour,Size\nblue,3\n")
    ok = CliRunner().invoke(
        main, ["collect", str(some_bad), "--out", str(tmp_path / "o")]
    )
    assert ok.exit_code == 0, ok.output
    nothing = engagement(tmp_path / "b")
    (nothing / "exports" / "notes.csv").write_text("Colour,Size\nblue,3\n")
    bad = CliRunner().invoke(
        main, ["collect", str(nothing), "--out", str(tmp_path / "p")]
    )
    assert bad.exit_code == 2
    assert (
        "notes.csv" in bad.output and "no file in exports/ could be used" in bad.output
    )
