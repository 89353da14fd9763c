"""What one worker process does for one engagement: ``pipeline.run``, reported back.

Imported by the fork server once (``set_forkserver_preload``), so each
worker starts with pandas, WeasyPrint and the templates' modules loaded.
Whatever an engagement does wrong comes back as a one-line error, never as
an exception that would take the book down: a :class:`HealthcheckError` as
the user sees it from ``run``, anything else with its type, secrets
scrubbed. The warnings a run logs come back too, to be printed with the
engagement's name.
"""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path
from typing import Any

from healthcheck import pipeline
from healthcheck.portfolio.failure import one_line

# Loaded here so the fork server pays for them once, not each worker.
from healthcheck.report import pdf as _pdf  # noqa: F401
from healthcheck.report import xlsx as _xlsx  # noqa: F401


class _Keep(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage().splitlines()[0])


def run_one(engagement: str, out: str, previous: str | None) -> dict[str, Any]:
    """Run one engagement into ``out``; a dict saying how it went."""
    start, cpu = time.perf_counter(), time.process_time()
    keep = _Keep()
    root = logging.getLogger()
    root.addHandler(keep)
    for name in ("weasyprint", "fontTools"):
        logging.getLogger(name).setLevel(logging.ERROR)
    try:
        pipeline.run(engagement, out, previous=previous)
        data = json.loads((Path(out) / pipeline.ASSESSMENT_JSON).read_text("utf-8"))
        return {
            "ok": True,
            "seconds": time.perf_counter() - start,
            "cpu": time.process_time() - cpu,
            "grade": data["overall"]["grade"],
            "score": data["overall"]["score"],
            "warnings": keep.lines,
        }
    except Exception as exc:  # noqa: BLE001 - one engagement's failure stays its own
        return {
            "ok": False,
            "seconds": time.perf_counter() - start,
            "error": one_line(exc),
            "warnings": keep.lines,
        }
    finally:
        root.removeHandler(keep)
