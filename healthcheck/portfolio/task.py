"""The function a worker process is given, importable without the heavy modules.

The parent only pickles a reference to :func:`run_one`; importing this module
costs nothing, so a book that is all up to date never loads pandas or the
PDF renderer. The fork server preloads :mod:`.worker`, where the work is.
"""

from __future__ import annotations

from typing import Any


def run_one(engagement: str, out: str, previous: str | None) -> dict[str, Any]:
    """Run one engagement (see :func:`healthcheck.portfolio.worker.run_one`)."""
    from healthcheck.portfolio import worker

    return worker.run_one(engagement, out, previous)


def one_line(exc: BaseException) -> str:
    """An exception as one line: ours as the user sees it, others with their type."""
    from healthcheck.errors import HealthcheckError
    from healthcheck.scrub import scrub

    text = str(exc).strip().splitlines()
    first = text[0] if text else ""
    if isinstance(exc, HealthcheckError):
        return first
    if isinstance(exc, OSError) and exc.strerror:
        where = f"{exc.filename}: " if exc.filename else ""
        return f"{where}{exc.strerror}"
    return scrub(f"{type(exc).__name__}: {first}" if first else type(exc).__name__)
