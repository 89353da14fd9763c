"""The Actions sheet: every ranked action, with Owner and Due date to fill in.

Saved as next quarter's ``plan.xlsx`` (see :mod:`healthcheck.plan`), the
filled-in sheet is the plan the next run reports on.
"""

from __future__ import annotations

from openpyxl.worksheet.worksheet import Worksheet

from healthcheck.report.xlsx.base import WriterBase
from healthcheck.report.xlsx.layout import Col, table
from healthcheck.report.xlsx.styles import INTEGER, SCORE


class ActionsSheet(WriterBase):
    """One row per action of ``assessment.actions``, in rank order."""

    def fill_actions(self, ws: Worksheet) -> None:
        """Rank, the control and its problem, what fixing gains, effort, owner."""
        w, t = self.w, self.t
        by_id = {f.rule_id: f for f in self.a.findings}
        cols = [
            Col(w("actions.rank", "#"), INTEGER),
            Col(w("actions.rule", "Rule")),
            Col(w("actions.title", "Control"), wrap=True, max_width=40),
            Col(w("actions.problem", "Problem"), wrap=True),
            Col(w("actions.layer", "Layer")),
            Col(w("actions.severity", "Severity")),
            Col(w("actions.overall_gain", "Overall points gained"), SCORE),
            Col(w("actions.layer_gain", "Layer points gained"), SCORE),
            Col(w("actions.affected", "Affected"), INTEGER),
            Col(w("actions.effort", "Effort")),
            Col(w("actions.remediation", "Remediation"), wrap=True),
            # Left empty for the consultant and the client to agree on.
            Col(w("actions.owner", "Owner"), max_width=24),
            Col(w("actions.due", "Due date"), self.date),
        ]
        # An action agreed last quarter and still open keeps its owner and
        # due date: the plan carries over rather than being typed again.
        agreed = {
            x.rule_id: x
            for x in self.a.agreed_actions
            if x.status.value in ("open", "overdue")
        }
        rows = []
        for a in self.a.actions:
            f = by_id[a.rule_id]
            kept = agreed.get(a.rule_id)
            rows.append(
                (
                    a.rank,
                    a.rule_id,
                    t.rule(f.rule_id, "title", f.title),
                    t.detail(f.to_dict()).strip(),
                    self.layer(a.layer.value, a.layer.label),
                    w(f"severity.{a.severity.value}", a.severity.value),
                    a.overall_gain,
                    a.layer_gain,
                    a.affected_count,
                    w(f"effort.{a.effort}", a.effort),
                    t.rule(f.rule_id, "remediation", f.remediation).strip(),
                    kept.owner if kept else None,
                    kept.due if kept else None,
                )
            )
        table(ws, cols, rows)
        # The due dates the consultant types in are dates, shown as dates.
        for row in range(2, len(rows) + 2):
            ws.cell(row=row, column=len(cols)).number_format = self.date
