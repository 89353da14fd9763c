"""Layer scores, grades, caps and coverage.

A rule scores its compliant share, 0 to 1: 36 of 40 computers encrypted is
0.9, a yes/no rule is 1 or 0, an interview "Partly" is 0.5. A layer's score is
100 x the sum of weight x severity factor x rule score over its assessed
(passed or failed) rules, divided by the sum of weight x severity factor over
the same rules, after prowler's ThreatScore. Accepted risks are left out of
both sums and listed apart, like ScubaGear's omitted policies; an expired
acceptance is a fail again (the engine decides).

Coverage = (assessed + accepted weight) over total weight: an accepted risk
was looked at, so it counts as evidence. A layer with nothing assessed has no
score and no grade ("not assessed"), never 0 or 100. A layer whose coverage is
below :data:`MIN_COVERAGE` keeps its score but gets no grade: it is
"incomplete", because a grade on a third of the evidence would mislead.

The overall score is the mean of the graded layers, so every layer counts the
same; then severity bites: a failing critical rule caps it at C, and a layer
graded F caps it at D. ``Overall.capped_by`` names the rules that hold it
down.

Every score is rounded half up (:func:`round_half_up`), so 20.85 shows as
20.9 and a change of -2.5 as -3, the same in every output.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from decimal import ROUND_HALF_UP, Decimal

from healthcheck.model import (
    Cap,
    Finding,
    Layer,
    LayerScore,
    LayerStatus,
    Overall,
    Severity,
    Status,
)

#: Below this share of its weight with evidence, a layer is "incomplete".
MIN_COVERAGE = 0.5

#: The scoring method ``assessment.json`` records, so a comparison with an
#: older quarter can say when scores were computed differently.
METHOD = "proportional-capped"
#: What an assessment without ``overall.method`` (schema < 2.0) used.
OLD_METHOD = "all-or-nothing"

#: Lowest score of each grade, best first.
GRADES: tuple[tuple[str, float], ...] = (
    ("A", 90.0),
    ("B", 80.0),
    ("C", 70.0),
    ("D", 60.0),
    ("E", 50.0),
    ("F", 0.0),
)

#: The best grade the overall may have when a critical rule fails, and when a
#: graded layer is F.
CRITICAL_CAP = "C"
FAILED_LAYER_CAP = "D"


def round_half_up(value: float, digits: int = 1) -> float:
    """``value`` rounded half away from zero: 2.25 -> 2.3, -2.5 -> -3 (digits=0)."""
    step = Decimal(1).scaleb(-digits)
    return float(Decimal(repr(value)).quantize(step, rounding=ROUND_HALF_UP))


def grade(score: float | None) -> str | None:
    """Letter grade of a 0-100 score; None for None."""
    if score is None:
        return None
    for letter, floor in GRADES:
        if score >= floor:
            return letter
    return "F"


def ceiling(letter: str) -> float:
    """The highest one-decimal score that still has grade ``letter``."""
    floors = dict(GRADES)
    better = [f for g, f in GRADES if f > floors[letter]]
    return round_half_up(min(better) - 0.1) if better else 100.0


def _weight(f: Finding) -> float:
    return f.weight * f.severity.factor


def _score(f: Finding) -> float:
    if f.score is not None:
        return f.score
    return 1.0 if f.status is Status.PASS else 0.0


def score_layers(findings: Iterable[Finding]) -> tuple[LayerScore, ...]:
    """One score per layer, in method order."""
    findings = list(findings)
    out = []
    for layer in Layer:
        mine = [f for f in findings if f.layer is layer]
        judged = [f for f in mine if f.status in (Status.PASS, Status.FAIL)]
        total = sum(_weight(f) for f in mine)
        assessed = sum(_weight(f) for f in judged)
        passed = sum(_weight(f) * _score(f) for f in judged)
        accepted = sum(_weight(f) for f in mine if f.status is Status.ACCEPTED)
        score = round_half_up(100 * passed / assessed) if assessed else None
        counts = {s.value: sum(1 for f in mine if f.status is s) for s in Status}
        coverage = round((assessed + accepted) / total, 3) if total else 0.0
        if score is None:
            status = LayerStatus.NOT_ASSESSED
        elif coverage < MIN_COVERAGE:
            status = LayerStatus.INCOMPLETE
        else:
            status = LayerStatus.GRADED
        out.append(
            LayerScore(
                layer=layer,
                score=score,
                grade=grade(score) if status is LayerStatus.GRADED else None,
                coverage=coverage,
                passed_weight=round(passed, 4),
                assessed_weight=assessed,
                total_weight=total,
                counts=counts,
                status=status,
                accepted_weight=accepted,
            )
        )
    return tuple(out)


def overall(layers: Iterable[LayerScore], findings: Iterable[Finding]) -> Overall:
    """Mean of the graded layers, capped by severity.

    An incomplete layer's score is left out: too little evidence to count.
    Below :data:`MIN_COVERAGE` over all layers there is no overall score: one
    graded layer out of four is not a grade for the whole environment. A
    failing critical rule caps the score at the top of :data:`CRITICAL_CAP`,
    a graded layer at F at the top of :data:`FAILED_LAYER_CAP`. Every cap
    that applies is listed in ``caps`` (the strictest first) and its rules in
    ``capped_by``, even when the mean is already below its ceiling: it still
    holds the grade down when everything else is fixed.
    """
    layers = list(layers)
    findings = list(findings)
    scored = [
        s.score
        for s in layers
        if s.score is not None and s.status is LayerStatus.GRADED
    ]
    coverage = (
        round(sum(s.coverage for s in layers) / len(layers), 3) if layers else 0.0
    )
    if not scored or coverage < MIN_COVERAGE:
        return Overall(score=None, grade=None, coverage=coverage, method=METHOD)
    uncapped = round_half_up(sum(scored) / len(scored))
    # Every cap that applies is named, the strictest first, whether or not it
    # lowers today's mean: it says how far the grade can rise before those
    # problems are fixed.
    caps = sorted(_caps(layers, findings), key=lambda c: c.ceiling)
    score = min([uncapped, *(c.ceiling for c in caps)])
    return Overall(
        score=score,
        grade=grade(score),
        coverage=coverage,
        uncapped_score=uncapped,
        caps=tuple(caps),
        method=METHOD,
    )


def _caps(layers: Sequence[LayerScore], findings: Sequence[Finding]) -> list[Cap]:
    out = []
    critical = sorted(
        f.rule_id
        for f in findings
        if f.status is Status.FAIL and f.severity is Severity.CRITICAL
    )
    if critical:
        out.append(
            Cap(
                grade=CRITICAL_CAP,
                ceiling=ceiling(CRITICAL_CAP),
                rule_ids=tuple(critical),
            )
        )
    for s in layers:
        if s.status is LayerStatus.GRADED and s.grade == "F":
            # What holds an F layer down: its failing rules, worst first.
            failing = sorted(
                (f for f in findings if f.layer is s.layer and f.status is Status.FAIL),
                key=lambda f: (f.severity.rank, -_weight(f) * (1 - _score(f))),
            )
            out.append(
                Cap(
                    grade=FAILED_LAYER_CAP,
                    ceiling=ceiling(FAILED_LAYER_CAP),
                    rule_ids=tuple(f.rule_id for f in failing),
                    layer=s.layer,
                )
            )
    return out


def assess(findings: Iterable[Finding]) -> tuple[tuple[LayerScore, ...], Overall]:
    """Layer scores and the overall of ``findings``."""
    findings = tuple(findings)
    layers = score_layers(findings)
    return layers, overall(layers, findings)


def fixed(findings: Sequence[Finding], rule_id: str) -> list[Finding]:
    """``findings`` with ``rule_id`` passing: what fixing it would give."""
    return [
        replace(f, status=Status.PASS, score=1.0) if f.rule_id == rule_id else f
        for f in findings
    ]
