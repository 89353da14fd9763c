"""The verdict's properties: proportional, monotonic, capped, and ranked by risk.

Two kinds of test. Some run the real rules over the sample's evidence and fix
one affected object in the data at a time; the others build findings by hand
to pin the arithmetic of caps and ranking.
"""

from __future__ import annotations

import dataclasses
import itertools
import random
import re
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from healthcheck import actions, evidence, pipeline, scoring
from healthcheck.model import Assessment, Finding, Layer, Severity, Status
from healthcheck.rules import failed, passed
from tests.conftest import SAMPLE

PASS, FAIL, NA, ACCEPTED = (
    Status.PASS,
    Status.FAIL,
    Status.NOT_ASSESSED,
    Status.ACCEPTED,
)


@pytest.fixture(scope="module")
def sample_evidence(tmp_path_factory: pytest.TempPathFactory) -> evidence.Evidence:
    out = tmp_path_factory.mktemp("verdict") / "evidence"
    pipeline.collect(SAMPLE, out)
    return evidence.load(out)


def _assess(ev: evidence.Evidence, frames: dict[str, pd.DataFrame]) -> Assessment:
    return pipeline.assess(dataclasses.replace(ev, frames=frames))


def _scores(a: Assessment) -> dict[str, float | None]:
    out: dict[str, float | None] = {"overall": a.overall.score}
    out.update({s.layer.value: s.score for s in a.layers})
    return out


def _finding(a: Assessment, rule_id: str) -> Finding:
    return next(f for f in a.findings if f.rule_id == rule_id)


# One fix per rule: the dataset, the row of an affected object, the repair.
Fix = Callable[[pd.DataFrame, str], pd.DataFrame]


def _set(column: str, value: object, key: str = "name") -> Fix:
    def fix(frame: pd.DataFrame, obj: str) -> pd.DataFrame:
        frame = frame.copy()
        frame.loc[frame[key] == obj, column] = value
        return frame

    return fix


def _check_in_now(frame: pd.DataFrame, obj: str) -> pd.DataFrame:
    frame = frame.copy()
    newest = frame["last_check_in"].max()
    frame.loc[frame["name"] == obj, "last_check_in"] = newest
    return frame


def _free_half(frame: pd.DataFrame, obj: str) -> pd.DataFrame:
    frame = frame.copy()
    rows = frame["name"] == obj
    frame.loc[rows, "free_storage_mb"] = frame.loc[rows, "total_storage_mb"] / 2
    return frame


def _registered(frame: pd.DataFrame, obj: str) -> pd.DataFrame:
    frame = frame.copy()
    frame.loc[frame["upn"] == obj, "mfa_registered"] = True
    return frame


def _encrypt(frame: pd.DataFrame, obj: str) -> pd.DataFrame:
    """Encrypt the way Intune's BitLocker policy does: the key is escrowed too."""
    return _set("encrypted", True)(frame, obj)


def _escrow(frames: dict[str, pd.DataFrame], obj: str) -> None:
    # Without this, encrypting a laptop would make FND-15 (keys escrowed in
    # Entra) fail it: a half fix, not the one the remediation asks for.
    if "bitlocker_keys" not in frames or "entra_device_id" not in frames["devices"]:
        return
    devices = frames["devices"]
    ids = devices.loc[devices["name"] == obj, "entra_device_id"].dropna()
    keys = frames["bitlocker_keys"]
    new = pd.DataFrame(
        [
            {c: None for c in keys.columns} | {"key_id": f"k-{d}", "device_id": d}
            for d in ids
            if d not in set(keys["device_id"])
        ],
        columns=keys.columns,
    )
    frames["bitlocker_keys"] = pd.concat([keys, new], ignore_index=True)


FIXES: dict[str, tuple[str, Fix]] = {
    "FND-01": ("devices", _check_in_now),
    "FND-02": ("devices", _encrypt),
    "FND-05": ("devices", _free_half),
    "FND-08": ("devices", _set("compliance", "compliant")),
    "REV-04": ("mfa_registration", _registered),
    "REV-05": ("mfa_registration", _registered),
}


