"""Shared fixtures: the sample engagement, a copy to spoil, one full run to inspect."""

from __future__ import annotations

import http.server
import shutil
import threading
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pypdfium2
import pytest
from click.testing import CliRunner

from healthcheck import pipeline

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "sample_data" / "aurora-logistics"


def pdf_pages(pdf: bytes | Path) -> list[str]:
    """The text of each page of a PDF (bytes or a file), as pdfium reads it."""
    doc = pypdfium2.PdfDocument(pdf if isinstance(pdf, bytes) else str(pdf))
    try:
        return [doc[i].get_textpage().get_text_range() for i in range(len(doc))]
    finally:
        doc.close()


def locale_keys(lang: str, name: str) -> set[str]:
    """Every dotted key of ``healthcheck/locales/<lang>/<name>``.

    Each plural form is a key of its own (``x.one``, ``x.other``).
    """
    path = ROOT / "healthcheck" / "locales" / lang / name
    out: set[str] = set()

    def walk(table: dict[str, Any], prefix: str) -> None:
        for key, value in table.items():
            if isinstance(value, dict):
                walk(value, f"{prefix}{key}.")
            else:
                out.add(f"{prefix}{key}")

    walk(tomllib.loads(path.read_text("utf-8")), "")
    return out


@pytest.fixture
def engagement(tmp_path: Path) -> Path:
    """A private copy of the sample engagement that a test may damage."""
    dest = tmp_path / "client"
    shutil.copytree(SAMPLE, dest)
    return dest


@pytest.fixture(scope="session")
def sample_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One full run of the sample engagement (rendering a PDF takes seconds)."""
    out = tmp_path_factory.mktemp("sample-run")
    pipeline.run(SAMPLE, out)
    return out


@dataclass
class Listener:
    """A local HTTP server that records every request it gets."""

    port: int = 0
    hits: list[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        """The server's base URL."""
        return f"http://127.0.0.1:{self.port}"


@pytest.fixture
def listener() -> Iterator[Listener]:
    """A server on 127.0.0.1 that the renderer must never call."""
    got = Listener()

    class Counting(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server naming
            got.hits.append(self.path)
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Counting)
    got.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield got
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def runner() -> CliRunner:
    """A click runner that keeps stderr apart from stdout."""
    return CliRunner()


def write_csv(
    path: Path,
    header: list[str],
    rows: list[list[str]],
    *,
    sep: str = ",",
    encoding: str = "utf-8",
) -> Path:
    """Write a small CSV export the way a portal would (quoted where needed)."""
    import csv
    import io

    buf = io.StringIO()
    w = csv.writer(buf, delimiter=sep, lineterminator="\r\n")
    w.writerow(header)
    w.writerows(rows)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buf.getvalue().encode(encoding))
    return path
