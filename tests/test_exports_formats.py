"""One fixture per export format (tests/data/exports), each read end to end.

The fixtures are written from each product's documented header (the URL is
on the format in ``collectors/exports/formats/``, one module per product
family); the rows are fictitious.
"""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path

import pandas as pd
import pytest
from healthcheck_collectors.exports import ExportsCollector
from healthcheck_collectors.exports.formats import TABLE_FORMATS

from healthcheck.config import CollectContext, load_engagement
from healthcheck.errors import InputError

DATA = Path(__file__).parent / "data" / "exports"


def engagement(tmp_path: Path, *files: str, yaml: str = "") -> Path:
    """A fresh engagement folder holding copies of the named fixtures."""
    root = tmp_path / "eng"
    (root / "exports").mkdir(parents=True)
    (root / "client.yaml").write_text(
        "client:\n  name: Test Oy\nperiod: 2026-Q4\nas_of: 2026-11-20\n" + yaml
    )
    for name in files:
        shutil.copy(DATA / name, root / "exports" / Path(name).name)
    return root


def collect(root: Path) -> tuple[dict, ExportsCollector]:
    """Run the exports collector once; runs by dataset name."""
    coll = ExportsCollector()
    ctx = CollectContext(
        engagement=load_engagement(root), collected_at=datetime(2026, 11, 20, 12)
    )
    return {r.dataset_name: r for r in coll.collect(ctx)}, coll


def frame(runs: dict, name: str) -> pd.DataFrame:
    """The canonical frame of an ok dataset."""
    assert runs[name].status.value == "ok", runs[name].reason
    return runs[name].dataset.frame


def test_every_format_has_a_fixture() -> None:
    formats = {f.id for f in TABLE_FORMATS}
    covered = {
        "m365_active_users",
        "m365_usage_active_users",
        "m365_licences",
        "entra_users",
        "entra_sign_ins",
        "intune_devices",
        "veeam_sessions",
        "azure_backup_jobs",
        "backup_jobs",
        "patch_status",
        "role_assignments",
        "mfa_registration",
        "exo_mailboxes",
        "m365_mailbox_usage",
        "per_user_mfa",  # tests/test_identity_collect.py writes its file
        # Issue 13, part B: tests/test_exports_issue13b.py.
        "exchange_accepted_domains",
        "exchange_outbound_spam",
        "exchange_inbox_rules",
        "exchange_dkim_signing",
        "intune_antivirus",
        "defender_device_inventory",
        "entra_bitlocker_keys",
        "entra_laps_credentials",
    }
    assert formats == covered


def test_m365_active_users(tmp_path: Path) -> None:
    runs, _ = collect(engagement(tmp_path, "m365_active_users.csv"))
    users = frame(runs, "users")
    assert list(users["upn"]) == [
        "maija.virtanen@contoso.example",
        "old.leaver@contoso.example",
        "partner_fabrikam.example#ext#@contoso.onmicrosoft.com",
    ]
    assert list(users["enabled"]) == [True, False, True]
    assert list(users["user_type"]) == ["member", "member", "guest"]
    assert users["created"].iloc[0] == pd.Timestamp("2023-04-03 09:15:00")
    lic = frame(runs, "licence_assignments")
    assert sorted(zip(lic["upn"], lic["sku"], strict=True)) == [
        ("maija.virtanen@contoso.example", "EXCHANGESTANDARD"),
        ("maija.virtanen@contoso.example", "SPB"),
        ("old.leaver@contoso.example", "O365_BUSINESS_PREMIUM"),
    ]


def test_usage_report_gives_last_activity(tmp_path: Path) -> None:
    root = engagement(tmp_path, "m365_active_users.csv", "m365_usage_active_users.csv")
    users = frame(collect(root)[0], "users").set_index("upn")
    assert users.at["maija.virtanen@contoso.example", "last_activity"] == pd.Timestamp(
        "2026-11-19"
    )
    assert users.at["old.leaver@contoso.example", "last_activity"] == pd.Timestamp(
        "2025-01-02"
    )
    # Absent from the usage report: no activity ever recorded.
    assert pd.isna(
        users.at[
            "partner_fabrikam.example#ext#@contoso.onmicrosoft.com", "last_activity"
        ]
    )


