"""The interview collector: the consultant's interview workbook, read with openpyxl.

The workbook is the consultant's own input, so a wrong answer stops the run
with the sheet, cell and allowed values named, rather than being skipped.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import date, datetime

import openpyxl
import pandas as pd

from healthcheck import datasets
from healthcheck.config import CollectContext
from healthcheck.errors import InputError
from healthcheck.model import CollectorRun, RunStatus, SourceFile

SHEET = "Interview"
HEADERS = {
    "question_id": "ID",
    "layer": "Layer",
    "question": "Question",
    "answer": "Answer",
    "owner": "Owner",
    "last_reviewed": "Last reviewed",
    "notes": "Notes",
}
ALLOWED = ("Yes", "Partly", "No", "Don't know")


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


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
            yield CollectorRun(
                collector=self.name,
                dataset_name="interview_answers",
                status=RunStatus.MISSING,
                reason=f"no interview workbook at {path}",
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
        answer_col = openpyxl.utils.get_column_letter(index["answer"] + 1)
        for n, row in enumerate(rows[1:], start=2):
            cells = {k: _text(row[i]) if i < len(row) else "" for k, i in index.items()}
            if not any(cells.values()):
                continue
            answer = cells["answer"].replace("\u2019", "'")
            if answer and answer.casefold() not in {a.casefold() for a in ALLOWED}:
                raise InputError(
                    f"sheet '{SHEET}', cell {answer_col}{n}: expected one of "
                    + ", ".join(ALLOWED)
                    + f", got {cells['answer']!r}",
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
