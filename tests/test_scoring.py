"""Layer scores, grades, coverage and the overall score, on hand-made findings."""

from __future__ import annotations

import itertools

import pytest

from healthcheck import scoring
from healthcheck.model import Finding, Layer, LayerScore, LayerStatus, Severity, Status

_ids = itertools.count(1)


def finding(
    layer: Layer,
    status: Status,
    severity: Severity = Severity.MEDIUM,
    weight: float = 1.0,
) -> Finding:
    """A finding with a fresh rule id of the layer."""
    return Finding(
        rule_id=f"{layer.code}-{next(_ids) % 100:02d}",
        layer=layer,
        severity=severity,
        weight=weight,
        title="A state worth checking",
        status=status,
    )


def by_layer(scores: tuple[LayerScore, ...]) -> dict[Layer, LayerScore]:
    assert [s.layer for s in scores] == list(Layer)
    return {s.layer: s for s in scores}


PASS, FAIL, NA = Status.PASS, Status.FAIL, Status.NOT_ASSESSED


def test_formula_weights_times_severity_factor() -> None:
    fnd = Layer.FOUNDATION
    scores = by_layer(
        scoring.score_layers(
            [
                finding(fnd, PASS, Severity.HIGH, 4),  # 4 x 4 = 16
                finding(fnd, PASS, Severity.LOW, 2),  # 2 x 2 = 4
                finding(fnd, FAIL, Severity.CRITICAL, 5),  # 5 x 5 = 25
                finding(fnd, NA, Severity.MEDIUM, 3),  # 3 x 3 = 9
            ]
        )
    )
    s = scores[fnd]
    # passed 16 + 4 = 20; assessed 20 + 25 = 45; total 45 + 9 = 54
    assert s.passed_weight == 20
    assert s.assessed_weight == 45
    assert s.total_weight == 54
    # 100 x 20 / 45 = 44.44... -> 44.4
    assert s.score == 44.4
    assert s.grade == "F"
    # 45 / 54 = 0.8333... -> 0.833
    assert s.coverage == 0.833
    assert dict(s.counts) == {"pass": 2, "fail": 1, "not_assessed": 1, "accepted": 0}


def test_severity_factor_changes_the_score() -> None:
    # Same weights, so without factors the score would be 50.
    # passed 1 x 5 (critical) = 5; assessed 5 + 1 x 1 (info) = 6; 100 x 5/6 = 83.3
    layer = Layer.REVIEW
    s = by_layer(
        scoring.score_layers(
            [
                finding(layer, PASS, Severity.CRITICAL),
                finding(layer, FAIL, Severity.INFO),
            ]
        )
    )[layer]
    assert s.score == 83.3
    assert s.grade == "B"
    # And the other way round: 100 x 1/6 = 16.7
    s = by_layer(
        scoring.score_layers(
            [
                finding(layer, FAIL, Severity.CRITICAL),
                finding(layer, PASS, Severity.INFO),
            ]
        )
    )[layer]
    assert s.score == 16.7


@pytest.mark.parametrize(
    ("severity", "factor"),
    [
        (Severity.CRITICAL, 5),
        (Severity.HIGH, 4),
        (Severity.MEDIUM, 3),
        (Severity.LOW, 2),
        (Severity.INFO, 1),
    ],
)
def test_severity_factors(severity: Severity, factor: int) -> None:
    assert severity.factor == factor
    s = by_layer(scoring.score_layers([finding(Layer.EXPERT, FAIL, severity, 2)]))
    assert s[Layer.EXPERT].assessed_weight == 2 * factor


def test_scores_are_per_layer() -> None:
    scores = by_layer(
        scoring.score_layers(
            [
                finding(Layer.FOUNDATION, PASS),
                finding(Layer.PROCESSES, FAIL),
                finding(Layer.PROCESSES, PASS),
            ]
        )
    )
    assert scores[Layer.FOUNDATION].score == 100.0
    assert scores[Layer.FOUNDATION].grade == "A"
    assert scores[Layer.PROCESSES].score == 50.0
    assert scores[Layer.PROCESSES].grade == "E"
    assert scores[Layer.REVIEW].score is None


def test_all_failed_is_zero_not_none() -> None:
    s = by_layer(scoring.score_layers([finding(Layer.REVIEW, FAIL)]))[Layer.REVIEW]
    assert s.score == 0.0
    assert s.grade == "F"
    assert s.coverage == 1.0


def test_only_not_assessed_has_no_score_and_no_grade() -> None:
    layer = Layer.PROCESSES
    s = by_layer(
        scoring.score_layers(
            [
                finding(layer, NA, Severity.HIGH, 3),
                finding(layer, NA, Severity.LOW, 1),
            ]
        )
    )[layer]
    assert s.score is None
    assert s.grade is None
    assert s.coverage == 0.0
    assert s.passed_weight == 0
    assert s.assessed_weight == 0
    # 3 x 4 + 1 x 2 = 14
    assert s.total_weight == 14
    assert dict(s.counts) == {"pass": 0, "fail": 0, "not_assessed": 2, "accepted": 0}
    assert s.to_dict()["score"] is None
    assert s.to_dict()["grade"] is None


