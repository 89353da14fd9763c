"""Styles and number formats: fonts, fills, widths, money and percentages."""

from __future__ import annotations

from babel.numbers import get_currency_symbol
from openpyxl.styles import Alignment, Font, PatternFill

from healthcheck.i18n import Translator

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
