"""Issue 13 (part A) end to end: the fake tenant over HTTPS, saved exports,
and the contracts around them (every provided dataset is read, permissions).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from healthcheck import cost, engine, evidence, pipeline
from healthcheck.cli import main
from healthcheck.model import Status
from healthcheck.registry import collectors
from healthcheck.report import context, html
from tests.cases_identity import CASES
from tests.fake_tenant import FakeTenant, build_tenant
from tests.test_collector_graph import (
    ENV,
    SECRET,
    findings_by_id,
    runs_of,
    write_engagement,
)

NEW_RULES = [f"REV-{n}" for n in range(10, 17)]


@pytest.fixture
def fake(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    """A small fake tenant."""
    monkeypatch.setenv(ENV, SECRET)
    with FakeTenant(
        tmp_path / "certs", build_tenant(users=30, devices=10), client_secret=SECRET
    ) as tenant:
        yield tenant


def _findings(fake: FakeTenant, tmp_path: Path) -> tuple[dict[str, Any], Path]:
    ev = pipeline.collect(write_engagement(tmp_path / "eng", fake), tmp_path / "ev")
    return findings_by_id(ev), ev


def test_new_endpoints_are_collected_and_judged(
    fake: FakeTenant, tmp_path: Path
) -> None:
    found, ev = _findings(fake, tmp_path)
    runs = runs_of(ev)
    for name in ("app_credentials", "user_consent", "sharing_settings"):
        assert runs[name]["status"] == "ok", runs[name]
    # Selected and single: no field beyond what the rules read.
    assert fake.queries["applications"][0]["$select"] == [
        "id,appId,displayName,passwordCredentials,keyCredentials"
    ]
    assert fake.queries["applications"][0]["$top"] == ["999"]
    # MFA: the all-users policy leaves out user00000, resolved from its id.
    rev10 = found["REV-10"]
    assert rev10.status is Status.FAIL
    assert rev10.affected == ("user user00000@contoso.example",)
    # Legacy authentication: the block is report-only, so nothing is blocked.
    assert found["REV-11"].status is Status.FAIL
    assert "policy 'Block legacy authentication' is report-only" in (
        found["REV-11"].affected
    )
    assert found["REV-12"].status is Status.FAIL
    # Secure Score 49 of 120 against 52.25 for tenants of a similar size.
    rev13 = found["REV-13"]
    assert rev13.status is Status.FAIL
    assert "below the average of tenants of a similar size (52.2)" in rev13.detail
    assert len(rev13.measured["trend"]) == 90
    # Apps: one expired, one three-year secret, one certificate expiring.
    rev14 = found["REV-14"]
    assert (rev14.status, rev14.population, rev14.affected_count) == (
        Status.FAIL,
        4,
        3,
    )
    assert found["REV-15"].status is Status.FAIL
    assert found["REV-16"].affected == (
        "anyone links allowed",
        "guests may share items they do not own",
    )


def test_secure_score_trend_is_an_inline_svg_in_the_report(
    fake: FakeTenant, tmp_path: Path
) -> None:
    _, ev = _findings(fake, tmp_path)
    assessment = pipeline.assess(evidence.load(ev))
    view = context.build(assessment, context.ReportOptions(lang="fi"))
    charts = [
        r["trend"] for layer in view["layers"] for r in layer["rules"] if r["trend"]
    ]
    assert len(charts) == 1
    assert charts[0]["first"] == "23.8.2026" and charts[0]["last"] == "20.11.2026"
    assert len(charts[0]["points"].split()) == 90
    page = html.render(assessment, view=view)
    assert page.count("<polyline") == 1
    assert "vertailuryhmä" in page
    assert "<script" not in page


def test_refused_permissions_name_the_permission(
    fake: FakeTenant, tmp_path: Path
) -> None:
    fake.faults.forbidden = {
        "applications",
        "authorizationPolicy",
        "sharepointSettings",
        "conditionalAccessPolicies",
    }
    found, _ = _findings(fake, tmp_path)
    for rule, permission in (
        ("REV-14", "Application.Read.All"),
        ("REV-15", "Policy.Read.All"),
        ("REV-16", "SharePointTenantSettings.Read.All"),
        ("REV-10", "Policy.Read.All"),
    ):
        assert found[rule].status is Status.NOT_ASSESSED, rule
        assert permission in found[rule].reason, (rule, found[rule].reason)
    # Secure Score has its own permission and still arrives.
    assert found["REV-13"].status is Status.FAIL


def test_missing_licences_are_named(fake: FakeTenant, tmp_path: Path) -> None:
    # Exchange Online Plan 1 only: no Entra ID P1, no SharePoint.
    # (By part number: the fake tenant's list also holds Entra ID P2 and SPB.)
    fake.tenant.items["subscribedSkus"] = [
        s
        for s in fake.tenant.items["subscribedSkus"]
        if s["skuPartNumber"] == "EXCHANGESTANDARD"
    ]
    fake.faults.no_p1 = True
    fake.faults.no_p2 = True
    fake.faults.no_sharepoint = True
    found, ev = _findings(fake, tmp_path)
    runs = runs_of(ev)
    assert "SharePoint Online" in runs["sharing_settings"]["reason"]
    assert "Microsoft Entra ID P1" in runs["conditional_access_policies"]["reason"]
    for rule in ("REV-10", "REV-11"):
        assert found[rule].status is Status.NOT_ASSESSED
        assert "no Microsoft Entra ID P1 licence" in found[rule].reason
    assert found["REV-16"].status is Status.NOT_ASSESSED
    assert "SharePoint Online" in found["REV-16"].reason
    # Without Conditional Access there is nothing to be excluded from: the
    # accounts alone are judged (there are none here).
    assert found["REV-12"].status is Status.FAIL


# --- files an admin hands over ------------------------------------------------

USER_ID = "5d1a9a0e-0000-4000-8000-000000000001"


def _exports(root: Path) -> Path:
    ex = root / "exports"
    ex.mkdir(parents=True)
    (root / "client.yaml").write_text(
        "client:\n  name: Test Oy\nperiod: 2026-Q4\nas_of: 2026-11-20\n"
        "emergency_accounts: [bg1@contoso.onmicrosoft.com]\n",
        encoding="utf-8",
    )
    users = [
        {
            "id": USER_ID,
            "userPrincipalName": "bg1@contoso.onmicrosoft.com",
            "displayName": "Emergency 1",
            "userType": "Member",
            "accountEnabled": True,
            "createdDateTime": "2024-01-01T00:00:00Z",
            "onPremisesSyncEnabled": None,
        },
        {
            "id": "5d1a9a0e-0000-4000-8000-000000000002",
            "userPrincipalName": "anna@contoso.example",
            "displayName": "Anna",
            "userType": "Member",
            "accountEnabled": True,
            "createdDateTime": "2024-01-01T00:00:00Z",
            "onPremisesSyncEnabled": True,
        },
    ]
    (ex / "users.json").write_text(json.dumps({"value": users}))
    # The Entra portal's download of one policy: its Graph JSON, no "value".
    (ex / "Require MFA.json").write_text(
        json.dumps(
            {
                "id": "p1",
                "displayName": "Require MFA",
                "state": "enabled",
                "conditions": {
                    "users": {"includeUsers": ["All"], "excludeUsers": [USER_ID]},
                    "applications": {"includeApplications": ["All"]},
                    "clientAppTypes": ["all"],
                    "locations": {"includeLocations": ["All"], "excludeLocations": []},
                },
                "grantControls": {"operator": "OR", "builtInControls": ["mfa"]},
            }
        )
    )
    (ex / "security-defaults.json").write_text(
        json.dumps(
            {
                "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#"
                "policies/identitySecurityDefaultsEnforcementPolicy/$entity",
                "id": "00000000-0000-0000-0000-000000000000",
                "displayName": "Security Defaults",
                "isEnabled": False,
            }
        )
    )
    # Get-SPOTenant | ConvertTo-Json: PascalCase, and resharing inverted.
    (ex / "spo-tenant.json").write_text(
        json.dumps(
            {
                "SharingCapability": "ExistingExternalUserSharingOnly",
                "PreventExternalUsersFromResharing": True,
                "SharingDomainRestrictionMode": "None",
            }
        )
    )
    (ex / "per-user-mfa.csv").write_text(
        "Username,MFA Status\nanna@contoso.example,Enforced\n"
        "bg1@contoso.onmicrosoft.com,\n",
        encoding="utf-8",
    )
    return root


def test_saved_files_fill_the_same_datasets(tmp_path: Path) -> None:
    ev = pipeline.collect(_exports(tmp_path / "eng"), tmp_path / "ev")
    loaded = evidence.load(ev)
    ca = loaded.frames["conditional_access_policies"]
    assert list(ca["excluded_users"]) == ["bg1@contoso.onmicrosoft.com"]
    assert list(ca["narrowed_by"].fillna("")) == [""]
    sharing = loaded.frames["sharing_settings"].iloc[0]
    assert (sharing["sharing"], bool(sharing["guest_resharing"])) == (
        "existing_guests",
        False,
    )
    states = dict(
        zip(
            loaded.frames["per_user_mfa"]["upn"],
            loaded.frames["per_user_mfa"]["state"],
            strict=True,
        )
    )
    assert states == {
        "anna@contoso.example": "enforced",
        "bg1@contoso.onmicrosoft.com": "disabled",
    }
    assert list(loaded.frames["users"]["synced"]) == [False, True]
    found = {f.rule_id: f for f in pipeline.assess(loaded).findings}
    # The one exclusion is the emergency account named in client.yaml.
    assert found["REV-10"].status is Status.PASS
    assert found["REV-10"].measured["excluded_on_purpose"] == [
        "bg1@contoso.onmicrosoft.com"
    ]
    assert found["REV-16"].status is Status.PASS
    # One emergency account of the two needed.
    assert found["REV-12"].status is Status.FAIL
    assert found["REV-12"].score == 0.5


# --- contracts ----------------------------------------------------------------


def test_every_provided_dataset_is_read_by_a_rule() -> None:
    # ... or by the licence waste model, which reads ``mailboxes`` alone.
    read = {name for r in engine.load_catalog() for name in engine.required_datasets(r)}
    provided = {
        name
        for c in collectors()
        if c.collector is not None
        for name in c.collector.provides
    }
    assert provided - read - cost.DATASETS == set()


def test_every_new_rule_has_pass_fail_and_not_assessed_cases() -> None:
    for rule in NEW_RULES:
        kinds = {c["status"] for c in CASES if c["rule"] == rule}
        assert kinds == {Status.PASS, Status.FAIL, Status.NOT_ASSESSED}, rule


def test_permissions_list_rules_per_permission() -> None:
    result = CliRunner().invoke(main, ["permissions"])
    assert result.exit_code == 0, result.output
    lines = {
        line.strip().split(":")[0]: line.strip()
        for line in result.stdout.splitlines()
        if "(used by" in line
    }
    assert lines["Application.Read.All"] == (
        "Application.Read.All: app_credentials (used by REV-14)"
    )
    assert lines["SharePointTenantSettings.Read.All"].endswith("(used by REV-16)")
    assert "SecurityEvents.Read.All: secure_scores (used by REV-13)" in result.stdout
    assert "REV-15" in lines["Policy.Read.All"]
    # Nothing is asked for that no rule reads.
    assert all("no rule" not in line for line in lines.values())
