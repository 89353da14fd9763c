"""`healthcheck init`: a new engagement folder with a ready interview workbook."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from healthcheck import engine
from healthcheck.cli import main
from healthcheck.config import load_engagement
from healthcheck.errors import ConfigError
from healthcheck.init import ALLOWED, HEADERS, create_engagement, load_questions
from healthcheck.model import RunStatus, Status
from tests.test_interview import _collect


def test_init_writes_a_valid_engagement(tmp_path: Path, runner: CliRunner) -> None:
    dest = tmp_path / "acme-oy"
    got = runner.invoke(main, ["init", str(dest), "--period", "2026-Q4"])
    assert got.exit_code == 0, got.output
    assert sorted(p.name for p in dest.iterdir()) == [
        "client.yaml",
        "exports",
        "interview.xlsx",
    ]
    assert "Intune" in (dest / "exports" / "README.md").read_text("utf-8")
    cfg = load_engagement(dest).config
    assert (cfg.client_name, cfg.period) == ("Acme Oy", "2026-Q4")
    assert cfg.section("rules") is None
    text = (dest / "client.yaml").read_text("utf-8")
    # The commented examples are valid once uncommented.
    assert "#   accept: {reason:" in text and "# REV-03: {max_admins: 5}" in text
    assert f"wrote {dest / 'interview.xlsx'}" in got.output


def test_workbook_has_instructions_questions_and_drop_downs(tmp_path: Path) -> None:
    create_engagement(tmp_path / "e", client_name="Acme", period="2026-Q4")
    wb = openpyxl.load_workbook(tmp_path / "e" / "interview.xlsx")
    assert wb.sheetnames == ["Instructions", "Interview"]
    assert "Don't know" in " ".join(
        str(c.value) for c in wb["Instructions"]["A"] if c.value
    )
    ws = wb["Interview"]
    header = [c.value for c in ws[1]]
    assert header[: len(HEADERS)] == list(HEADERS.values())
    questions = load_questions()
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    assert [r[0] for r in rows] == [q.id for q in questions]
    assert [r[1] for r in rows] == [q.layer.value for q in questions]
    # One question per interview-based rule, no more.
    asked = {
        r.params["question"] for r in engine.load_catalog() if "question" in r.params
    }
    assert {q.id for q in questions} == asked
    assert all(r[3] is None for r in rows), "answers start empty"
    checks = {str(dv.sqref): dv for dv in ws.data_validations.dataValidation}
    last = len(questions) + 1
    answer = checks[f"D2:D{last}"]
    assert answer.type == "list"
    assert answer.formula1 == '"' + ",".join(ALLOWED) + '"'
    assert checks[f"F2:F{last}"].type == "date"


def test_refuses_an_existing_engagement(tmp_path: Path, runner: CliRunner) -> None:
    dest = tmp_path / "e"
    create_engagement(dest, client_name="Acme", period="2026-Q4")
    (dest / "client.yaml").write_text("client: {name: Kept}\n", encoding="utf-8")
    got = runner.invoke(main, ["init", str(dest)])
    assert got.exit_code == 2
    assert "already exists and is not empty; not overwriting" in got.output
    assert (dest / "client.yaml").read_text("utf-8") == "client: {name: Kept}\n"
    with pytest.raises(ConfigError):
        create_engagement(dest)


def test_refuses_a_file_and_accepts_an_empty_folder(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x", encoding="utf-8")
    with pytest.raises(ConfigError, match="not overwriting"):
        create_engagement(tmp_path / "file")
    (tmp_path / "empty").mkdir()
    paths = create_engagement(tmp_path / "empty", today=date(2026, 5, 2))
    assert all(p.exists() for p in paths)
    assert load_engagement(tmp_path / "empty").config.period == "2026-Q2"
    # Nothing is left behind beside the folder.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty", "file"]


def test_client_name_with_yaml_syntax_stays_a_name(tmp_path: Path) -> None:
    create_engagement(tmp_path / "e", client_name="Kone & Co: Oy #1", period="2026-Q1")
    assert load_engagement(tmp_path / "e").config.client_name == "Kone & Co: Oy #1"


def test_blank_workbook_reads_as_unanswered(tmp_path: Path) -> None:
    create_engagement(tmp_path / "e", client_name="Acme", period="2026-Q4")
    (run,) = _collect(tmp_path / "e")
    assert run.status is RunStatus.OK
    frame = run.dataset.frame
    assert len(frame) == len(load_questions())
    found = engine.evaluate(
        {"interview_answers": frame},
        as_of=date(2026, 11, 20),
        now=datetime(2026, 11, 20, 23, 59),
    )
    asked = [f for f in found if f.evidence == ("interview_answers",)]
    assert asked and all(f.status is Status.NOT_ASSESSED for f in asked)
    assert all("was not answered" in f.reason for f in asked)


def test_filled_in_workbook_passes(tmp_path: Path) -> None:
    create_engagement(tmp_path / "e", client_name="Acme", period="2026-Q4")
    path = tmp_path / "e" / "interview.xlsx"
    wb = openpyxl.load_workbook(path)
    ws = wb["Interview"]
    for row in range(2, ws.max_row + 1):
        ws[f"D{row}"] = "Yes"
        ws[f"E{row}"] = "Maria"
        ws[f"F{row}"] = datetime(2026, 6, 1)
    wb.save(path)
    (run,) = _collect(tmp_path / "e")
    frame = run.dataset.frame
    found = engine.evaluate(
        {"interview_answers": frame},
        as_of=date(2026, 11, 20),
        now=datetime(2026, 11, 20, 23, 59),
    )
    asked = [f for f in found if f.evidence == ("interview_answers",)]
    assert {f.status for f in asked} == {Status.PASS}


def test_finnish_engagement_sets_the_report_language(
    tmp_path: Path, runner: CliRunner
) -> None:
    dest = tmp_path / "fi"
    got = runner.invoke(main, ["init", str(dest), "--language", "fi"])
    assert got.exit_code == 0, got.output
    assert load_engagement(dest).config.report.language == "fi"
    ws = openpyxl.load_workbook(dest / "interview.xlsx").worksheets[0]
    text = " ".join(str(c.value) for row in ws.iter_rows() for c in row if c.value)
    assert "Haastattelulomake" in text, text[:300]
    # English stays the default, with the report section left commented.
    runner.invoke(main, ["init", str(tmp_path / "en")])
    assert load_engagement(tmp_path / "en").config.report.language == "en"


def test_new_user_flow_init_run_add_exports_run(tmp_path: Path) -> None:
    """init -> run (one line: what to add, nothing left) -> exports -> run."""
    import shutil

    from tests.conftest import SAMPLE

    eng, out = tmp_path / "fresh", tmp_path / "fresh" / "report"
    runner = CliRunner()
    assert runner.invoke(main, ["init", str(eng), "-q"]).exit_code == 0
    first = runner.invoke(main, ["run", str(eng), "--out", str(out), "-q"])
    assert first.exit_code == 2
    (line,) = first.stderr.splitlines()
    assert line.startswith("error: nothing to assess yet: add the admins' exports")
    assert "graph: section" in line and "interview.xlsx" in line
    # init's own README is never blamed, and nothing of the run is left.
    assert "README.md: not a" not in line
    assert sorted(p.name for p in eng.iterdir()) == [
        "client.yaml",
        "exports",
        "interview.xlsx",
    ]
    for csv in (SAMPLE / "exports").glob("*.csv"):
        shutil.copy(csv, eng / "exports")
    second = runner.invoke(main, ["run", str(eng), "--out", str(out)])
    assert second.exit_code == 0, second.output
    assert (out / "findings.xlsx").is_file()
    warnings = [n for n in second.stderr.splitlines() if n.startswith("warning:")]
    assert warnings == [
        f"warning: {eng / 'interview.xlsx'} has no answers yet: "
        "the process and expert rules are not assessed"
    ]
    assert "README.md" not in second.stderr


def test_client_yaml_has_a_commented_graph_section(
    tmp_path: Path, runner: CliRunner
) -> None:
    dest = tmp_path / "e"
    create_engagement(dest, client_name="Acme", period="2026-Q4")
    text = (dest / "client.yaml").read_text("utf-8")
    assert "# graph:\n#   tenant_id: " in text
    assert load_engagement(dest).config.section("graph") is None
    # Uncommented, it is a valid graph section.
    import yaml

    block = text[text.index("# graph:") :].split("\n\n")[0]
    lines = [n[2:] for n in block.splitlines()]
    section = yaml.safe_load("\n".join(lines))["graph"]
    assert {"tenant_id", "client_id", "auth", "client_secret_env"} <= set(section)
    got = runner.invoke(main, ["permissions", str(dest)])
    assert got.exit_code == 0
    assert "has no graph: section yet" in got.stderr
