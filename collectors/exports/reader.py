"""Read an export file into a frame of strings, whatever the portal wrote.

Handles UTF-8 with or without BOM, UTF-16 (Excel "Unicode text", with or
without BOM), cp1252 as a last resort, comma, semicolon and tab delimiters,
title lines above the header, ragged rows, XLSX workbooks and JSON. Every
cell stays a string here: typing is the canonical validator's job, so that a
bad cell can be reported with its row and column.

Row numbers are the ones a person sees when opening the file in Excel: the
header's row plus one for the first record, blank lines included (Excel shows
them as empty rows, so they are kept here and dropped later, uncounted).
Blank lines after the last record number nothing, and are cut before parsing.
A JSON file nested deeper than Python's parser goes is :class:`Unusable`.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import threading
from collections import Counter
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from healthcheck.errors import InputError
from healthcheck.model import Rejected

SUFFIXES = {".csv", ".txt", ".tsv", ".xlsx", ".json"}

#: How much of a text file is looked at to find its encoding, header and
#: delimiter; the whole file is then parsed by pandas' C reader.
_SAMPLE_BYTES = 64 * 1024
_SAMPLE_LINES = 30
_DELIMITERS = (",", ";", "\t", "|")


class Unusable(InputError):
    """A file that cannot be an export at all: listed, and the others read.

    ``reason`` says why, for the list of files not used.
    """

    def __init__(self, reason: str, *, file: str | Path) -> None:
        super().__init__(reason, file=file)
        self.reason = reason


class EmptyFile(Unusable):
    """A file with no bytes but whitespace: a failed download, not an export."""

    def __init__(self, file: str | Path) -> None:
        super().__init__("the file is empty: download the export again", file=file)


@dataclass(kw_only=True, slots=True)
class Table:
    """A file read as strings.

    ``rows`` holds, for each record of ``frame``, its row number as the user
    sees it. ``rejected`` lists rows the reader could not split into cells.
    ``header`` is every column of the file, in order. ``frame`` holds the
    columns asked for (all of them unless :func:`read` was given ``wanted``)
    as text; ``skim`` holds the others as their first byte only (``b""`` for
    an empty cell), which is enough to see that a cell is filled without
    paying for its text. :meth:`full` reads every column as text, once, for
    the rare question the skim cannot answer.
    """

    path: Path
    frame: pd.DataFrame | None = None
    json: Any = None
    rows: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    rejected: list[Rejected] = field(default_factory=list)
    encoding: str = ""
    delimiter: str = ""
    sha256: str = ""
    header: list[str] = field(default_factory=list)
    skim: pd.DataFrame | None = None
    _full: Callable[[], pd.DataFrame] | None = None
    _full_frame: pd.DataFrame | None = None

    def full(self) -> pd.DataFrame:
        """Every column as text, rows as in ``frame``, columns as in ``header``."""
        if self.skim is None or self.skim.shape[1] == 0 or self._full is None:
            assert self.frame is not None
            return self.frame
        if self._full_frame is None:
            self._full_frame = self._full()
        return self._full_frame


def _encoding(head: bytes) -> str:
    """Name the encoding of a file from its first bytes."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    if head.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    # UTF-16 without a BOM: ASCII text with every other byte zero.
    if len(head) >= 4:
        even, odd = head[0:200:2], head[1:200:2]
        if odd.count(0) > len(odd) * 0.8 and even.count(0) < len(even) * 0.2:
            return "utf-16-le"
        if even.count(0) > len(even) * 0.8 and odd.count(0) < len(odd) * 0.2:
            return "utf-16-be"
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A cut in the middle of a multi-byte character at the sample's end
        # is not evidence against UTF-8.
        if exc.start < len(head) - 4:
            return "cp1252"
    return "utf-8"


def _decode(data: bytes, path: Path) -> str:
    enc = _encoding(data[:_SAMPLE_BYTES])
    try:
        return data.decode(enc)
    except UnicodeDecodeError:
        pass
    # Excel's "CSV" on a European Windows writes cp1252; it decodes almost any
    # byte, so it is tried last and only for text that is not UTF-8.
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        raise InputError("expected UTF-8 or UTF-16 text", file=path) from None


def _split(line: str, delimiter: str) -> list[str]:
    return next(csv.reader([line], delimiter=delimiter), [])