def test_concealed_usage_report_says_which_setting_to_change(tmp_path: Path) -> None:
    root = engagement(tmp_path, "m365_active_users.csv", "m365_usage_concealed.csv")
    with pytest.raises(InputError) as err:
        collect(root)
    text = str(err.value)
    assert "m365_usage_concealed.csv" in text and "User Principal Name" in text
    assert "Settings > Org settings > Services > Reports" in text
    assert "Display concealed user, group, and site names in all reports" in text


def test_m365_licences_export(tmp_path: Path) -> None:
    skus = frame(collect(engagement(tmp_path, "m365_licences.csv"))[0], "licence_skus")
    assert list(skus["sku"]) == ["SPB", "EXCHANGESTANDARD", "FLOW_FREE"]
    assert list(skus["purchased"]) == [10, 5, 10000]
    assert list(skus["assigned"]) == [8, 1, 3]


def test_entra_users_download(tmp_path: Path) -> None:
    users = frame(collect(engagement(tmp_path, "entra_users.csv"))[0], "users")
    assert list(users["enabled"]) == [True, False, True]
    assert list(users["user_type"]) == ["member", "member", "guest"]
    assert users["created"].iloc[2] == pd.Timestamp("2026-02-28 14:30:00")


def test_sign_in_log_raises_activity_only_beside_a_usage_report(
    tmp_path: Path,
) -> None:
    root = engagement(
        tmp_path,
        "m365_active_users.csv",
        "m365_usage_active_users.csv",
        "entra_sign_ins.csv",
    )
    users = frame(collect(root)[0], "users").set_index("upn")
    # A successful sign-in after the usage report's date raises it ...
    assert (
        users.at["maija.virtanen@contoso.example", "last_activity"]
        == pd.Timestamp("2026-11-20 07:55:12").normalize()
    )
    # ... a failed one does not.
    assert users.at["old.leaver@contoso.example", "last_activity"] == pd.Timestamp(
        "2025-01-02"
    )
    alone = engagement(tmp_path / "b", "m365_active_users.csv", "entra_sign_ins.csv")
    runs, coll = collect(alone)
    assert "last_activity" not in frame(runs, "users").columns
    assert any("30 days" in u["reason"] for u in coll.unrecognised)


def test_entra_mfa_and_roles(tmp_path: Path) -> None:
    root = engagement(
        tmp_path, "entra_mfa_registration.csv", "entra_role_assignments.csv"
    )
    runs, _ = collect(root)
    mfa = frame(runs, "mfa_registration")
    assert list(mfa["mfa_registered"]) == [True, False]
    roles = frame(runs, "role_assignments")
    assert list(roles["assignment"]) == ["permanent", "eligible"]


def test_intune_devices(tmp_path: Path) -> None:
    dev = frame(collect(engagement(tmp_path, "intune_devices.csv"))[0], "devices")
    assert list(dev["compliance"]) == ["compliant", "noncompliant"]
    assert list(dev["encrypted"]) == [True, False]
    assert list(dev["free_storage_mb"]) == [120113.0, 2048.0]
    # Seven fractional digits, as Intune writes them.
    assert dev["last_check_in"].iloc[0] == pd.Timestamp("2026-11-19 08:27:07")


def test_veeam_session_history_folds_into_jobs(tmp_path: Path) -> None:
    jobs = frame(collect(engagement(tmp_path, "veeam_sessions.csv"))[0], "backup_jobs")
    jobs = jobs.set_index("job")
    erp = jobs.loc["SRV-ERP01 nightly"]
    # The running session (Result None) says nothing yet; day-first dates.
    assert erp["last_result"] == "failed"
    assert erp["last_run"] == pd.Timestamp("2026-11-20 23:00:00")
    assert erp["last_success"] == pd.Timestamp("2026-11-14 23:00:00")
    assert jobs.loc["SRV-FILE01 nightly", "last_result"] == "warning"


