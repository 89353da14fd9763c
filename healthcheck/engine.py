"""Load the rule catalogue and evaluate it over canonical datasets.

The engine, not the rule, decides what happens when evidence is missing: a
rule whose required dataset or column did not arrive is ``not_assessed`` and
the reason names the dataset and why its collector could not provide it. An
evaluator that raises is also ``not_assessed`` ("rule error"), logged with
its traceback, so one bug cannot sink the report.
"""

from __future__ import annotations

import logging
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from importlib import resources
from typing import Any

import pandas as pd

from healthcheck import rules
from healthcheck.datasets import SCHEMAS
from healthcheck.model import Finding, Layer, Severity, Status

log = logging.getLogger(__name__)

RULE_ID = re.compile(r"^(FND|DOC|REV|EXP)-\d{2}$")
_FIELDS = {
    "id",
    "slug",
    "title",
    "severity",
    "weight",
    "requires",
    "params",
    "rationale",
    "remediation",
    "references",
}


class CatalogError(Exception):
    """The packaged catalogue is inconsistent: a developer error, caught by tests."""


@dataclass(frozen=True, kw_only=True, slots=True)
class Rule:
    """A catalogue entry."""

    id: str
    slug: str
    title: str
    layer: Layer
    severity: Severity
    weight: float
    requires: tuple[str, ...]
    rationale: str
    remediation: str
    references: tuple[str, ...]
    params: Mapping[str, Any] = field(default_factory=dict)


def _rule(entry: Mapping[str, Any], layer: Layer, where: str) -> Rule:
    rid = entry.get("id", "?")
    unknown = set(entry) - _FIELDS
    if unknown:
        raise CatalogError(f"{where} {rid}: unknown fields {sorted(unknown)}")
    if not RULE_ID.match(str(rid)) or not str(rid).startswith(layer.code):
        raise CatalogError(f"{where} {rid}: id must look like {layer.code}-01")
    title = str(entry.get("title", ""))
    if not title or len(title) > 120 or title.lower().startswith("ensure"):
        raise CatalogError(
            f"{where} {rid}: title must be 1-120 characters, a state "
            "rather than 'Ensure ...'"
        )
    for key in ("rationale", "remediation", "slug"):
        if not str(entry.get(key, "")).strip():
            raise CatalogError(f"{where} {rid}: '{key}' is required")
    try:
        severity = Severity(entry.get("severity"))
    except ValueError:
        raise CatalogError(f"{where} {rid}: unknown severity") from None
    weight = entry.get("weight")
    if not isinstance(weight, int | float) or weight <= 0:
        raise CatalogError(f"{where} {rid}: weight must be a positive number")
    requires = tuple(entry.get("requires", ()))
    if not requires:
        raise CatalogError(f"{where} {rid}: 'requires' names no dataset")
    for req in requires:
        name, _, column = req.partition(".")
        if name not in SCHEMAS or (
            column and column not in {c.name for c in SCHEMAS[name].columns}
        ):
            raise CatalogError(f"{where} {rid}: requires unknown dataset '{req}'")
    refs = tuple(entry.get("references", ()))
    if not refs or not all(r.startswith("https://") for r in refs):
        raise CatalogError(f"{where} {rid}: references must be https:// URLs")
    return Rule(
        id=rid,
        slug=entry["slug"],
        title=title,
        layer=layer,
        severity=severity,
        weight=float(weight),
        requires=requires,
        rationale=" ".join(str(entry["rationale"]).split()),
        remediation=str(entry["remediation"]).strip(),
        references=refs,
        params=dict(entry.get("params", {})),
    )


