"""The stages, one function each: collect, assess, render.

``run`` = collect -> write evidence -> load it back -> assess -> render. Going
through the saved evidence even on a live run means ``report`` on that
evidence takes exactly the same path and reproduces the same assessment.

Outputs are built in a private staging folder and published as one
generation (:mod:`healthcheck.publish`) only when every artefact rendered,
so a failed or killed run leaves the previous report intact and whole.
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from healthcheck import (
    SCHEMA_VERSION,
    __version__,
    actions,
    cost,
    engine,
    evidence,
    history,
    memory,
    objects,
    plan,
    progress,
    publish,
    refdata,
    registry,
    scoring,
)
from healthcheck import compare as comparing
from healthcheck.catalog import CATALOG_VERSION
from healthcheck.config import ClientConfig, CollectContext, Engagement, load_engagement
from healthcheck.errors import HealthcheckError, InputError
from healthcheck.i18n import check_language, english
from healthcheck.model import Assessment, CollectorRun, RunStatus, Status, msg
from healthcheck.registry import collectors

if TYPE_CHECKING:
    from healthcheck.report.context import ReportOptions

log = logging.getLogger(__name__)

ASSESSMENT_JSON = "assessment.json"
WORKBOOK = "findings.xlsx"
PDF = "report.pdf"
EVIDENCE_DIR = "evidence"
#: Inside an evidence folder: copies of the brand files and of last quarter's
#: assessment, so ``report`` rebuilds the same PDF offline.
BRANDING_DIR = "branding"
PREVIOUS_JSON = "previous/assessment.json"
#: The interview collector's dataset.
INTERVIEW = "interview_answers"
#: Inside an evidence folder: the action plan agreed last quarter (``plan.xlsx``).
PLAN_COPY = "plan/plan.xlsx"


@dataclass(frozen=True, kw_only=True, slots=True)
class Collected:
    """Result of collection: the ledger and files nobody recognised."""

    runs: tuple[CollectorRun, ...]
    unrecognised: tuple[dict[str, object], ...]
    collected_at: datetime


def _now() -> datetime:
    # Naive UTC throughout: exports rarely carry a time zone.
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)


def collect(
    engagement_dir: str | Path,
    evidence_dir: str | Path,
    *,
    previous: str | Path | None = None,
) -> Path:
    """Collect an engagement into an evidence folder, published as one unit.

    The folder also gets copies of the brand files and of the previous
    quarter's ``assessment.json`` (``previous``, else ``report.previous`` of
    ``client.yaml``), so a report rebuilt from it needs nothing else.
    """
    dest = Path(evidence_dir)
    publish.publish(
        dest, lambda target: _collect_into(engagement_dir, target, previous=previous)
    )
    return dest


def _collect_into(
    engagement_dir: str | Path,
    dest: Path,
    *,
    previous: str | Path | None = None,
) -> Path:
    """Collect an engagement into ``dest``, a new folder in a private place."""
    engagement = load_engagement(engagement_dir)
    previous_path = _previous_path(engagement, previous)
    if previous_path is not None:
        comparing.load(previous_path)  # a bad file stops the run before collecting
    plan_path = engagement.root / plan.PLAN_NAME
    if plan_path.is_file():
        plan.read(plan_path)  # so does a bad plan
    ctx = CollectContext(engagement=engagement, collected_at=_now())
    runs: list[CollectorRun] = []
    unrecognised: list[dict[str, object]] = []
    live = {c.name for c in collectors() if getattr(c.collector, "live", False)}
    # A collector that reads others' datasets (``needs``) runs after them.
    first = [c for c in collectors() if not getattr(c.collector, "needs", ())]
    after = [c for c in collectors() if getattr(c.collector, "needs", ())]
    progress.stage("collecting %s", engagement.root)
    for loaded in first:
        got = registry.run(loaded, ctx)
        _say_collected(loaded.name, got.runs)
        runs += got.runs
        unrecognised += got.unrecognised
    if after:
        chosen = _first_ok_wins(runs, prefer=live)
        given = {
            r.dataset_name: r.dataset.frame
            for r in chosen
            if r.status is RunStatus.OK and r.dataset is not None
        }
        later = replace(ctx, delivered=given)
        for loaded in after:
            got = registry.run(loaded, later)
            runs += got.runs
            unrecognised += got.unrecognised
    runs = _first_ok_wins(runs, prefer=live)
    _something_to_assess(engagement, runs)
    staged = evidence.write(
        dest,
        config=engagement.config,
        collected_at=ctx.collected_at,
        runs=runs,
        unrecognised=unrecognised,
        tables=refdata.in_use(),
    )
    for key, rel in engagement.config.branding.files.items():
        copy = staged / BRANDING_DIR / _brand_name(key, rel)
        copy.parent.mkdir(exist_ok=True)
        shutil.copyfile(engagement.root / rel, copy)
    if previous_path is not None:
        (staged / PREVIOUS_JSON).parent.mkdir()
        shutil.copyfile(_assessment_file(previous_path), staged / PREVIOUS_JSON)
    if plan_path.is_file():
        (staged / PLAN_COPY).parent.mkdir()
        shutil.copyfile(plan_path, staged / PLAN_COPY)
    return dest


def _answered(runs: list[CollectorRun]) -> bool:
    """Whether the interview has at least one answer."""
    for r in runs:
        if r.dataset_name == INTERVIEW and r.status is RunStatus.OK and r.dataset:
            answers = r.dataset.frame.get("answer")
            if answers is not None and answers.fillna("").astype(str).str.strip().any():
                return True
    return False


def _something_to_assess(engagement: Engagement, runs: list[CollectorRun]) -> None:
    """Stop a run with nothing to assess with one line saying what to add.

    A fresh ``init`` folder has empty ``exports/``, no ``graph:`` section and
    an unanswered interview: scoring it would be a report of "not assessed".
    Data without the interview is worth a report, with one line of warning.
    """
    data = {
        r.dataset_name
        for r in runs
        if r.status is RunStatus.OK and r.dataset_name != INTERVIEW
    }
    answered = _answered(runs)
    root = engagement.root
    interview = engagement.interview_path
    # A collector that failed (Graph sign-in refused) is worth a report that
    # says so; only an engagement with nothing in it at all is stopped.
    failed = any(r.status is RunStatus.FAILED for r in runs)
    if not data and not answered and not failed:
        raise InputError(
            "nothing to assess yet: add the admins' exports to "
            f"{engagement.exports_dir}/ (or a graph: section to "
            f"{root / 'client.yaml'}) and answer the interview in {interview}",
            hint="exports/README.md lists the usual files",
        )
    if not answered:
        log.warning(
            "%s has no answers yet: the process and expert rules are not assessed",
            interview,
        )


def _say_collected(name: str, runs: tuple[CollectorRun, ...]) -> None:
    """One line per dataset a collector gave, with its rows; one if it had no input."""
    ok = [r for r in runs if r.status is RunStatus.OK and r.dataset is not None]
    if not ok:
        why = {r.reason for r in runs if r.status is not RunStatus.OK}
        progress.stage(
            "  %s: nothing collected%s",
            name,
            f" ({why.pop()})" if len(why) == 1 else "",
        )
    for r in ok:
        assert r.dataset is not None
        rows = len(r.dataset.frame)
        progress.stage(
            "  %s: %s, %d row%s", name, r.dataset_name, rows, "" if rows == 1 else "s"
        )
        # -v: where each dataset came from, and what was set aside.
        for src in r.dataset.sources:
            log.info(
                "%s from %s (%s): %d rows read, %d rejected",
                r.dataset_name,
                Path(src.path).name,
                src.format,
                src.rows_read,
                src.rows_rejected,
            )
    # -v: why each other dataset did not arrive (unless one reason said it all).
    if ok or len({r.reason for r in runs if r.status is not RunStatus.OK}) > 1:
        for r in runs:
            if r.status is not RunStatus.OK:
                log.info(
                    "%s: %s %s: %s", name, r.dataset_name, r.status.value, r.reason
                )


def _brand_name(key: str, rel: str) -> str:
    """File name of a brand file's copy in the evidence: its key and suffix."""
    return key + Path(rel).suffix.lower()


