"""``assessment.json``: the canonical result every other artefact is rebuilt from."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

from healthcheck.atomic import write_atomic
from healthcheck.model import Assessment

#: Containers this deep are laid out one item per line; deeper values are
#: written compactly, each on its item's line.
_OPEN = 4
_COMPACT = json.JSONEncoder(ensure_ascii=False, separators=(", ", ": "))


def pieces(value: Any, depth: int = 0) -> Iterator[str]:
    """The JSON text of ``value`` in pieces, for a reader and made at C speed.

    The outer levels are indented, one key or item per line (a finding, an
    affected object, a row of an object table); what lies deeper goes on
    that line in compact form through the C encoder. Indenting every value
    instead takes Python's pure-Python encoder: at 50,000 users, several
    seconds and a file three times the size.
    """
    if depth < _OPEN and isinstance(value, dict) and value:
        yield from _object(value.items(), depth)
    elif depth < _OPEN and isinstance(value, list) and value:
        inner = "\n" + "  " * (depth + 1)
        yield "["
        sep = inner
        for item in value:
            yield sep
            yield from pieces(item, depth + 1)
            sep = "," + inner
        yield "\n" + "  " * depth + "]"
    else:
        yield _COMPACT.encode(value)


def _object(items: Iterable[tuple[str, Any]], depth: int) -> Iterator[str]:
    """A non-empty JSON object laid out as :func:`pieces` lays out a dict."""
    inner = "\n" + "  " * (depth + 1)
    yield "{"
    sep = inner
    for key, item in items:
        yield sep + _COMPACT.encode(str(key)) + ": "
        yield from pieces(item, depth + 1)
        sep = "," + inner
    yield "\n" + "  " * depth + "}"


def document(assessment: Assessment) -> Iterator[str]:
    """``pieces(assessment.to_dict())``, one top-level value made at a time.

    Each value is made when its turn comes and let go once written, so the
    whole document's dictionary is never held at once.
    """
    parts = assessment.document_parts()
    yield from _object(((key, make()) for key, make in parts), 0)
    yield "\n"


def dumps(assessment: Assessment) -> str:
    """The JSON text of :func:`write`, as one string."""
    return "".join(document(assessment))


def write(assessment: Assessment, path: Path) -> Path:
    """Write ``assessment.json`` atomically: :func:`dumps`' text, written as made.

    At 50,000 users the text is tens of megabytes; joining it first held
    several copies of it (the pieces, the text, its UTF-8 bytes), and the
    document's dictionary as many again. The top-level values are made one at
    a time and their pieces go out in batches.
    """

    def fill(fh: IO[bytes]) -> None:
        batch: list[str] = []

        for piece in document(assessment):
            batch.append(piece)
            if len(batch) >= _BATCH:
                fh.write("".join(batch).encode("utf-8"))
                batch.clear()
        fh.write("".join(batch).encode("utf-8"))

    return write_atomic(path, fill)


#: Pieces per write: a few hundred kilobytes.
_BATCH = 16_384


def read(path: str | Path) -> Assessment:
    """Read an ``assessment.json`` back."""
    return Assessment.from_dict(json.loads(Path(path).read_text(encoding="utf-8")))
