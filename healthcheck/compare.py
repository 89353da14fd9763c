"""Quarter over quarter: what improved, what is new, what is still open.

A comparison is computed from two saved ``assessment.json`` documents only, so
last quarter's report never has to be rebuilt. A finding is matched by rule id;
ids retired or renamed since are mapped through ``catalog/retired.toml``.

A rule that failed last quarter and cannot be assessed now is *not* resolved:
it is listed apart, because missing evidence proves nothing.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from healthcheck.errors import InputError
from healthcheck.model import Assessment, Finding, Status, money_out
from healthcheck.scoring import round_half_up


@dataclass(frozen=True, kw_only=True, slots=True)
class LayerChange:
    """One layer's score and grade, then and now."""

    layer: str
    label: str
    previous_score: float | None
    current_score: float | None
    previous_grade: str | None
    current_grade: str | None

    @property
    def delta(self) -> float | None:
        """Score change in points; None unless both quarters have a score."""
        if self.previous_score is None or self.current_score is None:
            return None
        return round_half_up(self.current_score - self.previous_score)

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "layer": self.layer,
            "label": self.label,
            "previous_score": self.previous_score,
            "current_score": self.current_score,
            "previous_grade": self.previous_grade,
            "current_grade": self.current_grade,
            "delta": self.delta,
        }


@dataclass(frozen=True, kw_only=True, slots=True)
class FindingChange:
    """A rule whose outcome is worth telling the review meeting about."""

    rule_id: str
    title: str
    severity: str
    previous_status: str | None
    current_status: str
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    affected_count: int = 0

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "rule_id": self.rule_id,
            "title": self.title,
            "severity": self.severity,
            "previous_status": self.previous_status,
            "current_status": self.current_status,
            "affected_count": self.affected_count,
            "added": list(self.added),
            "removed": list(self.removed),
        }


@dataclass(frozen=True, kw_only=True, slots=True)
class Comparison:
    """The difference between two assessments of the same client."""

    client_name: str
    previous_period: str
    current_period: str
    previous_overall: tuple[float | None, str | None]
    current_overall: tuple[float | None, str | None]
    layers: tuple[LayerChange, ...]
    new: tuple[FindingChange, ...] = ()
    resolved: tuple[FindingChange, ...] = ()
    persisting: tuple[FindingChange, ...] = ()
    no_longer_assessed: tuple[FindingChange, ...] = ()
    currency: str = "EUR"
    previous_annual_waste: Decimal | None = None
    current_annual_waste: Decimal | None = None
    warnings: tuple[str, ...] = field(default_factory=tuple)
    #: How each quarter was scored (``Overall.method``).
    previous_method: str = ""
    current_method: str = ""

    @property
    def method_changed(self) -> bool:
        """True when the two quarters were scored by different methods."""
        return self.previous_method != self.current_method

    @property
    def overall_delta(self) -> float | None:
        """Overall score change in points; None unless both have a score."""
        before, now = self.previous_overall[0], self.current_overall[0]
        if before is None or now is None:
            return None
        return round_half_up(now - before)

    @property
    def waste_delta(self) -> Decimal | None:
        """Change in annual waste; None unless both quarters assessed it."""
        if self.previous_annual_waste is None or self.current_annual_waste is None:
            return None
        return self.current_annual_waste - self.previous_annual_waste

    def to_dict(self) -> dict[str, Any]:
        """JSON form (``healthcheck compare --format json``)."""

        def money(v: Decimal | None) -> float | None:
            return None if v is None else money_out(v)

        return {
            "client": {"name": self.client_name},
            "previous_period": self.previous_period,
            "current_period": self.current_period,
            "overall": {
                "previous_score": self.previous_overall[0],
                "previous_grade": self.previous_overall[1],
                "current_score": self.current_overall[0],
                "current_grade": self.current_overall[1],
                "delta": self.overall_delta,
            },
            "scoring_method": {
                "previous": self.previous_method,
                "current": self.current_method,
                "changed": self.method_changed,
            },
            "layers": [c.to_dict() for c in self.layers],
            "new": [c.to_dict() for c in self.new],
            "resolved": [c.to_dict() for c in self.resolved],
            "persisting": [c.to_dict() for c in self.persisting],
            "no_longer_assessed": [c.to_dict() for c in self.no_longer_assessed],
            "waste": {
                "currency": self.currency,
                "previous_annual": money(self.previous_annual_waste),
                "current_annual": money(self.current_annual_waste),
                "delta_annual": money(self.waste_delta),
            },
            "warnings": list(self.warnings),
        }


@cache
def renamed_ids() -> dict[str, str]:
    """Old rule id -> current id, from ``catalog/retired.toml`` (may be empty)."""
    path = resources.files("healthcheck.catalog").joinpath("retired.toml")
    if not path.is_file():
        return {}
    data = tomllib.loads(path.read_text("utf-8"))
    return {
        r["id"]: r["replaced_by"] for r in data.get("rule", []) if r.get("replaced_by")
    }


