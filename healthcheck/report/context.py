"""Assessment -> report view-model: numbers formatted, grades decided, actions picked.

Templates get plain dicts of strings and lists, and do no more than loop and
test. No HTML is ever built here: every value is text that the template
escapes. Every word a reader sees comes from the report's
:class:`~healthcheck.i18n.Translator`: labels from ``locales/<lang>/report.toml``,
rule texts through ``t.rule`` and finding details through ``t.detail``, with
the assessment's English as the fallback.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from healthcheck import zones
from healthcheck.compare import Comparison, FindingChange, whole
from healthcheck.config import Branding
from healthcheck.i18n import Translator
from healthcheck.model import (
    Action,
    Assessment,
    Finding,
    Severity,
    Status,
    WasteCategory,
)
from healthcheck.report import trend
from healthcheck.report.score_trend import trend_view
from healthcheck.scoring import GRADES, MIN_COVERAGE, round_half_up

#: Affected objects shown per finding; the workbook has them all.
MAX_EXAMPLES = 10
#: Characters of a name from the tenant or client.yaml (client, object, file,
#: licence) shown in the PDF; the workbook and assessment.json keep it whole.
#: Each break opportunity of a long line costs the renderer a layout of the
#: rest of it, per page for the running head: unbounded text is unbounded time.
MAX_NAME = 200
TOP_ACTIONS = 5
#: Changed findings listed per group in the comparison section.
MAX_CHANGES = 12

#: Bar colours of the layer chart (SVG needs attributes, not CSS classes).
GRADE_COLOURS = {
    "A": "#15803d",
    "B": "#65a30d",
    "C": "#ca8a04",
    "D": "#ea580c",
    "E": "#dc2626",
    "F": "#991b1b",
}
NO_GRADE_COLOUR = "#9ca3af"


@dataclass(frozen=True, kw_only=True, slots=True)
class ReportOptions:
    """What a report needs beyond the assessment: language, look, last quarter.

    ``brand_files`` are resolved paths (the copies in the evidence folder);
    ``collected`` maps a dataset name to when it was collected (ISO text).
    """

    lang: str = "en"
    branding: Branding = field(default_factory=Branding)
    brand_files: Mapping[str, Path] = field(default_factory=dict)
    comparison: Comparison | None = None
    collected: Mapping[str, str] = field(default_factory=dict)


def css_string(text: str) -> str:
    """``text`` as a quoted CSS string that cannot end the string or the style."""
    out = []
    for ch in text:
        if ch in "\\\"'<>&" or ord(ch) < 0x20:
            out.append(f"\\{ord(ch):x} ")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def clip(text: str, limit: int = MAX_NAME) -> str:
    """``text`` cut to ``limit`` characters, the cut marked with an ellipsis."""
    if len(text) <= limit:
        return text
    return text[: limit - 1].rstrip() + "…"


def _grade_class(grade: str | None) -> str:
    return f"grade-{grade.lower()}" if grade else "grade-none"


#: A sentence ends at . ! or ? followed by a space and a capital or a digit.
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-ZÅÄÖ0-9])")


def _first_sentence(text: str) -> str:
    return _SENTENCE_END.split(text.strip(), maxsplit=1)[0]


def _steps(remediation: str) -> list[str]:
    """Numbered remediation text ('1. Do X. 2. Do Y.' or one per line) as steps."""
    out = []
    for line in remediation.splitlines():
        line = line.strip()
        if not line:
            continue
        if line[:1].isdigit() and "." in line[:4]:
            line = line.split(".", 1)[1].strip()
        out.append(line)
    return out


class _View:
    """Builds the view-model of one assessment in one language."""

    def __init__(self, a: Assessment, opts: ReportOptions) -> None:
        self.a = a
        self.opts = opts
        self.t = Translator(opts.lang)
        self.cur = a.waste.currency

    # Small formats -------------------------------------------------------

    def money(self, value: Decimal | float | None, whole: bool = False) -> str:
        if value is None:
            return self.t.t("report.common.not_assessed")
        return self.t.money(Decimal(str(value)), self.cur, whole=whole)

    def score(self, value: float | None) -> str:
        if value is None:
            return self.t.t("report.common.not_assessed")
        return self.t.integer(whole(value))

    def signed(self, value: float) -> str:
        """A change in whole points with its sign, rounded half up."""
        n = whole(value)
        return ("+" if n > 0 else "") + self.t.integer(n)

    def dataset_title(self, name: str, english: object = None) -> str:
        """A dataset in words ("managed devices"), never its id."""
        default = as_noun(str(english)) if english else name.replace("_", " ")
        return self.t.t(f"datasets.{name}.title", default)

    def layer_label(self, layer_id: str, default: str) -> str:
        return self.t.t(f"report.layer.{layer_id}", default)

    def severity(self, sev: str) -> str:
        return self.t.t(f"report.severity.{sev}", sev)

    def status(self, status: str) -> str:
        return self.t.t(f"report.status.{status}", status.replace("_", " "))

    def title(self, f: Finding | FindingChange) -> str:
        return self.t.rule(f.rule_id, "title", f.title)

    def detail(self, f: Finding) -> str:
        if f.status is Status.NOT_ASSESSED:
            return self.reason(f)
        return self.t.detail(f.to_dict())

    def problem(self, f: Finding) -> str:
        """The finding's first sentence: the problem in numbers, for executives.

        Every rule opens its sentence with what is wrong and how much ("4 of
        40 computers are not encrypted"); notes on what could not be judged
        follow, and stay in the findings section and the workbook.
        """
        text = self.detail(f)
        if f.acceptance is not None and f.acceptance.expired and f.detail_key:
            # The detail wraps the rule's sentence in the expiry note.
            inner = f.detail_params.get("detail")
            if isinstance(inner, dict) and inner.get("key"):
                text = self.t.message(inner)
        return _first_sentence(text)

    def reason(self, f: Finding) -> str:
        """Why not assessed (or accepted), in the report's language if known."""
        return self.t.reason(f.to_dict())

    # Parts ----------------------------------------------------------------

    def finding(self, f: Finding) -> dict[str, Any]:
        examples = [clip(str(x)) for x in f.affected[:MAX_EXAMPLES]]
        return {
            "rule_id": f.rule_id,
            "title": self.title(f),
            "severity": f.severity.value,
            "severity_label": self.severity(f.severity.value),
            "status": f.status.value,
            "status_label": self.status(f.status.value),
            "layer": self.layer_label(f.layer.value, f.layer.label),
            "detail": self.detail(f),
            "acceptance": self.reason(f) if f.status is Status.ACCEPTED else "",
            "affected_count": self.t.integer(f.affected_count),
            "examples": examples,
            "more": len(f.affected) - len(examples),
            "more_text": self.t.t(
                "report.findings.more",
                count=len(f.affected) - len(examples),
            ),
            "rationale": self.t.rule(f.rule_id, "rationale", f.rationale),
            "steps": _steps(self.t.rule(f.rule_id, "remediation", f.remediation)),
        }

    def layers(self) -> list[dict[str, Any]]:
        order = {"fail": 0, "accepted": 1, "not_assessed": 2, "pass": 3}
        out = []
        for s in self.a.layers:
            mine = sorted(
                (f for f in self.a.findings if f.layer is s.layer),
                key=lambda f: (order[f.status.value], f.severity.rank, f.rule_id),
            )
            counts = {k: s.counts.get(k, 0) for k in order}
            out.append(
                {
                    "id": s.layer.value,
                    "number": s.layer.number,
                    "label": self.layer_label(s.layer.value, s.layer.label),
                    "grade": s.grade or "–",
                    "grade_class": _grade_class(s.grade),
                    "colour": GRADE_COLOURS.get(s.grade or "", NO_GRADE_COLOUR),
                    "score": self.score(s.score),
                    "score_value": s.score or 0.0,
                    "assessed": s.score is not None,
                    "incomplete": s.status.value == "incomplete",
                    "coverage": self.t.percent(s.coverage),
                    "counts": self.t.t(
                        "report.layers.counts",
                        passed=counts["pass"],
                        failed=counts["fail"],
                        na=counts["not_assessed"],
                        accepted=counts["accepted"],
                    ),
                    "rules": [
                        {
                            "rule_id": f.rule_id,
                            "title": self.title(f),
                            "status": f.status.value,
                            "status_label": self.status(f.status.value),
                            "severity": f.severity.value,
                            "severity_label": self.severity(f.severity.value),
                            # The problem in numbers, under the control's name.
                            "problem": self.problem(f)
                            if f.status in (Status.FAIL, Status.ACCEPTED)
                            else "",
                            # A passing score is shown with its trend too.
                            "trend": trend_view(f.measured, self.t)
                            if f.status is not Status.NOT_ASSESSED
                            else None,
                        }
                        for f in mine
                    ],
                }
            )
        return out

    def effort(self, a: Action) -> str:
        """Low / medium / high, as the action list estimated it."""
        return self.t.rule(a.rule_id, "effort", "") or self.t.t(
            f"report.level.{a.effort}", a.effort
        )

    def gain(self, a: Action) -> str:
        """What fixing buys: overall points, or layer points without an overall."""
        if a.overall_gain is not None:
            return self.t.t(
                "report.summary.overall_points",
                points=self.t.number(round_half_up(a.overall_gain), 1),
            )
        if a.layer_gain is not None:
            return self.t.t(
                "report.summary.impact_points",
                points=self.t.number(round_half_up(a.layer_gain), 1),
            )
        return "–"

    def actions(self) -> list[dict[str, Any]]:
        by_id = {f.rule_id: f for f in self.a.findings}
        out = []
        for a in self.a.actions[:TOP_ACTIONS]:
            f = by_id[a.rule_id]
            steps = _steps(self.t.rule(f.rule_id, "remediation", f.remediation))
            out.append(
                {
                    "rule_id": f.rule_id,
                    "action": self.t.rule(f.rule_id, "action", "")
                    or (steps[0] if steps else self.title(f)),
                    "problem": self.problem(f),
                    "layer": self.layer_label(f.layer.value, f.layer.label),
                    "severity": f.severity.value,
                    "severity_label": self.severity(f.severity.value),
                    "effort": self.effort(a),
                    "impact": self.gain(a),
                }
            )
        return out

    def caps(self) -> list[str]:
        """What holds the overall grade down, one sentence per cap."""
        by_id = {f.rule_id: f for f in self.a.findings}
        out = []
        for cap in self.a.overall.caps:
            if cap.layer is not None:
                out.append(
                    self.t.t(
                        "report.summary.capped_layer",
                        grade=cap.grade,
                        layer=self.layer_label(cap.layer.value, cap.layer.label),
                    )
                )
                continue
            problems = [self.problem(by_id[r]) for r in cap.rule_ids if r in by_id]
            if len(problems) == 1:
                text = self.t.t(
                    "report.summary.capped_critical",
                    grade=cap.grade,
                    problems=problems[0],
                )
            else:
                text = self.t.t(
                    "report.summary.capped_criticals",
                    grade=cap.grade,
                    count=len(problems),
                )
            out.append(text)
        return out

    def waste(self) -> dict[str, Any]:
        w = self.a.waste
        t = self.t
        lines = []
        for i in w.items:
            origin = {
                "client": t.t("report.waste.origin_client"),
                "list": t.t("report.waste.origin_list"),
            }.get(i.price_origin, "")
            term = t.t(f"report.waste.term.{i.billing_term}", i.billing_term)
            lines.append(
                {
                    "category": t.t(f"report.waste.category.{i.category.value}"),
                    "sku_name": clip(i.sku_name or i.sku),
                    "count": t.integer(i.count),
                    "unit_price": self.money(i.unit_price),
                    "price_label": ", ".join(x for x in (origin, term) if x),
                    "monthly": self.money(i.monthly_cost),
                    "annual": self.money(i.annual_cost),
                    "confidence": t.t(f"report.confidence.{i.confidence}", i.confidence)
                    if i.confidence
                    else "–",
                }
            )
        by_cat: dict[WasteCategory, list[Any]] = {}
        for i in w.items:
            by_cat.setdefault(i.category, []).append(i)
        actions = []
        for cat, items in by_cat.items():
            timing: dict[str, list[str]] = {}
            for i in items:
                names = timing.setdefault(i.billing_term, [])
                if clip(i.sku_name or i.sku) not in names:
                    names.append(clip(i.sku_name or i.sku))
            actions.append(
                {
                    "category": t.t(f"report.waste.category.{cat.value}"),
                    "action": t.t(f"report.waste.action.{cat.value}"),
                    "seats": t.integer(sum(i.count for i in items)),
                    "annual": self.money(
                        sum((i.annual_cost for i in items), Decimal())
                    ),
                    "timing": [
                        {
                            "when": t.t(f"report.waste.when.{term or 'unknown'}", term),
                            "licences": ", ".join(names),
                        }
                        for term, names in sorted(
                            timing.items(), key=lambda x: not x[0]
                        )
                    ],
                }
            )
        return {
            "assessed": w.assessed,
            "annual": self.money(w.annual_total if w.assessed else None),
            "annual_whole": self.money(
                w.annual_total if w.assessed else None, whole=True
            ),
            "monthly": self.money(w.monthly_total if w.assessed else None),
            "seats": t.integer(sum(i.count for i in w.items)),
            "lines": lines,
            "actions": actions,
            "not_assessed": t.waste_not_assessed(w),
            # Some categories could not be priced for want of data: the total
            # is a floor, and the card says so and what is missing.
            "partial": bool(w.assessed and t.waste_not_assessed(w)),
            "unpriced": [clip(s) for s in w.unpriced_skus],
            "has_client": any(i.price_origin == "client" for i in w.items),
            "has_list": any(i.price_origin == "list" for i in w.items),
            "list_basis": t.list_price_basis(w),
            "inactive_days": t.integer(w.inactive_days) if w.inactive_days else "",
        }

    def comparison(self) -> dict[str, Any] | None:
        c = self.opts.comparison
        if c is None:
            return None
        t = self.t

        def grade(score: float | None, letter: str | None) -> str:
            if score is None:
                return t.t("report.common.not_assessed")
            return f"{letter or '–'} ({t.integer(whole(score))})"

        def delta(value: float | None) -> str:
            return "–" if value is None else self.signed(value)

        now = {f.rule_id: f for f in self.a.findings}

        def changes(
            items: tuple[FindingChange, ...], limit: int = MAX_CHANGES
        ) -> dict[str, Any]:
            shown = [
                {
                    "rule_id": i.rule_id,
                    "title": self.title(i),
                    "severity": i.severity,
                    "severity_label": self.severity(i.severity),
                    "previous": self.status(i.previous_status)
                    if i.previous_status
                    else "–",
                    "current": self.status(i.current_status),
                    # A new or still open problem, in numbers.
                    "problem": self.problem(now[i.rule_id])
                    if i.rule_id in now
                    and now[i.rule_id].status in (Status.FAIL, Status.ACCEPTED)
                    else "",
                    "added": t.integer(len(i.added)),
                    "removed": t.integer(len(i.removed)),
                }
                for i in items[:limit]
            ]
            return {
                "count": len(items),
                "items": shown,
                "more": len(items) - len(shown),
            }

        waste_delta = c.waste_delta
        overall_delta = c.overall_delta
        return {
            "previous_period": c.previous_period,
            "current_period": c.current_period,
            "overall_previous": grade(*c.previous_overall),
            "overall_current": grade(*c.current_overall),
            "overall_delta": delta(overall_delta),
            "layers": [
                {
                    "label": self.layer_label(x.layer, x.label),
                    "previous": grade(x.previous_score, x.previous_grade),
                    "current": grade(x.current_score, x.current_grade),
                    "delta": delta(x.delta),
                    "previous_value": x.previous_score,
                }
                for x in c.layers
            ],
            "new": changes(c.new),
            "resolved": changes(c.resolved),
            "persisting": changes(c.persisting, limit=3 * MAX_CHANGES),
            "no_longer_assessed": changes(c.no_longer_assessed),
            "waste_previous": self.money(c.previous_annual_waste),
            "waste_current": self.money(c.current_annual_waste),
            "waste_delta": "–"
            if waste_delta is None
            else ("+" if waste_delta > 0 else "") + self.money(waste_delta),
            "waste_better": waste_delta is not None and waste_delta < 0,
            "warnings": list(c.warnings),
            "method_note": t.t(
                "report.change.method_changed",
                previous=c.previous_period,
                current=c.current_period,
            )
            if c.method_changed
            else "",
        }

    def agreed(self) -> dict[str, Any] | None:
        """Last quarter's agreed actions, as this quarter finds them."""
        items = self.a.agreed_actions
        if not items:
            return None
        t = self.t
        titles = {f.rule_id: self.title(f) for f in self.a.findings}
        counts: dict[str, int] = {}
        for x in items:
            counts[x.status.value] = counts.get(x.status.value, 0) + 1
        return {
            "period": items[0].agreed_in or t.t("report.agreed.last_quarter"),
            "items": [
                {
                    "title": titles.get(x.rule_id, x.rule_id),
                    "owner": clip(x.owner) or "–",
                    "due": t.date(x.due) if x.due else "–",
                    "status": x.status.value,
                    "status_label": t.t(f"report.agreed.status.{x.status.value}"),
                }
                for x in items
            ],
            "counts": t.t(
                "report.agreed.counts",
                done=counts.get("done", 0),
                overdue=counts.get("overdue", 0),
                open=counts.get("open", 0),
            ),
        }

    def sources(self) -> list[dict[str, Any]]:
        out = []
        for s in self.a.sources:
            read = int(s.get("rows_read", 0) or 0)
            rejected = int(s.get("rows_rejected", 0) or 0)
            when = self.opts.collected.get(str(s.get("dataset", "")), "")
            out.append(
                {
                    "file": clip(Path(str(s.get("path", ""))).name),
                    # The format id stays in the workbook's Sources sheet:
                    # the PDF names what the file gave, in words.
                    "format": s.get("format", ""),
                    "dataset": self.dataset_title(
                        str(s.get("dataset", "")), s.get("dataset_title")
                    ),
                    "collected": self.t.datetime(when, self.a.timezone)
                    if when
                    else "–",
                    "rows": self.t.integer(read),
                    "rejected": self.t.integer(rejected),
                    "coverage": self.t.percent(read / (read + rejected))
                    if read + rejected
                    else "–",
                }
            )
        return out


#: Collector runs that say nothing is wrong (another collector delivered the
#: dataset, or the engagement simply has no input for this one), by reason key
#: and, for assessments from before runs had keys, by English text.
_ROUTINE_KEYS = frozenset({"collect.already_provided", "collect.no_input"})
_ROUTINE_TEXTS = (
    "another collector already provided it",
    "no input for this collector",
)


def as_noun(title: str) -> str:
    """A title used mid-sentence: "User accounts" -> "user accounts", "MFA" kept."""
    return title if title[:2].isupper() else title[:1].lower() + title[1:]


def routine(run: Mapping[str, Any]) -> bool:
    """Whether a collector run says nothing is wrong (see above)."""
    key = run.get("reason_key")
    if key:
        return key in _ROUTINE_KEYS
    return str(run.get("reason") or "").startswith(_ROUTINE_TEXTS)


def _as_of_note(t: Translator, a: Assessment, opts: ReportOptions) -> str:
    """How the assessment date and the collection time relate, in one sentence.

    Ages and deadlines are measured from the assessment date; when evidence
    was collected on another day, the reader is told by how many days.
    """
    if not opts.collected:
        return ""
    first = datetime.fromisoformat(min(opts.collected.values()))
    day = zones.local(first, a.timezone).date()
    days = (day - a.as_of).days
    key = "as_of_before" if days > 0 else "as_of_after" if days else "as_of_same"
    return t.t(f"report.appendix.{key}", as_of=t.date(a.as_of), count=abs(days))


def build(a: Assessment, opts: ReportOptions | None = None) -> dict[str, Any]:
    """The whole view-model for one assessment."""
    opts = opts or ReportOptions()
    v = _View(a, opts)
    t = v.t
    b = opts.branding
    client = clip(a.client_name)
    layers = v.layers()
    fails = [f for f in a.findings if f.status is Status.FAIL]
    by_severity = []
    for sev in Severity:
        mine = sorted(
            (f for f in fails if f.severity is sev),
            key=lambda f: (f.layer.number, f.rule_id),
        )
        if mine:
            by_severity.append(
                {
                    "severity": sev.value,
                    "label": v.severity(sev.value),
                    "findings": [v.finding(f) for f in mine],
                }
            )
    not_assessed = [
        {
            "rule_id": f.rule_id,
            "title": v.title(f),
            "layer": v.layer_label(f.layer.value, f.layer.label),
            "reason": v.reason(f),
        }
        for f in a.findings
        if f.status is Status.NOT_ASSESSED
    ]
    accepted = [
        {
            "rule_id": f.rule_id,
            "title": v.title(f),
            "problem": v.problem(f),
            "reason": f.acceptance.reason,
            "expires": t.date(f.acceptance.expires),
            "expired": f.acceptance.expired,
        }
        for f in a.findings
        if f.acceptance is not None
    ]
    runs_missing = [
        {
            "collector": r.get("collector", ""),
            "dataset": v.dataset_title(str(r.get("dataset", ""))),
            "status": t.t(f"report.run.{r.get('status', '')}", r.get("status", "")),
            "reason": t.reason(r),
        }
        for r in a.collector_runs
        if r.get("status") != "ok" and not routine(r)
    ]
    title = t.t(
        "report.meta.title",
        period=a.period,
        client=client,
    )
    return {
        "t": t.t,
        "lang": t.lang,
        "client": client,
        "period": a.period,
        "as_of": t.date(a.as_of),
        "generated_at": t.datetime(a.generated_at, a.timezone),
        "tool_version": a.tool_version,
        "catalog_version": a.catalog_version,
        "meta": {
            "title": title,
            "author": b.company or "healthcheck",
            "subject": t.t(
                "report.meta.subject",
                client=client,
                period=a.period,
            ),
            "keywords": ", ".join(
                [
                    t.t("report.meta.keywords"),
                    client,
                    a.period,
                ]
            ),
        },
        "brand": {
            "company": clip(b.company),
            "contact": clip(b.contact),
            "footer": clip(b.footer),
            "confidentiality": clip(b.confidentiality)
            or t.t(
                "report.cover.confidential",
                client=client,
            ),
            "primary": b.primary,
            "accent": b.accent,
            **{
                key: opts.brand_files[key].as_uri() if key in opts.brand_files else ""
                for key in ("logo", "client_logo", "font", "font_bold")
            },
        },
        "css": {
            "page": css_string(t.t("report.page.page")),
            "of": css_string(t.t("report.page.of")),
        },
        "overall": {
            "grade": a.overall.grade or "–",
            "grade_class": _grade_class(a.overall.grade),
            "score": v.score(a.overall.score),
            "coverage": t.percent(a.overall.coverage),
            "graded": a.overall.score is not None,
            "caps": v.caps(),
        },
        "layers": layers,
        "actions": v.actions(),
        "by_severity": by_severity,
        "fail_count": len(fails),
        "waste": v.waste(),
        "comparison": v.comparison(),
        "trend": trend.build(a, t, b.primary),
        "agreed": v.agreed(),
        "not_assessed": not_assessed,
        "accepted": accepted,
        "runs_missing": runs_missing,
        "min_coverage": t.percent(MIN_COVERAGE),
        "sources": v.sources(),
        # One line naming each reference table's date (healthcheck.refdata).
        "reference_data": ", ".join(
            t.t(
                "report.appendix.refdata_table",
                table=t.t(
                    f"report.appendix.refdata_name.{r.get('name', '')}",
                    r.get("name", ""),
                ),
                date=t.date(str(r["table_date"])),
            )
            for r in a.reference_data
            if r.get("table_date")
        ),
        "collected_at": t.datetime(min(opts.collected.values()), a.timezone)
        if opts.collected
        else "",
        "as_of_note": _as_of_note(t, a, opts),
        "grade_text": ", ".join(
            t.t("report.appendix.grade_band", grade=g, floor=f)
            for g, f in GRADES
            if f > 0
        )
        + ", "
        + t.t("report.appendix.grade_last", grade=GRADES[-1][0]),
        "factor_text": ", ".join(f"{v.severity(s.value)} {s.factor}" for s in Severity),
    }
