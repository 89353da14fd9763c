"""The book: ``ROOT/<client>/<period>/`` engagement folders, in period order.

Period folders sort by the period their name spells (``2026-Q3`` before
``2026-Q4``, ``2026-H2`` from July, ``2026-11`` in November); other names
sort after them by name. Hidden folders and files are ignored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from healthcheck.errors import HealthcheckError

_PERIOD = re.compile(r"^(\d{4})-(?:Q([1-4])|H([12])|(\d{2}))$")


@dataclass(frozen=True, kw_only=True, slots=True)
class Engagement:
    """One client's quarter: where its inputs are and where its report goes."""

    client: str
    period: str
    root: Path

    @property
    def key(self) -> str:
        """``client/period``, as progress and errors name it."""
        return f"{self.client}/{self.period}"

    def out(self, out_dir: Path) -> Path:
        """The report folder of this engagement under ``out_dir``."""
        return out_dir / self.client / self.period


def period_key(name: str) -> tuple[int, int, str]:
    """Sort key of a period folder name: (year, first month, name)."""
    m = _PERIOD.match(name)
    if not m:
        return (9999, 99, name)
    year, quarter, half, month = m.groups()
    if quarter:
        first = (int(quarter) - 1) * 3 + 1
    elif half:
        first = 1 if half == "1" else 7
    else:
        first = int(month)
    return (int(year), first, name)


def _visible_dirs(folder: Path) -> list[Path]:
    return [p for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".")]


def discover(root: str | Path) -> list[list[Engagement]]:
    """Every client's engagements, each client's in period order.

    Raises:
        HealthcheckError: ROOT is not a folder, or holds no engagement.
    """
    root = Path(root)
    if not root.is_dir():
        raise HealthcheckError(
            f"{root}: not a folder", hint="give the folder holding <client>/<period>/"
        )
    book = []
    for client in sorted(_visible_dirs(root), key=lambda p: p.name):
        periods = sorted(_visible_dirs(client), key=lambda p: period_key(p.name))
        if periods:
            book.append(
                [Engagement(client=client.name, period=p.name, root=p) for p in periods]
            )
    if not book:
        raise HealthcheckError(
            f"{root}: no engagement folders",
            hint="lay the book out as ROOT/<client>/<period>/client.yaml",
        )
    return book
