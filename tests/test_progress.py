"""A run says what it does on stderr; -v and -q work before or after the subcommand."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from click.testing import CliRunner

from healthcheck import progress
from healthcheck.cli import main
from tests.conftest import SAMPLE


@pytest.fixture(autouse=True)
def _reset_console() -> None:
    yield
    progress.configure(verbose=False, quiet=False)


def _collect(tmp_path: Path, *flags: str, after: bool = True) -> str:
    args = ["collect", str(SAMPLE), "--out", str(tmp_path / "ev")]
    result = CliRunner().invoke(main, [*args, *flags] if after else [*flags, *args])
    assert result.exit_code == 0, result.output
    return result.stderr


def test_collect_lists_each_collector_and_dataset_with_rows(tmp_path: Path) -> None:
    lines = _collect(tmp_path).splitlines()
    assert lines[0] == f"collecting {SAMPLE}"
    assert "  exports: devices, 70 rows" in lines
    assert "  interview: interview_answers, 10 rows" in lines
    assert any(n.startswith("  graph: nothing collected") for n in lines)


@pytest.mark.parametrize("after", [True, False])
def test_quiet_before_or_after_the_subcommand(tmp_path: Path, after: bool) -> None:
    assert _collect(tmp_path, "-q", after=after) == ""


@pytest.mark.parametrize("after", [True, False])
def test_verbose_before_or_after_adds_our_detail(tmp_path: Path, after: bool) -> None:
    plain = _collect(tmp_path / "a").splitlines()
    loud = _collect(tmp_path / "b", "-v", after=after).splitlines()
    assert set(plain) < set(loud)
    extra = [n for n in loud if n not in plain]
    assert all(n.startswith("info: ") for n in extra), extra


def test_verbose_and_quiet_together_is_a_usage_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main, ["-v", "collect", str(SAMPLE), "--out", str(tmp_path / "e"), "-q"]
    )
    assert result.exit_code == 2
    assert "-v and -q" in result.output


def test_third_party_internals_stay_quiet_even_with_verbose() -> None:
    progress.configure(verbose=True)
    handler = next(
        h
        for h in logging.getLogger().handlers
        if isinstance(h, progress.ConsoleHandler)
    )

    def shown(name: str, level: int) -> bool:
        return handler.filter(logging.LogRecord(name, level, "", 0, "m", None, None))

    assert not shown("fontTools.subset", logging.INFO)
    assert not shown("weasyprint", logging.WARNING)
    assert shown("weasyprint", logging.ERROR)
    assert shown("collectors.exports", logging.INFO)
    assert shown("healthcheck.pipeline", logging.INFO)
    # fontTools does not even build its records below WARNING.
    assert logging.getLogger("fontTools").getEffectiveLevel() >= logging.WARNING


def test_bar_is_drawn_only_on_a_terminal(capsys: pytest.CaptureFixture[str]) -> None:
    progress.configure()
    assert list(progress.bar(range(3), "x", length=3)) == [0, 1, 2]
    assert capsys.readouterr().err == ""  # not a terminal here
