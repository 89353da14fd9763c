"""The interview collector validates the workbook: sheet, cell and allowed values."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from collectors.interview import InterviewCollector
from healthcheck.cli import main
from healthcheck.config import CollectContext, load_engagement
from healthcheck.errors import InputError
from healthcheck.model import RunStatus


def _set(path: Path, cell: str, value: object) -> None:
    wb = openpyxl.load_workbook(path)
    wb["Interview"][cell] = value
    wb.save(path)


def _collect(folder: Path):
    ctx = CollectContext(
        engagement=load_engagement(folder), collected_at=datetime(2026, 11, 20)
    )
    return list(InterviewCollector().collect(ctx))


def test_sample_workbook_reads(engagement: Path) -> None:
    (run,) = _collect(engagement)
    assert run.status is RunStatus.OK
    assert len(run.dataset.frame) == 10
    assert run.dataset.rejected == ()


@pytest.mark.parametrize(
    ("cell", "value", "message"),
    [
        (
            "D3",
            "Maybe",
            "sheet 'Interview', cell D3: expected one of Yes, Partly, No, "
            "Don't know, got 'Maybe'",
        ),
        (
            "F2",
            "last spring",
            "sheet 'Interview', cell F2: expected a date like 2026-03-31, got "
            "'last spring'",
        ),
        ("F2", "2026-02-30", "cell F2: expected a date like 2026-03-31"),
        (
            "A2",
            "pets_allowed",
            "sheet 'Interview', cell A2: unknown question id 'pets_allowed'; "
            "expected one of admin_access_documented, ",
        ),
        (
            "A3",
            "onboarding_documented",
            "cell A3: question 'onboarding_documented' is already answered in cell A2",
        ),
    ],
)
def test_bad_cell_stops_with_sheet_cell_and_allowed(
    engagement: Path, cell: str, value: str, message: str
) -> None:
    path = engagement / "interview.xlsx"
    _set(path, cell, value)
    with pytest.raises(InputError) as err:
        _collect(engagement)
    assert message in str(err.value)
    assert str(err.value).startswith(str(path))


def test_iso_date_text_is_a_date(engagement: Path) -> None:
    path = engagement / "interview.xlsx"
    _set(path, "F2", "2026-03-02")
    (run,) = _collect(engagement)
    frame = run.dataset.frame.set_index("question_id")
    assert frame.at["onboarding_documented", "last_reviewed"].date().isoformat() == (
        "2026-03-02"
    )


def test_bad_cell_stops_the_run_with_exit_2(
    engagement: Path, tmp_path: Path, runner: CliRunner
) -> None:
    _set(engagement / "interview.xlsx", "F4", "soon")
    got = runner.invoke(main, ["run", str(engagement), "--out", str(tmp_path / "o")])
    assert got.exit_code == 2
    assert "interview.xlsx: sheet 'Interview', cell F4: expected a date" in got.output
