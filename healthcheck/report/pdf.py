"""Render the report to PDF with WeasyPrint, fetching packaged files only.

The URL fetcher serves files under the packaged template folder and refuses
everything else (http, https, ftp, data and any other path), so nothing a
tenant names can make the renderer read a file or call out.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path
from urllib.parse import unquote, urlsplit

import weasyprint
from weasyprint.urls import URLFetcher, URLFetcherResponse

from healthcheck.atomic import write_atomic
from healthcheck.errors import RenderError
from healthcheck.model import Assessment
from healthcheck.report import html


class PackagedOnlyFetcher(URLFetcher):
    """Serve ``file:`` URLs under the allowed folders; refuse all else."""

    def __init__(self, roots: tuple[Path, ...]) -> None:
        super().__init__(allowed_protocols=("file",))
        self.roots = tuple(r.resolve() for r in roots)
        self.refused: list[str] = []

    def fetch(self, url: str, headers: object = None) -> URLFetcherResponse:
        """Return the file's bytes, or raise ValueError (WeasyPrint then skips it)."""
        parts = urlsplit(url)
        if parts.scheme == "file":
            path = Path(unquote(parts.path)).resolve()
            if any(path.is_relative_to(r) for r in self.roots) and path.is_file():
                mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                return URLFetcherResponse(
                    url, body=path.read_bytes(), headers={"Content-Type": mime}
                )
        self.refused.append(url)
        raise ValueError("only packaged report assets may be loaded")


def html_to_pdf(document: str) -> tuple[bytes, PackagedOnlyFetcher]:
    """PDF bytes of an HTML document, and the fetcher used (tests read its refusals)."""
    root = html.templates_dir()
    fetcher = PackagedOnlyFetcher((root,))
    try:
        pdf = weasyprint.HTML(
            string=document, base_url=root.as_uri() + "/", url_fetcher=fetcher
        ).write_pdf()
    except Exception as exc:  # noqa: BLE001 - surface as one line, keep old report
        raise RenderError(f"the PDF could not be rendered: {exc}") from exc
    assert pdf is not None
    return pdf, fetcher


def render_bytes(assessment: Assessment) -> tuple[bytes, PackagedOnlyFetcher]:
    """The report of ``assessment`` as PDF bytes."""
    return html_to_pdf(html.render(assessment))


def write(assessment: Assessment, path: Path) -> Path:
    """Write ``report.pdf`` atomically."""
    body, _ = render_bytes(assessment)
    return write_atomic(path, lambda fh: fh.write(body))
