"""The workbook writer's shared state: assessment, language, formats."""

from __future__ import annotations

from typing import Any

from openpyxl import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from healthcheck.i18n import DEFAULT_LANGUAGE, Translator
from healthcheck.model import Assessment
from healthcheck.report.xlsx.cells import safe_sheet_name
from healthcheck.report.xlsx.styles import excel_money_format, excel_percent_format


class WriterBase:
    """The state every sheet group shares, and the labels they all use.

    The sheet groups (:mod:`.summary`, :mod:`.findings`, :mod:`.waste`,
    :mod:`.sources`) extend it; :class:`~.workbook.Writer` joins them.
    """

    def __init__(
        self, a: Assessment, lang: str = DEFAULT_LANGUAGE, comparison: Any = None
    ) -> None:
        self.a = a
        #: A ``compare.Comparison`` (or its ``to_dict()``) with the last quarter.
        self.comparison = (
            comparison if comparison is not None else getattr(a, "comparison", None)
        )
        self.t = Translator(lang)
        self.wb = Workbook()
        self.wb.remove(self.wb.active)
        self.money = excel_money_format(self.t, a.waste.currency)
        self.percent = excel_percent_format(self.t)
        self.date = self.w("format.date", "d mmm yyyy")
        self.datetime = self.w("format.datetime", "d mmm yyyy hh:mm")

    def w(self, key: str, default: str, /, **params: Any) -> str:
        """A workbook label of this language."""
        return self.t.t(f"workbook.{key}", default, **params)

    def sheet(self, wanted: str) -> Worksheet:
        """A new sheet with a safe, unique name."""
        return self.wb.create_sheet(safe_sheet_name(wanted, self.wb.sheetnames))

    def layer(self, layer: str, english: str) -> str:
        """A layer's name in this language."""
        return self.w(f"layer.{layer}", english)

    def status(self, value: Any) -> str:
        """A finding status in this language ("" for none)."""
        return self.w(f"status.{value}", str(value)) if value else ""