def _assessment_file(path: Path) -> Path:
    return path / ASSESSMENT_JSON if path.is_dir() else path


def _previous_path(engagement: Engagement, given: str | Path | None) -> Path | None:
    """The earlier assessment: the command line's, else client.yaml's."""
    if given is not None:
        return Path(given)
    rel = engagement.config.report.previous
    return engagement.root / rel if rel else None


def report_options(
    ev: evidence.Evidence,
    ev_dir: Path,
    current: Assessment,
    *,
    lang: str | None = None,
    previous: str | Path | None = None,
) -> ReportOptions:
    """Language, brand files and comparison for rendering ``current``."""
    from healthcheck.report.context import ReportOptions

    cfg: ClientConfig = ev.config
    language = check_language(lang or cfg.report.language, "--language")
    files = {}
    for key, rel in cfg.branding.files.items():
        copy = ev_dir / BRANDING_DIR / _brand_name(key, rel)
        if not copy.is_file():
            raise InputError(
                f"brand file '{key}' is missing from the evidence",
                file=copy,
                hint="collect again to copy the brand files",
            )
        files[key] = copy.resolve()
    saved = ev_dir / PREVIOUS_JSON
    source = Path(previous) if previous is not None else saved
    comparison = (
        comparing.compare(comparing.load(source), current)
        if previous is not None or saved.is_file()
        else None
    )
    collected = {
        name: str(entry.get("collected_at", ""))
        for name, entry in ev.manifest.get("datasets", {}).items()
        if entry.get("collected_at")
    }
    return ReportOptions(
        lang=language,
        branding=cfg.branding,
        brand_files=files,
        comparison=comparison,
        collected=collected,
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
                CollectorRun.because(
                    msg("collect.already_provided"),
                    collector=run.collector,
                    dataset_name=run.dataset_name,
                    status=RunStatus.MISSING,
                    render=english,
                )
            )
            continue
        if run.status is RunStatus.OK:
            owner[run.dataset_name] = run.collector
        out.append(run)
    return out