def _layout(sample: str) -> tuple[str, int]:
    """Find the delimiter and the header line (0-based) from the first lines.

    The header is the first line with as many cells as the widest of the
    sample's lines: title lines ("Backup jobs report", "Generated: ...") and
    blank lines above it have fewer.
    """
    lines = sample.splitlines()[:_SAMPLE_LINES]
    if len(lines) > 1 and len(sample) >= _SAMPLE_BYTES - 1:
        lines = lines[:-1]  # the last sampled line may be cut short
    best, best_width = ",", 0
    for d in _DELIMITERS:
        widths = [len(_split(line, d)) for line in lines if line.strip()]
        if not widths:
            continue
        # The delimiter that splits most lines into the same, widest shape.
        width, count = Counter(widths).most_common(1)[0]
        score = width * count
        if width > 1 and score > best_width:
            best, best_width = d, score
    header = 0
    if best_width:
        widths = [len(_split(line, best)) if line.strip() else 0 for line in lines]
        target = Counter(w for w in widths if w > 1).most_common(1)[0][0]
        header = next((i for i, w in enumerate(widths) if w >= target), 0)
    return best, header


def _ragged(text: str, delimiter: str, header_line: int, path: Path) -> Table:
    """Slow path for files pandas' C reader refuses: rows with extra cells."""
    records = list(csv.reader(io.StringIO(text), delimiter=delimiter))[header_line:]
    header = [c.strip() for c in records[0]]
    width = len(header)
    body, rows, rejected = [], [], []
    for n, rec in enumerate(records[1:], start=header_line + 2):
        if len(rec) > width and not any(c.strip() for c in rec[width:]):
            rec = rec[:width]  # trailing delimiters only
        if len(rec) > width:
            rejected.append(
                Rejected(
                    source=str(path),
                    row=n,
                    column=None,
                    reason=f"has {len(rec)} cells but the header has {width}; "
                    "a delimiter inside an unquoted value?",
                )
            )
            continue
        body.append(rec + [""] * (width - len(rec)))
        rows.append(n)
    frame = pd.DataFrame(body, columns=header, dtype="object")
    return Table(
        path=path,
        frame=frame,
        rows=np.asarray(rows, dtype=np.int64),
        rejected=rejected,
        delimiter=delimiter,
        header=header,
    )


def _without_blank_tail(data: bytes, delimiter: str) -> bytes:
    """``data`` up to the end of its last line that holds more than blanks.

    Lines of nothing but whitespace and delimiters after the data hold no
    record (a million of them appended to an export once took a minute to
    skip). They are cut here in a few C-speed passes over the bytes, before
    pandas makes a row of each. Row numbers are unchanged: only lines after
    every record go. A quote is never cut: it may close a cell that spans
    lines.
    """
    end = len(data.rstrip(b" \t\r\n" + delimiter.encode("ascii")))
    cut = data.find(b"\n", end)
    return data if cut < 0 else data[: cut + 1]


#: Files at least this big are hashed on a thread of their own.
_HASH_ASIDE = 1 << 20


def _sha256_aside(data: bytes) -> Callable[[], str]:
    """Start hashing ``data``; the returned function gives the hex digest.

    A big file is hashed on another thread while pandas parses it: hashlib
    lets go of the GIL while it hashes, and so does pandas' tokenizer, so
    the two run at once where a second core is free.
    """
    if len(data) < _HASH_ASIDE:
        digest = hashlib.sha256(data).hexdigest()
        return lambda: digest
    out: list[str] = []
    thread = threading.Thread(
        target=lambda: out.append(hashlib.sha256(data).hexdigest()), daemon=True
    )
    thread.start()

    def result() -> str:
        thread.join()
        return out[0] if out else hashlib.sha256(data).hexdigest()

    return result


