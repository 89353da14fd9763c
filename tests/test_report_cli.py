"""``run`` and ``report`` with --language and --previous, through the CLI."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

from click.testing import CliRunner

from healthcheck.cli import main
from tests.conftest import pdf_pages


def _text(path: Path) -> str:
    raw = " ".join(pdf_pages(path))
    return re.sub(r"[\s\u00a0\u202f]+", " ", raw)


def test_language_and_previous_then_offline_rebuild(
    engagement: Path, sample_run: Path, runner: CliRunner, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    result = runner.invoke(
        main,
        [
            "run",
            str(engagement),
            "--out",
            str(out),
            "--language",
            "fi",
            "--previous",
            str(sample_run),  # a report folder: this very quarter
        ],
    )
    assert result.exit_code == 0, result.output
    text = _text(out / "report.pdf")
    assert "Yhteenveto" in text and "Muutos edellisestä neljänneksestä" in text
    # Compared with itself: nothing new, nothing resolved.
    assert "0 uutta · 0 korjattu" in text
    assert (out / "evidence" / "previous" / "assessment.json").is_file()
    # Offline, in the language client.yaml gives, with the saved comparison.
    again = tmp_path / "again"
    result = runner.invoke(main, ["report", str(out / "evidence"), "--out", str(again)])
    assert result.exit_code == 0, result.output
    text = _text(again / "report.pdf")
    assert "Summary" in text and "0 new · 0 resolved" in text


def test_bad_language_and_previous_are_usage_errors(
    sample_run: Path, runner: CliRunner, tmp_path: Path
) -> None:
    result = runner.invoke(
        main,
        [
            "report",
            str(sample_run / "evidence"),
            "--out",
            str(tmp_path / "o"),
            "--language",
            "sv",
        ],
    )
    assert result.exit_code == 2
    bad = tmp_path / "assessment.json"
    bad.write_text('{"schema_version": "1.1"}')
    result = runner.invoke(
        main,
        [
            "report",
            str(sample_run / "evidence"),
            "--out",
            str(tmp_path / "o"),
            "--previous",
            str(bad),
            "-q",  # the progress lines aside, the error is one line
        ],
    )
    assert result.exit_code == 2
    assert result.output.count("\n") == 1 and str(bad) in result.output
    assert not (tmp_path / "o" / "report.pdf").exists()


def test_bad_brand_colour_stops_the_run(
    engagement: Path, runner: CliRunner, tmp_path: Path
) -> None:
    cfg = engagement / "client.yaml"
    cfg.write_text(cfg.read_text().replace('"#123b5c"', '"blue"'))
    result = runner.invoke(main, ["run", str(engagement), "--out", str(tmp_path / "o")])
    assert result.exit_code == 2
    assert "client.yaml: key 'branding.colours.primary'" in result.output
    assert result.output.count("\n") == 1


def test_language_comes_from_client_yaml(sample_run: Path, tmp_path: Path) -> None:
    from healthcheck import evidence, pipeline

    ev_dir = tmp_path / "evidence"
    shutil.copytree(sample_run / "evidence", ev_dir)
    manifest = ev_dir / "manifest.json"
    data = json.loads(manifest.read_text(encoding="utf-8"))
    data["client"]["report"]["language"] = "fi"
    manifest.write_text(json.dumps(data), encoding="utf-8")
    ev = evidence.load(ev_dir)
    current = pipeline.assess(ev)
    assert pipeline.report_options(ev, ev_dir, current).lang == "fi"
    assert pipeline.report_options(ev, ev_dir, current, lang="en").lang == "en"
    options = pipeline.report_options(ev, ev_dir, current)
    assert set(options.brand_files) == {"logo", "client_logo"}
    assert options.comparison is not None
    assert options.comparison.previous_period == "2026-Q3"
