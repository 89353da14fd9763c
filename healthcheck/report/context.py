"""Assessment -> report view-model: numbers formatted, grades decided, actions picked.

Templates get plain dicts of strings and lists, and do no more than loop and
test. No HTML is ever built here: every value is text that the template
escapes.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from healthcheck.model import Assessment, Finding, Layer, Status, WasteCategory
from healthcheck.scoring import GRADES

SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£", "SEK": "kr", "NOK": "kr", "DKK": "kr"}
MAX_EXAMPLES = 10
TOP_ACTIONS = 5

CATEGORY_TEXT = {
    WasteCategory.UNASSIGNED: (
        "Bought but not assigned",
        "Reduce the seat count at renewal (or now, if billed monthly).",
    ),
    WasteCategory.DISABLED_USER: (
        "Assigned to blocked accounts",
        "Remove the licences; convert mailboxes to shared where they must be kept.",
    ),
    WasteCategory.INACTIVE_USER: (
        "Assigned to inactive accounts",
        "Confirm with managers, then remove or reassign.",
    ),
    WasteCategory.OVERLAP: (
        "Already included in another licence the user holds",
        "Remove the standalone licence.",
    ),
}


def money(value: Decimal | float | None, currency: str) -> str:
    """Format money as e.g. '€1,234.50'; an unknown currency as '1,234.50 CHF'."""
    if value is None:
        return "not assessed"
    text = f"{Decimal(str(value)).quantize(Decimal('0.01')):,}"
    symbol = SYMBOLS.get(currency)
    if symbol == "€" or symbol in ("$", "£"):
        return f"{symbol}{text}"
    return f"{text} {symbol or currency}"


def long_date(value: date) -> str:
    """'20 November 2026'."""
    return f"{value.day} {value.strftime('%B %Y')}"


def percent(share: float) -> str:
    """0.853 -> '85 %'."""
    return f"{share * 100:.0f} %"


#: Bar colours of the layer chart (SVG needs attributes, not CSS classes).
GRADE_COLOURS = {
    "A": "#15803d",
    "B": "#65a30d",
    "C": "#ca8a04",
    "D": "#ea580c",
    "E": "#dc2626",
    "F": "#991b1b",
}


def _grade_class(grade: str | None) -> str:
    return f"grade-{grade.lower()}" if grade else "grade-none"


def _first_step(remediation: str) -> str:
    for line in remediation.splitlines():
        line = line.strip()
        if line:
            return (
                line.split(".", 1)[1].strip()
                if line[:1].isdigit() and "." in line
                else line
            )
    return ""


def _steps(remediation: str) -> list[str]:
    out = []
    for line in remediation.splitlines():
        line = line.strip()
        if not line:
            continue
        if line[:1].isdigit() and "." in line[:4]:
            line = line.split(".", 1)[1].strip()
        out.append(line)
    return out


def _finding(f: Finding) -> dict[str, Any]:
    examples = list(f.affected[:MAX_EXAMPLES])
    return {
        "rule_id": f.rule_id,
        "title": f.title,
        "severity": f.severity.value,
        "status": f.status.value,
        "status_label": {
            "pass": "Pass",
            "fail": "Fail",
            "not_assessed": "Not assessed",
        }[f.status.value],
        "detail": f.detail if f.status is not Status.NOT_ASSESSED else f.reason,
        "affected_count": len(f.affected),
        "examples": examples,
        "more": max(0, len(f.affected) - len(examples)),
        "rationale": f.rationale,
        "steps": _steps(f.remediation),
    }


def _impact(f: Finding) -> float:
    return f.weight * f.severity.factor


def build(a: Assessment) -> dict[str, Any]:
    """The whole view-model for one assessment."""
    cur = a.waste.currency
    layers = []
    for s in a.layers:
        mine = sorted(
            (f for f in a.findings if f.layer is s.layer),
            key=lambda f: (
                {"fail": 0, "not_assessed": 1, "pass": 2}[f.status.value],
                f.severity.rank,
                f.rule_id,
            ),
        )
        layers.append(
            {
                "id": s.layer.value,
                "number": s.layer.number,
                "label": s.layer.label,
                "grade": s.grade or "–",
                "grade_class": _grade_class(s.grade),
                "colour": GRADE_COLOURS.get(s.grade or "", "#9ca3af"),
                "score": f"{s.score:.0f}" if s.score is not None else "not assessed",
                "score_value": s.score or 0.0,
                "assessed": s.score is not None,
                "coverage": percent(s.coverage),
                "passed": s.counts.get("pass", 0),
                "failed": s.counts.get("fail", 0),
                "not_assessed": s.counts.get("not_assessed", 0),
                "findings": [_finding(f) for f in mine],
            }
        )
    fails = sorted(
        (f for f in a.findings if f.status is Status.FAIL),
        key=lambda f: (-_impact(f), f.severity.rank, f.rule_id),
    )
    actions = [
        {
            "rule_id": f.rule_id,
            "title": f.title,
            "layer": f.layer.label,
            "action": _first_step(f.remediation),
            "problem": f.detail,
            "affected_count": len(f.affected),
            "severity": f.severity.value,
        }
        for f in fails[:TOP_ACTIONS]
    ]
    waste_items = [
        {
            "category": CATEGORY_TEXT[i.category][0],
            "action": CATEGORY_TEXT[i.category][1],
            "sku": i.sku,
            "sku_name": i.sku_name,
            "count": i.count,
            "unit_price": money(i.unit_price, cur),
            "monthly": money(i.monthly_cost, cur),
            "annual": money(i.annual_cost, cur),
        }
        for i in a.waste.items
    ]
    by_category: dict[WasteCategory, list[Any]] = {}
    for i in a.waste.items:
        by_category.setdefault(i.category, []).append(i)
    waste_actions = [
        {
            "category": CATEGORY_TEXT[cat][0],
            "action": CATEGORY_TEXT[cat][1],
            "seats": sum(i.count for i in items),
            "annual": money(sum((i.annual_cost for i in items), Decimal("0")), cur),
        }
        for cat, items in by_category.items()
    ]
    not_assessed = [
        {
            "rule_id": f.rule_id,
            "title": f.title,
            "layer": f.layer.label,
            "reason": f.reason,
        }
        for f in a.findings
        if f.status is Status.NOT_ASSESSED
    ]
    return {
        "client": a.client_name,
        "period": a.period,
        "as_of": long_date(a.as_of),
        "generated_at": a.generated_at.strftime("%Y-%m-%d %H:%M UTC"),
        "tool_version": a.tool_version,
        "catalog_version": a.catalog_version,
        "overall": {
            "grade": a.overall.grade or "–",
            "grade_class": _grade_class(a.overall.grade),
            "score": f"{a.overall.score:.0f}"
            if a.overall.score is not None
            else "not assessed",
            "coverage": percent(a.overall.coverage),
        },
        "layers": layers,
        "actions": actions,
        "waste": {
            "assessed": a.waste.assessed,
            "annual": money(a.waste.annual_total if a.waste.assessed else None, cur),
            "monthly": money(a.waste.monthly_total if a.waste.assessed else None, cur),
            "lines": waste_items,
            "actions": waste_actions,
            "seats": sum(i.count for i in a.waste.items),
            "not_assessed": list(a.waste.not_assessed),
            "unpriced": list(a.waste.unpriced_skus),
        },
        "not_assessed": not_assessed,
        "sources": [
            {
                "path": s.get("path", ""),
                "file": Path(str(s.get("path", ""))).name,
                "format": s.get("format", ""),
                "dataset": s.get("dataset", ""),
                "rows": s.get("rows_read", 0),
                "rejected": s.get("rows_rejected", 0),
                "sha256": str(s.get("sha256", ""))[:12],
            }
            for s in a.sources
        ],
        "runs": [
            {
                "collector": r.get("collector", ""),
                "dataset": r.get("dataset", ""),
                "status": r.get("status", ""),
                "reason": r.get("reason", ""),
            }
            for r in a.collector_runs
        ],
        "grade_bands": [{"grade": g, "floor": f"{floor:.0f}"} for g, floor in GRADES],
        "layer_labels": [layer.label for layer in Layer],
    }
