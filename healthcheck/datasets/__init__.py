"""Canonical datasets: one declared schema each, and the validator every row passes.

Collectors rename source columns to canonical names and hand the raw cell
values to :func:`build`. It converts each column to its declared kind, rejects
rows whose cells cannot be read (keeping the file, row, column and reason),
and raises :class:`~healthcheck.errors.InputError` when a required column is
absent or nothing usable remains. Rules only ever see frames built here.

The package splits along its nouns: the schemas are data
(``schemas.toml``, read and validated by :mod:`.schema`), cells as text in
:mod:`.text`, :mod:`.dates`, :mod:`.numbers`, and the validator in
:mod:`.validate`. The names below are the package's public face; import them
from ``healthcheck.datasets``.
"""

from healthcheck.datasets.dates import (
    DATE_ORDERS,
    DAY_FIRST,
    MONTH_FIRST,
    NO_DATE,
    DateEvidence,
    date_evidence,
    parse_dates,
    read_dates,
)
from healthcheck.datasets.numbers import parse_numbers
from healthcheck.datasets.schema import (
    BOOL,
    CHOICE,
    DATE,
    DATETIME,
    FLOAT,
    INT,
    KINDS,
    SCHEMAS,
    TEXT,
    Column,
    Schema,
    SchemaError,
    parse_schemas,
    read_schemas,
    schema,
)
from healthcheck.datasets.text import (
    all_distinct,
    cells,
    distinct,
    group_codes,
    lower_values,
    map_distinct,
    text_values,
)
from healthcheck.datasets.validate import FALSE, TRUE, build, to_columns, to_records

__all__ = [
    "BOOL",
    "CHOICE",
    "DATE",
    "DATETIME",
    "DATE_ORDERS",
    "DAY_FIRST",
    "FALSE",
    "FLOAT",
    "INT",
    "KINDS",
    "MONTH_FIRST",
    "NO_DATE",
    "SCHEMAS",
    "TEXT",
    "TRUE",
    "Column",
    "DateEvidence",
    "Schema",
    "SchemaError",
    "all_distinct",
    "build",
    "cells",
    "date_evidence",
    "distinct",
    "group_codes",
    "lower_values",
    "map_distinct",
    "parse_dates",
    "parse_numbers",
    "parse_schemas",
    "read_dates",
    "read_schemas",
    "schema",
    "text_values",
    "to_columns",
    "to_records",
]