def test_azure_backup_csv_and_arm_json_agree(tmp_path: Path) -> None:
    csv_jobs = frame(
        collect(engagement(tmp_path / "a", "azure_backup_jobs.csv"))[0], "backup_jobs"
    ).set_index("job")
    arm_jobs = frame(
        collect(engagement(tmp_path / "b", "azure_backup_jobs.json"))[0], "backup_jobs"
    ).set_index("job")
    for jobs in (csv_jobs, arm_jobs):
        web = jobs.loc["vm-web01"]
        # The restore after the failed backup is not a backup.
        assert web["last_result"] == "failed"
        assert web["last_success"].floor("s") == pd.Timestamp("2026-11-19 22:30:12")
    assert csv_jobs.loc["vm-web01", "last_run"] == pd.Timestamp("2026-11-20 22:30:09")
    assert csv_jobs.loc["sqldb01", "last_result"] == "success"
    # The restore is listed as skipped: row 4 of the CSV, item 3 of the JSON.
    for fixture, row in (("azure_backup_jobs.csv", 4), ("azure_backup_jobs.json", 3)):
        runs, _ = collect(engagement(tmp_path / fixture, fixture))
        notes = [(r.row, r.reason) for r in runs["backup_jobs"].dataset.rejected]
        assert notes == [(row, "skipped: a Restore job, not a backup")], fixture


def test_generic_backup_list(tmp_path: Path) -> None:
    jobs = frame(
        collect(engagement(tmp_path, "backup_jobs_generic.csv"))[0], "backup_jobs"
    )
    assert list(jobs["last_result"]) == ["success"]


def test_generic_backup_list_with_a_schedule(tmp_path: Path) -> None:
    jobs = frame(
        collect(engagement(tmp_path, "backup_jobs_schedule.csv"))[0], "backup_jobs"
    )
    assert list(jobs["schedule"]) == ["Daily", "Weekly"]
    assert list(jobs["last_result"]) == ["success", "warning"]


def test_generic_backup_list_without_a_schedule_has_no_column(tmp_path: Path) -> None:
    jobs = frame(
        collect(engagement(tmp_path, "backup_jobs_generic.csv"))[0], "backup_jobs"
    )
    assert "schedule" not in jobs.columns


def test_rmm_patch_export_with_summary_line(tmp_path: Path) -> None:
    runs, _ = collect(engagement(tmp_path, "patch_status_rmm.tsv"))
    patch = frame(runs, "patch_status")
    assert list(patch["device"]) == ["CON-LT-001", "CON-LT-002"]
    assert list(patch["missing_updates"]) == [0, 14]
    assert patch["last_patch_install"].iloc[1] == pd.Timestamp("2026-06-02 03:10")
    skipped = [r for r in runs["patch_status"].dataset.rejected]
    assert [(r.row, r.reason.split(":")[0]) for r in skipped] == [(4, "skipped")]
    assert "Total: 2 devices" in skipped[0].reason


def test_wsus_computer_report(tmp_path: Path) -> None:
    patch = frame(
        collect(engagement(tmp_path, "wsus_computers.csv"))[0], "patch_status"
    )
    assert list(patch["missing_updates"]) == [3, 27]
    assert "last_patch_install" not in patch.columns
    assert patch["last_scan"].iloc[0] == pd.Timestamp("2026-11-19 21:14")


@pytest.mark.parametrize(
    "export,graph",
    [
        (["m365_active_users.csv"], ["users.json", "subscribedSkus.json"]),
        (["intune_devices.csv"], ["managedDevices.json"]),
        (["entra_mfa_registration.csv"], ["userRegistrationDetails.json"]),
        (["m365_licences.csv"], ["subscribedSkus.json"]),
    ],
)
def test_export_and_graph_json_give_the_same_dataset(
    tmp_path: Path, export: list[str], graph: list[str]
) -> None:
    a = collect(engagement(tmp_path / "a", *(f"same_tenant/{f}" for f in export)))[0]
    b = collect(engagement(tmp_path / "b", *(f"same_tenant/{f}" for f in graph)))[0]
    compared = 0
    for name in ("users", "licence_assignments", "devices", "mfa_registration"):
        if a[name].status.value != "ok":
            continue
        left = a[name].dataset.frame
        right = b[name].dataset.frame[list(left.columns)]
        keys = list(left.columns[:2])
        pd.testing.assert_frame_equal(
            left.sort_values(keys).reset_index(drop=True),
            right.sort_values(keys).reset_index(drop=True),
            check_dtype=False,
        )
        compared += 1
    if "m365_licences.csv" in export:
        left = a["licence_skus"].dataset.frame[["sku", "purchased", "assigned"]]
        right = b["licence_skus"].dataset.frame[["sku", "purchased", "assigned"]]
        pd.testing.assert_frame_equal(left, right, check_dtype=False)
        compared += 1
    assert compared >= 1


