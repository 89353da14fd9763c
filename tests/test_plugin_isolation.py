"""A third-party collector that fails while it runs does not sink the run.

The collectors here are a real distribution: a package and its
``dist-info`` (with ``entry_points.txt``) written into a folder put on the
subprocess's ``PYTHONPATH``, which is how an installed plugin is found. The
CLI then runs as a consultant would run it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from healthcheck.model import CollectorRun, RunStatus

PLUGIN = '''
"""Throwaway collectors for tests/test_plugin_isolation.py."""

import os
from datetime import datetime

import pandas as pd

from healthcheck import datasets
from healthcheck.model import CollectorRun


class Unreachable:
    """Its appliance is down: collect raises, with a secret in the message."""

    name = "unreachable"
    title = "Backup appliance"
    provides = ("backup_jobs",)
    permissions = ()

    def applies(self, ctx):
        return True

    def collect(self, ctx):
        secret = os.environ["APPLIANCE_SECRET"]
        raise ConnectionError(
            f"appliance 10.0.0.9 unreachable (api_key={secret}, password=hunter22)"
        )


class Nosy:
    """Raises while deciding whether it applies."""

    name = "nosy"
    title = "Nosy"
    provides = ("secure_scores",)
    permissions = ()

    def applies(self, ctx):
        raise KeyError("tenant")

    def collect(self, ctx):
        return iter(())


class Textual:
    """Gives its statuses as plain strings, as the evidence stores them."""

    name = "textual"
    title = "Patch tool"
    provides = ("patch_status",)
    permissions = ()

    def applies(self, ctx):
        return True

    def collect(self, ctx):
        frame = pd.DataFrame({"device": ["AUR-LT-001"], "missing_updates": ["2"]})
        ds = datasets.build(
            "patch_status",
            frame,
            collector=self.name,
            collected_at=datetime(2026, 11, 20),
            origin=[("patch-tool", 1)],
        )
        yield CollectorRun(
            collector=self.name, dataset_name="patch_status", status="ok", dataset=ds
        )
'''


def _install(site: Path) -> None:
    """Write a throwaway distribution ``flaky-collectors`` into ``site``."""
    (site / "flaky_collectors").mkdir(parents=True)
    (site / "flaky_collectors" / "__init__.py").write_text(PLUGIN, encoding="utf-8")
    info = site / "flaky_collectors-0.3.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: flaky-collectors\nVersion: 0.3\n",
        encoding="utf-8",
    )
    (info / "entry_points.txt").write_text(
        textwrap.dedent(
            """\
            [healthcheck.collectors]
            unreachable = flaky_collectors:Unreachable
            nosy = flaky_collectors:Nosy
            textual = flaky_collectors:Textual
            """
        ),
        encoding="utf-8",
    )


def test_a_collector_that_raises_marks_its_datasets_failed(
    engagement: Path, tmp_path: Path
) -> None:
    site = tmp_path / "site"
    _install(site)
    # Only the plugins could give backup jobs, Secure Scores and patch status.
    for name in ("backup_jobs.csv", "graph_secure_scores.json", "wsus_computers.csv"):
        (engagement / "exports" / name).unlink()
    secret = "s3cr3t-appliance-key"
    env = dict(
        os.environ,
        PYTHONPATH=os.pathsep.join([str(site), os.environ.get("PYTHONPATH", "")]),
        APPLIANCE_SECRET=secret,
    )
    out = tmp_path / "report"
    done = subprocess.run(
        [sys.executable, "-m", "healthcheck", "run", engagement, "--out", out],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    assert secret not in done.stderr and "hunter22" not in done.stderr
    assert (out / "report.pdf").is_file() and (out / "findings.xlsx").is_file()

    result = json.loads((out / "assessment.json").read_text(encoding="utf-8"))
    runs = {(r["collector"], r["dataset"]): r for r in result["collector_runs"]}
    down = runs["unreachable", "backup_jobs"]
    assert down["status"] == "failed"
    assert down["reason"].startswith("the collector stopped with an error: ")
    assert "ConnectionError: appliance 10.0.0.9 unreachable" in down["reason"]
    assert secret not in down["reason"] and "hunter22" not in down["reason"]
    assert down["reason_key"] == "collect.raised"
    nosy = runs["nosy", "secure_scores"]
    assert nosy["status"] == "failed"
    assert "KeyError: 'tenant'" in nosy["reason"]
    assert runs["textual", "patch_status"]["status"] == "ok"

    backup_rules = [f for f in result["findings"] if "backup_jobs" in f["evidence"]]
    assert backup_rules
    for f in backup_rules:
        assert f["status"] == "not_assessed", f["rule_id"]
        assert "unreachable: the collector stopped with an error" in f["reason"]
    evidence_text = (out / "evidence" / "manifest.json").read_text(encoding="utf-8")
    assert secret not in evidence_text and "hunter22" not in evidence_text
    assert "patch_status" in json.loads(evidence_text)["datasets"]


def test_a_status_given_as_text_is_the_enum() -> None:
    run = CollectorRun(collector="x", dataset_name="users", status="missing")
    assert run.status is RunStatus.MISSING
    assert run.to_dict()["status"] == "missing"
    with pytest.raises(ValueError):
        CollectorRun(collector="x", dataset_name="users", status="fine")
