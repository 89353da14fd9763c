"""Quarter over quarter: new, resolved, still open and no longer assessed."""

from __future__ import annotations

import dataclasses
import json
import re
import shutil
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from healthcheck import compare, evidence, pipeline
from healthcheck.cli import main
from healthcheck.errors import InputError
from healthcheck.model import Assessment
from healthcheck.report import context, jsonout, pdf
from tests.conftest import ROOT, SAMPLE, pdf_pages


def _assess(root: Path, tmp: Path) -> Assessment:
    ev = pipeline.collect(root, tmp / f"ev-{root.name}")
    return pipeline.assess(evidence.load(ev))


@pytest.fixture(scope="module")
def quarters(tmp_path_factory: pytest.TempPathFactory) -> tuple[Assessment, Assessment]:
    tmp = tmp_path_factory.mktemp("quarters")
    before, now = tmp / "q3", tmp / "q4"
    shutil.copytree(SAMPLE, before)
    shutil.copytree(SAMPLE, now)
    cfg = before / "client.yaml"
    cfg.write_text(cfg.read_text().replace("period: 2026-Q4", "period: 2026-Q3"))
    # Last quarter every backup job succeeded, and onboarding was undocumented.
    jobs = before / "exports" / "backup_jobs.csv"
    lines = jobs.read_text().splitlines()
    jobs.write_text(
        "\n".join(
            [lines[0]]
            + [
                ",".join(cells[:3] + ["Success", cells[2]] + cells[5:])
                for cells in (line.split(",") for line in lines[1:])
            ]
        )
        + "\n"
    )
    wb = openpyxl.load_workbook(before / "interview.xlsx")
    sheet = wb["Interview"]
    row = next(
        r for r in sheet.iter_rows(min_row=2) if r[0].value == "onboarding_documented"
    )
    row[3].value = "No"
    wb.save(before / "interview.xlsx")
    # This quarter the MFA export is missing.
    (now / "exports" / "mfa_registration.csv").unlink()
    return _assess(before, tmp), _assess(now, tmp)


def test_new_resolved_persisting_and_unassessed(quarters) -> None:
    before, now = quarters
    c = compare.compare(before, now)
    assert [f.rule_id for f in c.new] == ["FND-04"]
    assert [f.rule_id for f in c.resolved] == ["DOC-01"]
    assert [f.rule_id for f in c.no_longer_assessed] == ["REV-04", "REV-05"]
    persisting = {f.rule_id for f in c.persisting}
    assert {"FND-01", "FND-02", "REV-03"} <= persisting
    assert not persisting & {"FND-04", "DOC-01", "REV-04", "REV-05"}
    assert (c.previous_period, c.current_period) == ("2026-Q3", "2026-Q4")
    assert c.warnings == ()


def test_layer_deltas_and_waste(quarters) -> None:
    before, now = quarters
    c = compare.compare(before, now)
    by_layer = {layer.layer: layer for layer in c.layers}
    foundation_before = next(s for s in before.layers if s.layer.value == "foundation")
    foundation_now = next(s for s in now.layers if s.layer.value == "foundation")
    assert by_layer["foundation"].delta == round(
        foundation_now.score - foundation_before.score, 1
    )
    assert c.waste_delta == now.waste.annual_total - before.waste.annual_total


def test_affected_objects_that_came_and_went(quarters) -> None:
    before, now = quarters
    c = compare.compare(now, before)  # swapped: FND-04 failed, then passed
    (fixed,) = [f for f in c.resolved if f.rule_id == "FND-04"]
    # The sample's warning job counts as a success: only the failed job is affected.
    assert fixed.removed == ("Nightly SRV-ERP01",)
    assert any("later than" in w for w in c.warnings) is False


def test_cli_compare_json_and_text(quarters, tmp_path: Path) -> None:
    before, now = quarters
    jsonout.write(before, tmp_path / "q3" / "assessment.json")
    jsonout.write(now, tmp_path / "q4" / "assessment.json")
    runner = CliRunner()
    result = runner.invoke(
        main,
        [
            "compare",
            str(tmp_path / "q3"),
            str(tmp_path / "q4" / "assessment.json"),
            "--format",
            "json",
        ],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert [f["rule_id"] for f in data["new"]] == ["FND-04"]
    text = runner.invoke(
        main, ["compare", str(tmp_path / "q3"), str(tmp_path / "q4")]
    ).output
    assert "2026-Q3 -> 2026-Q4" in text and "resolved: 1" in text


def test_unreadable_input_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "assessment.json").write_text("{not json")
    with pytest.raises(InputError, match="assessment.json, row 1"):
        compare.load(tmp_path)
    result = CliRunner().invoke(main, ["compare", str(tmp_path), str(tmp_path / "x")])
    assert result.exit_code == 2 and "Traceback" not in result.output


