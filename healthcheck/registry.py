"""Collector discovery through the ``healthcheck.collectors`` entry-point group.

Built-in collectors are registered in setup.cfg exactly as a third party's
would be, so there is one discovery path. Each entry point is loaded on its
own: a broken plugin becomes a warning with its distribution and version,
never a crash, and its datasets are then reported as not collected.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib.metadata import EntryPoint, entry_points
from typing import Any, Protocol, runtime_checkable

from healthcheck.config import CollectContext
from healthcheck.datasets import SCHEMAS
from healthcheck.model import CollectorRun

GROUP = "healthcheck.collectors"
log = logging.getLogger(__name__)


@runtime_checkable
class Collector(Protocol):
    """What a collector class provides (instantiated with no arguments)."""

    name: str
    title: str
    provides: tuple[str, ...]
    permissions: tuple[str, ...]

    def applies(self, ctx: CollectContext) -> bool:
        """Whether this engagement has input for this collector."""

    def collect(self, ctx: CollectContext) -> Iterable[CollectorRun]:
        """Yield one run per dataset in ``provides``."""


@dataclass(frozen=True, kw_only=True, slots=True)
class LoadedCollector:
    """An entry point and what loading it gave."""

    name: str
    distribution: str
    version: str
    collector: Any | None
    error: str = ""

    @property
    def provides(self) -> tuple[str, ...]:
        """Datasets it provides (empty when it failed to load)."""
        return tuple(getattr(self.collector, "provides", ()))


def _load(ep: EntryPoint) -> LoadedCollector:
    dist = ep.dist.name if ep.dist else "unknown"
    version = ep.dist.version if ep.dist else "?"
    try:
        obj = ep.load()()
        missing = [
            a
            for a in ("name", "title", "provides", "permissions", "collect", "applies")
            if not hasattr(obj, a)
        ]
        if missing:
            raise TypeError("lacks " + ", ".join(missing))
        unknown = [d for d in obj.provides if d not in SCHEMAS]
        if unknown:
            raise TypeError("provides unknown datasets " + ", ".join(unknown))
    except Exception as exc:  # noqa: BLE001 - isolation is the point: see module doc
        log.warning(
            "collector %s from %s %s could not be loaded: %s",
            ep.name,
            dist,
            version,
            exc,
        )
        return LoadedCollector(
            name=ep.name,
            distribution=dist,
            version=version,
            collector=None,
            error=f"{type(exc).__name__}: {exc}",
        )
    return LoadedCollector(
        name=ep.name, distribution=dist, version=version, collector=obj
    )


@cache
def collectors() -> tuple[LoadedCollector, ...]:
    """All registered collectors, loaded lazily on first use, in name order."""
    seen: dict[str, EntryPoint] = {}
    for ep in entry_points(group=GROUP):
        # An editable install next to a regular one can list a name twice.
        seen.setdefault(ep.name, ep)
    return tuple(_load(seen[name]) for name in sorted(seen))
