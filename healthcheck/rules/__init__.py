"""Rule evaluators: pure functions of canonical datasets.

An evaluator is registered for one or more catalogue ids with
:func:`evaluates` and receives a :class:`RuleContext`. It never sees missing
evidence: the engine checks each rule's ``requires`` first and marks the rule
not assessed when a dataset or column did not arrive.

An outcome's sentence is a :class:`~healthcheck.messages.Message`: a key of
``healthcheck/locales/<lang>/rules.toml`` (``rules.REV-01.fail``) and its
parameters. The engine renders the English ``detail`` from it and keeps the
key and parameters, so a report can show the sentence in any language. A
plain string still works (a third-party rule), but cannot be translated.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import pandas as pd

from healthcheck.model import MAX_LISTED, Message, Status, joined, msg

__all__ = [
    "MAX_LISTED",
    "EVALUATORS",
    "Message",
    "Outcome",
    "RuleContext",
    "evaluates",
    "failed",
    "joined",
    "msg",
    "not_assessed",
    "passed",
]


@dataclass(frozen=True, kw_only=True, slots=True)
class RuleContext:
    """What an evaluator may read."""

    rule_id: str
    datasets: Mapping[str, pd.DataFrame]
    params: Mapping[str, Any]
    as_of: date
    now: datetime
    #: When each dataset was collected (the tenant read, or the export file
    #: read), by name; empty where the caller does not know.
    collected_at: Mapping[str, datetime] = field(default_factory=dict)
    #: Why a dataset did not arrive, by name, for a rule that reads it
    #: without requiring it (a message naming the permission or licence).
    reasons: Mapping[str, Message | str] = field(default_factory=dict)

    def frame(self, name: str) -> pd.DataFrame:
        """A canonical dataset the rule declared in ``requires``."""
        return self.datasets[name]

    def has(self, name: str) -> bool:
        """Whether an optional dataset (not in ``requires``) arrived."""
        return name in self.datasets


@dataclass(frozen=True, kw_only=True, slots=True)
class Outcome:
    """What an evaluator returns."""

    status: Status
    #: The English sentence; empty when ``message`` is set (the engine renders it).
    detail: str
    affected: tuple[str, ...] = ()
    measured: Mapping[str, Any] = field(default_factory=dict)
    evidence: tuple[str, ...] = ()
    message: Message | None = None
    #: The rule's compliance, 0-1: the share of its population that is fine,
    #: 1 for a pass and 0 for a yes/no failure. None when not assessed.
    score: float | None = None
    #: How many objects the rule judged; None for a yes/no rule.
    population: int | None = None
    #: How many objects fail, when that is not the number of ``affected``
    #: entries (REV-01 lists subscriptions but counts seats).
    affected_count: int | None = None


def _said(detail: str | Message) -> dict[str, Any]:
    if isinstance(detail, Message):
        return {"detail": "", "message": detail}
    return {"detail": detail}


Evaluator = Callable[[RuleContext], Outcome]
EVALUATORS: dict[str, Evaluator] = {}


def evaluates(*rule_ids: str) -> Callable[[Evaluator], Evaluator]:
    """Register a function as the evaluator of the given catalogue ids."""

    def register(fn: Evaluator) -> Evaluator:
        for rule_id in rule_ids:
            if rule_id in EVALUATORS:
                raise ValueError(f"{rule_id} has two evaluators")
            EVALUATORS[rule_id] = fn
        return fn

    return register


def passed(
    detail: str | Message, *, population: int | None = None, **measured: Any
) -> Outcome:
    """A passing outcome; ``population`` is how many objects were judged."""
    return Outcome(
        status=Status.PASS,
        measured=measured,
        score=1.0,
        population=_count(population),
        **_said(detail),
    )


def failed(
    detail: str | Message,
    affected: Iterable[str] = (),
    *,
    population: int | None = None,
    compliant: int | float | None = None,
    score: float | None = None,
    affected_count: int | None = None,
    **measured: Any,
) -> Outcome:
    """A failing outcome; ``affected`` are the objects to fix, sorted for stability.

    A rule that judges a population says how many objects it judged
    (``population``) and how many of them are fine (``compliant``; by default
    the population less the affected objects): its score is the compliant
    share, so 36 of 40 encrypted computers score 0.9. A yes/no rule gives
    neither and scores 0. ``score`` sets a share directly (an interview
    answer of "Partly" is 0.5). ``affected_count`` counts the failing objects
    when ``affected`` lists something else (subscriptions for seats).
    """
    shown = tuple(sorted({str(a) for a in affected}))
    bad = len(shown) if affected_count is None else int(affected_count)
    if score is None:
        score = 0.0
        if population:
            fine = population - bad if compliant is None else compliant
            # A failure never scores as a pass, however large the population.
            score = min(max(fine / population, 0.0), _BELOW_ONE)
    return Outcome(
        status=Status.FAIL,
        affected=shown,
        measured=measured,
        score=float(score),
        population=_count(population),
        # A count equal to the list says nothing more; kept, it would not
        # survive assessment.json (which stores the count, not the None).
        affected_count=None if affected_count is None or bad == len(shown) else bad,
        **_said(detail),
    )


#: The highest score a failing rule can have: a failure is never a full pass.
_BELOW_ONE = 0.999


def _count(population: int | None) -> int | None:
    return None if population is None else int(population)


def not_assessed(detail: str | Message) -> Outcome:
    """The data arrived but cannot answer the question (an unanswered interview)."""
    return Outcome(status=Status.NOT_ASSESSED, **_said(detail))


def load_all() -> dict[str, Evaluator]:
    """Import the built-in rule modules so their evaluators register."""
    from healthcheck.rules import (  # noqa: F401
        backup,
        endpoint,
        expert,
        foundation,
        identity,
        mail,
        processes,
        review,
        tenant,
    )

    return EVALUATORS
