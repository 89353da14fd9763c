"""Layer scores, grades and coverage.

Layer score = 100 x sum(weight x severity factor) over passed rules divided by
the same sum over assessed (passed + failed) rules, after prowler's ThreatScore.
Accepted risks are left out of both sums and listed apart, like ScubaGear's
omitted policies; an expired acceptance is a fail again (the engine decides).

Coverage = (assessed + accepted weight) over total weight: an accepted risk
was looked at, so it counts as evidence. A layer with nothing assessed has no
score and no grade ("not assessed"), never 0 or 100. A layer whose coverage is
below :data:`MIN_COVERAGE` keeps its score but gets no grade: it is
"incomplete", because a grade on a third of the evidence would mislead. The
overall score is the mean of the graded layers, so every layer counts the same.
"""

from __future__ import annotations

from collections.abc import Iterable

from healthcheck.model import (
    Finding,
    Layer,
    LayerScore,
    LayerStatus,
    Overall,
    Status,
)

#: Below this share of its weight with evidence, a layer is "incomplete".
MIN_COVERAGE = 0.5

#: Lowest score of each grade, best first.
GRADES: tuple[tuple[str, float], ...] = (
    ("A", 90.0),
    ("B", 80.0),
    ("C", 70.0),
    ("D", 60.0),
    ("E", 50.0),
    ("F", 0.0),
)


def grade(score: float | None) -> str | None:
    """Letter grade of a 0-100 score; None for None."""
    if score is None:
        return None
    for letter, floor in GRADES:
        if score >= floor:
            return letter
    return "F"


def score_layers(findings: Iterable[Finding]) -> tuple[LayerScore, ...]:
    """One score per layer, in method order."""
    findings = list(findings)
    out = []
    for layer in Layer:
        mine = [f for f in findings if f.layer is layer]

        def weight(f: Finding) -> float:
            return f.weight * f.severity.factor

        total = sum(weight(f) for f in mine)
        assessed = sum(
            weight(f) for f in mine if f.status in (Status.PASS, Status.FAIL)
        )
        passed = sum(weight(f) for f in mine if f.status is Status.PASS)
        accepted = sum(weight(f) for f in mine if f.status is Status.ACCEPTED)
        score = round(100 * passed / assessed, 1) if assessed else None
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
                passed_weight=passed,
                assessed_weight=assessed,
                total_weight=total,
                counts=counts,
                status=status,
                accepted_weight=accepted,
            )
        )
    return tuple(out)


def overall(layers: Iterable[LayerScore]) -> Overall:
    """Mean of the graded layers; coverage is the mean coverage of all layers.

    An incomplete layer's score is left out: too little evidence to count.
    Below :data:`MIN_COVERAGE` over all layers there is no overall score: one
    graded layer out of four is not a grade for the whole environment.
    """
    layers = list(layers)
    scored = [
        s.score
        for s in layers
        if s.score is not None and s.status is LayerStatus.GRADED
    ]
    score = round(sum(scored) / len(scored), 1) if scored else None
    coverage = (
        round(sum(s.coverage for s in layers) / len(layers), 3) if layers else 0.0
    )
    if coverage < MIN_COVERAGE:
        score = None
    return Overall(score=score, grade=grade(score), coverage=coverage)
