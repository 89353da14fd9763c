"""Publishing as one unit (issue 14 case 10): a reader sees one whole generation.

The last test kills real ``healthcheck report`` processes with SIGKILL at
random moments around their publishing step and checks every state a reader
could meet.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
import zipfile
from pathlib import Path

import pytest

from healthcheck import publish
from healthcheck.errors import HealthcheckError

ARTEFACTS = {"assessment.json", "findings.xlsx", "report.pdf", "evidence"}


def _build(text: str):
    def build(target: Path) -> str:
        target.mkdir()
        (target / "a.txt").write_text(text)
        (target / "b.txt").write_text(text)
        return text

    return build


def _gens(out: Path) -> list[str]:
    return sorted(p.name for p in publish.generations_dir(out).iterdir())


def test_out_is_a_link_swapped_to_each_new_generation(tmp_path: Path) -> None:
    out = tmp_path / "report"
    assert publish.publish(out, _build("one")) == "one"
    assert out.is_symlink() and not Path(os.readlink(out)).is_absolute()
    first = out.resolve()
    publish.publish(out, _build("two"))
    assert (out / "a.txt").read_text() == "two"
    assert _gens(out) == sorted([first.name, out.resolve().name])
    publish.publish(out, _build("three"))
    # The current generation and the one before it are kept.
    assert len(_gens(out)) == publish.KEEP and first.name not in _gens(out)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        ".report.generations",
        "report",
    ]


def test_a_failed_build_leaves_the_previous_generation(tmp_path: Path) -> None:
    out = tmp_path / "report"
    publish.publish(out, _build("good"))
    before = out.resolve()

    def broken(target: Path) -> None:
        target.mkdir()
        (target / "a.txt").write_text("half")
        raise RuntimeError("renderer died")

    with pytest.raises(RuntimeError):
        publish.publish(out, broken)
    assert out.resolve() == before and (out / "a.txt").read_text() == "good"
    assert _gens(out) == [before.name]


def test_a_first_run_that_fails_leaves_nothing(tmp_path: Path) -> None:
    def broken(target: Path) -> None:
        raise HealthcheckError("bad input")

    with pytest.raises(HealthcheckError):
        publish.publish(tmp_path / "report", broken)
    assert list(tmp_path.iterdir()) == []


def test_only_stale_staging_folders_are_swept(tmp_path: Path) -> None:
    out = tmp_path / "report"
    publish.publish(out, _build("one"))
    gens = publish.generations_dir(out)
    dead = gens / f"{publish.STAGING_PREFIX}999999-x"
    (dead / "out").mkdir(parents=True)
    (dead / publish.LOCK_NAME).touch()
    (dead / "out" / "users.json").write_text("client data")
    dead_link = tmp_path / ".report.link-999999-x"
    dead_link.symlink_to("nowhere")
    with publish._locked_staging(gens) as live:
        assert publish.sweep(out) == [dead_link, dead]
        assert live.is_dir()
    assert not dead.exists() and not live.exists()


def test_an_older_versions_report_folder_becomes_the_previous_generation(
    tmp_path: Path,
) -> None:
    out = tmp_path / "report"
    (out / "evidence").mkdir(parents=True)
    (out / "report.pdf").write_bytes(b"%PDF old")
    (out / "evidence" / "manifest.json").write_text("{}")
    killed = out / ".healthcheck-staging-abc123"
    killed.mkdir()
    (killed / "users.json").write_text("client data")
    publish.publish(out, _build("new"))
    assert out.is_symlink() and (out / "a.txt").read_text() == "new"
    gens = publish.generations_dir(out)
    (old,) = [gens / n for n in _gens(out) if n != out.resolve().name]
    assert (old / "report.pdf").read_bytes() == b"%PDF old"
    assert sorted(p.name for p in old.iterdir()) == ["evidence", "report.pdf"]


def test_a_folder_with_other_files_is_not_taken_over(tmp_path: Path) -> None:
    (tmp_path / "notes.docx").write_text("mine")
    with pytest.raises(HealthcheckError, match="notes.docx"):
        publish.publish(tmp_path, _build("x"))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.docx"]


def _whole(out: Path) -> str:
    """The generation ``out`` shows, after checking it is complete."""
    gen = Path(os.readlink(out)).name
    root = publish.generations_dir(out) / gen
    assert set(os.listdir(root)) == ARTEFACTS, gen
    pdf = (root / "report.pdf").read_bytes()
    assert pdf.startswith(b"%PDF") and pdf.rstrip().endswith(b"%%EOF")
    json.loads((root / "assessment.json").read_text(encoding="utf-8"))
    with zipfile.ZipFile(root / "findings.xlsx") as book:
        assert book.testzip() is None
    assert (root / "evidence" / "manifest.json").is_file()
    return gen


def test_killed_runs_never_show_a_mixed_folder(
    sample_run: Path, tmp_path: Path
) -> None:
    evidence = tmp_path / "evidence"
    shutil.copytree(sample_run / "evidence", evidence)
    out = tmp_path / "report"
    cmd = [sys.executable, "-m", "healthcheck", "report", evidence, "--out", out]
    start = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True, timeout=300)
    took = time.perf_counter() - start
    seen: set[str] = {_whole(out)}
    errors: list[BaseException] = []
    stop = threading.Event()

    def watch() -> None:
        # A reader looking at the folder all the while.
        while not stop.is_set():
            try:
                seen.add(_whole(out))
            except BaseException as exc:  # noqa: BLE001 - reported below
                errors.append(exc)
                return
            time.sleep(0.01)

    reader = threading.Thread(target=watch)
    reader.start()
    rng = random.Random(14)
    # Kill between lo and hi times the time of a whole run. Most of a run is
    # rendering: a kill that came too early raises lo, a run that ended first
    # lowers hi, so the kills close in on the moment it publishes.
    lo, hi = 0.6, 1.6
    try:
        for _ in range(8):
            before = os.readlink(out)
            proc = subprocess.Popen(
                cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
            )
            at = rng.uniform(lo, hi)
            time.sleep(took * at)
            proc.send_signal(signal.SIGKILL)
            if proc.wait() == 0:
                hi = at
            elif os.readlink(out) == before:
                lo = at
    finally:
        stop.set()
        reader.join()
    assert not errors, errors[0]
    _whole(out)
    # The next run removes what the killed ones left and keeps two generations.
    subprocess.run(cmd, check=True, capture_output=True, timeout=300)
    gens = publish.generations_dir(out)
    assert not list(gens.glob(publish.STAGING_PREFIX + "*"))
    assert len(_gens(out)) <= publish.KEEP
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        ".report.generations",
        "evidence",
        "report",
    ]
    _whole(out)
