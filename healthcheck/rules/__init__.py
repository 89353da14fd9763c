"""Rule evaluators: pure functions of canonical datasets.

An evaluator is registered for one or more catalogue ids with
:func:`evaluates` and receives a :class:`RuleContext`. It never sees missing
evidence: the engine checks each rule's ``requires`` first and marks the rule
not assessed when a dataset or column did not arrive.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import pandas as pd

from healthcheck.model import Status


@dataclass(frozen=True, kw_only=True, slots=True)
class RuleContext:
    """What an evaluator may read."""

    rule_id: str
    datasets: Mapping[str, pd.DataFrame]
    params: Mapping[str, Any]
    as_of: date
    now: datetime

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
    detail: str
    affected: tuple[str, ...] = ()
    measured: Mapping[str, Any] = field(default_factory=dict)
    evidence: tuple[str, ...] = ()


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


def passed(detail: str, **measured: Any) -> Outcome:
    """A passing outcome."""
    return Outcome(status=Status.PASS, detail=detail, measured=measured)


def failed(detail: str, affected: Iterable[str] = (), **measured: Any) -> Outcome:
    """A failing outcome; ``affected`` are the objects to fix, sorted for stability."""
    return Outcome(
        status=Status.FAIL,
        detail=detail,
        affected=tuple(sorted({str(a) for a in affected})),
        measured=measured,
    )


def not_assessed(detail: str) -> Outcome:
    """The data arrived but cannot answer the question (an unanswered interview)."""
    return Outcome(status=Status.NOT_ASSESSED, detail=detail)


def verb(n: int, one: str, many: str) -> str:
    """'has' for 1, 'have' otherwise."""
    return one if n == 1 else many


def plural(n: int, word: str, words: str | None = None) -> str:
    """'1 device', '3 devices'."""
    return f"{n} {word if n == 1 else (words or word + 's')}"


def load_all() -> dict[str, Evaluator]:
    """Import the built-in rule modules so their evaluators register."""
    from healthcheck.rules import expert, foundation, processes, review  # noqa: F401

    return EVALUATORS
