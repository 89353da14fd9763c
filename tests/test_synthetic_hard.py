"""The benchmarks' hard synthetic tenant stays readable, at a size CI affords.

``benchmarks/synthetic.py --hard`` writes every export kind the exports
collector knows, a tenth of the devices servers, and long lists. If a format
changes so that the generator no longer writes what the collector reads,
the benchmarks would measure a failed run; this test says so first.
"""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType

from healthcheck_collectors.exports.formats import TABLE_FORMATS

from healthcheck import evidence, pipeline
from tests.conftest import ROOT


def _synthetic() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "synthetic", ROOT / "benchmarks" / "synthetic.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_hard_synthetic_tenant_is_read_whole(tmp_path: Path) -> None:
    root = _synthetic().write_tenant(tmp_path / "eng", 400, hard=True)
    ev = pipeline.collect(root, tmp_path / "ev")
    manifest = json.loads((ev / "manifest.json").read_text())
    runs = [r for r in manifest["runs"] if r["collector"] == "exports"]
    assert runs and all(r["status"] == "ok" for r in runs), runs
    # Every export kind was written and recognised.
    sources = [s for d in manifest["datasets"].values() for s in d["sources"]]
    saved_json = {
        f"graph_{k}"
        for k in (
            "securityDefaults",
            "conditionalAccessPolicies",
            "secureScores",
            "applications",
            "authorizationPolicy",
            "sharepointSettings",
        )
    }
    assert {s["format"] for s in sources} == {f.id for f in TABLE_FORMATS} | saved_json
    # The two Exchange mailbox files share a format, one dataset each.
    read_from = {
        (Path(s["path"]).name, name)
        for name, d in manifest["datasets"].items()
        for s in d["sources"]
        if Path(s["path"]).name in ("exo_mailboxes.csv", "mailbox_forwarding.csv")
    }
    assert read_from == {
        ("exo_mailboxes.csv", "mailboxes"),
        ("mailbox_forwarding.csv", "mail_forwarding"),
    }
    # Only this folder's files: the exports collector is a cached instance
    # whose list of unrecognised files outlives a run (reported separately).
    assert not [u for u in manifest["unrecognised"] if str(root) in str(u["path"])]
    # Nothing rejected; the one skip is the users both user exports list.
    bundle = evidence.load(ev)
    reasons = {str(x["reason"]).split(" from ")[0] for x in bundle.rejected}
    assert reasons == {"skipped: already read"}, reasons
    devices = bundle.frames["devices"]
    assert devices["name"].str.startswith("SRV-").sum() == 40
    # Several devices per user: a computer and a phone each, a tablet for
    # every third.
    assert len(devices) == 400 + 400 + 134
    findings = {f.rule_id: f for f in pipeline.assess(bundle).findings}
    # Every fifth server has no backup job.
    assert findings["FND-07"].status.value == "fail"
    assert len(findings["FND-07"].affected) == 8


def test_bench_exports_hard_case_keeps_working(tmp_path: Path) -> None:
    """``bench_exports`` runs the hard case at a size CI affords (no timing here)."""
    # It measures every CSV file the hard tenant has (more with each issue).
    root = _synthetic().write_tenant(tmp_path / "eng", 200, hard=True)
    csvs = len(list((root / "exports").glob("*.csv")))
    proc = subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "bench_exports.py"),
            "--users",
            "200",
            "--repeat",
            "1",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0].startswith(f"hard case, 200 users: {csvs} CSV files")
    # One line per file, then the whole folder and the worst ratio.
    assert len(lines) == 2 + csvs + 2, lines
    # One ratio per export kind, then the whole folder at once.
    measured = [line.split()[0] for line in lines[2:-1]]
    names = {"licences.csv", "role_assignments.csv", "backup_jobs.csv"}
    assert names <= set(measured) and lines[-2].startswith("all files together")
    timed = re.compile(r"^\S.* +\d+\.\d{3}s +\d+\.\d{3}s +\d+\.\d{2}x")
    assert all(timed.match(line) for line in lines[2:-1]), lines
    assert lines[-1].startswith("worst judged ratio: ")