def test_sample_against_its_previous_quarter(sample_run: Path) -> None:
    """The bundled 2026-Q3 differs from 2026-Q4 exactly as its script says."""
    previous = compare.load(SAMPLE / "previous")
    c = compare.compare(previous, jsonout.read(sample_run / "assessment.json"))
    # FND-09 (refdata12) and REV-12 (issue 13) came after the Q3 file was
    # made: rules it never ran, failing now, are new.
    # FND-09 did not exist in 2026-Q3; FND-18 (issue 13) neither: the sample's
    # Microsoft 365 backup job covers mail only.
    # Regenerated after issue 13: the previous quarter is made by the same
    # rules, so only the script's story differs (REV-14's secret was not yet
    # due; legacy authentication was blocked in September).
    assert {f.rule_id for f in c.new} == {
        "FND-03",
        "FND-05",
        "FND-07",
        "REV-08",
        "REV-14",
    }
    assert {f.rule_id for f in c.resolved} == {"DOC-01", "DOC-07", "EXP-05", "REV-11"}
    (laps,) = [f for f in c.persisting if f.rule_id == "FND-16"]
    assert len(laps.removed) == 34 and laps.added == ()
    # The sample tenant has no Entra ID P2 (no PIM): REV-07 is not assessed
    # in either quarter, so it is neither resolved nor "no longer assessed".
    assert c.no_longer_assessed == ()
    (mfa,) = [f for f in c.persisting if f.rule_id == "REV-05"]
    assert len(mfa.removed) == 4 and mfa.added == ()
    assert c.waste_delta is not None and c.waste_delta < 0
    assert c.previous_period == "2026-Q3" and c.warnings == ()


def test_previous_quarter_script_reproduces_the_sample_file() -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "make_previous_quarter", ROOT / "scripts" / "make_previous_quarter.py"
    )
    assert spec is not None and spec.loader is not None
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    made = script.previous_quarter(*script.current_assessment(SAMPLE))
    shipped = compare.load(SAMPLE / "previous")
    assert made.period == shipped.period == "2026-Q3"
    assert {f.rule_id: f.status for f in made.findings} == {
        f.rule_id: f.status for f in shipped.findings
    }
    assert made.waste.annual_total == shipped.waste.annual_total
    assert [s.score for s in made.layers] == [s.score for s in shipped.layers]


def test_report_shows_new_resolved_and_unassessed(quarters, tmp_path: Path) -> None:
    before, now = quarters
    options = context.ReportOptions(comparison=compare.compare(before, now))
    body, _ = pdf.render_bytes(now, options)
    text = " ".join(" ".join(pdf_pages(body)).split())
    section = text.split("Change since last quarter")[-1]
    title = {f.rule_id: f.title for f in now.findings}
    assert "New findings (1)" in section
    new = section.split("New findings (1)")[1].split("Resolved")[0]
    # The control's name, then the problem in numbers; never the rule id.
    assert title["FND-04"] in new and "no success within" in new
    assert "Resolved findings (1)" in section and title["DOC-01"] in section
    gone = section.split("Failed then, not assessed now (2)")[1]
    assert title["REV-04"] in gone and title["REV-05"] in gone
    assert not re.search(
        r"\b(FND|DOC|REV|EXP)-\d\d\b", section.split("The four layers")[0]
    )
    assert "1 new · 1 resolved" in text


OLD_SCHEMA = ROOT / "tests" / "data" / "old_schema" / "assessment-1.2.json"


def test_a_previous_quarter_of_the_older_schema_still_compares(
    sample_run: Path, tmp_path: Path
) -> None:
    """A 1.x file (all-or-nothing scores, no actions) reads, compares, says so."""
    old = compare.load(OLD_SCHEMA)
    assert old.schema_version.startswith("1.") and old.actions == ()
    assert old.overall.method == "all-or-nothing" and old.overall.caps == ()
    # Its findings read back with the binary scores they were computed with.
    assert {f.score for f in old.findings if f.status.value == "pass"} == {1.0}
    assert {f.score for f in old.findings if f.status.value == "fail"} == {0.0}
    now = jsonout.read(sample_run / "assessment.json")
    c = compare.compare(old, now)
    assert c.method_changed and c.to_dict()["scoring_method"] == {
        "previous": "all-or-nothing",
        "current": "proportional-capped",
        "changed": True,
    }
    text = CliRunner().invoke(main, ["compare", str(OLD_SCHEMA), str(sample_run)])
    assert text.exit_code == 0, text.output
    assert "scored all-or-nothing" in text.output
    # Same method both quarters: no note.
    same = compare.compare(compare.load(SAMPLE / "previous"), now)
    assert not same.method_changed
    assert "scored" not in compare.render_text(same)


def test_run_with_an_older_previous_quarter_notes_the_method_change(
    engagement: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    result = CliRunner().invoke(
        main,
        ["run", str(engagement), "--out", str(out), "--previous", str(OLD_SCHEMA)],
    )
    assert result.exit_code == 0, result.output
    text = " ".join(" ".join(pdf_pages((out / "report.pdf").read_bytes())).split())
    assert "was scored all or nothing per check" in text
    book = openpyxl.load_workbook(out / "findings.xlsx")
    assert book["Actions"].max_row > 1


def test_changes_round_half_up_in_text_pdf_and_workbook() -> None:
    """20.8 -> 18.3 is a change of -2.5: shown as -3 everywhere, never -2."""
    from healthcheck.model import Overall
    from healthcheck.report import xlsx

    base = compare.load(SAMPLE / "previous")
    before = dataclasses.replace(
        base, overall=dataclasses.replace(base.overall, score=20.8, grade="F")
    )
    after = dataclasses.replace(
        base,
        period="2026-Q4",
        overall=Overall(
            score=18.3, grade="F", coverage=0.9, method=base.overall.method
        ),
    )
    c = compare.compare(before, after)
    assert c.overall_delta == -2.5
    assert "F (21) -> F (18)  -3" in compare.render_text(c)
    view = context.build(after, context.ReportOptions(comparison=c))
    assert view["comparison"]["overall_delta"] == "-3"
    wb = xlsx.build(after, comparison=c)
    cells = [
        row
        for row in wb["Summary"].iter_rows(values_only=True)
        if row and row[0] == "Overall" and len(row) > 5
    ]
    assert cells and cells[0][5] == -3
