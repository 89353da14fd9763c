"""The Excel workbook: Summary, Findings, Waste, one sheet per list, Sources.

Sheets, in order: *Summary* (client, period, grades, waste totals, data
sources and, when the assessment carries one, the comparison with the
previous quarter), *Findings* (one row per rule, most severe first), *Waste*
(one row per waste line and a totals row equal to the assessment's totals),
then one sheet per list of affected objects (a failed or accepted finding's
objects, a waste line's users), then *Sources* and *Rejected rows*. Every
list sheet has a frozen bold header row, an autofilter over its rows (a
totals row stays outside it, so sorting never moves it) and column widths
measured from its content, capped.

Labels come from ``healthcheck/locales/<lang>/workbook.toml``, rule texts and
finding details from the translator's catalogue (English when a translation
is missing). Numbers stay numbers: money carries a number format with the
assessment's currency symbol placed as the language's CLDR pattern places it,
dates are date cells with the language's date format, and Excel shows the
digits with the reader's own separators.

Formula injection: tenant and export text is written as a *string* cell,
never a formula, whatever it starts with. A string that a spreadsheet would
read as a formula if it were typed in (``= + - @``, tab, CR or LF first) also
gets the cell style ``quotePrefix``, Excel's own "this was typed with a
leading apostrophe": the value stays exactly the tenant's text (an account
called ``-svc-backup`` or a phone number ``+358 40 ...`` is shown and copied
as it is), and editing the cell keeps it text. We do not prepend an apostrophe
to the value: that would change the data a reader sees and copies. Characters
XML cannot carry become U+FFFD, and text beyond Excel's 32,767 characters a
cell is cut. A carriage return becomes a line break (XML reads a bare CR
back as LF anyway, so the stored text is what a reader gets).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from babel.numbers import get_currency_symbol
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.hyperlink import Hyperlink
from openpyxl.worksheet.worksheet import Worksheet

from healthcheck.atomic import write_atomic
from healthcheck.i18n import DEFAULT_LANGUAGE, Translator
from healthcheck.model import Assessment, Finding, Status, WasteItem

#: A text starting with one of these would be a formula if typed into a cell.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")
#: Excel's limit on the characters of one cell.
MAX_CELL = 32_767
#: Characters a sheet name may not contain.
SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
MAX_SHEET_NAME = 31
#: Column width bounds, in characters.
MIN_WIDTH, MAX_WIDTH, MAX_WRAP_WIDTH = 6, 50, 60
#: Points per line of 11-point text, and Excel's tallest row.
LINE_HEIGHT, MAX_ROW_HEIGHT = 15, 409
#: Characters of ordinary text per unit of column width (a unit is one digit).
TEXT_PER_WIDTH = 1.15

HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="0F2A4A")
BOLD = Font(bold=True)
TITLE_FONT = Font(bold=True, size=14)
LINK_FONT = Font(color="0563C1", underline="single")
WRAP = Alignment(wrap_text=True, vertical="top")
TOP = Alignment(vertical="top")
LEFT = Alignment(horizontal="left")
#: Column width caps on the Summary, where several blocks share the columns:
#: labels in A, long texts (values, titles, reasons) in B, short ones after.
SUMMARY_LABEL_WIDTH, SUMMARY_TEXT_WIDTH, SUMMARY_WIDTH = 32, 60, 20

INTEGER = "#,##0"
SCORE = "0.0"


def text(value: Any) -> Any:
    """A value as a workbook may hold it: XML-safe text within Excel's limit.

    Any line break becomes LF. Other values are returned unchanged. Formula
    neutralisation happens when the cell is written (see :func:`put`): it
    never alters the text.
    """
    if not isinstance(value, str):
        return value
    if "\r" in value:
        value = value.replace("\r\n", "\n").replace("\r", "\n")
    if ILLEGAL_CHARACTERS_RE.search(value):
        value = ILLEGAL_CHARACTERS_RE.sub("\ufffd", value)
    if len(value) > MAX_CELL:
        value = value[: MAX_CELL - 1] + "\u2026"
    return value


def looks_like_formula(value: Any) -> bool:
    """True when ``value`` is text a spreadsheet would read as a formula."""
    return isinstance(value, str) and value.startswith(FORMULA_START)


def neutralise(cell: Any) -> None:
    """Make a cell that holds text keep it as text: a string, quote-prefixed."""
    cell.data_type = "s"
    cell.quotePrefix = True


def safe_sheet_name(wanted: str, taken: Iterable[str]) -> str:
    r"""A valid, unique sheet name close to ``wanted``.

    Excel allows at most 31 characters, none of ``[]:*?/\``, no apostrophe
    at either end, and compares names without case; ``History`` is reserved.
    A long name is cut at a word and ends in an ellipsis; a taken one gets a
    number.
    """
    used = {n.casefold() for n in taken}
    base = SHEET_FORBIDDEN.sub(" ", wanted)
    base = re.sub(r"\s+", " ", base).strip().strip("'").strip()
    if not base or base.casefold() == "history":
        base = (base + " 1").strip()
    name = _shorten(base, MAX_SHEET_NAME)
    n = 2
    while name.casefold() in used:
        suffix = f" ({n})"
        name = _shorten(base, MAX_SHEET_NAME - len(suffix)) + suffix
        n += 1
    return name


def _shorten(name: str, limit: int) -> str:
    """``name`` in at most ``limit`` characters, cut at a word if it can be."""
    if len(name) <= limit:
        return name
    cut = name[: limit - 1]
    word = cut.rsplit(" ", 1)[0]
    if len(word) >= limit - 8:  # a word boundary, unless it costs too much
        cut = word
    return cut.rstrip().rstrip("'").rstrip() + "\u2026"


def excel_money_format(t: Translator, currency: str) -> str:
    """An Excel number format for ``currency`` the way ``t``'s locale writes it.

    The CLDR pattern places the symbol (``€1,234.50`` in English, ``1 234,50 €``
    in Finnish); Excel then shows the digits with the reader's separators.
    """
    symbol = get_currency_symbol(currency, locale=t.locale).replace('"', "")
    pattern = t.locale.currency_formats["standard"].pattern
    return _excel_pattern(pattern).replace("¤", f'"{symbol}"')


def excel_percent_format(t: Translator) -> str:
    """An Excel percentage format as the locale writes one (95%, 95 %)."""
    return _excel_pattern(t.locale.percent_formats[None].pattern).replace("#,##0", "0")


def _excel_pattern(cldr: str) -> str:
    return cldr.replace("\xa0", " ").replace("\u202f", " ")


@dataclass(frozen=True, slots=True)
class Col:
    """One column of a list sheet: its header and how its cells look."""

    header: str
    number_format: str | None = None
    #: Long text: wrapped, the row made tall enough to show it.
    wrap: bool = False
    #: Width cap in characters (default MAX_WIDTH, or MAX_WRAP_WIDTH if wrapped).
    max_width: int | None = None


class Writer:
    """Builds the workbook of one assessment in one language."""

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

    # Sheets ------------------------------------------------------------------

    def build(self) -> Workbook:
        """All sheets, in reading order."""
        summary = self.sheet(self.w("sheet.summary", "Summary"))
        findings = self.sheet(self.w("sheet.findings", "Findings"))
        waste = self.sheet(self.w("sheet.waste", "Waste"))
        links = self.affected_sheets()
        user_links = self.user_sheets()
        self.fill_summary(summary)
        self.fill_findings(findings, links)
        self.fill_waste(waste, user_links)
        self.fill_sources(self.sheet(self.w("sheet.sources", "Sources")))
        self.fill_rejected(self.sheet(self.w("sheet.rejected", "Rejected rows")))
        return self.wb

    def sheet(self, wanted: str) -> Worksheet:
        """A new sheet with a safe, unique name."""
        return self.wb.create_sheet(safe_sheet_name(wanted, self.wb.sheetnames))

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
            table(
                ws,
                [Col(self.w("affected.object", "Affected object"))],
                ((obj,) for obj in f.affected),
            )
            out[f.rule_id] = ws.title
        return out

    def user_sheets(self) -> dict[int, str]:
        """One sheet per waste line with users; item index -> sheet name."""
        out = {}
        cols = [
            Col(self.w("waste.user", "User")),
            Col(self.w("waste.seats", "Seats"), INTEGER),
            Col(self.w("waste.monthly", "Monthly cost"), self.money),
            Col(self.w("waste.annual", "Annual cost"), self.money),
            Col(self.w("waste.evidence", "Evidence")),
        ]
        for n, item in enumerate(self.a.waste.items):
            if not item.users:
                continue
            ws = self.sheet(
                self.w(
                    "waste.sheet",
                    "{category} {sku}",
                    category=self.w(
                        f"category_short.{item.category.value}", item.category.value
                    ),
                    sku=item.sku,
                )
            )
            table(
                ws,
                cols,
                self.user_rows(item),
                total=(
                    self.w("waste.total", "Total"),
                    item.count,
                    item.monthly_cost,
                    item.annual_cost,
                    None,
                ),
            )
            out[n] = ws.title
        return out

    def fill_summary(self, ws: Worksheet) -> None:
        """Client, period, grades, layers, waste totals, sources, changes."""
        a, w = self.a, self.w
        na = w("status.not_assessed", "not assessed")
        put(ws, 1, 1, w("summary.title", "IT health check"), font=TITLE_FONT)
        generated = a.generated_at
        if generated.tzinfo is not None:
            generated = generated.astimezone(UTC).replace(tzinfo=None)
        overall = a.overall
        pairs: list[tuple[str, Any, str | None]] = [
            (w("summary.client", "Client"), a.client_name, None),
            (w("summary.period", "Period"), a.period, None),
            (w("summary.as_of", "Assessment date"), a.as_of, self.date),
            (w("summary.generated", "Generated"), generated, self.datetime),
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
                (r.get("dataset"), self.run_status(r), r.get("collector"))
                for r in a.collector_runs
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

    def layer(self, layer: str, english: str) -> str:
        """A layer's name in this language."""
        return self.w(f"layer.{layer}", english)

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
                    c.get("delta"),
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

    def status(self, value: Any) -> str:
        """A finding status in this language ("" for none)."""
        return self.w(f"status.{value}", str(value)) if value else ""

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
                    len(f.affected),
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

    def fill_waste(self, ws: Worksheet, links: Mapping[int, str]) -> None:
        """Waste lines and a totals row equal to the assessment's totals."""
        w, waste = self.w, self.a.waste
        cols = [
            Col(w("waste.category", "Category")),
            Col(w("waste.sku", "SKU")),
            Col(w("waste.licence", "Licence")),
            Col(w("waste.seats", "Seats"), INTEGER),
            Col(w("waste.unit_price", "Unit price / month"), self.money),
            Col(w("waste.monthly", "Monthly cost"), self.money),
            Col(w("waste.annual", "Annual cost"), self.money),
            Col(w("waste.action", "What the saving needs"), wrap=True, max_width=50),
            Col(w("waste.confidence", "Confidence")),
            Col(w("waste.price_origin", "Price basis")),
            Col(w("waste.billing_term", "Billing term")),
            Col(w("waste.price_note", "Price note"), wrap=True, max_width=30),
            Col(w("waste.users", "Users")),
        ]
        rows = [
            (
                w(f"category.{i.category.value}", i.category.value),
                i.sku,
                i.sku_name,
                i.count,
                i.unit_price,
                i.monthly_cost,
                i.annual_cost,
                self.action(i),
                self.word("confidence", i.confidence),
                self.word("price_origin", i.price_origin),
                self.word("billing_term", i.billing_term),
                self.price_note(i),
                links.get(n, ""),
            )
            for n, i in enumerate(waste.items)
        ]
        total = None
        if waste.assessed:
            total = (
                w("waste.total", "Total"),
                None,
                None,
                sum(i.count for i in waste.items),
                None,
                waste.monthly_total,
                waste.annual_total,
            )
        table(ws, cols, rows, total=total)
        for r in range(2, len(rows) + 2):
            cell = ws.cell(row=r, column=len(cols))
            if cell.value:
                link_to(cell, str(cell.value))
        if not waste.assessed:
            row = ws.max_row + 2
            put(ws, row, 1, w("status.not_assessed", "not assessed"), font=BOLD)
            for reason in self.t.waste_not_assessed(waste):
                put(ws, row, 2, reason)
                row += 1

    def action(self, item: WasteItem) -> str:
        """What the saving needs: the cost engine's sentence, or its translation.

        The English sentence is the assessment's own. Another language renders
        the line's ``action_key``; an assessment saved before lines had keys
        gets the report's per-category action and renewal timing texts.
        """
        if self.t.lang == DEFAULT_LANGUAGE:
            return item.action
        if item.action_key:
            return self.message(item.action_key, item.action_params, item.action)
        cat = item.category.value
        if not self.t.has(f"report.waste.action.{cat}"):
            return item.action
        when = self.t.t(
            f"report.waste.when.{item.billing_term or 'unknown'}",
            item.billing_term,
        )
        return self.w(
            "waste.action_text",
            "{action} Seats can be reduced {when}.",
            action=self.t.t(f"report.waste.action.{cat}", item.action),
            when=when,
        )

    def message(self, key: str, params: Mapping[str, Any], english: str) -> str:
        """A text the assessment keeps as English plus its key and parameters."""
        if not key or self.t.lang == DEFAULT_LANGUAGE:
            return english
        return self.t.t(key, english, **dict(params or {}))

    def price_note(self, item: WasteItem) -> str:
        """A waste line's price note in this language."""
        return self.message(
            item.price_note_key, item.price_note_params, item.price_note
        )

    def user_rows(self, item: WasteItem) -> list[tuple[Any, ...]]:
        """:func:`user_rows`, with each user's evidence in this language."""
        messages = item.user_detail_messages
        if self.t.lang == DEFAULT_LANGUAGE or not messages:
            return user_rows(item)
        return [
            (
                *row[:4],
                self.message(
                    messages.get(row[0], {}).get("key", ""),
                    messages.get(row[0], {}).get("params", {}),
                    row[4],
                ),
            )
            for row in user_rows(item)
        ]

    def word(self, group: str, value: str) -> str:
        """A short coded value (confidence, billing term ...) in this language."""
        return self.w(f"{group}.{value}", value) if value else ""

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