def _read_text(
    path: Path, wanted: Callable[[list[str]], Collection[str] | None] | None
) -> Table:
    data = path.read_bytes()
    if not data or data.isspace():
        raise EmptyFile(path)
    digest = _sha256_aside(data)
    enc = _encoding(data[:_SAMPLE_BYTES])
    try:
        sample = data[:_SAMPLE_BYTES].decode(enc, errors="ignore")
    except LookupError:  # pragma: no cover - the names above all exist
        raise InputError(f"unknown encoding {enc}", file=path) from None
    delimiter, header_line = _layout(sample.lstrip("\ufeff"))
    if enc.startswith("utf-16") or enc == "cp1252":
        # pandas' C reader is fastest on UTF-8 bytes: recode once.
        data = _decode(data, path).lstrip("\ufeff").encode("utf-8")
        enc = "utf-8"
    data = _without_blank_tail(data, delimiter)
    options: dict[str, Any] = {
        "sep": delimiter,
        "encoding": enc,
        "skiprows": header_line,
        "keep_default_na": False,
        "na_filter": False,
        "skip_blank_lines": False,
        "engine": "c",
    }

    def parse(dtype: Any) -> pd.DataFrame:
        return pd.read_csv(io.BytesIO(data), dtype=dtype, **options)

    try:
        names = list(pd.read_csv(io.BytesIO(data), nrows=0, **options).columns)
        header = [str(c).strip() for c in names]
        want = None if wanted is None else wanted(header)
        if want is None:
            text = names
        else:
            # The first column is always read: summary lines start there.
            text = [n for n, h in zip(names, header, strict=True) if h in want]
            text = list(dict.fromkeys(names[:1] + text))
        # object, not str: pandas' string dtype costs a conversion per cell,
        # and every cell is looked at once more anyway. Columns no format
        # reads are kept as their first byte: the C reader still splits every
        # row (so a row with too many cells is still caught) but makes no
        # Python string for them.
        skimmed = set(names) - set(text)
        frame = parse({n: ("S1" if n in skimmed else object) for n in names})
    except pd.errors.ParserError:
        table = _ragged(
            _decode(data, path).lstrip("\ufeff"), delimiter, header_line, path
        )
        table.sha256 = digest()
        return table
    except pd.errors.EmptyDataError:
        raise EmptyFile(path) from None
    except UnicodeDecodeError:
        raise InputError("expected UTF-8 or UTF-16 text", file=path) from None
    frame.columns = header
    skim = frame.iloc[:, [i for i, n in enumerate(names) if n in skimmed]]
    frame = frame.iloc[:, [i for i, n in enumerate(names) if n not in skimmed]]

    def full() -> pd.DataFrame:
        every = parse(object)
        every.columns = header
        return every

    first = header_line + 2
    return Table(
        path=path,
        frame=frame,
        rows=np.arange(first, first + len(frame), dtype=np.int64),
        encoding=enc,
        delimiter=delimiter,
        sha256=digest(),
        header=header,
        skim=skim,
        _full=full,
    )


def _read_xlsx(path: Path) -> Table:
    data = path.read_bytes()
    try:
        raw = pd.read_excel(
            io.BytesIO(data),
            dtype=str,
            header=None,
            keep_default_na=False,
            engine="openpyxl",
        )
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds
        raise InputError(
            f"cannot be read as an Excel workbook ({exc})", file=path
        ) from None
    raw = raw.fillna("")
    if raw.empty:
        raise InputError("the workbook's first sheet is empty", file=path)
    filled = (raw != "").sum(axis=1)
    # The header is the first row as wide as the sheet's usual row, as for CSV.
    widest = int(filled[filled > 1].mode().max()) if (filled > 1).any() else 1
    header = int(np.argmax(filled.to_numpy() >= widest))
    names = [str(c).strip() for c in raw.iloc[header]]
    frame = raw.iloc[header + 1 :].reset_index(drop=True)
    keep = [i for i, n in enumerate(names) if n]
    frame = frame.iloc[:, keep]
    frame.columns = [names[i] for i in keep]
    first = header + 2
    return Table(
        path=path,
        frame=frame,
        rows=np.arange(first, first + len(frame), dtype=np.int64),
        sha256=hashlib.sha256(data).hexdigest(),
        header=list(frame.columns),
    )


def _read_json(path: Path) -> Table:
    data = path.read_bytes()
    if not data or data.isspace():
        raise EmptyFile(path)
    try:
        doc = json.loads(_decode(data, path))
    except json.JSONDecodeError as exc:
        raise InputError(
            f"invalid JSON: {exc.msg}", file=path, row=exc.lineno
        ) from None
    except RecursionError:
        # The parser's own bound on nesting, near 1,000 levels (API responses
        # are a few deep); caught here, it costs nothing on the usual file.
        raise Unusable(
            "JSON nested too deeply to be an API response", file=path
        ) from None
    return Table(path=path, json=doc, sha256=hashlib.sha256(data).hexdigest())


def read(
    path: Path,
    wanted: Callable[[list[str]], Collection[str] | None] | None = None,
) -> Table:
    """Read one file. Raises InputError when it is not a readable table.

    ``wanted``, given a text file's header, names the columns whose text is
    needed (None: all); the others are only skimmed (see :class:`Table`).
    """
    suffix = path.suffix.lower()
    if suffix == ".json":
        return _read_json(path)
    if suffix == ".xlsx":
        return _read_xlsx(path)
    return _read_text(path, wanted)
