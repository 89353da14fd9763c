"""The commands as a user runs them: outputs, exit codes, one-line errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from healthcheck.cli import main
from tests.conftest import ROOT, SAMPLE


def _assessment(path: Path) -> dict:
    return json.loads((path / "assessment.json").read_text(encoding="utf-8"))


def test_run_writes_every_artefact(sample_run: Path) -> None:
    for name in ("report.pdf", "findings.xlsx", "assessment.json"):
        assert (sample_run / name).stat().st_size > 1000, name
    manifest = json.loads((sample_run / "evidence" / "manifest.json").read_text())
    users = manifest["datasets"]["users"]
    assert users["rows"] == 62
    src = {s["format"]: s for s in users["sources"]}
    assert src["m365_active_users"]["rows_read"] == 62
    assert len(src["m365_active_users"]["sha256"]) == 64
    assert (sample_run / "evidence" / users["file"]).is_file()
    # Inputs are kept byte for byte beside the normalised datasets.
    copy = sample_run / "evidence" / src["m365_active_users"]["copy"]
    assert copy.read_bytes() == (SAMPLE / "exports" / "active_users.csv").read_bytes()
    assert not [p for p in sample_run.iterdir() if p.name.startswith(".")]


def test_report_from_evidence_reproduces_assessment(
    sample_run: Path, tmp_path: Path
) -> None:
    result = CliRunner().invoke(
        main, ["report", str(sample_run / "evidence"), "--out", str(tmp_path / "again")]
    )
    assert result.exit_code == 0, result.output
    first, second = _assessment(sample_run), _assessment(tmp_path / "again")
    assert first.pop("generated_at") and second.pop("generated_at")
    assert first == second
    assert (tmp_path / "again" / "report.pdf").is_file()


def test_tampered_evidence_is_refused(
    sample_run: Path, tmp_path: Path, runner: CliRunner
) -> None:
    import shutil

    ev = tmp_path / "evidence"
    shutil.copytree(sample_run / "evidence", ev)
    path = ev / "datasets" / "users.json"
    path.write_text(path.read_text().replace("true", "false", 1))
    result = runner.invoke(main, ["report", str(ev), "--out", str(tmp_path / "o")])
    assert result.exit_code == 2
    assert "users.json" in result.output and "sha256" in result.output
    assert "Traceback" not in result.output


def test_missing_required_column_is_one_line_and_keeps_old_report(
    engagement: Path, tmp_path: Path, runner: CliRunner
) -> None:
    out = tmp_path / "out"
    assert (
        runner.invoke(main, ["run", str(engagement), "--out", str(out)]).exit_code == 0
    )
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    csv = engagement / "exports" / "active_users.csv"
    lines = csv.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    drop = header.index("Block credential")
    csv.write_text(
        "\n".join(
            ",".join(c for i, c in enumerate(line.split(",")) if i != drop)
            for line in lines
        )
        + "\n"
    )
    # -q: the progress lines are left out, the error is one line.
    result = runner.invoke(main, ["run", str(engagement), "--out", str(out), "-q"])
    assert result.exit_code == 2
    lines_out = result.output.strip().splitlines()
    assert len(lines_out) == 1, result.output
    assert "active_users.csv" in lines_out[0]
    assert "'Block credential'" in lines_out[0]
    assert "Traceback" not in result.output
    after = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    assert after == before
    assert (out / "evidence" / "manifest.json").is_file()
    assert not [p for p in out.iterdir() if p.name.startswith(".")]


def test_missing_engagement_folder(tmp_path: Path, runner: CliRunner) -> None:
    result = runner.invoke(
        main, ["run", str(tmp_path / "nope"), "--out", str(tmp_path / "o")]
    )
    assert result.exit_code == 2
    assert str(tmp_path / "nope") in result.output
    assert "not found" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "o").exists() or not any((tmp_path / "o").iterdir())


def test_missing_client_yaml(
    engagement: Path, tmp_path: Path, runner: CliRunner
) -> None:
    (engagement / "client.yaml").unlink()
    result = runner.invoke(main, ["run", str(engagement), "--out", str(tmp_path / "o")])
    assert result.exit_code == 2
    assert "client.yaml" in result.output and "not found" in result.output


def test_failed_render_keeps_previous_report(
    engagement: Path, tmp_path: Path, runner: CliRunner
) -> None:
    out = tmp_path / "out"
    runner.invoke(main, ["run", str(engagement), "--out", str(out)])
    old = (out / "assessment.json").read_bytes()
    # An interview answer outside the drop-down list stops the run.
    import openpyxl

    wb = openpyxl.load_workbook(engagement / "interview.xlsx")
    wb["Interview"]["D2"] = "Maybe"
    wb.save(engagement / "interview.xlsx")
    result = runner.invoke(main, ["run", str(engagement), "--out", str(out)])
    assert result.exit_code == 2
    assert "cell D2" in result.output and "Don't know" in result.output
    assert (out / "assessment.json").read_bytes() == old


def test_collect_then_report(
    engagement: Path, tmp_path: Path, runner: CliRunner
) -> None:
    ev = tmp_path / "ev"
    result = runner.invoke(main, ["collect", str(engagement), "--out", str(ev)])
    assert result.exit_code == 0, result.output
    assert (ev / "manifest.json").is_file()
    result = runner.invoke(main, ["report", str(ev), "--out", str(tmp_path / "r")])
    assert result.exit_code == 0, result.output
    assert _assessment(tmp_path / "r")["client"]["name"] == "Aurora Logistics Oy"


def test_missing_exports_make_rules_not_assessed(
    engagement: Path, tmp_path: Path, runner: CliRunner
) -> None:
    (engagement / "exports" / "backup_jobs.csv").unlink()
    (engagement / "interview.xlsx").unlink()
    result = runner.invoke(main, ["run", str(engagement), "--out", str(tmp_path / "o")])
    assert result.exit_code == 0, result.output
    data = _assessment(tmp_path / "o")
    by_id = {f["rule_id"]: f for f in data["findings"]}
    assert by_id["FND-04"]["status"] == "not_assessed"
    assert "backup jobs" in by_id["FND-04"]["reason"]
    expert = next(s for s in data["layers"] if s["id"] == "expert")
    assert expert["score"] is None and expert["grade"] is None
    assert expert["coverage"] == 0


def test_collectors_and_rules_listings(runner: CliRunner) -> None:
    out = runner.invoke(main, ["collectors"]).output
    assert "exports" in out and "interview" in out and "licence_skus" in out
    out = runner.invoke(main, ["rules", "--layer", "review"]).output
    assert "REV-01" in out and "FND-01" not in out
    listed = json.loads(runner.invoke(main, ["rules", "--format", "json"]).output)
    assert {r["layer"] for r in listed} == {
        "foundation",
        "processes",
        "review",
        "expert",
    }


def test_python_dash_m_runs_as_a_new_user_would(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "healthcheck",
            "run",
            str(SAMPLE),
            "--out",
            str(tmp_path / "report"),
            "-v",  # after the subcommand, as a user types it
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    assert "wrote" in proc.stdout
    lines = proc.stderr.splitlines()
    # Stages in order, each dataset with its rows; -v adds our detail only,
    # never the renderer's or fontTools' internals.
    assert lines[0] == f"collecting {SAMPLE}"
    assert "  exports: users, 62 rows" in lines
    stages = [n for n in lines if not n.startswith((" ", "info: "))]
    assert stages[-4:] == [
        "scoring",
        "writing assessment.json",
        "writing findings.xlsx",
        "writing report.pdf",
    ]
    noise = ("glyph", "subset", "pruned", "renderer", "harfbuzz", "step ")
    assert not [n for n in lines if any(w in n.lower() for w in noise)], lines
    assert not [n for n in lines if n.startswith("warning:")], lines
    assert (tmp_path / "report" / "report.pdf").is_file()
    assert ROOT.exists()
