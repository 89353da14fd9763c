"""Shared fixtures: the sample engagement, a copy to spoil, one full run to inspect."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from healthcheck import pipeline

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "sample_data" / "aurora-logistics"


@pytest.fixture
def engagement(tmp_path: Path) -> Path:
    """A private copy of the sample engagement that a test may damage."""
    dest = tmp_path / "client"
    shutil.copytree(SAMPLE, dest)
    return dest


@pytest.fixture(scope="session")
def sample_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One full run of the sample engagement (rendering a PDF takes seconds)."""
    out = tmp_path_factory.mktemp("sample-run")
    pipeline.run(SAMPLE, out)
    return out


@pytest.fixture
def runner() -> CliRunner:
    """A click runner that keeps stderr apart from stdout."""
    return CliRunner()


def write_csv(
    path: Path,
    header: list[str],
    rows: list[list[str]],
    *,
    sep: str = ",",
    encoding: str = "utf-8",
) -> Path:
    """Write a small CSV export the way a portal would (quoted where needed)."""
    import csv
    import io

    buf = io.StringIO()
    w = csv.writer(buf, delimiter=sep, lineterminator="\r\n")
    w.writerow(header)
    w.writerows(rows)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buf.getvalue().encode(encoding))
    return path
