"""Resuming: an engagement is re-run only when what its report depends on changed.

That is the sha256 of every file in the engagement folder (exports,
``client.yaml``, the interview, brand files, ``plan.xlsx``, a previous
assessment kept there), the previous quarter's ``assessment.json`` when it
comes from the book, the tool, catalogue and schema versions, and the
reference tables in use (name, date, sha256). The fingerprint of each report
written is kept in ``DIR/.portfolio-state/<client>/<period>.json``, written
only after the report was published: a run killed in between is simply run
again.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from healthcheck import SCHEMA_VERSION, __version__
from healthcheck.atomic import write_atomic
from healthcheck.catalog import CATALOG_VERSION
from healthcheck.portfolio.book import Engagement

STATE_DIR = ".portfolio-state"
_CHUNK = 1 << 20


def sha256(path: Path) -> str:
    """The file's sha256, read in chunks."""
    h = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            h.update(chunk)
    return h.hexdigest()


def tool_versions(tables: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """What every report depends on besides its inputs."""
    return {
        "tool": __version__,
        "schema": SCHEMA_VERSION,
        "catalog": CATALOG_VERSION,
        "refdata": sorted(
            (str(t["name"]), str(t["table_date"]), str(t["sha256"])) for t in tables
        ),
    }


def inputs(eng: Engagement, previous: Path | None) -> dict[str, str]:
    """sha256 of each input file, by its path inside the engagement folder."""
    out = {}
    for path in sorted(eng.root.rglob("*")):
        if path.is_file():
            out[path.relative_to(eng.root).as_posix()] = sha256(path)
    if previous is not None and previous.is_file():
        out["<previous quarter>"] = sha256(previous)
    return out


def fingerprint(
    eng: Engagement, previous: Path | None, versions: Mapping[str, Any]
) -> str:
    """One digest of the inputs and the versions."""
    doc = {"inputs": inputs(eng, previous), "versions": versions}
    body = json.dumps(doc, sort_keys=True, default=str).encode("utf-8")
    return hashlib.sha256(body).hexdigest()


def _path(out_dir: Path, eng: Engagement) -> Path:
    return out_dir / STATE_DIR / eng.client / f"{eng.period}.json"


def up_to_date(out_dir: Path, eng: Engagement, digest: str) -> bool:
    """True when the report of ``eng`` exists and was made from the same inputs."""
    if not (eng.out(out_dir) / "assessment.json").is_file():
        return False
    try:
        saved = json.loads(_path(out_dir, eng).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(saved, dict) and saved.get("fingerprint") == digest


def remember(out_dir: Path, eng: Engagement, digest: str) -> None:
    """Record that the report of ``eng`` was made from ``digest``."""
    body = json.dumps({"fingerprint": digest}).encode("utf-8")
    write_atomic(_path(out_dir, eng), lambda fh: fh.write(body))


def outputs_digest(
    results: Path, failures: Iterable[Any], settings_files: Iterable[Path], lang: str
) -> str:
    """A digest of what the portfolio outputs are made of.

    That is every result file, the failures, ``portfolio.yaml`` and its brand
    files, the language and the tool.
    """
    h = hashlib.sha256()
    for path in sorted(results.glob("*/*/assessment.json")):
        if not any(part.startswith(".") for part in path.relative_to(results).parts):
            h.update(
                f"{path.relative_to(results).as_posix()}:{sha256(path)}\n".encode()
            )
    for f in failures:
        h.update(f"failed:{f.client}/{f.period}:{f.error}\n".encode())
    for path in settings_files:
        if path.is_file():
            h.update(f"settings:{path.name}:{sha256(path)}\n".encode())
    h.update(f"{lang}:{__version__}:{SCHEMA_VERSION}\n".encode())
    return h.hexdigest()


def outputs_up_to_date(out_dir: Path, names: Iterable[str], digest: str) -> bool:
    """True when the portfolio outputs exist and were made from ``digest``."""
    if not all((out_dir / n).is_file() for n in names):
        return False
    try:
        saved = json.loads((out_dir / STATE_DIR / "portfolio.json").read_text("utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(saved, dict) and saved.get("fingerprint") == digest


def remember_outputs(out_dir: Path, digest: str) -> None:
    """Record what the portfolio outputs were made from."""
    body = json.dumps({"fingerprint": digest}).encode("utf-8")
    write_atomic(out_dir / STATE_DIR / "portfolio.json", lambda fh: fh.write(body))