def user_rows(item: WasteItem) -> list[tuple[Any, ...]]:
    """One row per user behind a waste line: user, seats, monthly, annual, evidence.

    Every user holds one seat at the line's unit price, so the rows add up to
    the line's monthly and annual cost.
    """
    return [
        (
            user,
            1,
            item.unit_price,
            item.unit_price * 12,
            item.user_details.get(user, ""),
        )
        for user in item.users
    ]


def _money(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _delta(before: Any, now: Any) -> float | None:
    if before is None or now is None:
        return None
    return round(float(now) - float(before), 1)


def put(
    ws: Worksheet,
    row: int,
    column: int,
    value: Any,
    *,
    number_format: str | None = None,
    font: Font | None = None,
    fill: PatternFill | None = None,
) -> Any:
    """Write one cell: text stays text, numbers and dates get their format."""
    value = text(value)
    cell = ws.cell(row=row, column=column, value=value)
    if isinstance(value, str):
        if looks_like_formula(value):
            neutralise(cell)
    elif number_format and value is not None:
        cell.number_format = number_format
    if font is not None:
        cell.font = font
    if fill is not None:
        cell.fill = fill
    return cell


def link_to(cell: Any, sheet: str) -> None:
    """Make ``cell`` an internal link to cell A1 of ``sheet``."""
    quoted = sheet.replace("'", "''")
    cell.hyperlink = Hyperlink(ref=cell.coordinate, location=f"'{quoted}'!A1")
    cell.font = LINK_FONT


def table(
    ws: Worksheet,
    cols: Sequence[Col],
    rows: Iterable[Sequence[Any]],
    total: Sequence[Any] | None = None,
) -> Worksheet:
    """A list sheet: bold frozen header, rows, optional totals row, filter, widths.

    The autofilter covers the header and the rows but not the totals row, so
    sorting or filtering never moves the totals.
    """
    headers = [text(c.header) for c in cols]
    ws.append(headers)
    for cell in ws[1]:
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
    formats = [c.number_format for c in cols]
    wraps = [i for i, c in enumerate(cols, start=1) if c.wrap]
    # Widths are measured while writing: a second pass over 50,000 cells costs.
    widest = [len(h) + 2 for h in headers]  # bold headers run wider
    row = 1
    append: Callable[[Sequence[Any]], None] = ws.append
    for values in rows:
        values = [text(v) for v in values]
        append(values)
        row += 1
        for i, (value, fmt) in enumerate(zip(values, formats, strict=True)):
            if isinstance(value, str):
                n = len(value) if "\n" not in value else shown_width(value, "")
                if value.startswith(FORMULA_START):
                    neutralise(ws.cell(row=row, column=i + 1))
            elif value is None:
                continue
            else:
                n = shown_width(value, fmt or "")
                if fmt is not None:
                    ws.cell(row=row, column=i + 1).number_format = fmt
            if n > widest[i]:
                widest[i] = n
        if wraps:
            for i in range(1, len(cols) + 1):
                ws.cell(row=row, column=i).alignment = WRAP if i in wraps else TOP
    last = get_column_letter(len(cols))
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{last}{row}"
    if total is not None:
        row += 1
        for i, value in enumerate(total, start=1):
            if value is not None:
                put(ws, row, i, value, number_format=formats[i - 1], font=BOLD)
                widest[i - 1] = max(
                    widest[i - 1], shown_width(value, formats[i - 1] or "")
                )
    widths = {}
    for i, (c, n) in enumerate(zip(cols, widest, strict=True), start=1):
        cap = c.max_width or (MAX_WRAP_WIDTH if c.wrap else MAX_WIDTH)
        widths[i] = max(MIN_WIDTH, min(cap, n + 2))
        ws.column_dimensions[get_column_letter(i)].width = widths[i]
    if wraps:
        fit_rows(ws, {i: widths.get(i, MIN_WIDTH) for i in wraps}, 2, row)
    ws.print_title_rows = "1:1"
    printable(ws)
    return ws


def printable(ws: Worksheet) -> None:
    """Print landscape, all columns on the page width."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0


def autosize(
    ws: Worksheet, *, min_row: int, caps: Mapping[int, int] | None = None
) -> dict[int, int]:
    """Set each column's width from its longest shown value, within its cap.

    Returns the widths set, by column number.
    """
    caps = caps or {}
    widest: dict[int, int] = {}
    for r in ws.iter_rows(min_row=min_row):
        for cell in r:
            if cell.value is None:
                continue
            n = shown_width(cell.value, cell.number_format)
            if n > widest.get(cell.column, 0):
                widest[cell.column] = n
    widths = {}
    for col, n in widest.items():
        widths[col] = max(MIN_WIDTH, min(caps.get(col, MAX_WIDTH), n + 2))
        ws.column_dimensions[get_column_letter(col)].width = widths[col]
    return widths


def fit_rows(ws: Worksheet, widths: Mapping[int, int], first: int, last: int) -> None:
    """Make rows with wrapped text tall enough for it (no spreadsheet does it).

    The line count is estimated from the text length and the column width.
    """
    for r in range(first, last + 1):
        lines = 1
        for col, width in widths.items():
            value = ws.cell(row=r, column=col).value
            if isinstance(value, str) and value:
                per = chars_per_line(width)
                n = sum(
                    max(1, math.ceil(len(part) / per)) for part in value.split("\n")
                )
                lines = max(lines, n)
        if lines > 1:
            ws.row_dimensions[r].height = min(LINE_HEIGHT * lines + 2, MAX_ROW_HEIGHT)


def chars_per_line(width: float) -> int:
    """About how many characters of text fit a column ``width`` wide.

    A width unit is one digit of the default font; text averages narrower.
    """
    return max(int(width * TEXT_PER_WIDTH) - 1, 1)


def shown_width(value: Any, number_format: str) -> int:
    """About how many characters a value takes on screen."""
    if isinstance(value, str):
        return max((len(line) for line in value.split("\n")), default=0)
    if isinstance(value, datetime):
        return 17
    if isinstance(value, date):
        return 12
    if isinstance(value, int | float | Decimal):
        digits = len(f"{value:,.2f}")
        extra = sum(1 for ch in number_format if ch not in "#,0.;-+")
        return digits + min(extra, 6)
    return len(str(value))


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