def test_layer_without_findings_has_no_score() -> None:
    s = by_layer(scoring.score_layers([]))[Layer.EXPERT]
    assert s.score is None
    assert s.grade is None
    assert s.coverage == 0.0
    assert s.total_weight == 0


def test_coverage_is_assessed_over_total_weight() -> None:
    layer = Layer.FOUNDATION
    s = by_layer(
        scoring.score_layers(
            [
                finding(layer, PASS, Severity.MEDIUM, 1),  # 3
                finding(layer, NA, Severity.MEDIUM, 1),  # 3
                finding(layer, NA, Severity.CRITICAL, 1),  # 5
            ]
        )
    )[layer]
    # 3 / 11 = 0.2727... -> 0.273; the score ignores what was not assessed.
    assert s.coverage == 0.273
    assert s.score == 100.0


@pytest.mark.parametrize(
    ("score", "letter"),
    [
        (100.0, "A"),
        (90.0, "A"),
        (89.9, "B"),
        (80.0, "B"),
        (79.9, "C"),
        (70.0, "C"),
        (69.9, "D"),
        (60.0, "D"),
        (59.9, "E"),
        (50.0, "E"),
        (49.9, "F"),
        (0.0, "F"),
        (None, None),
    ],
)
def test_grade_bands(score: float | None, letter: str | None) -> None:
    assert scoring.grade(score) == letter


def test_grade_edge_through_score_layers() -> None:
    # 9 passes and 1 fail of equal weight: 100 x 9/10 = 90.0 -> A.
    layer = Layer.REVIEW
    s = by_layer(
        scoring.score_layers(
            [finding(layer, PASS) for _ in range(9)] + [finding(layer, FAIL)]
        )
    )[layer]
    assert (s.score, s.grade) == (90.0, "A")
    # 8 passes and 1 fail: 100 x 8/9 = 88.9 -> B.
    s = by_layer(
        scoring.score_layers(
            [finding(layer, PASS) for _ in range(8)] + [finding(layer, FAIL)]
        )
    )[layer]
    assert (s.score, s.grade) == (88.9, "B")


def test_overall_is_mean_of_scored_layers() -> None:
    layers, o = scoring.assess(
        [
            finding(Layer.FOUNDATION, PASS),  # 100.0
            finding(Layer.PROCESSES, PASS),  # 50.0
            finding(Layer.PROCESSES, FAIL),
            finding(Layer.REVIEW, NA),  # not scored
            finding(Layer.EXPERT, PASS),  # 75.0
            finding(Layer.EXPERT, PASS),
            finding(Layer.EXPERT, PASS),
            finding(Layer.EXPERT, FAIL),
        ]
    )
    # (100 + 50 + 75) / 3 = 75.0; the unscored layer does not count as 0.
    assert o.score == 75.0
    assert o.grade == "C"
    # Coverage is the mean over all four layers: (1 + 1 + 0 + 1) / 4 = 0.75.
    assert o.coverage == 0.75


def test_overall_none_when_nothing_scored() -> None:
    _, o = scoring.assess([finding(Layer.FOUNDATION, NA), finding(Layer.EXPERT, NA)])
    assert o.score is None
    assert o.grade is None
    assert o.coverage == 0.0
    assert o.to_dict() == {
        "score": None,
        "grade": None,
        "coverage": 0.0,
        "uncapped_score": None,
        "capped_by": [],
        "caps": [],
        "method": scoring.METHOD,
    }


def test_no_overall_grade_below_half_coverage() -> None:
    """One well-evidenced layer of four does not grade the whole environment."""
    many_na = [finding(layer, NA) for layer in Layer for _ in range(3)]
    layers = scoring.score_layers([finding(Layer.FOUNDATION, FAIL)] + many_na)
    assert by_layer(layers)[Layer.FOUNDATION].grade is None  # 1 of 4: incomplete
    graded, o = scoring.assess(
        [finding(Layer.FOUNDATION, FAIL)]
        + [finding(layer, NA) for layer in Layer if layer is not Layer.FOUNDATION]
    )
    assert by_layer(graded)[Layer.FOUNDATION].grade == "F"
    assert o.coverage == 0.25
    assert (o.score, o.grade) == (None, None)


def test_overall_of_no_layers() -> None:
    o = scoring.overall([], [])
    assert (o.score, o.grade, o.coverage) == (None, None, 0.0)


# ------------------------------------------------- accepted risks, incomplete

ACC = Status.ACCEPTED


