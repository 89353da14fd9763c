"""A non-editable install finds its templates, catalogue and collectors."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, SAMPLE

pytestmark = pytest.mark.slow


def test_wheel_install_runs_the_sample(tmp_path: Path) -> None:
    wheels = tmp_path / "wheels"
    build = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(wheels),
            str(ROOT),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert build.returncode == 0, build.stderr
    (wheel,) = wheels.glob("healthcheck-*.whl")
    target = tmp_path / "site"
    inst = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--no-deps",
            "-q",
            "--target",
            str(target),
            str(wheel),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert inst.returncode == 0, inst.stderr
    # The installed copy must come first, and the checkout must not be importable.
    env = dict(os.environ, PYTHONPATH=str(target))
    probe = subprocess.run(
        [
            sys.executable,
            "-c",
            "import healthcheck, healthcheck_templates, healthcheck_collectors;"
            "print(healthcheck.__file__); print(healthcheck_templates.__file__);"
            "print(healthcheck_collectors.__file__)",
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=60,
    )
    assert probe.returncode == 0, probe.stderr
    for line in probe.stdout.splitlines():
        assert line.startswith(str(target)), line
    out = tmp_path / "out"
    run = subprocess.run(
        [sys.executable, "-m", "healthcheck", "run", str(SAMPLE), "--out", str(out)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr
    assert (out / "report.pdf").stat().st_size > 10_000
    listing = subprocess.run(
        [sys.executable, "-m", "healthcheck", "collectors"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=60,
    )
    assert "exports" in listing.stdout and "interview" in listing.stdout
