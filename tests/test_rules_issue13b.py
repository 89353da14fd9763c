"""Issue 13, part B: patch status, mail, endpoint protection, recovery, backups.

Each rule gets a passing, a failing and a not-assessed case through the whole
engine, on frames built by the canonical validator (as in test_rules.py),
plus the cases an admin could show us wrong about.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd
import pytest

from healthcheck import datasets, engine
from healthcheck.model import Finding, Status
from tests.test_rules import AS_OF, COLLECTED, NOW, answer, job, run

Rows = list[dict[str, str]]


def run_with(data: Mapping[str, Rows], **kw: Any) -> dict[str, Finding]:
    """Like ``run``, but a dataset given as [] is an empty list with columns."""
    frames = {}
    for name, rows in data.items():
        cols = [c.name for c in datasets.SCHEMAS[name].columns if not c.optional]
        raw = pd.DataFrame(rows) if rows else pd.DataFrame(columns=cols)
        frames[name] = datasets.build(
            name,
            raw,
            collector="test",
            collected_at=COLLECTED,
            origin=[("t.csv", i + 2) for i in range(len(rows))],
        ).frame
    found = engine.evaluate(frames, as_of=AS_OF, now=NOW, **kw)
    return {f.rule_id: f for f in found}


def windows(name: str, entra: str, *, encrypted: str = "True", os: str = "Windows"):
    """A devices row with an Entra device id."""
    return {
        "device_id": f"intune-{name}",
        "name": name,
        "os": os,
        "os_version": "10.0.26100.2314",
        "last_check_in": "2026-11-19 08:00:00",
        "compliance": "compliant",
        "primary_user": "",
        "encrypted": encrypted,
        "entra_device_id": entra,
    }


# ------------------------------------------------------------------ FND-10


def patch(device: str, missing: str = "0", failed: str = "0", last: str = "2026-11-12"):
    """A patch_status row."""
    return {
        "device": device,
        "missing_updates": missing,
        "failed_updates": failed,
        "last_patch_install": last,
    }


def test_fnd10_the_issues_srv_dc01_fails_the_rule() -> None:
    f = run({"patch_status": [patch("SRV-DC01", "40", "5"), patch("PC-1")]})["FND-10"]
    assert f.status is Status.FAIL
    assert f.affected == ("SRV-DC01",)
    assert "40 missing updates" in f.detail and "5 failed updates" in f.detail
    assert f.population == 2 and f.score == pytest.approx(0.5)


def test_fnd10_no_install_for_max_days_fails() -> None:
    f = run({"patch_status": [patch("PC-1", last="2026-09-01"), patch("PC-2")]})
    assert f["FND-10"].status is Status.FAIL
    assert f["FND-10"].affected == ("PC-1",)
    assert "2026-09-01" in f["FND-10"].detail


def test_fnd10_passes_and_is_not_assessed_without_data() -> None:
    ok = run({"patch_status": [patch("PC-1"), patch("SRV-FS01")]})["FND-10"]
    assert ok.status is Status.PASS and ok.population == 2
    assert run({})["FND-10"].status is Status.NOT_ASSESSED
    blank = run({"patch_status": [{"device": "PC-1", "missing_updates": ""}]})
    assert blank["FND-10"].status is Status.NOT_ASSESSED


def test_fnd10_names_ten_devices_and_counts_the_rest() -> None:
    rows = [patch(f"PC-{n:02}", missing="3") for n in range(25)]
    rows += [patch("PC-OLD", last="2026-01-05"), patch("PC-FINE")]
    f = run({"patch_status": rows})["FND-10"]
    assert f.status is Status.FAIL
    assert len(f.affected) == 26 and "PC-OLD" in f.affected
    assert f.measured["missing"] == 25 and f.measured["old"] == 1
    assert "PC-09 (3 missing updates)" in f.detail and "PC-10" not in f.detail
    assert "and 16 more" in f.detail
    assert f.population == 27 and f.score == pytest.approx(1 / 27)


def test_fnd10_max_days_is_a_client_parameter() -> None:
    data = {"patch_status": [patch("PC-1", last="2026-09-01")]}
    f = run(data, rules_section={"FND-10": {"max_days": 120}})["FND-10"]
    assert f.status is Status.PASS


# ------------------------------------------------------------------ FND-11


def policy(name: str, mode: str, default: str = "False", enabled: str = "True"):
    """An outbound_spam_policies row."""
    return {
        "policy": name,
        "auto_forwarding": mode,
        "is_default": default,
        "enabled": enabled,
    }


def test_fnd11_off_and_automatic_block() -> None:
    f = run(
        {
            "outbound_spam_policies": [
                policy("Default", "Automatic", "True"),
                policy("Strict", "Off"),
            ]
        }
    )["FND-11"]
    assert f.status is Status.PASS and f.population == 2


def test_fnd11_on_fails_but_a_switched_off_policy_applies_to_nobody() -> None:
    f = run(
        {
            "outbound_spam_policies": [
                policy("Default", "Off", "True"),
                policy("Sales forwarding", "On"),
                policy("Old test", "On", enabled="False"),
            ]
        }
    )["FND-11"]
    assert f.status is Status.FAIL
    assert f.affected == ("Sales forwarding",)
    assert f.population == 2


def test_fnd11_a_policy_with_a_blank_enabled_cell_is_judged() -> None:
    rows = [policy("Default", "On", default="True", enabled=""), policy("Off", "Off")]
    f = run({"outbound_spam_policies": rows})["FND-11"]
    assert f.status is Status.FAIL and f.affected == ("Default",)
    assert f.population == 2


def test_fnd11_not_assessed_without_the_export() -> None:
    assert run({})["FND-11"].status is Status.NOT_ASSESSED


# ------------------------------------------------------------------ FND-12

DOMAINS = [
    {"domain": "contoso.example", "default": "True"},
    {"domain": "contoso-group.example", "default": "False"},
]


def box(mailbox: str, smtp: str = "", address: str = "", both: str = "False"):
    """A mail_forwarding row."""
    return {
        "mailbox": mailbox,
        "forwarding_smtp": smtp,
        "forwarding_address": address,
        "deliver_and_forward": both,
    }


def test_fnd12_forward_to_the_companys_second_domain_stays_inside() -> None:
    f = run(
        {
            "accepted_domains": DOMAINS,
            "mail_forwarding": [
                box("anna@contoso.example", "smtp:anna@contoso-group.example"),
                box("pekka@contoso.example", "pekka@eu.contoso.example"),
                box("liisa@contoso.example"),
            ],
        }
    )["FND-12"]
    assert f.status is Status.PASS, f.detail
    assert f.population == 3
    assert "Inbox rules were not read" in f.detail


def test_fnd12_mailbox_and_inbox_rule_forwarding_outside_fail() -> None:
    f = run(
        {
            "accepted_domains": DOMAINS,
            "mail_forwarding": [
                box(
                    "anna@contoso.example",
                    "smtp:anna.private@gmail.example",
                    both="True",
                ),
                box("pekka@contoso.example"),
                box("board@contoso.example", address="Board Archive"),
            ],
            "inbox_rules": [
                {
                    "mailbox": "pekka@contoso.example",
                    "rule": "fwd",
                    "enabled": "True",
                    "forward_to": '"x" [SMTP:x@attacker.example]',
                },
                {
                    "mailbox": "liisa@contoso.example",
                    "rule": "old",
                    "enabled": "False",
                    "forward_to": "liisa@elsewhere.example",
                },
            ],
        }
    )["FND-12"]
    assert f.status is Status.FAIL
    assert f.affected == ("anna@contoso.example", "pekka@contoso.example")
    assert "gmail.example" in f.detail and "attacker.example" in f.detail
    assert "directory recipient" in f.detail  # "Board Archive": not judged
    assert f.population == 4


def test_fnd12_needs_the_companys_domains() -> None:
    f = run({"mail_forwarding": [box("a@contoso.example", "x@gmail.example")]})
    assert f["FND-12"].status is Status.NOT_ASSESSED
    assert "accepted domains" in f["FND-12"].reason.lower()


# ------------------------------------------------------------------ FND-13


def dns(
    domain: str,
    spf: str = "v=spf1 include:spf.protection.outlook.com -all",
    dmarc: str = "v=DMARC1; p=reject",
    dkim: str = "selector1,selector2",
    mx: str = "contoso-example.mail.protection.outlook.com",
    error: str = "",
    spf_count: str | None = None,
):
    """A mail_dns row."""
    return {
        "domain": domain,
        "spf": spf,
        "spf_count": spf_count or ("1" if spf else "0"),
        "dmarc": dmarc,
        "dkim_selectors": dkim,
        "mx": mx,
        "error": error,
    }


def test_fnd13_a_parked_domain_with_spf_minus_all_and_reject_is_fine() -> None:
    f = run(
        {
            "mail_dns": [
                dns("contoso.example", spf="v=spf1 include:x.example ~all"),
                dns("parked.example", spf="v=spf1 -all", dkim="", mx=""),
                dns("contoso.onmicrosoft.com", spf="", dmarc="", dkim=""),
            ]
        }
    )["FND-13"]
    assert f.status is Status.PASS, f.detail
    assert f.population == 2


def test_fnd13_each_missing_piece_is_named() -> None:
    f = run(
        {
            "mail_dns": [
                dns("a.example", spf=""),
                dns("b.example", dmarc="v=DMARC1; p=none; rua=mailto:x@b.example"),
                dns("c.example", dkim=""),
                dns("d.example", spf="v=spf1 include:x ?all"),
                dns("e.example", spf="v=spf1 a -all", spf_count="2"),
                dns("f.example", error="timeout"),
                dns("ok.example"),
            ]
        }
    )["FND-13"]
    assert f.status is Status.FAIL
    assert f.affected == tuple(f"{c}.example" for c in "abcde")
    for words in (
        "no SPF record",
        "p=none",
        "no DKIM selector",
        "does not end in -all",
        "more than one SPF",
        "DNS lookup failed: f.example",
    ):
        assert words in f.detail, words
    assert f.population == 6


def test_fnd13_dkim_signing_export_wins_over_dns() -> None:
    data = {
        "mail_dns": [dns("a.example", dkim=""), dns("b.example")],
        "dkim_signing": [
            {"domain": "a.example", "enabled": "True"},
            {"domain": "b.example", "enabled": "False"},
        ],
    }
    f = run(data)["FND-13"]
    assert f.affected == ("b.example",)
    assert "DKIM signing is off" in f.detail


def test_fnd13_not_assessed_when_no_lookup_answered() -> None:
    assert run({})["FND-13"].status is Status.NOT_ASSESSED
    f = run({"mail_dns": [dns("a.example", error="SERVFAIL")]})["FND-13"]
    assert f.status is Status.NOT_ASSESSED


# ------------------------------------------------------------------ FND-14


def av(device: str, state: str = "Clean", rt: str = "True", overdue: str = "False"):
    """An endpoint_protection row from the Intune antivirus report."""
    return {
        "device": device,
        "state": state,
        "realtime": rt,
        "signatures_overdue": overdue,
    }


def test_fnd14_healthy_devices_pass() -> None:
    f = run({"endpoint_protection": [av("PC-1"), av("PC-2")]})["FND-14"]
    assert f.status is Status.PASS and f.population == 2


def test_fnd14_off_stale_or_critical_fails_and_absent_devices_are_named() -> None:
    f = run(
        {
            "endpoint_protection": [
                av("PC-1"),
                av("PC-2", rt="False"),
                av("PC-3", overdue="True"),
                av("PC-4", state="Critical failure"),
                av("IPHONE-1"),
            ],
            "devices": [
                windows(n, f"e-{n}") for n in ("PC-1", "PC-2", "PC-3", "PC-4", "PC-5")
            ]
            + [windows("IPHONE-1", "e-i", os="iOS")],
        }
    )["FND-14"]
    assert f.status is Status.FAIL
    assert f.affected == ("PC-2", "PC-3", "PC-4")
    assert f.population == 4  # the iPhone is not a Windows device
    assert "1 Windows device is not in the protection report" in f.detail


def test_fnd14_names_ten_devices_in_order_and_counts_the_rest() -> None:
    rows = [av(f"PC-{n:02}", rt="False") for n in range(24, 0, -1)]
    rows += [av("PC-00", state="Critical failure", overdue="True"), av("PC-OK")]
    f = run({"endpoint_protection": rows})["FND-14"]
    assert f.status is Status.FAIL and len(f.affected) == 25
    assert f.measured["unprotected"] == 25 and f.population == 26
    assert "PC-00 (" in f.detail and "Critical failure" in f.detail
    assert "PC-09" in f.detail and "PC-10" not in f.detail
    assert "and 15 more" in f.detail


def test_fnd14_not_assessed_without_the_report() -> None:
    assert run({})["FND-14"].status is Status.NOT_ASSESSED


# ------------------------------------------------------------------ FND-15


def key(kid: str, device: str) -> dict[str, str]:
    """A bitlocker_keys row."""
    return {
        "key_id": kid,
        "device_id": device,
        "created": "2026-01-10 10:00:00",
        "volume_type": "operatingSystemVolume",
    }


def test_fnd15_every_encrypted_device_has_a_key() -> None:
    f = run(
        {
            "devices": [
                windows("PC-1", "E1"),
                windows("PC-2", "e2"),
                windows("PC-3", "e3", encrypted="False"),  # FND-02's business
            ],
            "bitlocker_keys": [key("k1", "e1"), key("k2", "E2")],
        }
    )["FND-15"]
    assert f.status is Status.PASS and f.population == 2


def test_fnd15_encrypted_without_key_fails_even_when_no_key_exists() -> None:
    f = run_with(
        {
            "devices": [windows("PC-1", "e1"), windows("PC-2", "")],
            "bitlocker_keys": [],
        }
    )["FND-15"]
    assert f.status is Status.FAIL
    assert f.affected == ("PC-1",)
    assert "1 Windows device not judged" in f.detail


def test_fnd15_not_assessed_without_keys_or_entra_ids() -> None:
    assert run({"devices": [windows("PC-1", "e1")]})["FND-15"].status is (
        Status.NOT_ASSESSED
    )
    no_id = [{k: v for k, v in windows("PC-1", "e1").items() if k != "entra_device_id"}]
    f = run({"devices": no_id, "bitlocker_keys": [key("k", "e1")]})["FND-15"]
    assert f.status is Status.NOT_ASSESSED
    assert "entra_device_id" in f.reason


# ------------------------------------------------------------------ FND-16


def laps(device: str, last: str = "2026-11-01 03:00:00") -> dict[str, str]:
    """A laps_credentials row."""
    return {"device_id": device, "device_name": "", "last_backup": last}


def test_fnd16_laps_backups_pass_and_missing_or_stale_fail() -> None:
    devs = [windows("PC-1", "e1"), windows("PC-2", "e2"), windows("PC-3", "e3")]
    ok = run({"devices": devs, "laps_credentials": [laps(f"e{i}") for i in (1, 2, 3)]})
    assert ok["FND-16"].status is Status.PASS and ok["FND-16"].population == 3
    bad = run(
        {
            "devices": devs,
            "laps_credentials": [laps("e1"), laps("e2", "2026-05-01 03:00:00")],
        }
    )["FND-16"]
    assert bad.status is Status.FAIL
    assert bad.affected == ("PC-2", "PC-3")
    assert "1 without a LAPS password backup" in bad.detail
    assert "older than 90 days" in bad.detail


def test_fnd16_a_personal_windows_device_is_left_out_and_counted() -> None:
    devs = [windows("PC-1", "e1"), windows("BYOD-1", "e2"), windows("BYOD-2", "e3")]
    devs[0]["ownership"] = "corporate"
    devs[1]["ownership"] = devs[2]["ownership"] = "personal"
    f = run({"devices": devs, "laps_credentials": [laps("e1")]})["FND-16"]
    assert f.status is Status.PASS and f.population == 1
    assert f.measured["personal"] == 2
    assert "2 personal Windows devices not judged" in f.detail
    only = run({"devices": devs[1:], "laps_credentials": [laps("e1")]})["FND-16"]
    assert only.status is Status.NOT_ASSESSED
    assert "2 personal Windows devices not judged" in only.detail


def test_fnd16_no_laps_at_all_fails_and_no_data_is_not_assessed() -> None:
    f = run_with({"devices": [windows("PC-1", "e1")], "laps_credentials": []})
    assert f["FND-16"].status is Status.FAIL
    na = run({"devices": [windows("PC-1", "e1")]})["FND-16"]
    assert na.status is Status.NOT_ASSESSED


# ------------------------------------------------------------------ backups


def bjob(name: str, system: str = "SRV-FS01", **extra: str) -> dict[str, str]:
    """A backup_jobs row with the optional issue-13 columns."""
    row = job(
        name,
        "Success",
        last_run="2026-11-20 02:00:00",
        last_success="2026-11-20 02:00:00",
        system=system,
    )
    row.update(extra)
    return row


def test_fnd17_from_the_export_columns() -> None:
    ok = run(
        {
            "backup_jobs": [
                bjob("Nightly FS", offsite_copy="True", immutable=""),
                bjob("Nightly DC", system="SRV-DC01", offsite_copy="", immutable="Yes"),
            ]
        }
    )["FND-17"]
    assert ok.status is Status.PASS and ok.population == 2
    bad = run(
        {
            "backup_jobs": [
                bjob("Nightly FS", offsite_copy="True", immutable="False"),
                bjob("Nightly DC", offsite_copy="False", immutable="False"),
            ]
        }
    )["FND-17"]
    assert bad.status is Status.FAIL and bad.affected == ("Nightly DC",)


def test_fnd17_falls_back_to_the_interview() -> None:
    data = {
        "backup_jobs": [bjob("Nightly FS")],
        "interview_answers": [answer("backup_offsite_copy", "No")],
    }
    f = run(data)["FND-17"]
    assert f.status is Status.FAIL and "Answered 'No'" in f.detail
    assert "interview_answers" in f.evidence
    yes = run({"interview_answers": [answer("backup_offsite_copy")]})["FND-17"]
    assert yes.status is Status.PASS
    na = run({"backup_jobs": [bjob("Nightly FS")]})["FND-17"]
    assert na.status is Status.NOT_ASSESSED
    assert "interview" in na.reason
    assert run({})["FND-17"].status is Status.NOT_ASSESSED


def test_fnd18_m365_workloads_from_job_names() -> None:
    whole = run({"backup_jobs": [bjob("Veeam M365", system="Microsoft 365")]})
    assert whole["FND-18"].status is Status.PASS
    part = run(
        {
            "backup_jobs": [
                bjob("M365 mailboxes", system="Exchange Online"),
                bjob("OneDrive", system="OneDrive for Business"),
                bjob("Nightly FS"),
            ]
        }
    )["FND-18"]
    assert part.status is Status.FAIL
    assert part.affected == ("sharepoint",)
    assert part.score == pytest.approx(2 / 3)


def test_fnd18_silent_export_asks_the_interview() -> None:
    na = run({"backup_jobs": [bjob("Nightly FS")]})["FND-18"]
    assert na.status is Status.NOT_ASSESSED
    f = run(
        {
            "backup_jobs": [bjob("Nightly FS")],
            "interview_answers": [answer("m365_backup", "Partly")],
        }
    )["FND-18"]
    assert f.status is Status.FAIL and f.score == pytest.approx(0.5)


def test_doc08_restore_test_date_from_the_export_or_the_interview() -> None:
    ok = run(
        {
            "backup_jobs": [
                bjob("Nightly FS", last_restore_test="2026-03-02"),
                bjob("Nightly DC", last_restore_test=""),
            ]
        }
    )["DOC-08"]
    assert ok.status is Status.PASS and "Nightly FS" in ok.detail
    old = run({"backup_jobs": [bjob("Nightly FS", last_restore_test="2025-06-30")]})
    assert old["DOC-08"].status is Status.FAIL
    assert "508 days ago" in old["DOC-08"].detail
    interview = run(
        {
            "backup_jobs": [bjob("Nightly FS")],
            "interview_answers": [answer("restore_tested", last_reviewed="2026-10-01")],
        }
    )["DOC-08"]
    assert interview.status is Status.PASS
    assert run({"backup_jobs": [bjob("x")]})["DOC-08"].status is Status.NOT_ASSESSED
