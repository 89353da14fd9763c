"""The evaluator shared by interview questions: answered, owned and current.

Registered per layer in :mod:`.processes` and :mod:`.expert`; the catalogue's
``question`` parameter names the workbook row.
"""

from __future__ import annotations

import pandas as pd

from healthcheck.rules import (
    Message,
    Outcome,
    RuleContext,
    failed,
    msg,
    not_assessed,
    passed,
)

#: What an answer is worth: Yes 1, Partly 0.5, No 0. A "Yes" with no owner or
#: no review within ``max_review_age_days`` counts as Partly: the document may
#: exist, but nobody keeps it current.
PARTLY = 0.5
_SCORES = {"no": 0.0, "partly": PARTLY}

#: The interview answers a failing sentence quotes, by their canonical value.
_ANSWERS = {
    "no": "rules.interview.answer.no",
    "partly": "rules.interview.answer.partly",
}


def interview_answer(ctx: RuleContext) -> Outcome:
    """Pass on "Yes" with an owner and a review date within ``max_review_age_days``."""
    answers = ctx.frame("interview_answers")
    qid = str(ctx.params["question"])
    row = answers[answers["question_id"] == qid]
    if row.empty:
        return not_assessed(msg("rules.interview.not_in_workbook", question=qid))
    answer, owner, reviewed, notes = (
        row.iloc[0][c] for c in ("answer", "owner", "last_reviewed", "notes")
    )
    # The client's own words: shown as they are, in every language.
    note = (
        msg("rules.interview.note", notes=notes)
        if isinstance(notes, str) and notes
        else ""
    )
    if pd.isna(answer):
        # The question as the reader knows it, never its id.
        asked = row.iloc[0]["question"]
        question = Message(
            f"interview.{qid}.text",
            default=str(asked) if isinstance(asked, str) and asked.strip() else qid,
        )
        return not_assessed(msg("rules.interview.unanswered", question=question))
    if answer == "dont_know":
        return failed(msg("rules.interview.dont_know", note=note), answer=answer)
    if answer in ("no", "partly"):
        return failed(
            msg("rules.interview.answered", answer=msg(_ANSWERS[answer]), note=note),
            score=_SCORES[answer],
            answer=answer,
        )
    if pd.isna(owner):
        return failed(
            msg("rules.interview.no_owner", note=note), score=PARTLY, answer=answer
        )
    if pd.isna(reviewed):
        return failed(
            msg("rules.interview.no_review_date", owner=str(owner), note=note),
            score=PARTLY,
            answer=answer,
        )
    age = (pd.Timestamp(ctx.as_of) - reviewed).days
    limit = int(ctx.params["max_review_age_days"])
    if age > limit:
        return failed(
            msg(
                "rules.interview.review_too_old",
                owner=str(owner),
                age=age,
                reviewed=reviewed.date(),
                limit=limit,
                note=note,
            ),
            score=PARTLY,
            answer=answer,
            review_age_days=age,
        )
    return passed(
        msg(
            "rules.interview.pass",
            owner=str(owner),
            reviewed=reviewed.date(),
            note=note,
        ),
        answer=answer,
        review_age_days=age,
    )
