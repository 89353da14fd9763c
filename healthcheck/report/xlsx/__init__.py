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
Formula injection is neutralised as each cell is written; see :mod:`.cells`.

The package splits by concern: :mod:`.cells` (cell safety, sheet names),
:mod:`.styles` (fonts, widths, number formats), :mod:`.layout` (writing cells
and list sheets), one module per group of sheets (:mod:`.summary`,
:mod:`.findings`, :mod:`.waste`, :mod:`.sources`) and :mod:`.workbook`, the
entry point (:func:`write`, :func:`build`, :class:`Writer`). The names below
are the public face; import them from ``healthcheck.report.xlsx``.
"""

from healthcheck.report.xlsx.cells import (
    FORMULA_START,
    MAX_CELL,
    MAX_SHEET_NAME,
    SHEET_FORBIDDEN,
    looks_like_formula,
    neutralise,
    safe_sheet_name,
    text,
)
from healthcheck.report.xlsx.layout import (
    Col,
    autosize,
    chars_per_line,
    fit_rows,
    link_to,
    printable,
    put,
    shown_width,
    table,
)
from healthcheck.report.xlsx.styles import (
    BOLD,
    HEADER_FILL,
    HEADER_FONT,
    INTEGER,
    LEFT,
    LINE_HEIGHT,
    LINK_FONT,
    MAX_ROW_HEIGHT,
    MAX_WIDTH,
    MAX_WRAP_WIDTH,
    MIN_WIDTH,
    SCORE,
    SUMMARY_LABEL_WIDTH,
    SUMMARY_TEXT_WIDTH,
    SUMMARY_WIDTH,
    TEXT_PER_WIDTH,
    TITLE_FONT,
    TOP,
    WRAP,
    excel_money_format,
    excel_percent_format,
)
from healthcheck.report.xlsx.waste import user_rows
from healthcheck.report.xlsx.workbook import Writer, build, write

__all__ = [
    "BOLD",
    "FORMULA_START",
    "HEADER_FILL",
    "HEADER_FONT",
    "INTEGER",
    "LEFT",
    "LINE_HEIGHT",
    "LINK_FONT",
    "MAX_CELL",
    "MAX_ROW_HEIGHT",
    "MAX_SHEET_NAME",
    "MAX_WIDTH",
    "MAX_WRAP_WIDTH",
    "MIN_WIDTH",
    "SCORE",
    "SHEET_FORBIDDEN",
    "SUMMARY_LABEL_WIDTH",
    "SUMMARY_TEXT_WIDTH",
    "SUMMARY_WIDTH",
    "TEXT_PER_WIDTH",
    "TITLE_FONT",
    "TOP",
    "WRAP",
    "Col",
    "Writer",
    "autosize",
    "build",
    "chars_per_line",
    "excel_money_format",
    "excel_percent_format",
    "fit_rows",
    "link_to",
    "looks_like_formula",
    "neutralise",
    "printable",
    "put",
    "safe_sheet_name",
    "shown_width",
    "table",
    "text",
    "user_rows",
    "write",
]
