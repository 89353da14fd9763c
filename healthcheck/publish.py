"""Publish an output folder as one unit: a reader sees one whole generation.

``--out report`` is a symbolic link, ``report -> .report.generations/<id>``.
A run builds its output in a private staging folder beside the generations,
renames it to a new generation, and swaps the link with one ``rename`` of a
new link over the old. Whoever opens ``report/report.pdf`` gets the previous
generation or the new one, never a mix, whenever the run is killed.

- The current generation and the one before it are kept; older ones go.
- Each staging folder holds a lock file, locked while its run is alive. The
  next run removes the staging folders whose lock nobody holds (killed runs),
  never one in use.
- An ``--out`` folder from an older version (a real folder of report files)
  becomes the first generation, so the previous report is not lost.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from healthcheck.atomic import current_umask
from healthcheck.errors import HealthcheckError

T = TypeVar("T")

#: Generations kept: the current one and the one before it.
KEEP = 2
STAGING_PREFIX = ".staging-"
LOCK_NAME = "lock"
#: What an older version's ``--out`` folder may hold, to be taken over.
#: (A report folder, or an evidence folder of ``collect``.)
LEGACY_NAMES = frozenset(
    {
        "report.pdf",
        "findings.xlsx",
        "assessment.json",
        "evidence",
        "manifest.json",
        "datasets",
        "sources",
        "branding",
        "previous",
    }
)
#: Leftovers of an older version's killed runs: its staging folders and the
#: temporary files and folders of its renames.
LEGACY_LEFTOVERS = (
    ".healthcheck-staging-",
    ".evidence.",
    ".report.pdf.",
    ".findings.xlsx.",
    ".assessment.json.",
    ".manifest.json.",
)
#: A staging folder without a lock file is taken for stale after this long.
_UNLOCKED_GRACE = 60.0


def generations_dir(out: Path) -> Path:
    """Where the generations of ``out`` live: ``.<name>.generations`` beside it."""
    return out.parent / f".{out.name}.generations"


def current(out: Path) -> Path | None:
    """The generation ``out`` points to now, or None when it is not our link."""
    if not out.is_symlink():
        return None
    target = Path(os.readlink(out))
    if target.parent != Path(generations_dir(out).name):
        return None
    return out.parent / target


@contextmanager
def _locked_staging(gens: Path) -> Iterator[Path]:
    """A new staging folder in ``gens``, locked for as long as it is in use."""
    stage = Path(tempfile.mkdtemp(prefix=f"{STAGING_PREFIX}{os.getpid()}-", dir=gens))
    fd = os.open(stage / LOCK_NAME, os.O_CREAT | os.O_RDWR, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield stage
    finally:
        shutil.rmtree(stage, ignore_errors=True)
        os.close(fd)


def _stale(stage: Path) -> bool:
    """True for a staging folder whose run is gone (nobody holds its lock)."""
    try:
        fd = os.open(stage / LOCK_NAME, os.O_RDWR)
    except FileNotFoundError:
        # Killed between creating the folder and its lock: judge by age.
        try:
            return time.time() - stage.stat().st_mtime > _UNLOCKED_GRACE
        except FileNotFoundError:
            return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    finally:
        os.close(fd)  # closing drops the lock we may have taken
    return True


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process
    return True


def sweep(out: Path) -> list[Path]:
    """Remove what killed runs left for ``out``; return what was removed.

    That is their staging folders (whose lock nobody holds) and the new link
    a run makes just before it renames it over ``out`` (named with its pid).
    """
    gens = generations_dir(out)
    removed = []
    for link in out.parent.glob(f".{out.name}.link-*"):
        pid = link.name.removeprefix(f".{out.name}.link-").split("-", 1)[0]
        if link.is_symlink() and pid.isdigit() and not _alive(int(pid)):
            link.unlink(missing_ok=True)
            removed.append(link)
    for stage in sorted(gens.glob(STAGING_PREFIX + "*")):
        if stage.is_dir() and _stale(stage):
            shutil.rmtree(stage, ignore_errors=True)
            removed.append(stage)
    return removed


def _prune(out: Path, gens: Path, ours: Path, previous: Path | None) -> None:
    """Keep ``ours`` and ``previous`` (:data:`KEEP`), remove older generations.

    Names sort by time: a generation newer than ours is another run's, which
    ended at the same time, and stays, as does whatever ``out`` points to now.
    A generation a killed run renamed but never pointed to is removed.
    """
    names = sorted(e.name for e in gens.iterdir() if not e.name.startswith("."))
    keep = {n for n in names if n >= ours.name}
    for kept in (previous, current(out)):
        if kept is not None:
            keep.add(kept.name)
    for name in names:
        if name in keep:
            continue
        entry = gens / name
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            entry.unlink(missing_ok=True)


def _new_id() -> str:
    """A generation name that sorts by time: UTC, nanoseconds, process id."""
    ns = time.time_ns()
    stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime(ns // 1_000_000_000))
    return f"{stamp}.{ns % 1_000_000_000:09d}Z-{os.getpid()}"


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _point(out: Path, generation: Path) -> None:
    """Make ``out`` a link to ``generation`` with one atomic rename."""
    target = Path(generation.parent.name) / generation.name
    tmp = out.parent / f".{out.name}.link-{os.getpid()}-{generation.name}"
    tmp.unlink(missing_ok=True)
    os.symlink(target, tmp)
    try:
        os.replace(tmp, out)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync_dir(out.parent)


def _adopt_legacy(out: Path, gens: Path) -> None:
    """Turn an older version's real ``out`` folder into the first generation.

    Only a folder that holds nothing but report files is taken over: a
    folder with other files in it (``--out .``, say) is refused rather than
    moved.
    """
    if current(out) is not None:
        return  # already ours
    if not out.is_dir() or out.is_symlink():
        if out.exists() or out.is_symlink():
            raise HealthcheckError(
                f"--out {out}: exists and is not a report folder",
                hint="give a new folder name",
            )
        return
    entries = list(out.iterdir())
    foreign = sorted(
        p.name
        for p in entries
        if p.name not in LEGACY_NAMES and not p.name.startswith(LEGACY_LEFTOVERS)
    )
    if foreign:
        raise HealthcheckError(
            f"--out {out}: holds files that are not a report: "
            + ", ".join(foreign[:3]),
            hint="give a new folder name, or one a report was written to before",
        )
    for p in entries:
        if p.name.startswith(LEGACY_LEFTOVERS):
            if p.is_dir() and not p.is_symlink():
                shutil.rmtree(p, ignore_errors=True)
            else:
                p.unlink(missing_ok=True)
    if not any(out.iterdir()):
        out.rmdir()
        return
    generation = gens / (_new_id() + "-adopted")
    os.rename(out, generation)
    # A kill here leaves no ``out`` but the previous report whole in ``gens``;
    # the next run publishes as usual and keeps it as the generation before.
    _point(out, generation)


def publish(out: Path, build: Callable[[Path], T]) -> T:
    """Build a generation with ``build`` and make ``out`` point to it.

    ``build`` gets a path that does not exist yet, creates it (a folder) and
    fills it. Whatever it raises, ``out`` keeps pointing to the previous
    generation and nothing of the failed run is left behind.
    """
    out = Path(out)
    if out.is_symlink() and current(out) is None:
        # The user's own link to a folder elsewhere: publish there.
        out = out.resolve()
    out = out.absolute()
    gens = generations_dir(out)
    created = not gens.exists()
    gens.mkdir(parents=True, exist_ok=True)
    try:
        sweep(out)
        with _locked_staging(gens) as stage:
            result = build(stage / "out")
            os.chmod(stage / "out", 0o777 & ~current_umask())
            _adopt_legacy(out, gens)
            previous = current(out)
            generation = gens / _new_id()
            os.rename(stage / "out", generation)
            _fsync_dir(gens)
            _point(out, generation)
    except BaseException:
        if created and gens.is_dir() and not any(gens.iterdir()):
            gens.rmdir()
        raise
    _prune(out, gens, generation, previous)
    return result
