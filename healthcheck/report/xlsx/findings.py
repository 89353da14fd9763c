"""The Findings sheet and one sheet of affected objects per finding."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from openpyxl.worksheet.worksheet import Worksheet

from healthcheck import zones
from healthcheck.model import Finding, ObjectTable, Status
from healthcheck.report.xlsx.base import WriterBase
from healthcheck.report.xlsx.layout import Col, link_to, table
from healthcheck.report.xlsx.styles import INTEGER


class FindingsSheets(WriterBase):
    """The Findings sheet and its affected-object sheets."""

    def findings(self) -> list[Finding]:
        """Findings by severity (critical first), then layer, then rule id."""
        return sorted(
            self.a.findings,
            key=lambda f: (f.severity.rank, f.layer.number, f.rule_id),
        )

    def title(self, f: Finding) -> str:
        """A rule's title in this language."""
        return self.t.rule(f.rule_id, "title", f.title)

    def affected_sheets(self) -> dict[str, str]:
        """One sheet per failed or accepted finding with objects; rule id -> name."""
        out = {}
        index: dict[str, dict[str, list[tuple[Any, ...]]]] = {}
        for f in self.findings():
            if f.status not in (Status.FAIL, Status.ACCEPTED) or not f.affected:
                continue
            ws = self.sheet(
                self.w(
                    "affected.sheet",
                    "{rule} {title}",
                    rule=f.rule_id,
                    title=self.title(f),
                )
            )
            objects = self.a.objects_of(f, index)
            if objects is not None and objects.columns:
                self.object_table(ws, objects, f.affected)
            else:
                table(
                    ws,
                    [Col(self.w("affected.object", "Affected object"))],
                    ((obj,) for obj in f.affected),
                )
            out[f.rule_id] = ws.title
        return out

    def object_table(
        self, ws: Worksheet, objects: ObjectTable, affected: tuple[str, ...] = ()
    ) -> None:
        """The affected objects with their evidence: typed columns, dates as dates.

        The first column names the object. A name of ``affected`` the table
        lacks (an edited assessment) still gets a row of its own: the list
        never shows fewer objects than the finding counts.
        """
        formats = {"date": self.date, "datetime": self.datetime, "int": INTEGER}
        cols = [
            Col(
                self.object_header(name, kind),
                formats.get(kind),
                max_width=40 if kind == "text" else None,
            )
            for name, kind in zip(objects.columns, objects.types, strict=True)
        ]
        # Times are stored as UTC; shown in the engagement's zone, as the
        # header says.
        zone = self.a.timezone
        rows = objects.typed_rows(
            datetime=lambda v: zones.local_naive(datetime.fromisoformat(str(v)), zone)
        )
        named = {str(r[0]).casefold() for r in rows if r and r[0] is not None}
        blank = (None,) * (len(objects.columns) - 1)
        rows += [(a, *blank) for a in affected if str(a).casefold() not in named]
        table(ws, cols, rows)

    def object_header(self, column: str, kind: str) -> str:
        """A column's header; a time says its time zone (times are UTC)."""
        label = self.w(f"objects.{column}", column.replace("_", " ").capitalize())
        return f"{label} ({self.zone_label()})" if kind == "datetime" else label

    def zone_label(self) -> str:
        """The time zone the workbook's times are shown in."""
        return self.a.timezone

    def fill_findings(self, ws: Worksheet, links: Mapping[str, str]) -> None:
        """One row per finding, with a link to its affected-object sheet."""
        w, t = self.w, self.t
        cols = [
            Col(w("findings.rule", "Rule")),
            Col(w("findings.layer", "Layer")),
            Col(w("findings.severity", "Severity")),
            Col(w("findings.status", "Status")),
            Col(w("findings.title", "Title"), wrap=True, max_width=40),
            Col(w("findings.affected", "Affected"), INTEGER),
            Col(w("findings.population", "Judged"), INTEGER),
            Col(w("findings.score", "Score"), self.percent),
            Col(w("findings.detail", "Detail"), wrap=True),
            Col(w("findings.remediation", "Remediation"), wrap=True),
            Col(
                w("findings.accepted_reason", "Accepted risk"), wrap=True, max_width=30
            ),
            Col(w("findings.accepted_until", "Accepted until"), self.date),
            Col(w("findings.objects", "Affected objects"), max_width=30),
        ]
        rows = []
        for f in self.findings():
            link = links.get(f.rule_id)
            data = f.to_dict()
            rows.append(
                (
                    f.rule_id,
                    self.layer(f.layer.value, f.layer.label),
                    w(f"severity.{f.severity.value}", f.severity.value),
                    self.status(f.status.value),
                    self.title(f),
                    f.affected_count,
                    f.population,
                    f.score,
                    (t.detail(data) or t.reason(data)).strip(),
                    t.rule(f.rule_id, "remediation", f.remediation).strip(),
                    self.acceptance(f),
                    f.acceptance.expires if f.acceptance else None,
                    link or "",
                )
            )
        table(ws, cols, rows)
        link_col = len(cols)
        for r in range(2, ws.max_row + 1):
            cell = ws.cell(row=r, column=link_col)
            if cell.value:
                link_to(cell, str(cell.value))

    def acceptance(self, f: Finding) -> str:
        """The reason a risk was accepted, marked when the acceptance expired."""
        if f.acceptance is None:
            return ""
        if f.acceptance.expired:
            return self.w(
                "findings.expired", "Expired: {reason}", reason=f.acceptance.reason
            )
        return f.acceptance.reason
