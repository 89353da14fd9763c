"""Graph roles from PIM schedules and group members, and mailboxes, end to end.

Collected over the fake tenant (real HTTPS on 127.0.0.1), then assessed: the
tenant has a role-assignable group holding Global Administrator, a service
principal holding a role, and an admin who activated Global Administrator
through PIM; blocked user 9's mailbox is a shared mailbox with an archive.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from healthcheck import evidence, pipeline
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
    monkeypatch.setenv(ENV, SECRET)
    tenant = build_tenant(users=30, devices=5, role_groups=True)
    with FakeTenant(tmp_path / "certs", tenant, client_secret=SECRET) as f:
        yield f


def _user(i: int) -> str:
    return f"user{i:05d}@contoso.example"


def _collect(fake: FakeTenant, tmp_path: Path) -> Path:
    return pipeline.collect(write_engagement(tmp_path / "eng", fake), tmp_path / "ev")


def test_schedules_and_group_members_become_role_rows(
    fake: FakeTenant, tmp_path: Path
) -> None:
    ev = _collect(fake, tmp_path)
    assert runs_of(ev)["role_assignments"]["status"] == "ok"
    rows = {
        (r["upn"], r["role"], r["assignment"]): r
        for r in rows_of(ev, "role_assignments")
    }
    ga = "Global Administrator"
    # A PIM activation is not a standing assignment.
    assert rows[(_user(8), ga, "activated")]["principal_type"] == "user"
    assert rows[(_user(8), ga, "eligible")]
    assert (_user(8), ga, "permanent") not in rows
    # The group's members hold the role through it; user 0 also holds it
    # directly, and keeps the direct row only.
    for i in (5, 6):
        assert rows[(_user(i), ga, "permanent")]["via_group"] == "Tier 0 admins"
    assert rows[(_user(0), ga, "permanent")]["via_group"] in (None, "")
    assert rows[("tier 0 admins", ga, "permanent")]["principal_type"] == "group"
    # Service principals keep their type, directly or through the group.
    sp = rows[("backup automation", "User Administrator", "permanent")]
    assert sp["principal_type"] == "service_principal"
    assert rows[("backup automation", ga, "permanent")]["via_group"] == "Tier 0 admins"
    # One transitiveMembers call for the one group.
    assert fake.by_resource["transitiveMembers"] == 1
    assert fake.queries["transitiveMembers"][0]["$top"] == ["999"]


def test_group_admins_count_as_people_and_activations_are_not_standing(
    fake: FakeTenant, tmp_path: Path
) -> None:
    found = findings_by_id(_collect(fake, tmp_path))
    rev03 = found["REV-03"]
    # Users 0, 1, 2 directly, 5 and 6 through the group, 8 eligible/activated.
    assert rev03.measured["admins"] == 6
    assert set(rev03.affected) == {_user(i) for i in (0, 1, 2, 5, 6, 8)}
    assert rev03.measured["service_principals"] == ["backup automation"]
    assert rev03.measured["groups_without_members"] == []
    rev07 = found["REV-07"]
    assert rev07.status.value == "fail"  # five standing, over the limit
    assert rev07.measured["permanent"] == 5
    assert rev07.measured["activated"] == [_user(8)]
    assert _user(8) not in rev07.affected


def test_without_p2_roles_fall_back_and_rev07_names_the_licence(
    fake: FakeTenant, tmp_path: Path
) -> None:
    fake.faults.no_p2 = True
    ev = _collect(fake, tmp_path)
    run = runs_of(ev)["role_assignments"]
    assert run["status"] == "ok"
    assert "AadPremiumLicenseRequired" in run["reason"]
    assert "Microsoft Entra ID P2" in run["reason"]
    found = findings_by_id(ev)
    assert found["REV-07"].status.value == "not_assessed"
    assert "Microsoft Entra ID P2" in found["REV-07"].reason
    # roleAssignments still gives every holder, the group's members too.
    assert found["REV-03"].measured["admins"] == 6


def test_group_members_refused_leave_the_group_listed(
    fake: FakeTenant, tmp_path: Path
) -> None:
    fake.faults.forbidden = {"transitiveMembers"}
    ev = _collect(fake, tmp_path)
    run = runs_of(ev)["role_assignments"]
    assert run["status"] == "ok"
    assert "GroupMember.Read.All" in run["reason"]
    rev03 = findings_by_id(ev)["REV-03"]
    assert rev03.measured["groups_without_members"] == ["tier 0 admins"]
    assert rev03.measured["admins"] == 4  # users 0, 1, 2 and 8


def test_schedules_refused_name_the_permission(
    fake: FakeTenant, tmp_path: Path
) -> None:
    fake.faults.forbidden = {"roleAssignmentScheduleInstances"}
    run = runs_of(_collect(fake, tmp_path))["role_assignments"]
    assert run["status"] == "ok"
    assert "RoleAssignmentSchedule.Read.Directory" in run["reason"]


def test_mailbox_usage_from_graph_reaches_the_waste_line(
    fake: FakeTenant, tmp_path: Path
) -> None:
    ev = _collect(fake, tmp_path)
    boxes = {r["upn"]: r for r in rows_of(ev, "mailboxes")}
    assert boxes[_user(9)]["recipient_type"] == "shared"
    assert boxes[_user(9)]["has_archive"] is True
    assessment = pipeline.assess(evidence.load(ev))
    waste = json.loads(json.dumps(assessment.waste.to_dict()))
    lines = [i for i in waste["items"] if i["category"] == "disabled_user"]
    kept = [i for i in lines if i["confidence"] == "medium"]
    assert [i["users"] for i in kept] == [[_user(9)]]
    assert "archive enabled" in kept[0]["user_evidence"][0]["evidence"]
    # The report has no litigation hold: the other blocked accounts' line
    # says to check it.
    plain = [i for i in lines if i["confidence"] == "high" and i["sku"] == "SPB"]
    assert plain and "litigation hold" in plain[0]["action"]


def test_mailbox_report_refused_is_data(fake: FakeTenant, tmp_path: Path) -> None:
    fake.faults.forbidden = {"mailboxUsageDetail"}
    ev = _collect(fake, tmp_path)
    run = runs_of(ev)["mailboxes"]
    assert run["status"] == "failed"
    assert "Reports.Read.All" in run["reason"]
    assert runs_of(ev)["users"]["status"] == "ok"
    waste = pipeline.assess(evidence.load(ev)).waste
    spb = next(i for i in waste.items if i.category.value == "disabled_user")
    assert "check whether these are shared mailboxes" in spb.action


def test_permissions_list_the_new_calls_with_the_rules_that_use_them() -> None:
    from click.testing import CliRunner

    from healthcheck.cli import main

    out = CliRunner().invoke(main, ["permissions"]).stdout
    lines = {line.strip().partition(":")[0]: line.strip() for line in out.splitlines()}
    # One line per permission: the datasets it reads, then who uses them.
    for perm in (
        "RoleAssignmentSchedule.Read.Directory",
        "RoleEligibilitySchedule.Read.Directory",
        "GroupMember.Read.All",
    ):
        assert lines[perm].startswith(f"{perm}: role_assignments (used by ")
        assert "REV-03, REV-04" in lines[perm]
        assert "REV-07" in lines[perm]
    # The mailbox usage report feeds the licence waste model, not a rule.
    reports = lines["Reports.Read.All"]
    assert "mailboxes" in reports.partition(" (used by")[0]
    assert reports.endswith(", licence waste)")
