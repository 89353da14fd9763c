"""The Excel workbook: Summary, Findings, Affected, Waste, Sources, Rejected rows.

Every text cell goes through :func:`safe`: a value from a tenant or an export
that starts like a formula (``= + - @``, tab or CR) is prefixed with an
apostrophe and stored as text, so opening the workbook never runs it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal
from io import BytesIO
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from healthcheck.atomic import write_atomic
from healthcheck.model import Assessment, Waste

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="0F2A4A")
MONEY = '#,##0.00 "{cur}"'


def safe(value: Any) -> Any:
    """Neutralise text that a spreadsheet would read as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def _sheet(
    wb: Workbook,
    title: str,
    headers: Sequence[str],
    rows: Iterable[Sequence[Any]],
    widths: Sequence[int],
    money_cols: Sequence[int] = (),
    currency: str = "",
) -> Worksheet:
    ws = wb.create_sheet(title)
    ws.append(list(headers))
    for cell in ws[1]:
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
    for row in rows:
        ws.append([float(v) if isinstance(v, Decimal) else safe(v) for v in row])
        for cell in ws[ws.max_row]:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # text stays text, whatever it starts with
    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    for col in money_cols:
        for (cell,) in ws.iter_rows(min_row=2, min_col=col, max_col=col):
            cell.number_format = MONEY.format(cur=currency)
    ws.freeze_panes = "A2"
    if ws.max_row > 1:
        ws.auto_filter.ref = ws.dimensions
    return ws


def waste_rows(waste: Waste) -> list[tuple[Any, ...]]:
    """One row per user behind each waste line; unassigned seats in one row.

    The Monthly and Annual columns add up exactly to the waste totals.
    """
    rows: list[tuple[Any, ...]] = []
    for i in waste.items:
        if not i.users:
            rows.append(
                (
                    i.category.value,
                    i.sku,
                    i.sku_name,
                    f"({i.count} seats assigned to no one)",
                    i.count,
                    i.monthly_cost,
                    i.annual_cost,
                    "bought minus assigned, from the subscription counts",
                )
            )
            continue
        for user in i.users:
            rows.append(
                (
                    i.category.value,
                    i.sku,
                    i.sku_name,
                    user,
                    1,
                    i.unit_price,
                    i.unit_price * 12,
                    i.user_details.get(user, ""),
                )
            )
    return rows


def build(a: Assessment) -> Workbook:
    """The workbook for one assessment."""
    wb = Workbook()
    wb.remove(wb.active)
    cur = a.waste.currency
    summary = [
        ("Client", a.client_name),
        ("Period", a.period),
        ("Assessment date", a.as_of.isoformat()),
        ("Overall grade", a.overall.grade or "not assessed"),
        ("Overall score", a.overall.score),
        ("Evidence coverage", a.overall.coverage),
    ]
    summary += [
        (
            f"{s.layer.number}. {s.layer.label}",
            f"{s.grade} ({s.score:.0f})"
            if s.grade is not None and s.score is not None
            else f"incomplete (score {s.score:.0f}, coverage {s.coverage:.0%})"
            if s.score is not None
            else "not assessed",
        )
        for s in a.layers
    ]
    summary += [
        (
            "Annual licence waste",
            a.waste.annual_total if a.waste.assessed else "not assessed",
        ),
        (
            "Monthly licence waste",
            a.waste.monthly_total if a.waste.assessed else "not assessed",
        ),
    ]
    ws = _sheet(wb, "Summary", ["Item", "Value"], summary, [34, 40])
    for row in ws.iter_rows(min_row=ws.max_row - 1, max_row=ws.max_row, min_col=2):
        for cell in row:
            if isinstance(cell.value, float):
                cell.number_format = MONEY.format(cur=cur)
    _sheet(
        wb,
        "Findings",
        [
            "Rule",
            "Layer",
            "Severity",
            "Status",
            "Title",
            "Detail",
            "Affected",
            "Remediation",
            "Accepted risk",
        ],
        [
            (
                f.rule_id,
                f.layer.label,
                f.severity.value,
                f.status.value,
                f.title,
                f.detail or f.reason,
                len(f.affected),
                f.remediation,
                (
                    f"{'expired' if f.acceptance.expired else 'until'} "
                    f"{f.acceptance.expires.isoformat()}: {f.acceptance.reason}"
                    if f.acceptance
                    else ""
                ),
            )
            for f in a.findings
        ],
        [9, 22, 10, 13, 50, 70, 9, 70, 40],
    )
    _sheet(
        wb,
        "Affected",
        ["Rule", "Title", "Affected object"],
        [(f.rule_id, f.title, obj) for f in a.findings for obj in f.affected],
        [9, 50, 48],
    )
    _sheet(
        wb,
        "Waste",
        [
            "Category",
            "SKU",
            "Licence",
            "Seats",
            "Unit price / month",
            "Monthly cost",
            "Annual cost",
            "Price basis",
            "Billing term",
            "Price note",
            "Confidence",
            "What the saving needs",
        ],
        [
            (
                i.category.value,
                i.sku,
                i.sku_name,
                i.count,
                i.unit_price,
                i.monthly_cost,
                i.annual_cost,
                i.price_origin,
                i.billing_term,
                i.price_note,
                i.confidence,
                i.action,
            )
            for i in a.waste.items
        ],
        [16, 26, 36, 8, 18, 16, 16, 12, 12, 30, 12, 70],
        money_cols=(5, 6, 7),
        currency=cur,
    )
    _sheet(
        wb,
        "Waste by user",
        [
            "Category",
            "SKU",
            "Licence",
            "User",
            "Seats",
            "Monthly cost",
            "Annual cost",
            "Evidence",
        ],
        waste_rows(a.waste),
        [16, 26, 36, 44, 8, 14, 14, 60],
        money_cols=(6, 7),
        currency=cur,
    )
    _sheet(
        wb,
        "Sources",
        ["File", "Format", "Dataset", "Rows read", "Rows rejected", "SHA-256"],
        [
            (
                s.get("path"),
                s.get("format"),
                s.get("dataset"),
                s.get("rows_read"),
                s.get("rows_rejected"),
                s.get("sha256"),
            )
            for s in a.sources
        ],
        [50, 26, 20, 10, 12, 66],
    )
    _sheet(
        wb,
        "Rejected rows",
        ["Dataset", "File", "Row", "Column", "Reason"],
        [
            (
                r.get("dataset"),
                r.get("source"),
                r.get("row"),
                r.get("column"),
                r.get("reason"),
            )
            for r in a.rejected
        ],
        [20, 50, 8, 24, 70],
    )
    return wb


def write(a: Assessment, path: Path) -> Path:
    """Write ``findings.xlsx`` atomically."""
    buf = BytesIO()
    build(a).save(buf)
    return write_atomic(path, lambda fh: fh.write(buf.getvalue()))
