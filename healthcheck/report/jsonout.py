"""``assessment.json``: the canonical result every other artefact is rebuilt from."""

from __future__ import annotations

import json
from pathlib import Path

from healthcheck.atomic import write_atomic
from healthcheck.model import Assessment


def dumps(assessment: Assessment) -> str:
    """The JSON text, stable key order, UTF-8."""
    return json.dumps(assessment.to_dict(), indent=2, ensure_ascii=False) + "\n"


def write(assessment: Assessment, path: Path) -> Path:
    """Write ``assessment.json`` atomically."""
    body = dumps(assessment).encode("utf-8")
    return write_atomic(path, lambda fh: fh.write(body))


def read(path: str | Path) -> Assessment:
    """Read an ``assessment.json`` back."""
    return Assessment.from_dict(json.loads(Path(path).read_text(encoding="utf-8")))
