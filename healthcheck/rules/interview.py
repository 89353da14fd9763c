"""The evaluator shared by interview questions: answered, owned and current.

Registered per layer in :mod:`.processes` and :mod:`.expert`; the catalogue's
``question`` parameter names the workbook row.
"""

from __future__ import annotations

import pandas as pd

from healthcheck.rules import Outcome, RuleContext, failed, not_assessed, passed


def interview_answer(ctx: RuleContext) -> Outcome:
    """Pass on "Yes" with an owner and a review date within ``max_review_age_days``."""
    answers = ctx.frame("interview_answers")
    qid = str(ctx.params["question"])
    row = answers[answers["question_id"] == qid]
    if row.empty:
        return not_assessed(f"Question '{qid}' is not in the interview workbook.")
    answer, owner, reviewed, notes = (
        row.iloc[0][c] for c in ("answer", "owner", "last_reviewed", "notes")
    )
    note = f" Note: {notes}" if isinstance(notes, str) and notes else ""
    if pd.isna(answer):
        return not_assessed(f"Question '{qid}' was not answered in the interview.")
    if answer == "dont_know":
        return failed("Nobody interviewed could say." + note, answer=answer)
    if answer in ("no", "partly"):
        return failed(
            f"Answered '{'No' if answer == 'no' else 'Partly'}'." + note, answer=answer
        )
    if pd.isna(owner):
        return failed("Answered 'Yes', but no owner is named." + note, answer=answer)
    if pd.isna(reviewed):
        return failed(
            f"Answered 'Yes' (owner {owner}), but no review date is given." + note,
            answer=answer,
        )
    age = (pd.Timestamp(ctx.as_of) - reviewed).days
    limit = int(ctx.params["max_review_age_days"])
    if age > limit:
        return failed(
            f"Owned by {owner}, but last reviewed {age} days ago "
            f"({reviewed.date().isoformat()}), more than {limit}." + note,
            answer=answer,
            review_age_days=age,
        )
    return passed(
        f"Owned by {owner}, last reviewed {reviewed.date().isoformat()}." + note,
        answer=answer,
        review_age_days=age,
    )
