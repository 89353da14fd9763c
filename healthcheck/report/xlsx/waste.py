"""The Waste sheet and one sheet of users per waste line."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from openpyxl.worksheet.worksheet import Worksheet

from healthcheck.i18n import DEFAULT_LANGUAGE
from healthcheck.model import WasteItem
from healthcheck.report.xlsx.base import WriterBase
from healthcheck.report.xlsx.layout import Col, link_to, put, table
from healthcheck.report.xlsx.styles import BOLD, INTEGER


class WasteSheets(WriterBase):
    """The Waste sheet and its user sheets."""

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