@pytest.mark.parametrize("rule_id", sorted(FIXES))
def test_fixing_one_object_never_lowers_a_score(
    sample_evidence: evidence.Evidence, rule_id: str
) -> None:
    """Monotonic and proportional on the real rules: one fix at a time."""
    dataset, fix = FIXES[rule_id]
    frames = dict(sample_evidence.frames)
    before = _assess(sample_evidence, frames)
    finding = _finding(before, rule_id)
    assert finding.status is FAIL and finding.population
    affected = list(finding.affected)
    assert len(affected) >= 2, "needs two objects to show proportionality"
    last = before
    for obj in affected:
        frames[dataset] = fix(frames[dataset], obj)
        if rule_id == "FND-02":
            _escrow(frames, obj)
        now = _assess(sample_evidence, frames)
        mine = _finding(now, rule_id)
        # Proportional: one object fewer, a strictly higher rule score (or,
        # for a rule with a threshold such as REV-05's 95 %, a pass) ...
        assert mine.score is not None
        assert last_score(last, rule_id) < mine.score or mine.score == 1.0
        # ... and monotonic: no layer and not the overall goes down.
        for key, value in _scores(now).items():
            old = _scores(last)[key]
            if old is not None and value is not None:
                assert value >= old, (rule_id, obj, key, old, value)
        last = now
    assert _finding(last, rule_id).status is PASS
    assert _finding(last, rule_id).score == 1.0


def last_score(a: Assessment, rule_id: str) -> float:
    score = _finding(a, rule_id).score
    assert score is not None
    return score


def test_a_rule_scores_its_compliant_share() -> None:
    out = failed("4 of 40 unencrypted", [f"PC{i}" for i in range(4)], population=40)
    assert out.score == pytest.approx(0.9) and out.population == 40
    fewer = failed("1 of 40", ["PC1"], population=40)
    assert fewer.score is not None and out.score is not None
    assert fewer.score > out.score
    # A failure never scores as a pass, however large the population.
    tiny = failed("1 of 100000", ["PC1"], population=100_000)
    assert tiny.score is not None and tiny.score < 1.0
    assert passed("all fine", population=40).score == 1.0
    # A yes/no rule is all or nothing; REV-01 counts seats, not subscriptions.
    assert failed("no procedure").score == 0.0 and failed("x").population is None
    seats = failed(
        "9 seats", ["SPB: 4", "POWER_BI_PRO: 5"], population=90, affected_count=9
    )
    assert seats.score == pytest.approx(0.9) and seats.affected_count == 9


_ids = itertools.count(1)


def finding(
    layer: Layer,
    status: Status,
    severity: Severity = Severity.MEDIUM,
    score: float | None = None,
    weight: float = 2.0,
    affected: int = 0,
) -> Finding:
    if score is None and status in (PASS, FAIL):
        score = 1.0 if status is PASS else 0.0
    return Finding(
        rule_id=f"{layer.code}-{next(_ids) % 100:02d}",
        layer=layer,
        severity=severity,
        weight=weight,
        title="A state worth checking",
        status=status,
        score=score,
        affected=tuple(f"obj{i}" for i in range(affected)),
    )


def _mostly_fine(extra: list[Finding]) -> list[Finding]:
    """Every layer graded A, plus ``extra``."""
    base = [finding(layer, PASS, weight=10) for layer in Layer for _ in range(3)]
    return base + extra


def test_a_failing_critical_rule_caps_the_overall_at_c() -> None:
    # One admin of four without MFA: the review layer is still high, the
    # average would be an A, but a critical problem is open.
    mfa = finding(Layer.REVIEW, FAIL, Severity.CRITICAL, score=0.75, affected=1)
    layers, overall = scoring.assess(_mostly_fine([mfa]))
    assert overall.uncapped_score is not None and overall.uncapped_score >= 90
    assert overall.grade == "C" and overall.score == 79.9
    assert overall.capped_by == (mfa.rule_id,)
    assert overall.caps[0].grade == "C" and overall.caps[0].layer is None
    assert overall.to_dict()["capped_by"] == [mfa.rule_id]


def test_no_cap_without_a_critical_failure_or_an_f_layer() -> None:
    high = finding(Layer.REVIEW, FAIL, Severity.HIGH, score=0.75)
    _, overall = scoring.assess(_mostly_fine([high]))
    assert overall.capped_by == () and overall.caps == ()
    assert overall.score == overall.uncapped_score


def test_an_accepted_critical_risk_caps_nothing_an_expired_one_does() -> None:
    accepted = finding(Layer.FOUNDATION, ACCEPTED, Severity.CRITICAL)
    _, overall = scoring.assess(_mostly_fine([accepted]))
    assert overall.caps == () and overall.grade == "A"
    expired = dataclasses.replace(accepted, status=FAIL, score=0.0)
    _, overall = scoring.assess(_mostly_fine([expired]))
    assert overall.grade == "C" and overall.capped_by == (expired.rule_id,)


