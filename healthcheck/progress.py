"""What a run says while it works: stages on stderr, a bar for long steps.

The pipeline reports through the ``healthcheck.progress`` logger, so a
library caller (or a test) hears nothing unless it asks. The command line
installs :class:`ConsoleHandler` through :func:`configure`:

- default: stages (each collector and dataset with its rows, scoring, each
  artefact), and warnings;
- ``-v``: also our own detail (``healthcheck.*`` and ``collectors.*`` at
  INFO); third-party libraries (WeasyPrint, fontTools) stay at errors only,
  because their notes (glyph ids, CSS steps) mean nothing to a consultant;
- ``-q``: warnings and errors only.

A bar (click's) is drawn only when stderr is a terminal and not quiet: in
a log file or a pipe it would be noise.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable, Iterator
from typing import TypeVar

import click

T = TypeVar("T")

log = logging.getLogger("healthcheck.progress")

#: Loggers that are ours: their INFO is the detail ``-v`` shows.
OURS = ("healthcheck", "collectors")
#: Third-party loggers whose INFO and WARNING are internals: errors only.
QUIET_LIBRARIES = ("weasyprint", "fontTools", "fontTools.subset", "PIL")


class _State:
    """What the command line asked for (module-wide: one run per process)."""

    verbose = False
    quiet = False
    console = False


def stage(message: str, *args: object) -> None:
    """One line of progress: a stage starting or done."""
    log.info(message, *args)


def _ours(name: str) -> bool:
    return any(name == o or name.startswith(o + ".") for o in OURS)


class ConsoleHandler(logging.Handler):
    """Writes to the current stderr (looked up per record, as click's tests swap it)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)

    def filter(self, record: logging.LogRecord) -> bool:
        """What this run shows: see the module doc."""
        name = record.name
        if name == log.name:
            return not _State.quiet
        if _ours(name):
            floor = logging.INFO if _State.verbose else logging.WARNING
            return record.levelno >= floor
        if any(name == q or name.startswith(q + ".") for q in QUIET_LIBRARIES):
            return record.levelno >= logging.ERROR
        return record.levelno >= logging.WARNING

    def emit(self, record: logging.LogRecord) -> None:
        """Progress plainly, anything else with its level in front."""
        try:
            text = record.getMessage()
            if record.name != log.name:
                text = f"{record.levelname.lower()}: {text}"
            click.echo(text, err=True)
        except Exception:  # noqa: BLE001 - a log line must never end a run
            self.handleError(record)


def configure(*, verbose: bool = False, quiet: bool = False) -> None:
    """Install the console handler once and set what it shows."""
    _State.verbose, _State.quiet, _State.console = verbose, quiet, True
    root = logging.getLogger()
    if not any(isinstance(h, ConsoleHandler) for h in root.handlers):
        root.addHandler(ConsoleHandler())
    # Only ever lower the root level: a caller that listens at DEBUG keeps it.
    needed = logging.WARNING if quiet and not verbose else logging.INFO
    if root.level == logging.NOTSET or root.level > needed:
        root.setLevel(needed)
    for name in QUIET_LIBRARIES:
        # Their records below WARNING are never even made (fontTools makes
        # hundreds per font subset).
        lib = logging.getLogger(name)
        if lib.level == logging.NOTSET or lib.level < logging.WARNING:
            lib.setLevel(logging.WARNING)


def _bar_wanted() -> bool:
    if not _State.console or _State.quiet:
        return False
    return bool(getattr(sys.stderr, "isatty", lambda: False)())


def bar(items: Iterable[T], label: str, length: int | None = None) -> Iterator[T]:
    """Iterate ``items``, drawing click's progress bar on a terminal only."""
    if not _bar_wanted():
        yield from items
        return
    with click.progressbar(
        items,
        length=length,
        label=label,
        file=sys.stderr,
        show_eta=False,
    ) as shown:
        yield from shown