def test_accepted_is_out_of_the_score_but_counts_as_evidence() -> None:
    layer = Layer.FOUNDATION
    s = by_layer(
        scoring.score_layers(
            [
                finding(layer, PASS, Severity.MEDIUM, 1),  # 3
                finding(layer, ACC, Severity.CRITICAL, 1),  # 5
                finding(layer, FAIL, Severity.LOW, 1),  # 2
            ]
        )
    )[layer]
    # 100 x 3 / (3 + 2) = 60; without the exclusion it would be 30.
    assert s.score == 60.0
    assert s.grade == "D"
    assert (s.passed_weight, s.assessed_weight, s.accepted_weight) == (3, 5, 5)
    assert s.coverage == 1.0
    assert s.status is LayerStatus.GRADED
    assert dict(s.counts) == {"pass": 1, "fail": 1, "not_assessed": 0, "accepted": 1}


def test_only_accepted_has_no_score() -> None:
    s = by_layer(scoring.score_layers([finding(Layer.REVIEW, ACC)]))[Layer.REVIEW]
    assert (s.score, s.grade, s.status) == (None, None, LayerStatus.NOT_ASSESSED)
    assert s.coverage == 1.0


@pytest.mark.parametrize(
    ("assessed", "missing", "status", "grade"),
    [
        # Equal weights: coverage = assessed / (assessed + missing).
        (1, 1, LayerStatus.GRADED, "A"),  # 0.5: exactly the threshold
        (1, 2, LayerStatus.INCOMPLETE, None),  # 0.333
        (0, 3, LayerStatus.NOT_ASSESSED, None),
        (3, 0, LayerStatus.GRADED, "A"),
    ],
)
def test_incomplete_below_half_the_weight(
    assessed: int, missing: int, status: LayerStatus, grade: str | None
) -> None:
    layer = Layer.PROCESSES
    s = by_layer(
        scoring.score_layers(
            [finding(layer, PASS) for _ in range(assessed)]
            + [finding(layer, NA) for _ in range(missing)]
        )
    )[layer]
    assert scoring.MIN_COVERAGE == 0.5
    assert s.status is status
    assert s.grade == grade
    # An incomplete layer still has its score, for the record.
    assert (s.score is None) == (assessed == 0)
    assert s.to_dict()["status"] == status.value


def test_overall_leaves_incomplete_layers_out() -> None:
    layers, o = scoring.assess(
        [
            finding(Layer.FOUNDATION, PASS),  # graded 100
            finding(Layer.PROCESSES, FAIL),  # incomplete 0 (coverage 1/3)
            finding(Layer.PROCESSES, NA),
            finding(Layer.PROCESSES, NA),
            finding(Layer.REVIEW, PASS),  # graded 50
            finding(Layer.REVIEW, FAIL),
        ]
    )
    s = by_layer(layers)
    assert s[Layer.PROCESSES].status is LayerStatus.INCOMPLETE
    assert s[Layer.PROCESSES].score == 0.0
    # (100 + 50) / 2 = 75; counting the incomplete 0 would give 50.
    assert (o.score, o.grade) == (75.0, "C")


def test_layer_from_schema_1_0_json_gets_a_status() -> None:
    graded = LayerScore.from_dict(
        {
            "id": "review",
            "score": 80.0,
            "grade": "B",
            "coverage": 1.0,
            "passed_weight": 8,
            "assessed_weight": 10,
            "total_weight": 10,
            "counts": {"pass": 1, "fail": 1, "not_assessed": 0},
        }
    )
    assert graded.status is LayerStatus.GRADED
    assert graded.accepted_weight == 0.0
    empty = LayerScore.from_dict({**graded.to_dict(), "score": None, "grade": None})
    assert empty.status is LayerStatus.GRADED  # 1.1 files carry their status
    del_status = {k: v for k, v in graded.to_dict().items() if k != "status"}
    old = LayerScore.from_dict({**del_status, "score": None, "grade": None})
    assert old.status is LayerStatus.NOT_ASSESSED


def test_report_shows_incomplete_layers_and_accepted_risks(sample_run) -> None:
    # Rebuild the sample's assessment with its review layer thinned out to an
    # incomplete one, then render the HTML the PDF is made from.
    import dataclasses

    from healthcheck.report import html, jsonout

    a = jsonout.read(sample_run / "assessment.json")
    thinned = tuple(
        dataclasses.replace(f, status=NA, detail="", reason="not collected")
        if f.layer is Layer.REVIEW and f.rule_id not in ("REV-01", "REV-09")
        else f
        for f in a.findings
    )
    layers = scoring.score_layers(thinned)
    review = by_layer(layers)[Layer.REVIEW]
    assert review.status is LayerStatus.INCOMPLETE
    b = dataclasses.replace(
        a, findings=thinned, layers=layers, overall=scoring.overall(layers, thinned)
    )
    text = html.render(b)
    assert "incomplete: evidence for" in text
    assert "too little for a grade" in text
    # REV-09 is accepted in the sample, FND-03's acceptance expired.
    assert "Accepted risks" in text
    assert "Accepted until 28 February 2027, left out of the score" in text
    assert "The accepted risk expired on 2026-10-31" in text
    assert "shown as incomplete" in text  # the Method paragraph
    # The workbook says the same: tests/test_report_xlsx.py
    # (test_incomplete_layer_and_accepted_risks).
