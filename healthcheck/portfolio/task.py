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
