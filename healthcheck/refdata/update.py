"""``healthcheck refdata update``: download or import the published tables.

Downloads go to the publishers' own addresses (``published.py``) over
verified TLS with a timeout. ``HEALTHCHECK_REFDATA_BASE_URL`` (or
``--base-url``) sends every request to another host with the same paths, for
a mirror or a test server, and ``HEALTHCHECK_REFDATA_CA_BUNDLE`` (or
``--ca-bundle``) adds the CA that signs it. ``--from DIR`` imports files
downloaded elsewhere, as published, recognised by their content.

Every new table is built and checked before any is written: its format, its
columns, and no implausible shrink against the table in use (unless
``force``). Each file is then replaced atomically, so a failed or bad
download leaves the tables in use as they were.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from healthcheck import refdata
from healthcheck.atomic import write_atomic
from healthcheck.refdata import RefdataError, published

BASE_URL_ENV = "HEALTHCHECK_REFDATA_BASE_URL"
CA_BUNDLE_ENV = "HEALTHCHECK_REFDATA_CA_BUNDLE"
TIMEOUT = 60.0
#: A new table with fewer rows than this share of the one in use is refused
#: without ``force``: a truncated download looks like a shrink.
MIN_SHARE = 0.5
#: Files larger than this in ``--from DIR`` are not reference data.
MAX_FILE = 50 * 1024 * 1024


def sources() -> list[str]:
    """Every address ``update`` downloads, publisher's host and path."""
    return [
        published.LICENSING_URL,
        *(published.EOL_API.format(product=p) for p in published.EOL_PRODUCTS),
        *published.RELEASE_INFO.values(),
    ]


def rebase(url: str, base: str | None) -> str:
    """``url`` with its scheme and host replaced by ``base``'s, path kept."""
    if not base:
        return url
    to = urlsplit(base)
    if to.scheme != "https" or not to.netloc:
        raise RefdataError(
            f"{BASE_URL_ENV}: expected an https:// address, got {base!r}"
        )
    parts = urlsplit(url)
    path = to.path.rstrip("/") + parts.path
    return urlunsplit((to.scheme, to.netloc, path, parts.query, ""))


def download(
    *,
    base_url: str | None = None,
    ca_bundle: str | Path | None = None,
    timeout: float = TIMEOUT,
) -> list[tuple[str, bytes]]:
    """Fetch every published source; (address, body) pairs.

    A refused connection, a TLS failure, a timeout or an HTTP error stops
    the update with the address named: nothing is written then.
    """
    import requests

    base_url = base_url or os.environ.get(BASE_URL_ENV) or None
    ca = ca_bundle or os.environ.get(CA_BUNDLE_ENV) or None
    if ca is not None and not Path(ca).is_file():
        raise RefdataError(f"{ca}: CA bundle not found")
    out = []
    with requests.Session() as session:
        session.headers["User-Agent"] = "healthcheck-refdata"
        for url in sources():
            where = rebase(url, base_url)
            try:
                # verify is never False: a CA bundle adds trust, it never
                # removes the check.
                resp = session.get(
                    where, timeout=timeout, verify=str(ca) if ca else True
                )
                resp.raise_for_status()
            except requests.exceptions.SSLError:
                raise RefdataError(
                    f"{where}: the server's certificate could not be verified",
                    hint="give the CA that signs it with --ca-bundle or "
                    + CA_BUNDLE_ENV,
                ) from None
            except requests.exceptions.Timeout:
                raise RefdataError(f"{where}: no answer within {timeout:g} s") from None
            except requests.exceptions.HTTPError:
                raise RefdataError(f"{where}: HTTP {resp.status_code}") from None
            except requests.exceptions.RequestException as exc:
                raise RefdataError(
                    f"{where}: download failed ({type(exc).__name__})",
                    hint="check the network, or download the files elsewhere "
                    "and use --from",
                ) from None
            out.append((where, resp.content))
    return out


