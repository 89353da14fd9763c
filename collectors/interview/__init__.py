"""The interview collector: the consultant's interview workbook, read with openpyxl.

The workbook is the consultant's own input (``healthcheck init`` writes it),
so a wrong answer, a cell in Last reviewed that is not a date, or an ID that
is not one of the catalogue's questions stops the run with the sheet, cell
and allowed values named, rather than being skipped.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import date, datetime

import openpyxl
import pandas as pd

from healthcheck import datasets, init
from healthcheck.config import CollectContext
from healthcheck.errors import InputError
from healthcheck.i18n import english
from healthcheck.model import CollectorRun, RunStatus, SourceFile, msg

# The layout is defined where the workbook is written, so the two cannot drift.
SHEET, HEADERS, ALLOWED = init.SHEET, init.HEADERS, init.ALLOWED


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def _is_date(value: object) -> bool:
    """An Excel date, an ISO date text, or an empty cell."""
    if value is None or isinstance(value, date):  # datetime is a date too
        return True
    text = str(value).strip()
    if not text:
        return True
    try:
        date.fromisoformat(text[:10])
    except ValueError:
        return False
    return len(text) == 10 or text[10] in " T"


class InterviewCollector:
    """Reads ``interview.xlsx`` into the ``interview_answers`` dataset."""

    name = "interview"
    title = "Interview workbook filled in with the client"
    provides = ("interview_answers",)
    permissions: tuple[str, ...] = ()

    def applies(self, ctx: CollectContext) -> bool:
        """Always asked, so a missing workbook is reported as missing evidence."""
        return True

    def collect(self, ctx: CollectContext) -> Iterator[CollectorRun]:
        """Read and validate the Interview sheet."""
        path = ctx.engagement.interview_path
        if not path.is_file():
            yield CollectorRun.because(
                msg("collect.no_workbook", path=str(path)),
                collector=self.name,
                dataset_name="interview_answers",
                status=RunStatus.MISSING,
                render=english,
            )
            return
        shown = str(path)
        try:
            wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
        except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds
            raise InputError(
                f"cannot be read as an Excel workbook ({exc})", file=shown
            ) from None
        try:
            if SHEET not in wb.sheetnames:
                raise InputError(
                    f"sheet '{SHEET}' is missing",
                    file=shown,
                    hint="sheets found: " + ", ".join(wb.sheetnames),
                )
            rows = list(wb[SHEET].iter_rows(values_only=True))
        finally:
            wb.close()
        if not rows:
            raise InputError(f"sheet '{SHEET}' is empty", file=shown)
        header = [_text(c).casefold() for c in rows[0]]
        index = {}
        for canon, label in HEADERS.items():
            if label.casefold() not in header:
                raise InputError(
                    f"sheet '{SHEET}' has no header '{label}' in row 1",
                    file=shown,
                    column=label,
                )
            index[canon] = header.index(label.casefold())
        records, origin = [], []
        known = {q.id for q in init.load_questions()}
        seen: dict[str, str] = {}

        def cell(canon: str, n: int) -> str:
            return f"{openpyxl.utils.get_column_letter(index[canon] + 1)}{n}"

        for n, row in enumerate(rows[1:], start=2):
            cells = {k: _text(row[i]) if i < len(row) else "" for k, i in index.items()}
            if not any(cells.values()):
                continue
            qid = cells["question_id"]
            if qid not in known:
                raise InputError(
                    f"sheet '{SHEET}', cell {cell('question_id', n)}: unknown "
                    f"question id {qid!r}; expected one of " + ", ".join(sorted(known)),
                    file=shown,
                    hint="start from the workbook `healthcheck init` writes",
                )
            if qid in seen:
                raise InputError(
                    f"sheet '{SHEET}', cell {cell('question_id', n)}: question "
                    f"{qid!r} is already answered in cell {seen[qid]}",
                    file=shown,
                )
            seen[qid] = cell("question_id", n)
            answer = cells["answer"].replace("\u2019", "'")
            if answer and answer.casefold() not in {a.casefold() for a in ALLOWED}:
                raise InputError(
                    f"sheet '{SHEET}', cell {cell('answer', n)}: expected one of "
                    + ", ".join(ALLOWED)
                    + f", got {cells['answer']!r}",
                    file=shown,
                )
            raw_date = (
                row[index["last_reviewed"]]
                if index["last_reviewed"] < len(row)
                else None
            )
            if not _is_date(raw_date):
                raise InputError(
                    f"sheet '{SHEET}', cell {cell('last_reviewed', n)}: expected a "
                    f"date like 2026-03-31, got {cells['last_reviewed']!r}",
                    file=shown,
                )
            records.append(cells)
            origin.append((f"{shown} [{SHEET}]", n))
        raw = pd.DataFrame(records, columns=list(HEADERS), dtype="object")
        source = SourceFile(
            path=shown,
            format="healthcheck_interview",
            sha256=hashlib.sha256(path.read_bytes()).hexdigest(),
            rows_read=len(records),
            rows_rejected=0,
        )
        dataset = datasets.build(
            "interview_answers",
            raw,
            collector=self.name,
            collected_at=ctx.collected_at,
            origin=origin,
            sources=[source],
            source_columns=HEADERS,
        )
        yield CollectorRun(
            collector=self.name,
            dataset_name="interview_answers",
            status=RunStatus.OK,
            dataset=dataset,
        )
