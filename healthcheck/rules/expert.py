"""Layer 4 evaluators: escalation, vendors and independent advice (interview)."""

from __future__ import annotations

from healthcheck.rules import evaluates
from healthcheck.rules.interview import interview_answer

evaluates("EXP-01", "EXP-02", "EXP-03")(interview_answer)

evaluates("EXP-04", "EXP-05")(interview_answer)
