"""The rule catalogue: validation, evaluator parity, client settings, docs/rules.md."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from healthcheck import engine, facts, rules, scoring
from healthcheck.cli import main
from healthcheck.engine import CatalogError
from healthcheck.errors import ConfigError
from healthcheck.init import load_questions
from healthcheck.model import Layer, LayerStatus, Status
from tests.conftest import ROOT

AS_OF = date(2026, 11, 20)
NOW = datetime(2026, 11, 20, 23, 59, 59)


@pytest.fixture
def catalog_dir(tmp_path: Path) -> Path:
    """A private copy of the packaged catalogue folder, to spoil."""
    dest = tmp_path / "catalog"
    src = resources.files("healthcheck.catalog")
    dest.mkdir()
    for name in ("foundation", "processes", "review", "expert", "interview"):
        text = src.joinpath(f"{name}.toml").read_text("utf-8")
        (dest / f"{name}.toml").write_text(text, encoding="utf-8")
    return dest


def _append(folder: Path, layer: str, text: str) -> None:
    path = folder / f"{layer}.toml"
    path.write_text(path.read_text("utf-8") + "\n" + text, encoding="utf-8")


RULE = """
[[rule]]
id = "{id}"
slug = "made-up"
title = "{title}"
severity = "low"
weight = 1
requires = ["{requires}"]
rationale = "Because."
remediation = "1. Fix it."
references = ["{ref}"]
"""


def _rule(**kw: str) -> str:
    values = dict(
        id="FND-99",
        title="A made-up state holds",
        requires="devices",
        ref="https://example.com/x",
    )
    return RULE.format(**{**values, **kw})


# ------------------------------------------------------------ the catalogue


def test_packaged_catalogue_has_at_least_25_rules_in_every_layer() -> None:
    catalog = engine.load_catalog()
    assert len(catalog) >= 25
    assert {r.layer for r in catalog} == set(Layer)
    assert len({r.id for r in catalog}) == len(catalog)
    assert len({r.slug for r in catalog}) == len(catalog), "slugs are names too"
    for r in catalog:
        assert r.rationale and r.remediation.startswith("1. "), r.id
        assert all(u.startswith("https://") for u in r.references), r.id


def test_reading_a_copy_gives_the_packaged_catalogue(catalog_dir: Path) -> None:
    assert engine.read_catalog(catalog_dir) == engine.load_catalog()


def test_rule_without_evaluator_is_named(catalog_dir: Path) -> None:
    _append(catalog_dir, "foundation", _rule())
    with pytest.raises(CatalogError) as err:
        engine.read_catalog(catalog_dir)
    assert str(err.value) == (
        "catalogue and evaluators differ: without evaluator ['FND-99'], "
        "without catalogue entry []"
    )


def test_evaluator_without_rule_is_named(catalog_dir: Path) -> None:
    extra = dict(rules.load_all())
    extra["REV-98"] = extra["REV-01"]
    with pytest.raises(CatalogError, match=r"without catalogue entry \['REV-98'\]"):
        engine.read_catalog(catalog_dir, evaluators=extra)


def test_same_evaluator_registered_twice_is_refused() -> None:
    with pytest.raises(ValueError, match="FND-01 has two evaluators"):
        rules.evaluates("FND-01")(lambda ctx: rules.passed("x"))


@pytest.mark.parametrize(
    ("layer", "text", "message"),
    [
        ("foundation", _rule(id="FND-01"), r"duplicate rule ids: \['FND-01'\]"),
        ("foundation", _rule(id="REV-99"), "id must look like FND-01"),
        ("foundation", _rule(title="Ensure a state"), "title must be 1-120"),
        ("foundation", _rule(requires="devices.colour"), "unknown dataset"),
        ("foundation", _rule(ref="http://example.com"), "https:// URLs"),
        ("review", _rule(id="REV-99") + 'colour = "red"\n', "unknown fields"),
    ],
)
def test_metadata_rules_are_enforced(
    catalog_dir: Path, layer: str, text: str, message: str
) -> None:
    _append(catalog_dir, layer, text)
    evaluators = {**rules.load_all(), "FND-99": rules.EVALUATORS["FND-01"]}
    evaluators["REV-99"] = rules.EVALUATORS["REV-01"]
    with pytest.raises(CatalogError, match=message):
        engine.read_catalog(catalog_dir, evaluators=evaluators)


def test_retired_id_is_never_reused(catalog_dir: Path) -> None:
    (catalog_dir / "retired.toml").write_text(
        '[[rule]]\nid = "REV-04"\nreplaced_by = "REV-10"\n', encoding="utf-8"
    )
    with pytest.raises(CatalogError, match=r"ids reused: \['REV-04'\]"):
        engine.read_catalog(catalog_dir)


def test_interview_rule_needs_its_question(catalog_dir: Path) -> None:
    path = catalog_dir / "interview.toml"
    text = path.read_text("utf-8").replace(
        'id = "vendor_register"', 'id = "supplier_list"'
    )
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CatalogError) as err:
        engine.read_catalog(catalog_dir)
    assert "EXP-02: parameter question = 'vendor_register'" in str(err.value)


def test_every_interview_question_belongs_to_an_interview_rule() -> None:
    asked = {
        r.id: r.params["question"]
        for r in engine.load_catalog()
        if "question" in r.params
    }
    questions = load_questions()
    assert {q.rule: q.id for q in questions} == asked
    for q in questions:
        assert q.layer is next(r.layer for r in engine.load_catalog() if r.id == q.rule)


# ------------------------------------------------------- windows update table


def test_windows_update_table_is_dated_sourced_and_consistent() -> None:
    table = facts.windows_updates()
    assert table.updates
    text = resources.files("healthcheck.catalog").joinpath("windows_updates.csv")
    lines = [
        line
        for line in text.read_text("utf-8").splitlines()
        if not line.startswith("#")
    ]
    rows = list(csv.DictReader(io.StringIO("\n".join(lines))))
    assert len(rows) == len(table.updates)
    for row, update in zip(rows, table.updates, strict=True):
        assert row["source"].startswith("https://"), row
        assert update.released <= table.table_date, row
    keys = [(u.build, u.revision) for u in table.updates]
    assert len(keys) == len(set(keys))


def test_required_update_is_relative_to_table_and_grace() -> None:
    table = facts.windows_updates()
    due = table.required(26100, date(2026, 11, 20), 14)
    assert due is not None and (due.revision, due.released) == (
        9711,
        date(2026, 10, 13),
    )
    # Six days after the October update only September's is due.
    due = table.required(26100, date(2026, 10, 19), 14)
    assert due is not None and due.revision == 9457
    assert table.required(22631, date(2026, 11, 20), 14) is None
    assert facts.windows_build("10.0.26100.9711") == (26100, 9711)
    assert facts.windows_build("10.0.26100") is None
    assert facts.windows_build(None) is None


# ------------------------------------------------------------ docs/rules.md


def test_docs_rules_md_matches_the_catalogue() -> None:
    committed = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    assert committed == engine.catalog_markdown(), (
        "docs/rules.md is stale: run "
        "`healthcheck rules --format markdown > docs/rules.md`"
    )


def test_rules_command_writes_the_markdown(runner: CliRunner) -> None:
    got = runner.invoke(main, ["rules", "--format", "markdown"])
    assert got.exit_code == 0, got.output
    assert got.output == engine.catalog_markdown()
    for rule in engine.load_catalog():
        assert f"### {rule.id} {rule.slug}" in got.output


def test_markdown_changes_when_the_catalogue_does(catalog_dir: Path) -> None:
    path = catalog_dir / "review.toml"
    text = path.read_text("utf-8").replace(
        "Between two and four accounts", "Between two and three accounts"
    )
    path.write_text(text, encoding="utf-8")
    changed = engine.catalog_markdown(engine.read_catalog(catalog_dir))
    assert changed != engine.catalog_markdown()
    assert "Between two and three accounts" in changed


# ------------------------------------------------ client.yaml `rules:` section


@pytest.mark.parametrize(
    ("section", "message"),
    [
        (
            {"REV-003": {"max_admins": 5}},
            "client.yaml: key 'rules.REV-003': unknown rule id "
            "(did you mean 'REV-03'?)",
        ),
        (
            {"REV-03": {"max_admin": 5}},
            "client.yaml: key 'rules.REV-03.max_admin': unknown parameter "
            "(REV-03 has max_admins, min_admins; 'accept' marks an accepted risk)",
        ),
        (
            {"REV-03": {"max_admins": "five"}},
            "client.yaml: key 'rules.REV-03.max_admins': expected a whole number "
            "like 4, got 'five'",
        ),
        (
            {"REV-03": {"max_admins": True}},
            "key 'rules.REV-03.max_admins': expected a whole number",
        ),
        (
            {"REV-05": {"min_percent": -1}},
            "key 'rules.REV-05.min_percent': expected 0 or more",
        ),
        (
            {"FND-07": {"server_pattern": "(srv"}},
            "key 'rules.FND-07.server_pattern': not a regular expression",
        ),
        (
            {"DOC-01": {"question": "other"}},
            "key 'rules.DOC-01.question': unknown parameter",
        ),
        ({"REV-03": 5}, "key 'rules.REV-03': expected parameters or accept"),
        (["REV-03"], "key 'rules': expected a mapping of rule id to settings"),
        (
            {"FND-07": {"accept": {"expires": "2027-01-31"}}},
            "key 'rules.FND-07.accept.reason': an accepted risk needs a reason",
        ),
        (
            {"FND-07": {"accept": {"reason": "rebuilt from a script"}}},
            "key 'rules.FND-07.accept.expires': expected an expiry date like "
            "2027-01-31, got None",
        ),
        (
            {"FND-07": {"accept": {"reason": "x", "expires": "31.1.2027"}}},
            "key 'rules.FND-07.accept.expires': expected an expiry date",
        ),
        (
            {"FND-07": {"accept": {"reason": "x", "expires": "2027-01-31", "by": 1}}},
            "key 'rules.FND-07.accept.by': unknown setting",
        ),
    ],
)
def test_bad_rules_section_names_file_and_key(section: Any, message: str) -> None:
    with pytest.raises(ConfigError) as err:
        engine.parse_rule_settings(section)
    assert message in str(err.value)


def test_good_rules_section() -> None:
    got = engine.parse_rule_settings(
        {
            "REV-03": {"max_admins": 5},
            # An int where the default is a float is fine; YAML writes 90 for 90.0.
            "FND-05": {"min_free_percent": 15},
            "FND-07": {
                "accept": {"reason": " print  server ", "expires": "2027-03-31"}
            },
        }
    )
    assert got.params == {
        "REV-03": {"max_admins": 5},
        "FND-05": {"min_free_percent": 15},
    }
    assert got.accepted["FND-07"] == engine.AcceptedRisk(
        reason="print server", expires=date(2027, 3, 31)
    )
    assert engine.parse_rule_settings(None) == engine.RuleSettings()


def test_per_rule_override_wins_over_the_global_one() -> None:
    from tests.test_rules import assign, run, user

    data = {
        "users": [user("ann@x.fi", last_activity="2026-10-01")],
        "licence_assignments": [assign("ann@x.fi", "SPB")],
    }
    # 50 days quiet: inactive under the global 30, active under REV-02's 60.
    found = run(
        data,
        overrides={"inactive_days": 30},
        rules_section={"REV-02": {"inactive_days": 60}},
    )
    assert found["REV-02"].status is Status.PASS


# --------------------------------------------------------------- accepted risks

_FIVE_ADMINS = {
    "role_assignments": [
        {"upn": f"a{i}@x.fi", "role": "Global Administrator", "assignment": "Active"}
        for i in range(5)
    ]
    # An eligible role shows PIM in use, so REV-07 (standing admins) is assessed.
    + [{"upn": "a0@x.fi", "role": "User Administrator", "assignment": "Eligible"}]
}


def _accepting(expires: str) -> dict[str, Any]:
    return {"REV-03": {"accept": {"reason": "merger", "expires": expires}}}


def test_accepted_fail_is_accepted_and_left_out_of_the_score() -> None:
    from tests.test_rules import run

    found = run(_FIVE_ADMINS, rules_section=_accepting("2026-11-20"))
    f = found["REV-03"]
    assert f.status is Status.ACCEPTED
    assert f.reason == "Accepted until 2026-11-20: merger"
    assert "5 accounts hold Global Administrator" in f.detail
    assert f.acceptance is not None and not f.acceptance.expired
    review = {s.layer: s for s in scoring.score_layers(found.values())}[Layer.REVIEW]
    # REV-07 (permanent admins) fails and REV-08 (no guest admins) passes;
    # REV-03 counts in neither sum.
    assert review.counts["accepted"] == 1
    assert review.accepted_weight == f.weight * f.severity.factor
    rev07, rev08 = found["REV-07"], found["REV-08"]
    assert (rev07.status, rev08.status) == (Status.FAIL, Status.PASS)
    w07, w08 = (x.weight * x.severity.factor for x in (rev07, rev08))
    assert review.assessed_weight == w07 + w08
    assert review.score == round(100 * w08 / (w07 + w08), 1)
    # The JSON round trip keeps the acceptance.
    back = type(f).from_dict(f.to_dict())
    assert back == f
    assert f.to_dict()["acceptance"] == {
        "reason": "merger",
        "expires": "2026-11-20",
        "expired": False,
    }


def test_expired_acceptance_fails_again_and_says_so() -> None:
    from tests.test_rules import run

    f = run(_FIVE_ADMINS, rules_section=_accepting("2026-11-19"))["REV-03"]
    assert f.status is Status.FAIL
    assert f.detail.endswith(
        "The accepted risk expired on 2026-11-19 (merger), so this counts as a "
        "fail again."
    )
    assert f.acceptance is not None and f.acceptance.expired


def test_acceptance_of_a_passing_rule_changes_nothing() -> None:
    from tests.test_rules import run

    data = {"role_assignments": _FIVE_ADMINS["role_assignments"][:3]}
    f = run(data, rules_section=_accepting("2027-01-01"))["REV-03"]
    assert f.status is Status.PASS
    assert f.acceptance is None


def test_accepted_risks_count_as_evidence_for_coverage() -> None:
    from tests.test_rules import run

    found = run(
        _FIVE_ADMINS,
        rules_section={
            **_accepting("2027-01-01"),
            "REV-07": {"accept": {"reason": "PIM next year", "expires": "2027-06-30"}},
        },
    )
    review = {s.layer: s for s in scoring.score_layers(found.values())}[Layer.REVIEW]
    # Only REV-08 (no guest admins) is left to score, and it passes.
    assert found["REV-08"].status is Status.PASS
    assert review.score == 100.0
    assert review.counts["accepted"] == 2
    assert review.coverage == round(
        (review.assessed_weight + review.accepted_weight) / review.total_weight, 3
    )
    # REV-03 (16) and REV-07 (9) accepted, REV-08 (16) passed: 41 of 112.
    assert review.coverage < scoring.MIN_COVERAGE
    assert (review.status, review.grade) == (LayerStatus.INCOMPLETE, None)


# ------------------------------------------------------------ end to end


def test_bad_rules_section_stops_the_run_with_exit_2(
    engagement: Path, tmp_path: Path, runner: CliRunner
) -> None:
    cfg = engagement / "client.yaml"
    data = yaml.safe_load(cfg.read_text(encoding="utf-8"))
    data["rules"] = {"FND-06": {"grace_day": 3}}
    cfg.write_text(yaml.safe_dump(data), encoding="utf-8")
    got = runner.invoke(main, ["run", str(engagement), "--out", str(tmp_path / "o")])
    assert got.exit_code == 2
    assert re.search(
        r"client\.yaml: key 'rules\.FND-06\.grace_day': unknown parameter", got.output
    ), got.output
    assert not (tmp_path / "o" / "report.pdf").exists()


def test_sample_shows_an_accepted_and_an_expired_risk(sample_run: Path) -> None:
    import json

    data = json.loads((sample_run / "assessment.json").read_text(encoding="utf-8"))
    by_id = {f["rule_id"]: f for f in data["findings"]}
    assert data["schema_version"] == "2.1"
    assert by_id["REV-09"]["status"] == "accepted"
    assert by_id["REV-09"]["acceptance"]["expires"] == "2027-02-28"
    assert by_id["FND-03"]["status"] == "fail"
    assert by_id["FND-03"]["acceptance"]["expired"] is True
    assert "counts as a fail again" in by_id["FND-03"]["detail"]
    # Schema 1.2: the keys the sentences were rendered from, for translation.
    assert by_id["FND-03"]["detail_key"] == "engine.acceptance_expired"
    assert by_id["FND-03"]["detail_params"]["detail"]["key"] == "rules.FND-03.fail"
    assert by_id["REV-09"]["reason_key"] == "engine.accepted"
    assert by_id["REV-09"]["reason_params"]["expires"] == {"date": "2027-02-28"}


def test_sample_rules_section_is_valid() -> None:
    # The sample's client.yaml validates against the packaged catalogue.
    cfg = yaml.safe_load(
        (ROOT / "sample_data" / "aurora-logistics" / "client.yaml").read_text("utf-8")
    )
    got = engine.parse_rule_settings(cfg["rules"])
    assert set(got.accepted) == {"REV-09", "FND-03"}
    assert got.params == {"FND-06": {"grace_days": 21}}
