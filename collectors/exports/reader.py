"""Read an export file into a frame of strings, whatever the portal wrote.

Handles UTF-8 with or without BOM, UTF-16 (Excel "Unicode text"), comma,
semicolon and tab delimiters, XLSX workbooks and saved Graph JSON. Every cell
stays a string here: typing is the canonical validator's job, so that a bad
cell can be reported with its row and column.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from healthcheck.errors import InputError

SUFFIXES = {".csv", ".txt", ".tsv", ".xlsx", ".json"}


@dataclass(frozen=True, kw_only=True, slots=True)
class Table:
    """A file read as strings. ``first_row`` is the line number of row 0."""

    path: Path
    frame: pd.DataFrame | None = None
    json: Any = None
    first_row: int = 2


def _decode(data: bytes, path: Path) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    # Excel's "CSV" on a European Windows writes cp1252; it decodes any byte,
    # so try it last and only for text that is not UTF-8.
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        raise InputError("expected UTF-8 or UTF-16 text", file=path) from None


def _delimiter(first_line: str) -> str:
    counts = {d: first_line.count(d) for d in (",", ";", "\t")}
    return max(counts, key=lambda d: counts[d]) if any(counts.values()) else ","


def read(path: Path) -> Table:
    """Read one file. Raises InputError when it is not a readable table."""
    suffix = path.suffix.lower()
    if suffix == ".json":
        try:
            return Table(path=path, json=json.loads(_decode(path.read_bytes(), path)))
        except json.JSONDecodeError as exc:
            raise InputError(
                f"invalid JSON: {exc.msg}", file=path, row=exc.lineno
            ) from None
    if suffix == ".xlsx":
        try:
            frame = pd.read_excel(
                path, dtype=str, keep_default_na=False, engine="openpyxl"
            )
        except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds
            raise InputError(
                f"cannot be read as an Excel workbook ({exc})", file=path
            ) from None
        return Table(path=path, frame=frame.fillna(""))
    text = _decode(path.read_bytes(), path)
    first = text.split("\n", 1)[0]
    try:
        frame = pd.read_csv(
            io.StringIO(text),
            dtype=str,
            keep_default_na=False,
            sep=_delimiter(first),
            skipinitialspace=False,
            quoting=csv.QUOTE_MINIMAL,
        )
    except pd.errors.ParserError as exc:
        raise InputError(f"cannot be read as CSV ({exc})", file=path) from None
    except pd.errors.EmptyDataError:
        raise InputError("the file is empty", file=path) from None
    frame.columns = [str(c).strip() for c in frame.columns]
    return Table(path=path, frame=frame)
