"""One engagement's failure as the one line the book lists."""

from __future__ import annotations


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
