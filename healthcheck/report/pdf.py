"""Render the report to PDF with WeasyPrint, fetching packaged and brand files only.

The URL fetcher serves files under the packaged template folder and the
brand files named in ``client.yaml`` (their copies in the evidence folder),
and refuses everything else: http, https, ftp, data and any other path. So
nothing a tenant names, and nothing a logo's SVG links to, can make the
renderer read another file or call out. Each refusal is logged on the
fetcher, which the tests read.

WeasyPrint's own messages (a brand SVG it cannot parse, say) are multi-line
and name the file by its full, temporary path. They are caught while it
renders and become one warning of ours that names the brand files only.
"""

from __future__ import annotations

import contextlib
import logging
import mimetypes
from collections.abc import Iterable, Iterator
from pathlib import Path
from urllib.parse import unquote, urlsplit

import weasyprint
from weasyprint.urls import URLFetcher, URLFetcherResponse

from healthcheck.atomic import write_atomic
from healthcheck.errors import RenderError
from healthcheck.model import Assessment
from healthcheck.report import html
from healthcheck.report.context import ReportOptions

log = logging.getLogger(__name__)

mimetypes.add_type("font/woff2", ".woff2")
mimetypes.add_type("font/woff", ".woff")
mimetypes.add_type("font/otf", ".otf")
mimetypes.add_type("font/ttf", ".ttf")


class PackagedOnlyFetcher(URLFetcher):
    """Serve ``file:`` URLs under ``roots`` or among ``files``; refuse all else."""

    def __init__(self, roots: tuple[Path, ...], files: Iterable[Path] = ()) -> None:
        super().__init__(allowed_protocols=("file",))
        self.roots = tuple(r.resolve() for r in roots)
        self.files = frozenset(f.resolve() for f in files)
        self.refused: list[str] = []
        self.served: list[str] = []
        #: The errors the renderer itself reported.
        self.renderer_messages: list[str] = []

    def allows(self, path: Path) -> bool:
        """True for a packaged asset or one of the brand files."""
        return path.is_file() and (
            path in self.files or any(path.is_relative_to(r) for r in self.roots)
        )

    def fetch(self, url: str, headers: object = None) -> URLFetcherResponse:
        """Return the file's bytes, or raise ValueError (WeasyPrint then skips it)."""
        parts = urlsplit(url)
        if parts.scheme == "file" and not parts.netloc:
            path = Path(unquote(parts.path)).resolve()
            if self.allows(path):
                mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                self.served.append(url)
                return URLFetcherResponse(
                    url, body=path.read_bytes(), headers={"Content-Type": mime}
                )
        self.refused.append(url)
        raise ValueError("only packaged report assets and brand files may be loaded")


class _Catch(logging.Handler):
    """Keeps the renderer's errors; its notes go to DEBUG only."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.levelno >= logging.ERROR:
            self.messages.append(record.getMessage())
        else:
            # The renderer's internals (CSS steps, font subsetting): never
            # shown to a consultant, even with -v.
            log.debug("renderer: %s", record.getMessage().splitlines()[0])


@contextlib.contextmanager
def _renderer_messages() -> Iterator[list[str]]:
    """Collect WeasyPrint's errors instead of printing them."""
    logger = logging.getLogger("weasyprint")
    catch = _Catch()
    propagate = logger.propagate
    logger.addHandler(catch)
    logger.propagate = False
    try:
        yield catch.messages
    finally:
        logger.removeHandler(catch)
        logger.propagate = propagate


def _warn(messages: list[str], brand_files: Iterable[Path]) -> None:
    """One line for what the renderer said: which brand files, never a path."""
    if not messages:
        return
    names = sorted({f.name for f in brand_files for m in messages if f.name in m})
    if names:
        log.warning(
            "the PDF renderer could not use brand file %s: left out of the report "
            "(check that it opens in a web browser)",
            ", ".join(names),
        )
    else:
        log.warning(
            "the PDF renderer reported %d problem(s) with the report's content",
            len(messages),
        )


def html_to_pdf(
    document: str, brand_files: Iterable[Path] = ()
) -> tuple[bytes, PackagedOnlyFetcher]:
    """PDF bytes of an HTML document, and the fetcher used (tests read its log)."""
    root = html.templates_dir()
    brand_files = tuple(brand_files)
    fetcher = PackagedOnlyFetcher((root,), brand_files)
    with _renderer_messages() as messages:
        try:
            pdf = weasyprint.HTML(
                string=document, base_url=root.as_uri() + "/", url_fetcher=fetcher
            ).write_pdf()
        except Exception as exc:  # noqa: BLE001 - surface as one line, keep old report
            raise RenderError(f"the PDF could not be rendered: {exc}") from exc
    fetcher.renderer_messages = messages
    _warn(messages, brand_files)
    assert pdf is not None
    return pdf, fetcher


def render_bytes(
    assessment: Assessment, options: ReportOptions | None = None
) -> tuple[bytes, PackagedOnlyFetcher]:
    """The report of ``assessment`` as PDF bytes."""
    options = options or ReportOptions()
    return html_to_pdf(html.render(assessment, options), options.brand_files.values())


def write(
    assessment: Assessment, path: Path, options: ReportOptions | None = None
) -> Path:
    """Write ``report.pdf`` atomically."""
    body, _ = render_bytes(assessment, options)
    return write_atomic(path, lambda fh: fh.write(body))