@cache
def load_catalog() -> tuple[Rule, ...]:
    """All rules of the packaged catalogue, validated, in layer then id order."""
    out: list[Rule] = []
    pkg = resources.files("healthcheck.catalog")
    for layer in Layer:
        where = f"catalog/{layer.value}.toml"
        data = tomllib.loads(pkg.joinpath(f"{layer.value}.toml").read_text("utf-8"))
        out.extend(_rule(e, layer, where) for e in data.get("rule", []))
    ids = [r.id for r in out]
    dupes = {i for i in ids if ids.count(i) > 1}
    if dupes:
        raise CatalogError(f"duplicate rule ids: {sorted(dupes)}")
    evaluators = rules.load_all()
    if set(ids) != set(evaluators):
        raise CatalogError(
            f"catalogue and evaluators differ: without evaluator "
            f"{sorted(set(ids) - set(evaluators))}, without catalogue entry "
            f"{sorted(set(evaluators) - set(ids))}"
        )
    return tuple(sorted(out, key=lambda r: (r.layer.number, r.id)))


def _title(name: str) -> str:
    """A dataset title inside a sentence: 'user accounts', but 'MFA registration'."""
    title = SCHEMAS[name].title
    first = title.split(" ", 1)[0]
    return title if first.isupper() else title[0].lower() + title[1:]


def _missing(
    requires: tuple[str, ...],
    frames: Mapping[str, pd.DataFrame],
    reasons: Mapping[str, str],
) -> str | None:
    for req in requires:
        name, _, column = req.partition(".")
        if name not in frames:
            why = reasons.get(name, "it was not collected")
            return f"No {_title(name)} data: {why}."
        if frames[name].empty:
            # An export with headers and no rows proves nothing: "0 of 0 backup
            # jobs failed" must not read as a pass.
            return f"The {_title(name)} data has no rows."
        if column and column not in frames[name].columns:
            what = SCHEMAS[name].column(column).description
            return (
                f"The {_title(name)} data has no '{column}' column"
                + (f" ({what})" if what else "")
                + ": none of the files provided it."
            )
    return None


def evaluate(
    frames: Mapping[str, pd.DataFrame],
    *,
    as_of: date,
    now: datetime,
    overrides: Mapping[str, Any] | None = None,
    missing_reasons: Mapping[str, str] | None = None,
    catalog: Sequence[Rule] | None = None,
    evaluators: Mapping[str, rules.Evaluator] | None = None,
) -> tuple[Finding, ...]:
    """Evaluate every catalogue rule.

    Args:
        frames: canonical datasets that arrived, by name.
        as_of: the assessment date.
        now: the reference time for "within N hours/days" checks.
        overrides: parameter values from client config, applied to every rule
            that has a parameter of that name.
        missing_reasons: why a dataset did not arrive, for not-assessed reasons.
        catalog: the rules to evaluate; the packaged catalogue by default.
        evaluators: rule id -> evaluator; the built-in evaluators by default.
    """
    findings = []
    chosen = rules.EVALUATORS if evaluators is None else evaluators
    for rule in load_catalog() if catalog is None else catalog:
        params = dict(rule.params)
        for key, value in (overrides or {}).items():
            if key in params:
                params[key] = value
        base = dict(
            rule_id=rule.id,
            layer=rule.layer,
            severity=rule.severity,
            weight=rule.weight,
            title=rule.title,
            rationale=rule.rationale,
            remediation=rule.remediation,
        )
        used = tuple(sorted({r.partition(".")[0] for r in rule.requires}))
        reason = _missing(rule.requires, frames, missing_reasons or {})
        if reason:
            findings.append(
                Finding(
                    status=Status.NOT_ASSESSED, reason=reason, evidence=used, **base
                )
            )
            continue
        ctx = rules.RuleContext(
            rule_id=rule.id, datasets=frames, params=params, as_of=as_of, now=now
        )
        try:
            outcome = chosen[rule.id](ctx)
        except Exception:  # noqa: BLE001 - one broken rule must not sink the report
            log.exception("rule %s raised", rule.id)
            findings.append(
                Finding(
                    status=Status.NOT_ASSESSED,
                    evidence=used,
                    reason="rule error: see the log",
                    **base,
                )
            )
            continue
        findings.append(
            Finding(
                status=outcome.status,
                detail=outcome.detail,
                reason=outcome.detail if outcome.status is Status.NOT_ASSESSED else "",
                affected=outcome.affected,
                measured=dict(outcome.measured),
                evidence=tuple(sorted(set(used) | set(outcome.evidence))),
                **base,
            )
        )
    return tuple(findings)