def assess(
    ev: evidence.Evidence,
    *,
    generated_at: datetime | None = None,
    previous: Assessment | None = None,
    agreed: tuple[plan.PlanItem, ...] = (),
) -> Assessment:
    """Evaluate rules, score layers and price waste over loaded evidence.

    The reference tables are the evidence's own copies where it has them, so
    a rebuilt report judges against the same data as the first. ``previous``
    (last quarter's assessment) gives the history, and ``agreed`` (the plan
    agreed then) the agreed actions' outcome.
    """
    with refdata.pinned(ev.tables):
        progress.stage("scoring")
        done = _assess(ev, generated_at=generated_at, previous=previous, agreed=agreed)
    for f in done.findings:
        log.info(
            "%s %s%s%s",
            f.rule_id,
            f.status.value,
            "" if f.score is None else f", score {f.score:.2f}",
            f", {f.affected_count} affected" if f.affected_count else "",
        )
    counts = {st: sum(f.status is st for f in done.findings) for st in Status}
    progress.stage(
        "  %d rules: %d passed, %d failed, %d accepted, %d not assessed",
        len(done.findings),
        counts[Status.PASS],
        counts[Status.FAIL],
        counts[Status.ACCEPTED],
        counts[Status.NOT_ASSESSED],
    )
    return done


def assess_saved(
    ev: evidence.Evidence, ev_dir: Path, *, previous: str | Path | None = None
) -> Assessment:
    """:func:`assess` with the previous assessment and the plan saved in ``ev_dir``.

    ``previous`` (a path) replaces the saved previous assessment.
    """
    saved = ev_dir / PREVIOUS_JSON
    source = Path(previous) if previous is not None else saved
    before = comparing.load(source) if previous is not None or saved.is_file() else None
    plan_copy = ev_dir / PLAN_COPY
    agreed = plan.read(plan_copy) if plan_copy.is_file() else ()
    return assess(ev, previous=before, agreed=agreed)


def _assess(
    ev: evidence.Evidence,
    *,
    generated_at: datetime | None,
    previous: Assessment | None,
    agreed: tuple[plan.PlanItem, ...],
) -> Assessment:
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
        overrides={
            "inactive_days": cfg.inactive_days,
            "emergency_accounts": list(cfg.emergency_accounts),
        },
        missing_reasons=ev.missing_reasons(),
        rule_settings=engine.parse_rule_settings(cfg.section("rules")),
        collected_at=_collected_times(ev),
    )
    memory.give_back()  # the rules' working copies
    findings, object_tables = objects.attach(
        findings, ev.frames, activity_source=_activity_source(ev)
    )
    memory.give_back()  # the object index
    layers, overall = scoring.assess(findings)
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
        overall=overall,
        layers=layers,
        findings=findings,
        actions=actions.rank(findings, layers, overall),
        waste=waste,
        collector_runs=tuple(ev.runs),
        sources=tuple(_titled(s) for s in ev.sources),
        rejected=tuple(ev.rejected),
        reference_data=tuple(
            {k: v for k, v in t.to_dict().items() if k != "origin"}
            for t in refdata.in_use()
        ),
        timezone=cfg.timezone,
        objects=object_tables,
        history=history.carried(previous),
        agreed_actions=plan.carry_over(
            agreed,
            findings,
            as_of,
            agreed_in=previous.period if previous is not None else "",
        ),
    )