def test_saved_role_assignments_say_who_is_a_person(tmp_path: Path) -> None:
    runs = collect(engagement(tmp_path, "roleAssignments_principals.json"))[0]
    roles = frame(runs, "role_assignments").set_index("upn")
    assert roles.loc["ann@contoso.example", "principal_type"] == "user"
    assert roles.loc["backup automation", "principal_type"] == "service_principal"
    assert roles.loc["tier0 admins", "principal_type"] == "group"
    assert set(roles["assignment"]) == {"permanent"}


def test_exchange_powershell_mailboxes(tmp_path: Path) -> None:
    runs, _ = collect(engagement(tmp_path, "exo_mailboxes.csv"))
    boxes = frame(runs, "mailboxes").set_index("upn")
    assert list(boxes.index) == [
        "info@contoso.example",
        "old.leaver@contoso.example",
        "archive-2019@contoso.example",
        "meeting.room@contoso.example",
        "discovery@contoso.example",
    ]
    assert list(boxes["recipient_type"]) == [
        "shared",
        "user",
        "shared",
        "room",
        "other",
    ]
    # ArchiveStatus Active; litigation hold as exported.
    assert list(boxes["has_archive"]) == [True, False, False, False, False]
    assert list(boxes["litigation_hold"]) == [False, True, False, False, False]
    # TotalItemSize "62.5 GB (67,108,864,000 bytes)": the bytes decide.
    assert boxes.at["archive-2019@contoso.example", "storage_gb"] == 62.5
    assert round(boxes.at["old.leaver@contoso.example", "storage_gb"], 2) == 14.61
    assert pd.isna(boxes.at["discovery@contoso.example", "storage_gb"])


def test_mailbox_usage_report(tmp_path: Path) -> None:
    runs, _ = collect(engagement(tmp_path, "m365_mailbox_usage.csv"))
    ds = runs["mailboxes"].dataset
    boxes = ds.frame.set_index("upn")
    # The deleted mailbox is listed as skipped, not read.
    assert "gone@contoso.example" not in boxes.index
    assert [(r.row, r.reason) for r in ds.rejected] == [
        (5, "skipped: a deleted mailbox")
    ]
    assert boxes.at["archive-2019@contoso.example", "storage_gb"] == 62.5
    assert boxes.at["maija.virtanen@contoso.example", "storage_gb"] == 2.0
    assert list(boxes["has_archive"]) == [False, True, False]
    assert list(boxes["recipient_type"]) == ["user", "shared", "shared"]
    # The report has no litigation hold: the column is absent, not "no".
    assert "litigation_hold" not in boxes.columns


def test_mailbox_usage_in_megabytes_and_without_optional_columns(
    tmp_path: Path,
) -> None:
    root = engagement(tmp_path)
    (root / "exports" / "mb.csv").write_text(
        "Report Refresh Date,User Principal Name,Display Name,Is Deleted,"
        "Last Activity Date,Item Count,Storage used (MB)\n"
        "2026-11-18,a@contoso.example,A,False,2026-11-17,10,51300\n"
        "2026-11-18,b@contoso.example,B,False,2026-11-17,10,not a size\n"
    )
    runs, _ = collect(root)
    ds = runs["mailboxes"].dataset
    sizes = ds.frame.set_index("upn")["storage_gb"]
    assert round(sizes["a@contoso.example"], 2) == 50.1  # 51,300 MB
    assert set(ds.frame.columns) == {"upn", "storage_gb"}
    assert [(r.row, r.column) for r in ds.rejected] == [(3, "Storage used (MB)")]


def test_a_held_mailbox_reaches_the_waste_line(tmp_path: Path) -> None:
    import json

    from healthcheck import pipeline

    root = engagement(tmp_path, "m365_active_users.csv", "exo_mailboxes.csv")
    out = tmp_path / "out"
    pipeline.run(root, out)
    waste = json.loads((out / "assessment.json").read_text())["waste"]
    [line] = [i for i in waste["items"] if i["category"] == "disabled_user"]
    # The leaver's mailbox is on litigation hold: its licence is not plain waste.
    assert line["users"] == ["old.leaver@contoso.example"]
    assert line["confidence"] == "medium"
    [evidence] = line["user_evidence"]
    assert "on litigation hold" in evidence["evidence"]
