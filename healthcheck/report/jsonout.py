"""``assessment.json``: the canonical result every other artefact is rebuilt from."""

from __future__ import annotations

import json
from pathlib import Path
from typing import IO, Any

from healthcheck.atomic import write_atomic
from healthcheck.model import Assessment


def dumps(assessment: Assessment) -> str:
    """The JSON text, stable key order, UTF-8.

    Indented for a reader, except the rows of the object tables: one object
    per line (indenting each value of 50,000 rows would triple the file).
    """
    doc = assessment.to_dict()
    rows: dict[str, list[Any]] = {}
    for kind, table in doc.get("objects", {}).items():
        marker = f"\x00rows:{kind}\x00"
        rows[json.dumps(marker)] = table["rows"]
        table["rows"] = marker
    text = json.dumps(doc, indent=2, ensure_ascii=False)
    for marker, body in rows.items():
        lines = ",\n".join(
            "        " + json.dumps(r, ensure_ascii=False, separators=(", ", ": "))
            for r in body
        )
        text = text.replace(marker, f"[\n{lines}\n      ]" if body else "[]", 1)
    return text + "\n"


def write(assessment: Assessment, path: Path) -> Path:
    """Write ``assessment.json`` atomically: :func:`dumps`' text, written as made.

    At 50,000 users the text is 45 MB in seven million pieces; joining them
    first held three copies of it (the pieces, the text, its UTF-8 bytes),
    the peak memory of the whole run. The encoder's pieces go out in batches.
    """
    data = assessment.to_dict()
    encoder = json.JSONEncoder(indent=2, ensure_ascii=False)

    def fill(fh: IO[bytes]) -> None:
        batch: list[str] = []
        for piece in encoder.iterencode(data):
            batch.append(piece)
            if len(batch) >= _BATCH:
                fh.write("".join(batch).encode("utf-8"))
                batch.clear()
        batch.append("\n")
        fh.write("".join(batch).encode("utf-8"))

    return write_atomic(path, fill)


#: Encoder pieces per write: a few hundred kilobytes.
_BATCH = 65_536


def read(path: str | Path) -> Assessment:
    """Read an ``assessment.json`` back."""
    return Assessment.from_dict(json.loads(Path(path).read_text(encoding="utf-8")))
