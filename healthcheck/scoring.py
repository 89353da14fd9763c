"""Layer scores, grades and coverage.

Layer score = 100 x sum(weight x severity factor) over passed rules divided by
the same sum over assessed (passed + failed) rules, after prowler's ThreatScore.
Coverage = assessed weight over total weight. A layer with nothing assessed
has no score and no grade ("not assessed"), never 0 or 100. The overall score
is the mean of the layers that have one, so every layer counts the same.
"""

from __future__ import annotations

from collections.abc import Iterable

from healthcheck.model import Finding, Layer, LayerScore, Overall, Status

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
        score = round(100 * passed / assessed, 1) if assessed else None
        counts = {s.value: sum(1 for f in mine if f.status is s) for s in Status}
        out.append(
            LayerScore(
                layer=layer,
                score=score,
                grade=grade(score),
                coverage=round(assessed / total, 3) if total else 0.0,
                passed_weight=passed,
                assessed_weight=assessed,
                total_weight=total,
                counts=counts,
            )
        )
    return tuple(out)


def overall(layers: Iterable[LayerScore]) -> Overall:
    """Mean of the scored layers; coverage is the mean coverage of all layers."""
    layers = list(layers)
    scored = [s.score for s in layers if s.score is not None]
    score = round(sum(scored) / len(scored), 1) if scored else None
    coverage = (
        round(sum(s.coverage for s in layers) / len(layers), 3) if layers else 0.0
    )
    return Overall(score=score, grade=grade(score), coverage=coverage)
