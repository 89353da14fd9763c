"""The Sources and Rejected rows sheets."""

from __future__ import annotations

from openpyxl.worksheet.worksheet import Worksheet

from healthcheck.report.xlsx.base import WriterBase
from healthcheck.report.xlsx.layout import Col, table
from healthcheck.report.xlsx.styles import INTEGER


class SourceSheets(WriterBase):
    """Where the data came from, and what could not be read."""

    def fill_sources(self, ws: Worksheet) -> None:
        """The files every dataset was read from."""
        w = self.w
        table(
            ws,
            [
                Col(w("sources.dataset", "Dataset")),
                Col(w("sources.file", "File")),
                Col(w("sources.format", "Format")),
                Col(w("sources.rows_read", "Rows read"), INTEGER),
                Col(w("sources.rows_rejected", "Rows rejected"), INTEGER),
                Col(w("sources.sha256", "SHA-256")),
            ],
            [
                (
                    s.get("dataset"),
                    s.get("path"),
                    s.get("format"),
                    s.get("rows_read"),
                    s.get("rows_rejected"),
                    s.get("sha256"),
                )
                for s in self.a.sources
            ],
        )

    def fill_rejected(self, ws: Worksheet) -> None:
        """Source rows that could not be read, with the reason."""
        w = self.w
        table(
            ws,
            [
                Col(w("rejected.dataset", "Dataset")),
                Col(w("rejected.file", "File")),
                Col(w("rejected.row", "Row"), INTEGER),
                Col(w("rejected.column", "Column")),
                Col(w("rejected.reason", "Reason"), wrap=True),
            ],
            [
                (
                    r.get("dataset"),
                    r.get("source"),
                    r.get("row"),
                    r.get("column"),
                    r.get("reason"),
                )
                for r in self.a.rejected
            ],
        )
