"""Issue 13, part B, live: /domains, BitLocker key ids and LAPS backups from Graph.

Against the fake tenant over real HTTPS: the list calls arrive selected and
paged, their rows reach FND-12, FND-15 and FND-16 through the saved
evidence, a 403 names the ReadBasic permission to grant, and a tenant
without Intune names the licence.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from healthcheck import pipeline
from tests.fake_tenant import FakeTenant, build_tenant
from tests.test_collector_graph import (
    ENV,
    SECRET,
    findings_by_id,
    rows_of,
    runs_of,
    write_engagement,
)


@pytest.fixture
def fake(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    """A tenant of 300 devices: 200 Windows, so the key list spans pages."""
    monkeypatch.setenv(ENV, SECRET)
    with FakeTenant(
        tmp_path / "certs", build_tenant(users=30, devices=300), client_secret=SECRET
    ) as tenant:
        yield tenant


def test_domains_keys_and_laps_are_collected_and_judged(
    fake: FakeTenant, tmp_path: Path
) -> None:
    ev = pipeline.collect(write_engagement(tmp_path / "eng", fake), tmp_path / "ev")
    runs = runs_of(ev)
    for name in ("accepted_domains", "bitlocker_keys", "laps_credentials"):
        assert runs[name]["status"] == "ok", runs[name]
    # Only the fields used, never the key or the password.
    for key, never in (
        ("bitlockerRecoveryKeys", "key"),
        ("deviceLocalCredentials", "credentials"),
    ):
        selects = {q.get("$select", [""])[0] for q in fake.queries[key]}
        assert all(never not in s.split(",") for s in selects), selects
    assert "azureADDeviceId" in fake.queries["managedDevices"][0]["$select"][0]
    # An unverified domain is not the tenant's yet.
    assert {r["domain"] for r in rows_of(ev, "accepted_domains")} == {
        "contoso.example",
        "contoso.onmicrosoft.com",
    }
    items = fake.tenant.items
    assert len(rows_of(ev, "bitlocker_keys")) == len(items["bitlockerRecoveryKeys"])
    assert fake.by_resource["bitlockerRecoveryKeys"] == -(
        -len(items["bitlockerRecoveryKeys"]) // 100
    )
    found = findings_by_id(ev)
    windows = [d for d in items["managedDevices"] if d["operatingSystem"] == "Windows"]
    encrypted = [d for d in windows if d["isEncrypted"]]
    escrowed = {k["deviceId"] for k in items["bitlockerRecoveryKeys"]}
    f15 = found["FND-15"]
    assert f15.status.value == "fail"
    assert f15.population == len(encrypted)
    assert set(f15.affected) == {
        d["deviceName"] for d in encrypted if d["azureADDeviceId"] not in escrowed
    }
    f16 = found["FND-16"]
    backed = {c["id"] for c in items["deviceLocalCredentials"]}
    # A personal device is left out of FND-16 and counted.
    assert "managedDeviceOwnerType" in fake.queries["managedDevices"][0]["$select"][0]
    assert {r["ownership"] for r in rows_of(ev, "devices")} == {"corporate", "personal"}
    company = [d for d in windows if d["managedDeviceOwnerType"] == "company"]
    assert 0 < len(company) < len(windows)
    assert f16.population == len(company)
    assert f16.measured["personal"] == len(windows) - len(company)
    assert set(f16.affected) == {
        d["deviceName"] for d in company if d["azureADDeviceId"] not in backed
    }


def test_a_403_names_the_readbasic_permission(fake: FakeTenant, tmp_path: Path) -> None:
    fake.faults.forbidden = {"bitlockerRecoveryKeys", "deviceLocalCredentials"}
    ev = pipeline.collect(write_engagement(tmp_path / "eng", fake), tmp_path / "ev")
    runs = runs_of(ev)
    assert "BitLockerKey.ReadBasic.All" in runs["bitlocker_keys"]["reason"]
    assert "DeviceLocalCredential.ReadBasic.All" in runs["laps_credentials"]["reason"]
    found = findings_by_id(ev)
    assert found["FND-15"].status.value == "not_assessed"
    assert "BitLockerKey.ReadBasic.All" in found["FND-15"].reason
    assert "DeviceLocalCredential.ReadBasic.All" in found["FND-16"].reason
    assert runs["devices"]["status"] == "ok"


def test_without_intune_the_licence_is_named(fake: FakeTenant, tmp_path: Path) -> None:
    fake.faults.no_intune = True
    ev = pipeline.collect(write_engagement(tmp_path / "eng", fake), tmp_path / "ev")
    runs = runs_of(ev)
    assert runs["devices"]["status"] == "failed"
    assert "Microsoft Intune" in runs["devices"]["reason"]
    found = findings_by_id(ev)
    for rid in ("FND-15", "FND-16", "FND-01"):
        assert found[rid].status.value == "not_assessed"
        assert "Microsoft Intune" in found[rid].reason, rid
    # The keys themselves still arrived: only the join is missing.
    assert runs["bitlocker_keys"]["status"] == "ok"
