"""The Summary sheet: client, grades, layers, waste totals, sources, changes."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from openpyxl.styles import Alignment
from openpyxl.worksheet.worksheet import Worksheet

from healthcheck import zones
from healthcheck.compare import whole
from healthcheck.report.context import as_noun, routine
from healthcheck.report.xlsx.base import WriterBase
from healthcheck.report.xlsx.layout import (
    Col,
    autosize,
    chars_per_line,
    fit_rows,
    printable,
    put,
)
from healthcheck.report.xlsx.styles import (
    BOLD,
    HEADER_FILL,
    HEADER_FONT,
    INTEGER,
    LEFT,
    MIN_WIDTH,
    SCORE,
    SUMMARY_LABEL_WIDTH,
    SUMMARY_TEXT_WIDTH,
    SUMMARY_WIDTH,
    TITLE_FONT,
)
from healthcheck.scoring import round_half_up


class SummarySheet(WriterBase):
    """The Summary sheet."""

    def fill_summary(self, ws: Worksheet) -> None:
        """Client, period, grades, layers, waste totals, sources, changes."""
        a, w = self.a, self.w
        na = w("status.not_assessed", "not assessed")
        put(ws, 1, 1, w("summary.title", "IT health check"), font=TITLE_FONT)
        # Shown in the engagement's zone, which the label names.
        generated = zones.local_naive(a.generated_at, a.timezone)
        overall = a.overall
        pairs: list[tuple[str, Any, str | None]] = [
            (w("summary.client", "Client"), a.client_name, None),
            (w("summary.period", "Period"), a.period, None),
            (w("summary.as_of", "Assessment date"), a.as_of, self.date),
            (
                w("summary.generated_in", "Generated ({zone})", zone=a.timezone),
                generated,
                self.datetime,
            ),
            (w("summary.tool_version", "Tool version"), a.tool_version, None),
            (
                w("summary.catalog_version", "Rule catalogue version"),
                a.catalog_version,
                None,
            ),
            (w("summary.overall_grade", "Overall grade"), overall.grade or na, None),
            (
                w("summary.overall_score", "Overall score"),
                na if overall.score is None else overall.score,
                SCORE,
            ),
            (
                w("summary.coverage", "Evidence coverage"),
                overall.coverage,
                self.percent,
            ),
        ]
        if overall.caps:
            pairs += [
                (
                    w("summary.uncapped_score", "Score before caps"),
                    overall.uncapped_score,
                    SCORE,
                ),
                (
                    w("summary.capped_by", "Grade capped by"),
                    "; ".join(
                        w(
                            "summary.cap",
                            "{grade} at most: {rules}",
                            grade=c.grade,
                            rules=", ".join(c.rule_ids),
                        )
                        for c in overall.caps
                    ),
                    None,
                ),
            ]
        row = self.pairs(ws, 3, pairs)

        row = self.section(
            ws,
            row + 1,
            w("summary.layers", "Layers"),
            [
                Col(w("summary.layer", "Layer")),
                Col(w("summary.status", "Status")),
                Col(w("summary.grade", "Grade")),
                Col(w("summary.score", "Score"), SCORE),
                Col(w("summary.coverage_short", "Coverage"), self.percent),
                Col(w("summary.failed", "Failed"), INTEGER),
                Col(w("summary.accepted", "Accepted"), INTEGER),
                Col(w("summary.passed", "Passed"), INTEGER),
                Col(w("summary.not_assessed", "Not assessed"), INTEGER),
            ],
            [
                (
                    f"{s.layer.number}. {self.layer(s.layer.value, s.layer.label)}",
                    w(f"layer_status.{s.status.value}", s.status.value),
                    s.grade or "",
                    s.score,
                    s.coverage,
                    s.counts.get("fail", 0),
                    s.counts.get("accepted", 0),
                    s.counts.get("pass", 0),
                    s.counts.get("not_assessed", 0),
                )
                for s in a.layers
            ],
        )

        put(ws, row + 1, 1, w("summary.waste", "Licence waste"), font=BOLD)
        row += 2
        if a.waste.assessed:
            waste_rows: list[tuple[str, Any, str | None]] = [
                (
                    w("summary.monthly_total", "Monthly total"),
                    a.waste.monthly_total,
                    self.money,
                ),
                (
                    w("summary.annual_total", "Annual total"),
                    a.waste.annual_total,
                    self.money,
                ),
            ]
        else:
            waste_rows = [(w("summary.waste_status", "Licence waste"), na, None)]
        # What could not be counted: all of it, or a part (no subscriptions, say).
        waste_rows += [
            (w("summary.not_counted", "Not counted") if i == 0 else "", reason, None)
            for i, reason in enumerate(self.t.waste_not_assessed(a.waste))
        ]
        waste_rows.append((w("summary.currency", "Currency"), a.waste.currency, None))
        if a.waste.unpriced_skus:
            waste_rows.append(
                (
                    w("summary.unpriced", "Unpriced SKUs"),
                    ", ".join(a.waste.unpriced_skus),
                    None,
                )
            )
        if a.waste.list_price_basis:
            waste_rows.append(
                (
                    w("summary.list_price_basis", "List prices"),
                    self.t.list_price_basis(a.waste),
                    None,
                )
            )
        row = self.pairs(ws, row, waste_rows)

        row = self.section(
            ws,
            row + 1,
            w("summary.sources", "Data sources"),
            [
                Col(w("summary.dataset", "Dataset")),
                Col(w("summary.run_status", "Status")),
                Col(w("summary.collector", "Collector")),
            ],
            [
                (
                    self.dataset_title(r.get("dataset")),
                    self.run_status(r),
                    r.get("collector"),
                )
                for r in applying_runs(a.collector_runs)
            ],
        )
        self.changes(ws, row + 1)
        # Column B carries the long texts of every block; the others stay narrow.
        caps = {1: SUMMARY_LABEL_WIDTH, 2: SUMMARY_TEXT_WIDTH}
        widths = autosize(
            ws, min_row=3, caps={c: caps.get(c, SUMMARY_WIDTH) for c in range(1, 12)}
        )
        for r in ws.iter_rows(min_row=3):
            for cell in r:
                v = cell.value
                wrap = isinstance(v, str) and len(v) > chars_per_line(
                    widths.get(cell.column, MIN_WIDTH)
                )
                cell.alignment = Alignment(
                    horizontal=cell.alignment.horizontal, vertical="top", wrap_text=wrap
                )
        fit_rows(ws, widths, 3, ws.max_row)
        printable(ws)

    def pairs(
        self, ws: Worksheet, row: int, pairs: Iterable[tuple[str, Any, str | None]]
    ) -> int:
        """Label and value rows in columns A and B; returns the next free row."""
        for label, value, fmt in pairs:
            put(ws, row, 1, label, font=BOLD)
            put(ws, row, 2, value, number_format=fmt).alignment = LEFT
            row += 1
        return row

    def dataset_title(self, name: Any) -> str:
        """A dataset in words in this language ("managed devices"), not its id."""
        titles = {
            str(src.get("dataset")): as_noun(str(src["dataset_title"]))
            for src in self.a.sources
            if src.get("dataset_title")
        }
        name = str(name or "")
        return self.t.t(
            f"datasets.{name}.title", titles.get(name) or name.replace("_", " ")
        )

    def run_status(self, run: Mapping[str, Any]) -> str:
        """A collector run's status, with its reason when it has one."""
        status = str(run.get("status") or "")
        label = self.w(f"run_status.{status}", status)
        # From reason_key and reason_params where the run has them; older
        # evidence has only the English string.
        reason = self.t.reason(run) if run.get("reason") else ""
        if not reason:
            return label
        return self.w(
            "summary.run_reason", "{status}: {reason}", status=label, reason=reason
        )

    def section(
        self,
        ws: Worksheet,
        row: int,
        heading: str,
        cols: Sequence[Col],
        rows: Iterable[Sequence[Any]],
    ) -> int:
        """A headed small table inside the Summary; returns the next free row."""
        put(ws, row, 1, heading, font=BOLD)
        for c, col in enumerate(cols, start=1):
            put(ws, row + 1, c, col.header, font=HEADER_FONT, fill=HEADER_FILL)
        r = row + 2
        for values in rows:
            for c, (value, col) in enumerate(zip(values, cols, strict=True), start=1):
                put(ws, r, c, value, number_format=col.number_format)
            r += 1
        return r

    def changes(self, ws: Worksheet, row: int) -> int:
        """The comparison with the previous quarter, when the assessment has one."""
        comparison = self.comparison
        if comparison is None:
            return row
        data = comparison.to_dict() if hasattr(comparison, "to_dict") else comparison
        if not isinstance(data, Mapping):
            return row
        w = self.w
        previous = str(data.get("previous_period") or "")
        overall = data.get("overall") or {}
        layer_rows: list[Sequence[Any]] = [
            (
                w("summary.overall", "Overall"),
                overall.get("previous_grade") or "",
                overall.get("current_grade") or "",
                overall.get("previous_score"),
                overall.get("current_score"),
                _delta(overall.get("previous_score"), overall.get("current_score")),
            )
        ]
        for c in data.get("layers") or ():
            layer_rows.append(
                (
                    self.layer(str(c.get("layer")), str(c.get("label") or "")),
                    c.get("previous_grade") or "",
                    c.get("current_grade") or "",
                    c.get("previous_score"),
                    c.get("current_score"),
                    _delta(c.get("previous_score"), c.get("current_score")),
                )
            )
        row = self.section(
            ws,
            row,
            w("summary.changes", "Changes since {previous}", previous=previous),
            [
                Col(w("summary.layer", "Layer")),
                Col(w("summary.previous_grade", "Previous grade")),
                Col(w("summary.grade", "Grade")),
                Col(w("summary.previous_score", "Previous score"), SCORE),
                Col(w("summary.score", "Score"), SCORE),
                Col(w("summary.delta", "Change"), "+0.0;-0.0;0.0"),
            ],
            layer_rows,
        )
        waste = data.get("waste") or {}
        if waste.get("delta_annual") is not None:
            signed = f"+{self.money};-{self.money};{self.money}"
            row = self.pairs(
                ws,
                row + 1,
                [
                    (
                        w(
                            "summary.annual_waste_then",
                            "Annual waste in {previous}",
                            previous=previous,
                        ),
                        _money(waste.get("previous_annual")),
                        self.money,
                    ),
                    (
                        w("summary.annual_waste_now", "Annual waste now"),
                        _money(waste.get("current_annual")),
                        self.money,
                    ),
                    (
                        w("summary.annual_waste_delta", "Change in annual waste"),
                        _money(waste.get("delta_annual")),
                        signed,
                    ),
                ],
            )
        groups = (
            ("new", "New findings"),
            ("resolved", "Resolved"),
            ("persisting", "Still open"),
            ("no_longer_assessed", "No longer assessed"),
        )
        rows = [
            (
                c.get("rule_id"),
                self.t.rule(str(c.get("rule_id")), "title", str(c.get("title") or "")),
                w(f"summary.change.{key}", english),
                self.status(c.get("previous_status")),
                self.status(c.get("current_status")),
                c.get("affected_count", 0),
            )
            for key, english in groups
            for c in data.get(key) or ()
        ]
        row = self.section(
            ws,
            row + 1,
            w(
                "summary.finding_changes",
                "Findings since {previous}",
                previous=previous,
            ),
            [
                Col(w("findings.rule", "Rule")),
                Col(w("findings.title", "Title")),
                Col(w("summary.change_kind", "Change")),
                Col(w("summary.previous_status", "Previous status")),
                Col(w("findings.status", "Status")),
                Col(w("findings.affected", "Affected"), INTEGER),
            ],
            rows,
        )
        label = w("summary.warning", "Warning")
        return self.pairs(
            ws, row, [(label, warning, None) for warning in data.get("warnings") or ()]
        )


def _money(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _delta(before: Any, now: Any) -> int | None:
    """A change in whole points, rounded half up like the PDF and ``compare``."""
    if before is None or now is None:
        return None
    return whole(round_half_up(float(now) - float(before)))


def applying_runs(runs: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """The runs of collectors that apply to this engagement.

    A collector with no input here (Graph on an exports-only engagement) and
    one whose dataset another delivered say nothing: they are left out. The
    rules that needed a dataset nobody delivered say so in Findings.
    """
    return [r for r in runs if r.get("status") == "ok" or not routine(r)]
