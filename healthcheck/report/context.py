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
from healthcheck.scoring import GRADES, MIN_COVERAGE

SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£", "SEK": "kr", "NOK": "kr", "DKK": "kr"}
MAX_EXAMPLES = 10
TOP_ACTIONS = 5

CATEGORY_TEXT = {
    WasteCategory.UNASSIGNED: (
        "Bought but not assigned",
        "Reduce the seat count.",
    ),
    WasteCategory.DISABLED_USER: (
        "Assigned to blocked accounts",
        "Remove the licences (convert mailboxes to shared where they must be "
        "kept), then reduce the seat count.",
    ),
    WasteCategory.INACTIVE_USER: (
        "Assigned to inactive accounts",
        "Confirm with managers; then reassign the licences to new starters, or "
        "remove them and reduce the seat count.",
    ),
    WasteCategory.OVERLAP: (
        "Already included in another licence the user holds",
        "Remove the licence the user's other licence already includes (a "
        "downgrade to one licence where both are bundles), then reduce the seat "
        "count.",
    ),
}

#: When a seat reduction takes effect, by billing term (as in the cost model).
TERM_WHEN = {
    "annual": "at the next renewal (annual commitment)",
    "monthly": "at the end of the month (monthly subscription)",
    "": "now if billed monthly, at renewal if an annual commitment",
}

#: Why each category is as sure as the cost model says (see README).
CONFIDENCE_TEXT = {
    WasteCategory.UNASSIGNED: "Microsoft's own counts of seats bought and assigned.",
    WasteCategory.DISABLED_USER: "The account cannot sign in, so nobody uses it.",
    WasteCategory.INACTIVE_USER: (
        "No recorded activity for the inactivity limit; leave, a shared device "
        "or a service account may still explain it, so confirm first."
    ),
    WasteCategory.OVERLAP: (
        "Microsoft's service-plan table shows the other licence includes every "
        "service (medium where it includes a higher tier of a service instead)."
    ),
}


def _price_label(origin: str, term: str, note: str) -> str:
    """'client, annual' or the list price's date: short, it sits under a price."""
    if origin == "list":
        return note or "list price"
    kind = "client" if origin == "client" else ""
    return ", ".join(t for t in (kind, term) if t)


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
            "accepted": "Accepted risk",
        }[f.status.value],
        "detail": f.detail if f.status is not Status.NOT_ASSESSED else f.reason,
        # Why a fail was accepted, or that an acceptance expired.
        "acceptance": f.reason if f.status is Status.ACCEPTED else "",
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
                {"fail": 0, "accepted": 1, "not_assessed": 2, "pass": 3}[
                    f.status.value
                ],
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
                # Scored, but too little evidence for a grade (see scoring.py).
                "incomplete": s.status.value == "incomplete",
                "coverage": percent(s.coverage),
                "passed": s.counts.get("pass", 0),
                "failed": s.counts.get("fail", 0),
                "not_assessed": s.counts.get("not_assessed", 0),
                "accepted": s.counts.get("accepted", 0),
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
            "action": i.action or CATEGORY_TEXT[i.category][1],
            "sku": i.sku,
            "sku_name": i.sku_name,
            "count": i.count,
            "unit_price": money(i.unit_price, cur),
            "price_label": _price_label(i.price_origin, i.billing_term, i.price_note),
            "price_note": i.price_note,
            "monthly": money(i.monthly_cost, cur),
            "annual": money(i.annual_cost, cur),
            "confidence": i.confidence or "–",
        }
        for i in a.waste.items
    ]
    by_category: dict[WasteCategory, list[Any]] = {}
    for i in a.waste.items:
        by_category.setdefault(i.category, []).append(i)
    waste_actions = []
    for cat, items in by_category.items():
        levels = sorted({i.confidence for i in items if i.confidence})
        timing: dict[str, list[str]] = {}
        for i in items:
            names = timing.setdefault(i.billing_term, [])
            if i.sku_name not in names:
                names.append(i.sku_name)
        waste_actions.append(
            {
                "category": CATEGORY_TEXT[cat][0],
                "action": CATEGORY_TEXT[cat][1],
                "timing": [
                    {"when": TERM_WHEN.get(term, term), "licences": ", ".join(names)}
                    for term, names in sorted(timing.items(), key=lambda t: t[0] == "")
                ],
                "seats": sum(i.count for i in items),
                "annual": money(sum((i.annual_cost for i in items), Decimal("0")), cur),
                "confidence": " or ".join(levels) if levels else "–",
                "confidence_reason": CONFIDENCE_TEXT[cat],
            }
        )
    origins = [i.price_origin for i in a.waste.items]
    price_basis = {
        "client": sum(o == "client" for o in origins),
        "list": sum(o == "list" for o in origins),
        "list_basis": a.waste.list_price_basis,
    }
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
    accepted = [
        {
            "rule_id": f.rule_id,
            "title": f.title,
            "layer": f.layer.label,
            "reason": f.acceptance.reason if f.acceptance else f.reason,
            "expires": f.acceptance.expires.isoformat() if f.acceptance else "",
            "expired": bool(f.acceptance and f.acceptance.expired),
            "detail": f.detail,
        }
        for f in a.findings
        if f.acceptance is not None
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
            "prices": price_basis,
            "activity_source": a.waste.activity_source,
            # What the users data was read from: the facts behind "inactive",
            # named without guessing which file gave which date.
            "activity_files": sorted(
                {
                    Path(str(src.get("path", ""))).name
                    for src in a.sources
                    if src.get("dataset") == "users"
                }
            ),
            "inactive_days": a.waste.inactive_days,
        },
        "not_assessed": not_assessed,
        "accepted": accepted,
        "min_coverage": percent(MIN_COVERAGE),
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
