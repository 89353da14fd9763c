"""Issue 13, part B: the Exchange, Defender and Entra device exports, end to end.

Each fixture in tests/data/exports is read by the exports collector and
then scored by its rule, so a held-out file of the same kind exercises the
same path as a live tenant.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pandas as pd
import pytest

from healthcheck import engine
from healthcheck.model import Status
from tests.test_exports_formats import collect, engagement, frame


def findings(runs: dict) -> dict:
    """The catalogue evaluated over the datasets a collection gave."""
    frames = {n: r.dataset.frame for n, r in runs.items() if r.status.value == "ok"}
    found = engine.evaluate(
        frames, as_of=date(2026, 11, 20), now=datetime(2026, 11, 20, 12)
    )
    return {f.rule_id: f for f in found}


def test_exchange_exports_give_domains_policies_forwarding_and_rules(
    tmp_path: Path,
) -> None:
    runs, coll = collect(
        engagement(
            tmp_path,
            "exo_accepted_domains.csv",
            "exo_outbound_spam.csv",
            "exo_mailbox_forwarding.csv",
            "exo_inbox_rules.csv",
            "exo_dkim.csv",
        )
    )
    assert coll.unrecognised == []
    domains = frame(runs, "accepted_domains")
    assert sorted(domains["domain"]) == [
        "contoso-group.example",
        "contoso.example",
        "contoso.onmicrosoft.com",
    ]
    policies = frame(runs, "outbound_spam_policies")
    assert dict(zip(policies["policy"], policies["auto_forwarding"], strict=True)) == {
        "Default": "automatic",
        "Sales forwarding": "on",
    }
    boxes = frame(runs, "mail_forwarding").set_index("mailbox")
    assert boxes.loc["maija.virtanen@contoso.example", "forwarding_smtp"] == (
        "maija.v@gmail.example"
    )
    assert bool(boxes.loc["maija.virtanen@contoso.example", "deliver_and_forward"])
    rules = frame(runs, "inbox_rules")
    assert len(rules) == 3
    assert "payables@attacker.example" in rules["forward_to"].iloc[0]
    dkim = frame(runs, "dkim_signing").set_index("domain")["enabled"]
    assert dkim.to_dict() == {"contoso.example": True, "contoso-group.example": False}

    found = findings(runs)
    assert found["FND-11"].status is Status.FAIL
    assert found["FND-11"].affected == ("Sales forwarding",)
    f = found["FND-12"]
    assert f.status is Status.FAIL
    # info@ forwards to the company's second domain: inside. Pekka's
    # forward to home.example is a disabled rule.
    assert f.affected == (
        "anna.korhonen@contoso.example",
        "maija.virtanen@contoso.example",
    )
    assert f.population == 4


def test_intune_antivirus_report(tmp_path: Path) -> None:
    runs, _ = collect(
        engagement(tmp_path, "intune_antivirus.csv", "intune_devices.csv")
    )
    av = frame(runs, "endpoint_protection").set_index("device")
    assert av.loc["CON-LT-003", "state"] == "Critical failure"
    assert av.loc["CON-LT-002", "realtime"] == False  # noqa: E712
    f = findings(runs)["FND-14"]
    assert f.status is Status.FAIL
    assert f.affected == ("CON-LT-002", "CON-LT-003")
    assert "real-time protection off" in f.detail


def test_defender_inventory_keeps_windows_and_reads_onboarding(tmp_path: Path) -> None:
    runs, _ = collect(engagement(tmp_path, "defender_inventory.csv"))
    av = frame(runs, "endpoint_protection")
    assert sorted(av["device"]) == ["con-lt-001", "con-lt-004", "con-lt-005"]
    skipped = [r for r in runs["endpoint_protection"].dataset.rejected]
    assert any("iOS device, not Windows" in r.reason for r in skipped)
    f = findings(runs)["FND-14"]
    assert f.affected == ("con-lt-004", "con-lt-005")
    assert "not onboarded to Defender for Endpoint" in f.detail
    assert "state Inactive" in f.detail


def test_bitlocker_and_laps_lists_join_the_intune_devices(tmp_path: Path) -> None:
    runs, _ = collect(
        engagement(
            tmp_path,
            "intune_devices.csv",
            "entra_bitlocker_keys.csv",
            "entra_laps.csv",
        )
    )
    devices = frame(runs, "devices")
    assert devices["entra_device_id"].notna().all()
    keys = frame(runs, "bitlocker_keys")
    assert "a0000001-0000-4000-8000-000000000001" in set(keys["device_id"])
    found = findings(runs)
    encrypted_windows = devices[
        devices["os"].str.contains("Windows") & devices["encrypted"].eq(True)
    ]
    f15 = found["FND-15"]
    assert f15.population == len(encrypted_windows)
    assert "CON-LT-001" not in f15.affected
    f16 = found["FND-16"]
    assert f16.status is Status.FAIL
    assert "CON-LT-002" in f16.affected  # backed up in April: stale
    assert "CON-LT-001" not in f16.affected


def test_generic_backup_list_with_321_columns(tmp_path: Path) -> None:
    runs, _ = collect(engagement(tmp_path, "backup_jobs_321.csv"))
    jobs = frame(runs, "backup_jobs").set_index("job")
    assert jobs.loc["Nightly FS", "offsite_copy"] == True  # noqa: E712
    assert jobs.loc["Nightly FS", "last_restore_test"] == pd.Timestamp("2026-04-14")
    found = findings(runs)
    assert found["FND-17"].affected == ("Nightly DC",)
    assert found["DOC-08"].status is Status.PASS
    # Only mail is named: OneDrive and SharePoint are missing.
    assert found["FND-18"].status is Status.FAIL


def test_veeam_backup_copy_jobs_are_the_second_copy(tmp_path: Path) -> None:
    root = engagement(tmp_path)
    (root / "exports" / "veeam.csv").write_text(
        "Job name;Session type;Start time;End time;Result\n"
        "SRV-FILE01 nightly;Backup;20.11.2026 22:00:04;20.11.2026 22:39:58;Success\n"
        "Offsite copy;BackupSync;20.11.2026 23:00:04;20.11.2026 23:39:58;Success\n"
    )
    runs, _ = collect(root)
    jobs = frame(runs, "backup_jobs").set_index("job")
    assert jobs.loc["Offsite copy", "offsite_copy"] == True  # noqa: E712
    assert pd.isna(jobs.loc["SRV-FILE01 nightly", "offsite_copy"])
    assert findings(runs)["FND-17"].status is Status.PASS


@pytest.mark.parametrize(
    "name",
    ["exo_mailbox_forwarding.csv", "intune_antivirus.csv", "entra_laps.csv"],
)
def test_a_bad_date_or_a_missing_required_column_is_named(
    tmp_path: Path, name: str
) -> None:
    from healthcheck.errors import InputError

    root = engagement(tmp_path)
    text = (Path(__file__).parent / "data" / "exports" / name).read_text()
    header, *rows = text.splitlines()
    if name == "exo_mailbox_forwarding.csv":
        # The mailbox export (format exo_mailboxes) gives forwarding from a
        # pair of columns: ForwardingSmtpAddress without ForwardingAddress is
        # refused with the missing one named, not read as "no forwarding".
        cols = header.split(",")
        keep = [i for i, c in enumerate(cols) if c.strip('"') != "ForwardingAddress"]
        text = "\n".join(
            ",".join(line.split(",")[i] for i in keep) for line in [header, *rows]
        )
        (root / "exports" / name).write_text(text + "\n")
        with pytest.raises(InputError, match="ForwardingAddress") as err:
            collect(root)
        assert err.value.column == "ForwardingAddress"
        assert err.value.file is not None and name in str(err.value.file)
        return
    bad = text.replace("2026-11-19T07:12:00Z", "yesterday").replace(
        "2026-04-02T03:00:00Z", "soon"
    )
    (root / "exports" / name).write_text(bad)
    runs, _ = collect(root)
    ds = next(r for r in runs.values() if r.status.value == "ok").dataset
    assert any("expected a date" in r.reason for r in ds.rejected)


def _without(text: str, *drop: str) -> str:
    """A CSV's text without the named columns (the fixtures quote no commas)."""
    lines = text.splitlines()
    cols = [c.strip('"') for c in lines[0].split(",")]
    keep = [i for i, c in enumerate(cols) if c not in drop]
    return "\n".join(",".join(line.split(",")[i] for i in keep) for line in lines)


