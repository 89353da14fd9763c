"""The stages, one function each: collect, assess, render.

``run`` = collect -> write evidence -> load it back -> assess -> render. Going
through the saved evidence even on a live run means ``report`` on that
evidence takes exactly the same path and reproduces the same assessment.

Outputs are staged in a hidden folder inside ``out`` and moved into place
only when every artefact rendered, so a failed run leaves the previous
report intact.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

from healthcheck import SCHEMA_VERSION, __version__, cost, engine, evidence, scoring
from healthcheck.catalog import CATALOG_VERSION
from healthcheck.config import CollectContext, load_engagement
from healthcheck.errors import HealthcheckError
from healthcheck.model import Assessment, CollectorRun, RunStatus
from healthcheck.registry import collectors

log = logging.getLogger(__name__)

ASSESSMENT_JSON = "assessment.json"
WORKBOOK = "findings.xlsx"
PDF = "report.pdf"
EVIDENCE_DIR = "evidence"


@dataclass(frozen=True, kw_only=True, slots=True)
class Collected:
    """Result of collection: the ledger and files nobody recognised."""

    runs: tuple[CollectorRun, ...]
    unrecognised: tuple[dict[str, object], ...]
    collected_at: datetime


def _now() -> datetime:
    # Naive UTC throughout: exports rarely carry a time zone.
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)


def collect(engagement_dir: str | Path, evidence_dir: str | Path) -> Path:
    """Collect an engagement into an evidence folder (written atomically)."""
    engagement = load_engagement(engagement_dir)
    ctx = CollectContext(engagement=engagement, collected_at=_now())
    runs: list[CollectorRun] = []
    unrecognised: list[dict[str, object]] = []
    for loaded in collectors():
        if loaded.collector is None:
            runs += [
                CollectorRun(
                    collector=loaded.name,
                    dataset_name=name,
                    status=RunStatus.FAILED,
                    reason=f"collector failed to load: {loaded.error}",
                )
                for name in loaded.provides
            ]
            continue
        coll = loaded.collector
        if not coll.applies(ctx):
            runs += [
                CollectorRun(
                    collector=loaded.name,
                    dataset_name=name,
                    status=RunStatus.MISSING,
                    reason="no input for this collector in the engagement folder",
                )
                for name in coll.provides
            ]
            continue
        runs += list(coll.collect(ctx))
        unrecognised += list(getattr(coll, "unrecognised", ()))
    live = {c.name for c in collectors() if getattr(c.collector, "live", False)}
    runs = _first_ok_wins(runs, prefer=live)
    return evidence.write(
        Path(evidence_dir),
        config=engagement.config,
        collected_at=ctx.collected_at,
        runs=runs,
        unrecognised=unrecognised,
    )


def _first_ok_wins(
    runs: list[CollectorRun], prefer: set[str] | frozenset[str] = frozenset()
) -> list[CollectorRun]:
    """Keep one dataset per name (collector name order); later ones are recorded.

    A collector in ``prefer`` (a live one, such as Graph: the tenant as it is
    on collection day) wins over files; a file still fills what it lacks.
    """
    owner: dict[str, str] = {}
    for run in runs:
        if run.collector in prefer and run.status is RunStatus.OK:
            owner.setdefault(run.dataset_name, run.collector)
    out = []
    for run in runs:
        if (
            run.status is RunStatus.OK
            and owner.get(run.dataset_name, run.collector) != run.collector
        ):
            out.append(
                CollectorRun(
                    collector=run.collector,
                    dataset_name=run.dataset_name,
                    status=RunStatus.MISSING,
                    reason="another collector already provided it",
                )
            )
            continue
        if run.status is RunStatus.OK:
            owner[run.dataset_name] = run.collector
        out.append(run)
    return out


def assess(
    ev: evidence.Evidence, *, generated_at: datetime | None = None
) -> Assessment:
    """Evaluate rules, score layers and price waste over loaded evidence."""
    cfg = ev.config
    as_of = ev.as_of
    # With an explicit assessment date, "within 24 hours" is measured from the
    # end of that day; otherwise from the moment of collection.
    now = (
        datetime.combine(as_of, time()) + timedelta(days=1) - timedelta(seconds=1)
        if cfg.as_of
        else ev.collected_at
    )
    findings = engine.evaluate(
        ev.frames,
        as_of=as_of,
        now=now,
        overrides={"inactive_days": cfg.inactive_days},
        missing_reasons=ev.missing_reasons(),
        rule_settings=engine.parse_rule_settings(cfg.section("rules")),
    )
    layers = scoring.score_layers(findings)
    waste = cost.compute_waste(
        ev.frames,
        prices=cfg.licence_prices,
        currency=cfg.currency,
        as_of=as_of,
        inactive_days=cfg.inactive_days,
    )
    return Assessment(
        client_name=cfg.client_name,
        period=cfg.period,
        as_of=as_of,
        generated_at=generated_at or _now(),
        tool_version=__version__,
        catalog_version=CATALOG_VERSION,
        schema_version=SCHEMA_VERSION,
        overall=scoring.overall(layers),
        layers=layers,
        findings=findings,
        waste=waste,
        collector_runs=tuple(ev.runs),
        sources=tuple(ev.sources),
        rejected=tuple(ev.rejected),
    )


def render_all(assessment: Assessment, stage: Path) -> list[str]:
    """Write JSON, XLSX and PDF into ``stage``; return the file names written."""
    from healthcheck.report import jsonout, pdf, xlsx

    jsonout.write(assessment, stage / ASSESSMENT_JSON)
    xlsx.write(assessment, stage / WORKBOOK)
    pdf.write(assessment, stage / PDF)
    return [ASSESSMENT_JSON, WORKBOOK, PDF]


def _publish(out: Path, build: Callable[[Path], list[str]]) -> list[Path]:
    """Build artefacts in a staging folder, then move each into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=".healthcheck-staging-", dir=out))
    try:
        names = build(stage)
        placed = []
        for name in names:
            src, dst = stage / name, out / name
            if src.is_dir():
                evidence.replace_dir(src, dst)
            else:
                os.replace(src, dst)
            placed.append(dst)
        return placed
    finally:
        shutil.rmtree(stage, ignore_errors=True)


def run(engagement_dir: str | Path, out: str | Path) -> list[Path]:
    """Collect, assess and render into ``out``; return the paths written."""
    out = Path(out)

    def build(stage: Path) -> list[str]:
        ev_dir = collect(engagement_dir, stage / EVIDENCE_DIR)
        ev = evidence.load(ev_dir)
        return render_all(assess(ev), stage) + [EVIDENCE_DIR]

    return _publish(out, build)


def report(evidence_dir: str | Path, out: str | Path) -> list[Path]:
    """Rebuild the reports from a saved evidence folder, offline."""
    ev = evidence.load(evidence_dir)
    out = Path(out)
    if out.resolve() == Path(evidence_dir).resolve():
        raise HealthcheckError("--out must not be the evidence folder itself")
    return _publish(out, lambda stage: render_all(assess(ev), stage))