def test_a_layer_graded_f_caps_the_overall_at_d() -> None:
    # The expert layer fails everything; three perfect layers average 75+.
    findings = [
        finding(layer, PASS, weight=10) for layer in Layer if layer is not Layer.EXPERT
    ]
    bad = [finding(Layer.EXPERT, FAIL, Severity.HIGH) for _ in range(3)]
    layers, overall = scoring.assess(findings + bad)
    assert {s.layer: s.grade for s in layers}[Layer.EXPERT] == "F"
    assert overall.uncapped_score == 75.0
    assert overall.grade == "D" and overall.score == 69.9
    assert overall.caps[0].layer is Layer.EXPERT
    assert set(overall.capped_by) == {f.rule_id for f in bad}


def test_the_strictest_cap_binds_and_both_are_named() -> None:
    others = [
        finding(layer, PASS, weight=10) for layer in Layer if layer is not Layer.EXPERT
    ]
    crit = finding(Layer.FOUNDATION, FAIL, Severity.CRITICAL, score=0.9, weight=1)
    # Expert scores 30 (F): the mean stays above 80, so both caps lower it.
    bad = [finding(Layer.EXPERT, FAIL, Severity.HIGH, score=0.3) for _ in range(2)]
    _, overall = scoring.assess(others + [crit] + bad)
    assert overall.uncapped_score is not None and overall.uncapped_score > 80
    assert overall.grade == "D" and overall.score == 69.9
    assert [c.grade for c in overall.caps] == ["D", "C"]
    assert crit.rule_id in overall.capped_by
    # A cap is named even when the mean is already below it: with the expert
    # layer at 0 the mean is 75, under C's ceiling, yet the critical problem
    # still holds the grade at C once the layer is fixed.
    zero = [dataclasses.replace(f, score=0.0) for f in bad]
    _, overall = scoring.assess(others + [crit] + zero)
    assert overall.score == 69.9 and [c.grade for c in overall.caps] == ["D", "C"]
    assert crit.rule_id in overall.capped_by


def test_not_assessed_rules_are_left_out_of_every_score() -> None:
    findings = _mostly_fine([finding(Layer.REVIEW, FAIL, score=0.5)])
    layers, overall = scoring.assess(findings)
    more = findings + [finding(layer, NA, Severity.CRITICAL) for layer in Layer]
    layers2, overall2 = scoring.assess(more)
    assert [s.score for s in layers] == [s.score for s in layers2]
    assert overall.score == overall2.score and overall2.caps == ()
    assert all(s.coverage < 1 for s in layers2)


def test_random_improvements_are_monotonic() -> None:
    """Raising any one finding's score never lowers a layer or the overall."""
    rng = random.Random(20261202)
    severities = list(Severity)
    for _ in range(300):
        findings = [
            finding(
                rng.choice(list(Layer)),
                status,
                rng.choice(severities),
                score=round(rng.random(), 2) if status is FAIL else None,
                weight=rng.choice([1, 2, 3, 5]),
            )
            for status in rng.choices([PASS, FAIL, NA, ACCEPTED], k=rng.randint(4, 16))
        ]
        layers, overall = scoring.assess(findings)
        i = rng.choice([n for n, f in enumerate(findings) if f.status is not NA] or [0])
        f = findings[i]
        if f.status is NA:
            continue
        better = (f.score or 0.0) + rng.random() * (1 - (f.score or 0.0))
        status = PASS if better >= 1 else f.status
        improved = list(findings)
        improved[i] = dataclasses.replace(f, score=min(better, 1.0), status=status)
        layers2, overall2 = scoring.assess(improved)
        for a, b in zip(layers, layers2, strict=True):
            if a.score is not None:
                assert b.score is not None and b.score >= a.score
        if overall.score is not None:
            assert overall2.score is not None and overall2.score >= overall.score