def load(path: str | Path) -> Assessment:
    """Read an assessment from ``assessment.json`` or a folder that holds one."""
    p = Path(path)
    if p.is_dir():
        p = p / "assessment.json"
    if not p.is_file():
        raise InputError(
            "no assessment.json here",
            file=p,
            hint="give a report folder or its assessment.json",
        )
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
        return Assessment.from_dict(data)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"not valid JSON ({exc.msg})", file=p, row=exc.lineno
        ) from None
    except (KeyError, TypeError, ValueError) as exc:
        raise InputError(
            f"not an assessment.json this version can read ({exc!r})", file=p
        ) from None


def _change(f: Finding, before: Finding | None) -> FindingChange:
    prev_affected = set(before.affected) if before else set()
    now_affected = set(f.affected)
    return FindingChange(
        rule_id=f.rule_id,
        title=f.title,
        severity=f.severity.value,
        previous_status=before.status.value if before else None,
        current_status=f.status.value,
        affected_count=f.affected_count,
        added=tuple(sorted(now_affected - prev_affected)),
        removed=tuple(sorted(prev_affected - now_affected)),
    )


def compare(previous: Assessment, current: Assessment) -> Comparison:
    """Compare two assessments; ``previous`` is the earlier quarter."""
    warnings = []
    if previous.client_name != current.client_name:
        warnings.append(
            f"the assessments are of different clients: "
            f"'{previous.client_name}' and '{current.client_name}'"
        )
    if previous.as_of > current.as_of:
        warnings.append(
            f"the previous assessment ({previous.as_of}) is later than "
            f"the current one ({current.as_of})"
        )
    aliases = renamed_ids()
    before: Mapping[str, Finding] = {
        aliases.get(f.rule_id, f.rule_id): f for f in previous.findings
    }
    new: list[FindingChange] = []
    resolved: list[FindingChange] = []
    persisting: list[FindingChange] = []
    gone: list[FindingChange] = []
    for f in current.findings:
        old = before.get(f.rule_id)
        was_fail = old is not None and old.status is Status.FAIL
        if f.status is Status.FAIL:
            (persisting if was_fail else new).append(_change(f, old))
        elif was_fail and f.status is Status.PASS:
            resolved.append(_change(f, old))
        elif was_fail:
            gone.append(_change(f, old))
    prev_layers = {s.layer: s for s in previous.layers}
    layers = tuple(
        LayerChange(
            layer=s.layer.value,
            label=s.layer.label,
            previous_score=prev_layers[s.layer].score
            if s.layer in prev_layers
            else None,
            current_score=s.score,
            previous_grade=prev_layers[s.layer].grade
            if s.layer in prev_layers
            else None,
            current_grade=s.grade,
        )
        for s in current.layers
    )
    if previous.waste.currency != current.waste.currency:
        warnings.append("waste is in different currencies; not compared")

    def annual(a: Assessment) -> Decimal | None:
        return a.waste.annual_total if a.waste.assessed else None

    same_currency = previous.waste.currency == current.waste.currency
    return Comparison(
        client_name=current.client_name,
        previous_period=previous.period,
        current_period=current.period,
        previous_overall=(previous.overall.score, previous.overall.grade),
        current_overall=(current.overall.score, current.overall.grade),
        layers=layers,
        new=tuple(new),
        resolved=tuple(resolved),
        persisting=tuple(persisting),
        no_longer_assessed=tuple(gone),
        currency=current.waste.currency,
        previous_annual_waste=annual(previous) if same_currency else None,
        current_annual_waste=annual(current),
        warnings=tuple(warnings),
        previous_method=previous.overall.method,
        current_method=current.overall.method,
    )


def whole(score: float) -> int:
    """A score or change in whole points, rounded half up as everywhere."""
    return int(round_half_up(score, 0))


def signed(delta: float) -> str:
    """A change in whole points with its sign: +3, -3, 0."""
    n = whole(delta)
    return f"+{n}" if n > 0 else str(n)


def render_text(c: Comparison) -> str:
    """A plain-text summary for the terminal."""

    def grade(score: float | None, letter: str | None) -> str:
        return "not assessed" if score is None else f"{letter} ({whole(score)})"

    def change(delta: float | None) -> str:
        return "" if delta is None else f"  {signed(delta)}"

    lines = [
        f"{c.client_name}: {c.previous_period} -> {c.current_period}",
        f"overall  {grade(*c.previous_overall)} -> {grade(*c.current_overall)}"
        + change(c.overall_delta),
    ]
    if c.method_changed:
        lines.append(
            f"note: {c.previous_period} was scored {c.previous_method}, "
            f"{c.current_period} {c.current_method}; part of the change in "
            "score comes from the method, not from the environment"
        )
    for layer in c.layers:
        delta = change(layer.delta)
        lines.append(
            f"  {layer.label:<22} "
            f"{grade(layer.previous_score, layer.previous_grade)} -> "
            f"{grade(layer.current_score, layer.current_grade)}{delta}"
        )
    for title, items in (
        ("new", c.new),
        ("resolved", c.resolved),
        ("still open", c.persisting),
        ("no longer assessed", c.no_longer_assessed),
    ):
        lines.append(f"{title}: {len(items)}")
        lines += [f"  {i.rule_id}  {i.title}" for i in items]
    if c.waste_delta is not None:
        lines.append(
            f"annual waste {c.previous_annual_waste} -> "
            f"{c.current_annual_waste} {c.currency} "
            f"({c.waste_delta:+} {c.currency})"
        )
    lines += [f"warning: {w}" for w in c.warnings]
    return "\n".join(lines)
