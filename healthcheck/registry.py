"""Collector discovery through the ``healthcheck.collectors`` entry-point group.

Built-in collectors are registered in setup.cfg exactly as a third party's
would be, so there is one discovery path. Each entry point is loaded on its
own: a broken plugin becomes a warning with its distribution and version,
never a crash, and its datasets are then reported as not collected.

Running is isolated the same way (:func:`run`): an exception in a
collector's ``applies`` or ``collect``, or something that is not a
:class:`~healthcheck.model.CollectorRun` among its results, marks the
datasets it had not delivered ``failed``, with the exception's type and
message, secrets scrubbed, as the reason. The run goes on without them.
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
from healthcheck.errors import HealthcheckError
from healthcheck.i18n import english
from healthcheck.model import CollectorRun, RunStatus, msg
from healthcheck.scrub import scrub, secret_env_values

GROUP = "healthcheck.collectors"
#: Characters of a collector's exception kept as the reason of its runs.
MAX_ERROR = 1000
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
            error=scrub(f"{type(exc).__name__}: {exc}"),
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


@dataclass(frozen=True, kw_only=True, slots=True)
class Delivered:
    """What one collector gave: its runs, and the files it did not recognise."""

    runs: tuple[CollectorRun, ...]
    unrecognised: tuple[dict[str, Any], ...] = ()


def _failed(
    loaded: LoadedCollector, names: Iterable[str], error: str
) -> list[CollectorRun]:
    return [
        CollectorRun.because(
            msg("collect.raised", error=error),
            collector=loaded.name,
            dataset_name=name,
            status=RunStatus.FAILED,
            render=english,
        )
        for name in names
    ]


def run(loaded: LoadedCollector, ctx: CollectContext) -> Delivered:
    """Run one loaded collector over ``ctx``, isolated from the rest of the run.

    Our own :class:`~healthcheck.errors.HealthcheckError` (a malformed
    export, say) still stops the run: that is the user's to fix, with the
    file named. Any other exception is the collector's failure, not the run's.
    """
    coll = loaded.collector
    if coll is None:
        return Delivered(
            runs=tuple(
                CollectorRun.because(
                    msg("collect.load_failed", error=loaded.error),
                    collector=loaded.name,
                    dataset_name=name,
                    status=RunStatus.FAILED,
                    render=english,
                )
                for name in loaded.provides
            )
        )
    provides = tuple(coll.provides)
    runs: list[CollectorRun] = []
    try:
        if not coll.applies(ctx):
            return Delivered(
                runs=tuple(
                    CollectorRun.because(
                        msg("collect.no_input"),
                        collector=loaded.name,
                        dataset_name=name,
                        status=RunStatus.MISSING,
                        render=english,
                    )
                    for name in provides
                )
            )
        for item in coll.collect(ctx):
            if not isinstance(item, CollectorRun):
                raise TypeError(
                    f"collect gave a {type(item).__name__}, not a CollectorRun"
                )
            if item.status is RunStatus.OK and item.dataset is None:
                raise TypeError(f"run for {item.dataset_name} is ok but has no dataset")
            runs.append(item)
        unrecognised = tuple(dict(u) for u in getattr(coll, "unrecognised", ()))
    except HealthcheckError:
        raise
    except Exception as exc:  # noqa: BLE001 - isolation is the point: see module doc
        secrets = secret_env_values(ctx.engagement.config.to_dict())
        error = scrub(f"{type(exc).__name__}: {exc}", secrets)
        if len(error) > MAX_ERROR:
            error = error[: MAX_ERROR - 1] + "…"
        log.warning(
            "collector %s from %s %s failed: %s",
            loaded.name,
            loaded.distribution,
            loaded.version,
            error,
        )
        done = {r.dataset_name for r in runs}
        rest = [name for name in provides if name not in done]
        return Delivered(runs=tuple(runs + _failed(loaded, rest, error)))
    return Delivered(runs=tuple(runs), unrecognised=unrecognised)
