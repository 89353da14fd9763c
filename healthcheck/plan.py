"""The action plan agreed last quarter, and what became of each action.

**Where the plan lives: ``plan.xlsx`` in the engagement folder** of the
quarter being assessed. It is last quarter's ``findings.xlsx`` with Owner and
Due date filled in on its Actions sheet at the review meeting, saved under
that name (any workbook with an Actions sheet holding Rule, Owner and Due date
columns in English or Finnish will do). We read a copy the consultant puts in
the engagement rather than last quarter's report folder because a report
folder is output: the next run of that quarter (a new tool version, a
corrected export) replaces it, and a plan typed into it would be lost. As an
input, the plan is hashed with the other inputs, copied into the evidence,
and the report is rebuilt offline with it.

A row is an agreed action when it names a rule and has an owner or a due
date; the rest of the sheet is last quarter's list, not a commitment.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from healthcheck.errors import InputError
from healthcheck.i18n import Translator
from healthcheck.model import AgreedAction, AgreedStatus, Finding, Status

PLAN_NAME = "plan.xlsx"
_RULE_ID = re.compile(r"^(FND|DOC|REV|EXP)-\d{2}$")
_FI_DATE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")


@dataclass(frozen=True, kw_only=True, slots=True)
class PlanItem:
    """One agreed row of the plan."""

    rule_id: str
    owner: str
    due: date | None
    row: int


def _labels(key: str) -> set[str]:
    """A column's header in every report language, compared without case."""
    return {
        Translator(lang).t(f"workbook.{key}", "").strip().casefold()
        for lang in ("en", "fi")
    } - {""}


def _due(value: object, path: Path, row: int, column: str) -> date | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    try:
        return date.fromisoformat(text)
    except ValueError:
        pass
    m = _FI_DATE.match(text)
    if m:
        try:
            return date(int(m[3]), int(m[2]), int(m[1]))
        except ValueError:
            pass
    raise InputError(
        f"expected a date like 2027-01-31, got {text[:40]!r}",
        file=path,
        row=row,
        column=column,
    )


def read(path: str | Path) -> tuple[PlanItem, ...]:
    """The agreed rows of ``plan.xlsx``'s Actions sheet.

    Raises:
        InputError: not a workbook, no Actions sheet with Rule, Owner and Due
            date columns, a rule id that is not one, or a due date that is not
            a date.
    """
    import openpyxl  # only runs with a plan pay for it

    path = Path(path)
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - any unreadable file is the user's to fix
        raise InputError(
            f"not an Excel workbook ({type(exc).__name__})",
            file=path,
            hint="save last quarter's findings.xlsx, Owner and Due date filled in, "
            "as plan.xlsx",
        ) from None
    try:
        return _read_sheet(wb, path)
    finally:
        wb.close()


def _read_sheet(wb: object, path: Path) -> tuple[PlanItem, ...]:
    names = _labels("sheet.actions")
    rule_l, owner_l, due_l = (
        _labels(k) for k in ("actions.rule", "actions.owner", "actions.due")
    )
    for ws in wb.worksheets:  # type: ignore[attr-defined]
        if ws.title.strip().casefold() not in names:
            continue
        rows = ws.iter_rows(values_only=True)
        header = [str(c or "").strip() for c in next(rows, ())]
        folded = [h.casefold() for h in header]

        ci, co, cd = (
            _column(folded, labels, ws.title, path)
            for labels in (rule_l, owner_l, due_l)
        )
        out: list[PlanItem] = []
        seen: set[str] = set()
        for n, values in enumerate(rows, start=2):
            cells = list(values) + [None] * (len(header) - len(values))
            rule = str(cells[ci] or "").strip().upper()
            owner = str(cells[co] or "").strip()
            due = _due(cells[cd], path, n, header[cd])
            if not rule or not (owner or due):
                continue
            if not _RULE_ID.match(rule):
                raise InputError(
                    f"expected a rule id like FND-01, got {rule[:40]!r}",
                    file=path,
                    row=n,
                    column=header[ci],
                )
            if rule in seen:
                continue  # a repeated row: the first one agreed counts
            seen.add(rule)
            out.append(PlanItem(rule_id=rule, owner=owner, due=due, row=n))
        return tuple(out)
    raise InputError(
        "no Actions sheet",
        file=path,
        hint="save last quarter's findings.xlsx, Owner and Due date filled in, "
        "as plan.xlsx",
    )


def _column(folded: list[str], labels: set[str], sheet: str, path: Path) -> int:
    """The index of the header that is one of ``labels``."""
    for i, h in enumerate(folded):
        if h in labels:
            return i
    raise InputError(
        f"sheet '{sheet}' has no column {sorted(labels)[0]!r}",
        file=path,
        row=1,
        hint="keep the header row of the Actions sheet as written",
    )


def carry_over(
    items: Iterable[PlanItem],
    findings: Iterable[Finding],
    as_of: date,
    *,
    agreed_in: str = "",
) -> tuple[AgreedAction, ...]:
    """Each agreed action, judged by its finding this quarter.

    Done when the finding passes; overdue when it still fails after the due
    date (a due date on the assessment day is not yet overdue); open when it
    fails before that or without a due date. A rule not in the catalogue any
    more, or without evidence now, is not assessed: missing evidence proves
    nothing.
    """
    by_id = {f.rule_id: f for f in findings}
    out = []
    for item in items:
        f = by_id.get(item.rule_id)
        if f is None or f.status is Status.NOT_ASSESSED:
            status = AgreedStatus.NOT_ASSESSED
        elif f.status is Status.PASS:
            status = AgreedStatus.DONE
        elif f.status is Status.ACCEPTED:
            status = AgreedStatus.ACCEPTED
        elif item.due is not None and item.due < as_of:
            status = AgreedStatus.OVERDUE
        else:
            status = AgreedStatus.OPEN
        out.append(
            AgreedAction(
                rule_id=item.rule_id,
                owner=item.owner,
                due=item.due,
                status=status,
                agreed_in=agreed_in,
            )
        )
    return tuple(out)
