"""The portfolio workbook: one row per client and period, and the book's lists.

Sheets: *Clients* (grade, score, coverage, annual waste, open critical
findings, overdue actions and the change since the previous quarter, for
every client and period), *Common findings* (controls failing at several
clients), *Waste per client*, *Overdue actions* and *Failed runs*. Cells
are written by the client workbook's :func:`~healthcheck.report.xlsx.table`,
so client names and errors are text, never formulas, and numbers stay numbers.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from openpyxl import Workbook

from healthcheck.atomic import write_atomic
from healthcheck.i18n import Translator
from healthcheck.portfolio.summary import Portfolio
from healthcheck.report.xlsx import (
    INTEGER,
    SCORE,
    Col,
    excel_money_format,
    excel_percent_format,
    safe_sheet_name,
    table,
)


def build(book: Portfolio, lang: str = "en") -> Workbook:
    """The workbook of ``book``, labelled in ``lang``."""
    t = Translator(lang)

    def c(key: str) -> str:
        return t.t(f"portfolio.col.{key}")

    wb = Workbook()
    wb.remove(wb.active)

    def sheet(key: str):  # noqa: ANN202 - openpyxl's Worksheet
        return wb.create_sheet(
            safe_sheet_name(t.t(f"portfolio.sheet.{key}"), wb.sheetnames)
        )

    currencies = {r.currency for r in book.rows}
    money = (
        excel_money_format(t, next(iter(currencies)))
        if len(currencies) == 1
        else "#,##0.00"
    )
    percent = excel_percent_format(t)
    day = t.t("workbook.format.date", "d mmm yyyy")
    table(
        sheet("clients"),
        [
            Col(c("client")),
            Col(c("name"), max_width=40),
            Col(c("period")),
            Col(c("as_of"), day),
            Col(c("grade")),
            Col(c("score"), SCORE),
            Col(c("coverage"), percent),
            Col(c("currency")),
            Col(c("annual_waste"), money),
            Col(c("open_critical"), INTEGER),
            Col(c("overdue"), INTEGER),
            Col(c("previous_period")),
            Col(c("change"), SCORE),
        ],
        [
            (
                r.client,
                r.name,
                r.period,
                date.fromisoformat(r.as_of),
                r.grade or "",
                r.score,
                r.coverage,
                r.currency,
                r.annual_waste,
                r.open_critical,
                len(r.overdue),
                r.previous_period or "",
                round(r.change, 1) if r.change is not None else None,
            )
            for r in book.rows
        ],
    )
    latest = book.latest()
    table(
        sheet("findings"),
        [
            Col(c("rule")),
            Col(c("title"), wrap=True, max_width=60),
            Col(c("severity")),
            Col(c("clients"), INTEGER),
            Col(c("share"), percent),
        ],
        [
            (
                rule,
                t.rule(rule, "title", title),
                t.t(f"workbook.severity.{sev}", sev),
                n,
                n / len(latest) if latest else None,
            )
            for rule, title, sev, n in book.recurring()
        ],
    )
    totals = book.waste_totals()
    by_waste = sorted(latest, key=lambda r: -(r.annual_waste or 0))
    # Totals of several currencies cannot share a column: a row only for one.
    total = None
    if len(totals) == 1:
        currency, amount = next(iter(totals.items()))
        seats = sum(r.waste_seats for r in latest if r.annual_waste is not None)
        total = (c("total"), None, None, currency, seats, amount)
    table(
        sheet("waste"),
        [
            Col(c("client")),
            Col(c("name"), max_width=40),
            Col(c("period")),
            Col(c("currency")),
            Col(c("seats"), INTEGER),
            Col(c("annual_waste"), money),
        ],
        [
            (r.client, r.name, r.period, r.currency, r.waste_seats, r.annual_waste)
            for r in by_waste
        ],
        total=total,
    )
    table(
        sheet("overdue"),
        [
            Col(c("client")),
            Col(c("name"), max_width=40),
            Col(c("period")),
            Col(c("rule")),
            Col(c("title"), wrap=True, max_width=50),
            Col(c("owner")),
            Col(c("due"), day),
        ],
        [
            (
                r.client,
                r.name,
                r.period,
                o.rule_id,
                t.rule(o.rule_id, "title", o.title),
                o.owner,
                date.fromisoformat(o.due) if o.due else None,
            )
            for r in latest
            for o in r.overdue
        ],
    )
    table(
        sheet("failed"),
        [Col(c("client")), Col(c("period")), Col(c("error"), wrap=True, max_width=90)],
        [(f.client, f.period, f.error) for f in book.failures],
    )
    return wb


def write(book: Portfolio, path: Path, lang: str = "en") -> Path:
    """Write the portfolio workbook atomically."""
    wb = build(book, lang)
    return write_atomic(path, wb.save)
