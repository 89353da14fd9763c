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

from healthcheck.model import Message, Status, joined, msg

__all__ = [
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


def passed(detail: str | Message, **measured: Any) -> Outcome:
    """A passing outcome."""
    return Outcome(status=Status.PASS, measured=measured, **_said(detail))


def failed(
    detail: str | Message, affected: Iterable[str] = (), **measured: Any
) -> Outcome:
    """A failing outcome; ``affected`` are the objects to fix, sorted for stability."""
    return Outcome(
        status=Status.FAIL,
        affected=tuple(sorted({str(a) for a in affected})),
        measured=measured,
        **_said(detail),
    )


def not_assessed(detail: str | Message) -> Outcome:
    """The data arrived but cannot answer the question (an unanswered interview)."""
    return Outcome(status=Status.NOT_ASSESSED, **_said(detail))


def load_all() -> dict[str, Evaluator]:
    """Import the built-in rule modules so their evaluators register."""
    from healthcheck.rules import expert, foundation, processes, review  # noqa: F401

    return EVALUATORS
