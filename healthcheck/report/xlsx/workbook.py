"""The workbook entry point: every sheet group joined, built and written atomically."""

from __future__ import annotations

from contextlib import nullcontext
from pathlib import Path
from typing import Any

from openpyxl import Workbook

from healthcheck.atomic import write_atomic
from healthcheck.i18n import DEFAULT_LANGUAGE
from healthcheck.model import Assessment
from healthcheck.report.xlsx import stream
from healthcheck.report.xlsx.actions import ActionsSheet
from healthcheck.report.xlsx.findings import FindingsSheets
from healthcheck.report.xlsx.layout import Plan, deferring
from healthcheck.report.xlsx.sources import SourceSheets
from healthcheck.report.xlsx.summary import SummarySheet
from healthcheck.report.xlsx.waste import WasteSheets


class Writer(SummarySheet, ActionsSheet, FindingsSheets, WasteSheets, SourceSheets):
    """Builds the workbook of one assessment in one language."""

    def build(self, plans: dict[str, Plan] | None = None) -> Workbook:
        """All sheets, in reading order.

        With ``plans``, the pure list sheets (affected objects, waste users,
        sources, rejected rows) are planned into it and left empty, for
        :func:`.stream.save`; without, every sheet is written in full.
        """
        lists = deferring(self.wb, plans) if plans is not None else nullcontext()
        summary = self.sheet(self.w("sheet.summary", "Summary"))
        actions = self.sheet(self.w("sheet.actions", "Actions"))
        findings = self.sheet(self.w("sheet.findings", "Findings"))
        waste = self.sheet(self.w("sheet.waste", "Waste"))
        with lists:
            links = self.affected_sheets()
            user_links = self.user_sheets()
        self.fill_summary(summary)
        self.fill_actions(actions)
        self.fill_findings(findings, links)
        self.fill_waste(waste, user_links)
        sources = self.sheet(self.w("sheet.sources", "Sources"))
        rejected = self.sheet(self.w("sheet.rejected", "Rejected rows"))
        lists = deferring(self.wb, plans) if plans is not None else nullcontext()
        with lists:
            self.fill_sources(sources)
            self.fill_rejected(rejected)
        return self.wb


def build(
    a: Assessment, lang: str = DEFAULT_LANGUAGE, *, comparison: Any = None
) -> Workbook:
    """The workbook of one assessment, labelled in ``lang``.

    ``comparison`` (a ``compare.Comparison``) adds the changes since the
    previous quarter to the Summary; without it, an assessment's own
    ``comparison`` attribute is used if it has one.
    """
    return Writer(a, lang, comparison).build()


def write(
    a: Assessment,
    path: Path,
    lang: str = DEFAULT_LANGUAGE,
    *,
    comparison: Any = None,
) -> Path:
    """Write ``findings.xlsx`` in ``lang`` atomically (see :func:`build`).

    The same workbook as :func:`build`'s, saved in openpyxl's write-only mode
    with the big list sheets streamed (:mod:`.stream`): at 50,000 users the
    save took a third of a run in normal mode.
    """
    plans: dict[str, Plan] = {}
    wb = Writer(a, lang, comparison).build(plans)
    return write_atomic(path, lambda fh: stream.save(wb, plans, fh))
