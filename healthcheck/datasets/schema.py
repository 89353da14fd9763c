"""Canonical schemas: ``schemas.toml`` read once and validated, like the catalogue.

A schema is data (name, title, key, columns with their kind); the code that
reads cells by kind lives beside it (:mod:`.dates`, :mod:`.numbers`,
:mod:`.validate`). A broken ``schemas.toml`` is a developer error, raised as
:class:`SchemaError` at import, which the tests catch.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any

TEXT, BOOL, DATE, DATETIME, INT, FLOAT, CHOICE = (
    "text",
    "bool",
    "date",
    "datetime",
    "int",
    "float",
    "choice",
)
KINDS = (TEXT, BOOL, DATE, DATETIME, INT, FLOAT, CHOICE)

#: The largest number an int or float cell may hold. Every number in a
#: dataset is a count, a size or a score, so none is negative, infinite or
#: beyond what a float holds exactly (2**53 - 1): a cell outside that is a
#: bad cell, not a count of seats that money is then computed from.
NUMBER_MAX = 2**53 - 1


class SchemaError(Exception):
    """``schemas.toml`` is inconsistent: a developer error, caught by tests."""


@dataclass(frozen=True, kw_only=True, slots=True)
class Column:
    """A canonical column.

    ``optional`` columns may be absent from a dataset altogether (the source
    does not carry them); rules that need one declare ``dataset.column`` in
    ``requires`` and are not assessed without it. ``nullable`` cells may be empty.
    """

    name: str
    kind: str
    nullable: bool = False
    optional: bool = False
    choices: Mapping[str, str] | None = None
    description: str = ""

    def expected(self) -> str:
        """Say what a valid cell looks like, for error messages."""
        return {
            TEXT: "text",
            BOOL: "True or False",
            DATE: "a date like 2026-03-31",
            DATETIME: "a date and time like 2026-03-31 14:05:00",
            INT: f"a whole number from 0 to {NUMBER_MAX:,}",
            FLOAT: f"a number from 0 to {NUMBER_MAX:,}",
            CHOICE: "one of " + ", ".join(sorted(set((self.choices or {}).values()))),
        }[self.kind]


@dataclass(frozen=True, kw_only=True, slots=True)
class Schema:
    """A canonical dataset's name, columns and key."""

    name: str
    title: str
    columns: tuple[Column, ...]
    key: tuple[str, ...] = ()
    #: No rows is an answer, not missing evidence: a complete list that is
    #: empty (no BitLocker key escrowed anywhere) fails its rule.
    empty_is_evidence: bool = False

    def column(self, name: str) -> Column:
        """Look a column up by name."""
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(name)


_DATASET_FIELDS = {"name", "title", "key", "column", "empty_is_evidence"}
_COLUMN_FIELDS = {"name", "kind", "nullable", "optional", "choices", "description"}


def _column(entry: Mapping[str, Any], where: str) -> Column:
    name = entry.get("name")
    if not isinstance(name, str) or not name:
        raise SchemaError(f"{where}: a column has no name")
    where = f"{where}.{name}"
    unknown = set(entry) - _COLUMN_FIELDS
    if unknown:
        raise SchemaError(f"{where}: unknown fields {sorted(unknown)}")
    kind = entry.get("kind")
    if kind not in KINDS:
        raise SchemaError(f"{where}: unknown kind {kind!r}, expected one of {KINDS}")
    choices = entry.get("choices")
    if kind == CHOICE:
        if not isinstance(choices, Mapping) or not choices:
            raise SchemaError(f"{where}: a choice column needs choices")
        # Cells are lower-cased before the look-up (see validate._convert).
        bad = [k for k in choices if k != k.lower() or not isinstance(choices[k], str)]
        if bad:
            raise SchemaError(
                f"{where}: choices must map lower-case spellings to text: {bad}"
            )
    elif choices is not None:
        raise SchemaError(f"{where}: only a choice column has choices")
    for flag in ("nullable", "optional"):
        if not isinstance(entry.get(flag, False), bool):
            raise SchemaError(f"{where}: '{flag}' must be true or false")
    return Column(
        name=name,
        kind=kind,
        nullable=entry.get("nullable", False),
        optional=entry.get("optional", False),
        choices=dict(choices) if choices is not None else None,
        description=str(entry.get("description", "")),
    )


def _schema(entry: Mapping[str, Any], where: str) -> Schema:
    name = entry.get("name")
    if not isinstance(name, str) or not name:
        raise SchemaError(f"{where}: a dataset has no name")
    where = f"{where}: {name}"
    unknown = set(entry) - _DATASET_FIELDS
    if unknown:
        raise SchemaError(f"{where}: unknown fields {sorted(unknown)}")
    title = entry.get("title")
    if not isinstance(title, str) or not title.strip():
        raise SchemaError(f"{where}: 'title' is required")
    columns = tuple(_column(c, where) for c in entry.get("column", ()))
    if not columns:
        raise SchemaError(f"{where}: no columns")
    names = [c.name for c in columns]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise SchemaError(f"{where}: columns repeat: {dupes}")
    key = tuple(entry.get("key", ()))
    unknown_key = [k for k in key if k not in names]
    if unknown_key:
        raise SchemaError(f"{where}: key names unknown columns {unknown_key}")
    empty = entry.get("empty_is_evidence", False)
    if not isinstance(empty, bool):
        raise SchemaError(f"{where}: 'empty_is_evidence' must be true or false")
    return Schema(
        name=name, title=title, columns=columns, key=key, empty_is_evidence=empty
    )


def parse_schemas(text: str, where: str = "datasets/schemas.toml") -> dict[str, Schema]:
    """Read and validate the text of a ``schemas.toml``: name -> schema, in order.

    Raises:
        SchemaError: the TOML is malformed, a dataset or column breaks a rule
            (unknown kind or field, a choice column without choices, a key
            naming an unknown column), or a dataset name repeats.
    """
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SchemaError(f"{where}: {exc}") from None
    unknown = set(data) - {"dataset"}
    if unknown:
        raise SchemaError(f"{where}: unknown tables {sorted(unknown)}")
    out: dict[str, Schema] = {}
    for entry in data.get("dataset", ()):
        sch = _schema(entry, where)
        if sch.name in out:
            raise SchemaError(f"{where}: dataset {sch.name!r} is declared twice")
        out[sch.name] = sch
    return out


def read_schemas() -> dict[str, Schema]:
    """The packaged ``healthcheck/datasets/schemas.toml``, validated."""
    text = resources.files("healthcheck.datasets").joinpath("schemas.toml")
    return parse_schemas(text.read_text("utf-8"))


#: Every canonical dataset's schema, by name; read once, at import.
SCHEMAS: dict[str, Schema] = read_schemas()


def schema(name: str) -> Schema:
    """Return the schema of a canonical dataset, or raise KeyError."""
    return SCHEMAS[name]