def test_actions_rank_by_severity_then_overall_gain() -> None:
    # A medium interview item in a small layer gains a lot of layer points,
    # but a critical and a high problem come first.
    crit = finding(Layer.FOUNDATION, FAIL, Severity.CRITICAL, score=0.5, affected=2)
    high_big = finding(Layer.REVIEW, FAIL, Severity.HIGH, score=0.0, affected=30)
    high_small = finding(Layer.REVIEW, FAIL, Severity.HIGH, score=0.9, affected=1)
    medium = finding(Layer.EXPERT, FAIL, Severity.MEDIUM, score=0.0, weight=5)
    findings = _mostly_fine([crit, high_big, high_small, medium])
    layers, overall = scoring.assess(findings)
    assert overall.capped_by == (crit.rule_id,)
    ranked = actions.rank(findings, layers, overall)
    assert [a.rule_id for a in ranked] == [
        crit.rule_id,
        high_big.rule_id,
        high_small.rule_id,
        medium.rule_id,
    ]
    assert [a.rank for a in ranked] == [1, 2, 3, 4]
    gains = {a.rule_id: a.overall_gain for a in ranked}
    # While the critical problem caps the grade, fixing anything else gains
    # no overall points; the layer gain orders the high ones.
    assert gains[high_big.rule_id] == gains[high_small.rule_id] == 0.0
    layer_gains = {a.rule_id: a.layer_gain for a in ranked}
    assert layer_gains[high_big.rule_id] > layer_gains[high_small.rule_id]
    # The gain includes the cap the critical problem holds.
    fixed_layers, fixed = scoring.assess(scoring.fixed(findings, crit.rule_id))
    assert fixed.score is not None and overall.score is not None
    assert gains[crit.rule_id] == scoring.round_half_up(fixed.score - overall.score)
    assert fixed.score - overall.uncapped_score > 0  # more than the layer share
    assert {a.rule_id: a.effort for a in ranked}[high_big.rule_id] == "high"
    assert {a.rule_id: a.effort for a in ranked}[crit.rule_id] == "low"
    # Without the cap, the overall gain orders actions of one severity.
    uncapped = [f for f in findings if f is not crit]
    layers, overall = scoring.assess(uncapped)
    ranked = actions.rank(uncapped, layers, overall)
    gains = {a.rule_id: a.overall_gain for a in ranked}
    assert gains[high_big.rule_id] > gains[high_small.rule_id] > 0
    assert [a.rule_id for a in ranked][:2] == [high_big.rule_id, high_small.rule_id]


def test_sample_actions_put_critical_problems_first(sample_run: Path) -> None:
    import json

    data = json.loads((sample_run / "assessment.json").read_text(encoding="utf-8"))
    ranked = data["actions"]
    failing = {f["rule_id"]: f for f in data["findings"] if f["status"] == "fail"}
    assert {a["rule_id"] for a in ranked} == set(failing)
    order = [Severity(a["severity"]).rank for a in ranked]
    assert order == sorted(order)
    for a, b in itertools.pairwise(ranked):
        if a["severity"] == b["severity"]:
            assert (a["overall_gain"] or 0) >= (b["overall_gain"] or 0)
    top = [a["rule_id"] for a in ranked[:5]]
    # The domain controller without backup outranks any interview item.
    assert "FND-07" in top
    assert not {"EXP-02", "EXP-04"} & set(top)
    for a in ranked:
        assert set(a) >= {
            "rule_id",
            "severity",
            "overall_gain",
            "affected_count",
            "effort",
        }
        f = failing[a["rule_id"]]
        assert a["affected_count"] == f["affected_count"]
        assert 0 <= f["score"] < 1


def test_scores_round_half_up_everywhere() -> None:
    assert scoring.round_half_up(20.85) == 20.9
    assert scoring.round_half_up(-2.5, 0) == -3.0
    assert scoring.round_half_up(2.5, 0) == 3.0
    assert scoring.round_half_up(0.125, 2) == 0.13


def test_sample_names_what_holds_its_grade_down(sample_run: Path) -> None:
    import json

    from tests.conftest import pdf_pages

    data = json.loads((sample_run / "assessment.json").read_text(encoding="utf-8"))
    overall = data["overall"]
    critical = {
        f["rule_id"]
        for f in data["findings"]
        if f["status"] == "fail" and f["severity"] == "critical"
    }
    assert critical >= {"FND-04", "FND-07", "REV-04", "REV-10"}
    assert critical <= set(overall["capped_by"])
    assert overall["grade"] in ("C", "D", "E", "F") and overall["score"] <= 79.9
    assert {c["grade"] for c in overall["caps"]} >= {"C"}
    summary = " ".join(pdf_pages((sample_run / "report.pdf").read_bytes())[1].split())
    assert "no better than C while 4 critical problems are open" in summary
    assert "2 servers of 4 have no backup job" in summary
    # No rule ids on the summary page: those live in the appendix and workbook.
    assert not re.search(r"\b(FND|DOC|REV|EXP)-\d\d\b", summary)