def _titled(source: Mapping[str, object]) -> dict[str, object]:
    """A source entry with its dataset's title, for reports that name it in words."""
    from healthcheck.datasets import SCHEMAS

    name = str(source.get("dataset", ""))
    known = SCHEMAS.get(name)
    return dict(source, dataset_title=known.title) if known else dict(source)


def _activity_source(ev: evidence.Evidence) -> str:
    """The file(s) the users' last activity came from.

    Activity reports are joined onto the user list after it, so with several
    sources the later ones hold the dates; with one, that one does.
    """
    names = [
        Path(str(s.get("path", ""))).name
        for s in ev.sources
        if s.get("dataset") == "users" and s.get("path")
    ]
    return ", ".join(dict.fromkeys(names[1:] or names))


def _collected_times(ev: evidence.Evidence) -> dict[str, datetime]:
    """When each dataset was collected, from the evidence manifest."""
    out = {}
    for name, entry in ev.manifest.get("datasets", {}).items():
        stamp = entry.get("collected_at") if isinstance(entry, dict) else None
        if stamp:
            out[name] = datetime.fromisoformat(str(stamp))
    return out


def render_all(
    assessment: Assessment, stage: Path, options: ReportOptions | None = None
) -> list[str]:
    """Write JSON, XLSX and PDF into ``stage``; return the file names written."""
    from healthcheck.report import jsonout, pdf, xlsx

    lang = options.lang if options else "en"
    comparison = options.comparison if options else None
    progress.stage("writing %s", ASSESSMENT_JSON)
    jsonout.write(assessment, stage / ASSESSMENT_JSON)
    memory.give_back()  # the document's dictionary copy
    progress.stage("writing %s", WORKBOOK)
    xlsx.write(assessment, stage / WORKBOOK, lang=lang, comparison=comparison)
    memory.give_back()  # the sheets' rows
    progress.stage("writing %s", PDF)
    pdf.write(assessment, stage / PDF, options)
    return [ASSESSMENT_JSON, WORKBOOK, PDF]


def _publish(out: Path, build: Callable[[Path], list[str]]) -> list[Path]:
    """Build artefacts in a new folder, then publish it as ``out``'s generation."""

    def fill(target: Path) -> list[str]:
        target.mkdir()
        return build(target)

    return [out / name for name in publish.publish(out, fill)]


def run(
    engagement_dir: str | Path,
    out: str | Path,
    *,
    lang: str | None = None,
    previous: str | Path | None = None,
) -> list[Path]:
    """Collect, assess and render into ``out``; return the paths written.

    ``lang`` overrides ``report.language`` and ``previous`` (an earlier
    ``assessment.json`` or its folder) ``report.previous`` of ``client.yaml``.
    """
    out = Path(out)
    if lang is not None:
        check_language(lang, "--language")

    def build(stage: Path) -> list[str]:
        ev_dir = _collect_into(engagement_dir, stage / EVIDENCE_DIR, previous=previous)
        memory.give_back()  # the parsed exports are in the evidence now
        current, options = _assessed(ev_dir, lang=lang)
        return render_all(current, stage, options) + [EVIDENCE_DIR]

    return _publish(out, build)


def _assessed(
    ev_dir: Path, *, lang: str | None, previous: str | Path | None = None
) -> tuple[Assessment, ReportOptions]:
    """The assessment of a saved evidence folder and its report options.

    The canonical datasets are let go on return: the reports are rendered
    from the assessment alone, so they need not share memory with them.
    """
    ev = evidence.load(ev_dir)
    current = assess_saved(ev, ev_dir, previous=previous)
    options = report_options(ev, ev_dir, current, lang=lang, previous=previous)
    del ev
    memory.give_back()
    return current, options


def report(
    evidence_dir: str | Path,
    out: str | Path,
    *,
    lang: str | None = None,
    previous: str | Path | None = None,
) -> list[Path]:
    """Rebuild the reports from a saved evidence folder, offline.

    Without ``previous``, the comparison saved with the evidence (if any) is
    used; ``lang`` overrides the language saved with it.
    """
    ev_dir = Path(evidence_dir)
    out = Path(out)
    if out.resolve() == ev_dir.resolve():
        raise HealthcheckError("--out must not be the evidence folder itself")
    current, options = _assessed(ev_dir, lang=lang, previous=previous)

    def build(stage: Path) -> list[str]:
        names = render_all(current, stage, options)
        # A generation is whole: the report beside the evidence it came from.
        shutil.copytree(ev_dir, stage / EVIDENCE_DIR, symlinks=False)
        return [*names, EVIDENCE_DIR]

    return _publish(out, build)