def test_a_mailbox_export_gives_each_dataset_only_from_its_columns(
    tmp_path: Path,
) -> None:
    data = Path(__file__).parent / "data" / "exports"
    # The mailbox facts alone (no forwarding columns): mailboxes only.
    runs, _ = collect(engagement(tmp_path / "facts", "exo_mailboxes.csv"))
    assert len(frame(runs, "mailboxes")) == 5
    assert runs["mail_forwarding"].status.value != "ok"
    # Forwarding columns alone (no RecipientTypeDetails): mail_forwarding only,
    # and a blank PrimarySmtpAddress falls back to the row's UPN.
    root = engagement(tmp_path / "fwd")
    text = _without(
        (data / "exo_mailbox_forwarding.csv").read_text(), "RecipientTypeDetails"
    )
    info = '"Info","info@contoso.example","info@contoso.example"'
    assert info in text
    text = text.replace(info, '"Info","info@contoso.example",""')
    (root / "exports" / "fwd.csv").write_text(text + "\n")
    runs, _ = collect(root)
    assert runs["mailboxes"].status.value != "ok"
    fwd = frame(runs, "mail_forwarding")
    assert runs["mail_forwarding"].dataset.rejected == ()
    assert sorted(fwd["mailbox"]) == [
        "anna.korhonen@contoso.example",
        "info@contoso.example",
        "maija.virtanen@contoso.example",
        "pekka.nieminen@contoso.example",
    ]
    # Both files side by side, as the hard synthetic tenant writes them.
    (root / "exports" / "facts.csv").write_text(
        (data / "exo_mailboxes.csv").read_text()
    )
    runs, _ = collect(root)
    assert len(frame(runs, "mailboxes")) == 5
    assert len(frame(runs, "mail_forwarding")) == 4
    assert runs["mail_forwarding"].dataset.rejected == ()
