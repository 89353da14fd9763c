"""The workbook entry point: every sheet group joined, built and written atomically."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from openpyxl import Workbook

from healthcheck.atomic import write_atomic
from healthcheck.i18n import DEFAULT_LANGUAGE
from healthcheck.model import Assessment
from healthcheck.report.xlsx.actions import ActionsSheet
from healthcheck.report.xlsx.findings import FindingsSheets
from healthcheck.report.xlsx.sources import SourceSheets
from healthcheck.report.xlsx.summary import SummarySheet
from healthcheck.report.xlsx.waste import WasteSheets


class Writer(SummarySheet, ActionsSheet, FindingsSheets, WasteSheets, SourceSheets):
    """Builds the workbook of one assessment in one language."""

    def build(self) -> Workbook:
        """All sheets, in reading order."""
        summary = self.sheet(self.w("sheet.summary", "Summary"))
        actions = self.sheet(self.w("sheet.actions", "Actions"))
        findings = self.sheet(self.w("sheet.findings", "Findings"))
        waste = self.sheet(self.w("sheet.waste", "Waste"))
        links = self.affected_sheets()
        user_links = self.user_sheets()
        self.fill_summary(summary)
        self.fill_actions(actions)
        self.fill_findings(findings, links)
        self.fill_waste(waste, user_links)
        self.fill_sources(self.sheet(self.w("sheet.sources", "Sources")))
        self.fill_rejected(self.sheet(self.w("sheet.rejected", "Rejected rows")))
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
    """Write ``findings.xlsx`` in ``lang`` atomically (see :func:`build`)."""
    wb = build(a, lang, comparison=comparison)
    return write_atomic(path, wb.save)