def read_folder(folder: Path) -> list[tuple[str, bytes]]:
    """Every file in ``folder`` and its subfolders: (path, bytes)."""
    if not folder.is_dir():
        raise RefdataError(f"{folder}: not a folder")
    out = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        if path.stat().st_size <= MAX_FILE:
            out.append((str(path), path.read_bytes()))
    return out


def _eol_date(raw: bytes) -> date | None:
    try:
        stamp = json.loads(raw).get("generated_at") or ""
        return datetime.fromisoformat(stamp).date()
    except (ValueError, AttributeError, TypeError):
        return None


@dataclass(frozen=True, kw_only=True, slots=True)
class Built:
    """A new table's text, and what it was built from."""

    name: str
    text: str
    inputs: tuple[str, ...]


def build(files: Iterable[tuple[str, bytes]], *, today: date) -> dict[str, Built]:
    """The tables the given published files make, by table name.

    Files are recognised by content; one a format does not claim is ignored.
    A table whose inputs are incomplete (endoflife.date documents for only
    some products) is an error naming what is missing.
    """
    licensing: list[tuple[str, bytes]] = []
    eol: list[tuple[str, bytes]] = []
    pages: list[tuple[str, bytes]] = []
    for where, raw in files:
        if published.is_licensing_csv(raw):
            licensing.append((where, raw))
        elif published.eol_product(raw) is not None:
            eol.append((where, raw))
        elif published.release_page(raw) is not None:
            pages.append((where, raw))
    out: dict[str, Built] = {}
    if licensing:
        where, raw = licensing[-1]
        out["skus"] = Built(
            name="skus",
            text=published.skus_table(raw, as_of=today, source=where),
            inputs=(where,),
        )
    if eol:
        stamps = [d for _, raw in eol if (d := _eol_date(raw)) is not None]
        out["os_lifecycle"] = Built(
            name="os_lifecycle",
            text=published.lifecycle_table(
                [raw for _, raw in eol], as_of=min(stamps, default=today)
            ),
            inputs=tuple(w for w, _ in eol),
        )
    if pages:
        out["windows_updates"] = Built(
            name="windows_updates",
            text=published.updates_table([raw for _, raw in pages], as_of=today),
            inputs=tuple(w for w, _ in pages),
        )
    return out


def check_shrink(new: Mapping[str, Built], *, force: bool) -> None:
    """Refuse a table much smaller than the one in use, unless ``force``."""
    for name, built in new.items():
        now = len(refdata.table_rows(name))
        got = len(refdata.rows(built.text))
        if not force and got < now * MIN_SHARE:
            raise RefdataError(
                f"{name}: the new table has {got} rows, the one in use {now}; "
                "refusing an implausible shrink (nothing was written)",
                hint="check the source files, or use --force if the shrink is real",
            )


def install(new: Mapping[str, Built], *, force: bool = False) -> list[Path]:
    """Check, then write every new table into the data folder; paths written."""
    check_shrink(new, force=force)
    folder = refdata.data_dir()
    written = []
    for name, built in new.items():
        body = built.text.encode("utf-8")
        path = folder / refdata.SPEC[name].file
        written.append(write_atomic(path, lambda fh, body=body: fh.write(body)))
    refdata.refresh()
    return written


def update(
    *,
    from_dir: Path | None = None,
    force: bool = False,
    base_url: str | None = None,
    ca_bundle: str | Path | None = None,
    timeout: float = TIMEOUT,
    today: date | None = None,
) -> dict[str, Built]:
    """Download (or import from ``from_dir``), check and install the tables."""
    today = today or date.today()
    if from_dir is not None:
        files = read_folder(from_dir)
        new = build(files, today=today)
        if not new:
            raise RefdataError(
                f"{from_dir}: no published reference file found (expected "
                "Microsoft's licensing CSV, endoflife.date API documents or "
                "Windows release information pages)"
            )
    else:
        files = download(base_url=base_url, ca_bundle=ca_bundle, timeout=timeout)
        new = build(files, today=today)
        missing = [s.name for s in refdata.SPECS if s.updatable and s.name not in new]
        if missing:
            raise RefdataError(
                f"download: no usable data for {', '.join(missing)} "
                "(nothing was written)"
            )
    install(new, force=force)
    return new
