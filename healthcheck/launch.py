"""The ``healthcheck`` command's entry point: two light answers without click.

``healthcheck --help`` and ``healthcheck rules`` are what a new user types
first and what scripts call to list the catalogue. Importing click and
building the command tree takes most of their start-up, several times the
interpreter's own. Both answers are fixed text, so they are given here:

- the help is click's own, generated into ``cli_help.txt`` (the tests check
  it against what click prints now, see :func:`click_help`);
- the listing is :mod:`healthcheck.listing` (checked against the catalogue).

Anything else (another option or command, ``-v``, a terminal narrower than
click's 80 columns, a mistake click should explain) goes to
:mod:`healthcheck.cli`, so the command's behaviour is click's in every case.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from healthcheck import listing

HERE = Path(__file__).parent
HELP_FILE = HERE / "cli_help.txt"
#: Where the program's name goes in ``cli_help.txt``.
PROG = "{prog}"
#: click wraps help at the terminal's width, at most this many columns.
WIDTH = 80


def main() -> None:
    """Run the command line (the console script and ``python -m healthcheck``)."""
    text = _light(sys.argv[1:])
    if text is not None:
        try:
            sys.stdout.write(text)
            sys.stdout.flush()
            return
        except UnicodeEncodeError:
            pass  # a terminal that cannot show a title: click's echo copes
    from healthcheck.cli import main as cli

    cli()


def _light(args: list[str]) -> str | None:
    """The output for ``args`` when it is fixed text, else None."""
    if args in (["--help"], ["-h"]):
        if _columns() < WIDTH or not HELP_FILE.is_file():
            return None
        return HELP_FILE.read_text("utf-8").replace(PROG, program_name()) + "\n"
    if args[:1] == ["rules"]:
        options = _rules_options(args[1:])
        if options is not None:
            return listing.rules_text(*options)
    return None


def _rules_options(args: list[str]) -> tuple[str | None, str] | None:
    """(layer, format) of ``rules`` options, or None for anything else."""
    got: dict[str, str] = {}
    i = 0
    while i < len(args):
        name, eq, value = args[i].partition("=")
        if name not in ("--layer", "--format"):
            return None
        if not eq:
            if i + 1 >= len(args):
                return None
            value = args[i + 1]
            i += 1
        got[name] = value
        i += 1
    layer = got.get("--layer")
    fmt = got.get("--format", "table")
    if (
        layer is not None and layer not in listing.LAYERS
    ) or fmt not in listing.FORMATS:
        return None
    return layer, fmt


def program_name() -> str:
    """The program's name as click shows it: ``healthcheck``, ``python -m healthcheck``.

    As click's ``_detect_program_name``: a file or console script by its
    file name, a module run with ``-m`` as ``python -m`` and its name.
    """
    path = sys.argv[0]
    package = getattr(sys.modules["__main__"], "__package__", None)
    if package in (None, ""):
        return os.path.basename(path)
    name = os.path.splitext(os.path.basename(path))[0]
    module = package if name == "__main__" else f"{package}.{name}"
    return f"python -m {module.lstrip('.')}"


def _columns() -> int:
    """The terminal's width as click reads it (``shutil.get_terminal_size``).

    Read here rather than through shutil, whose import (with its compression
    modules) would cost a fifth of a bare start.
    """
    try:
        columns = int(os.environ.get("COLUMNS", "0"))
    except ValueError:
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns
        except (AttributeError, ValueError, OSError):
            columns = 0
    return columns if columns > 0 else WIDTH


def click_help() -> str:
    """What click prints for ``--help`` at full width, the name as :data:`PROG`.

    The text of ``cli_help.txt``; regenerate it with
    ``python -c "from healthcheck import launch; launch.write_help()"``.
    """
    from healthcheck.cli import main as cli

    with cli.make_context(PROG, [], resilient_parsing=True) as ctx:
        ctx.terminal_width = WIDTH - 2
        return cli.get_help(ctx)


def write_help() -> None:
    """Write :func:`click_help` into ``cli_help.txt``."""
    HELP_FILE.write_text(click_help(), encoding="utf-8")
