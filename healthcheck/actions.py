"""The action list: one action per failing finding, ranked by risk.

Critical before high before medium before low; within a severity, the action
that gains the most overall score points first (``overall_gain``: the overall
score with the finding fixed, caps included, less the overall score now).
The gain is what fixing buys the client's grade, so a small layer's interview
item no longer outranks a domain controller without backup.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from healthcheck import scoring
from healthcheck.model import Action, Finding, LayerScore, Overall, Status


def effort(f: Finding) -> str:
    """Low / medium / high, from the number of objects to fix.

    A finding without objects (a missing procedure, a setting) is medium: it
    takes a decision and a written document rather than a batch of clicks.
    """
    n = f.affected_count
    if n == 0:
        return "medium"
    if n <= 5:
        return "low"
    if n <= 25:
        return "medium"
    return "high"


def rank(
    findings: Sequence[Finding],
    layers: Sequence[LayerScore],
    overall: Overall,
) -> tuple[Action, ...]:
    """One action per failing finding, ranked."""
    by_layer = {s.layer: s for s in layers}
    out = []
    for f in findings:
        if f.status is not Status.FAIL:
            continue
        new_layers, new_overall = scoring.assess(scoring.fixed(findings, f.rule_id))
        gain = None
        if overall.score is not None and new_overall.score is not None:
            gain = scoring.round_half_up(new_overall.score - overall.score)
        before = by_layer[f.layer].score
        after = next(s.score for s in new_layers if s.layer is f.layer)
        layer_gain = (
            scoring.round_half_up(after - before)
            if before is not None and after is not None
            else None
        )
        out.append(
            Action(
                rule_id=f.rule_id,
                layer=f.layer,
                severity=f.severity,
                overall_gain=gain,
                layer_gain=layer_gain,
                affected_count=f.affected_count,
                effort=effort(f),
            )
        )
    out.sort(
        key=lambda a: (
            a.severity.rank,
            -(a.overall_gain or 0.0),
            -(a.layer_gain or 0.0),
            a.rule_id,
        )
    )
    return tuple(replace(a, rank=i) for i, a in enumerate(out, 1))
