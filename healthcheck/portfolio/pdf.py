"""The management PDF of the book: grades, who slips, money, recurring gaps.

Rendered like a client report (``report_templates/portfolio.html`` and its
``_`` partials, on the client report's ``base.html`` and CSS, through the
same WeasyPrint fetcher that loads packaged files and the brand files only).
The view-model is text, formatted here in the chosen language; the
templates only loop.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from healthcheck import __version__
from healthcheck.atomic import write_atomic
from healthcheck.compare import whole
from healthcheck.i18n import Translator
from healthcheck.portfolio.book import period_key
from healthcheck.portfolio.settings import Settings
from healthcheck.portfolio.summary import Portfolio, Row
from healthcheck.report import html
from healthcheck.report import pdf as renderer
from healthcheck.report.context import GRADE_COLOURS, NO_GRADE_COLOUR, clip, css_string

#: Rows per list in the PDF; the workbook has them all.
MAX_ROWS = 15


def _score(t: Translator, score: float | None, grade: str | None) -> str:
    if score is None:
        return t.t("report.common.not_assessed")
    return f"{grade or '–'} ({t.integer(whole(score))})"


def _limited(items: list[Any], t: Translator) -> dict[str, Any]:
    more = len(items) - MAX_ROWS
    return {
        "items": items[:MAX_ROWS],
        "more": t.t("portfolio.pdf.more", count=more) if more > 0 else "",
    }


def build(book: Portfolio, settings: Settings) -> dict[str, Any]:
    """The view-model of the portfolio PDF."""
    t = Translator(settings.language)
    b = settings.branding
    latest = book.latest()
    last_period = max((r.period for r in latest), key=period_key, default="")

    def change(r: Row) -> dict[str, Any]:
        n = whole(r.change or 0.0)
        return {
            "name": clip(r.name),
            "period": r.period,
            "before": _score(t, r.previous_score, r.previous_grade),
            "now": _score(t, r.score, r.grade),
            "change": ("+" if n > 0 else "") + t.integer(n),
        }

    counts = book.grade_counts()
    top = max(counts.values(), default=0) or 1
    grades = [
        {
            "grade": g,
            "count": t.integer(n),
            "width": round(300 * n / top, 1),
            "colour": GRADE_COLOURS.get(g, NO_GRADE_COLOUR),
            "y": 4 + i * 22,
        }
        for i, (g, n) in enumerate(counts.items())
    ]
    totals = book.waste_totals()
    recurring = [
        {
            "title": t.rule(rule, "title", title),
            "severity": sev,
            "severity_label": t.t(f"report.severity.{sev}", sev),
            "clients": f"{t.integer(n)} / {t.integer(len(latest))}",
        }
        for rule, title, sev, n in book.recurring()
        if n >= 2
    ]
    waste = [
        {
            "name": clip(r.name),
            "period": r.period,
            "annual": t.money(r.annual_waste, r.currency),
        }
        for r in sorted(latest, key=lambda r: -(r.annual_waste or Decimal()))
        if r.annual_waste
    ]
    overdue = [
        {
            "name": clip(r.name),
            "period": r.period,
            "count": t.integer(len(r.overdue)),
            "items": [
                {
                    "title": t.rule(o.rule_id, "title", o.title),
                    "owner": clip(o.owner) or "–",
                    "due": t.date(o.due) if o.due else "–",
                }
                for o in r.overdue
            ],
        }
        for r in latest
        if r.overdue
    ]
    failures = [
        {"client": clip(f.client), "period": f.period, "error": clip(f.error, 400)}
        for f in book.failures
    ]
    title = t.t("portfolio.pdf.meta_title", period=last_period)
    company = clip(b.company)
    return {
        "t": t.t,
        "lang": t.lang,
        "client": company or t.t("portfolio.pdf.title"),
        "period": last_period,
        "tool_version": __version__,
        "generated_at": t.datetime(
            datetime.now(UTC).replace(tzinfo=None, microsecond=0)
        ),
        "meta": {
            "title": title,
            "author": company or "healthcheck",
            "subject": t.t("portfolio.pdf.subject", period=last_period),
            "keywords": t.t("portfolio.pdf.keywords"),
        },
        "brand": {
            "company": company,
            "contact": clip(b.contact),
            "footer": clip(b.footer),
            "confidentiality": clip(b.confidentiality)
            or t.t("portfolio.pdf.confidential"),
            "primary": b.primary,
            "accent": b.accent,
            **{
                key: settings.brand_files[key].resolve().as_uri()
                if key in settings.brand_files
                else ""
                for key in ("logo", "client_logo", "font", "font_bold")
            },
        },
        "css": {
            "page": css_string(t.t("report.page.page")),
            "of": css_string(t.t("report.page.of")),
        },
        "subtitle": t.t("portfolio.pdf.period", count=len(latest), period=last_period),
        "numbers": {
            "clients": t.integer(len(latest)),
            "failed": t.integer(len(book.failures)),
            "waste": [t.money(v, cur, whole=True) for cur, v in totals.items()]
            or [t.t("portfolio.pdf.waste_none")],
        },
        "grades": grades,
        "grades_height": 8 + len(grades) * 22,
        "slipping": _limited([change(r) for r in book.slipping()], t),
        "improving": _limited([change(r) for r in book.improving()], t),
        "recurring": _limited(recurring, t),
        "waste": _limited(waste, t),
        "overdue": _limited(overdue, t),
        "failures": _limited(failures, t),
    }


def render_bytes(book: Portfolio, settings: Settings) -> bytes:
    """The portfolio PDF as bytes."""
    document = (
        html.environment()
        .get_template("portfolio.html")
        .render(**build(book, settings))
    )
    body, _ = renderer.html_to_pdf(document, settings.brand_files.values())
    return body


def write(book: Portfolio, path: Path, settings: Settings) -> Path:
    """Write the portfolio PDF atomically."""
    body = render_bytes(book, settings)
    return write_atomic(path, lambda fh: fh.write(body))
