"""Reference tables: which copy of each is in use, its date, and its checksum.

The rules and the cost model read six tables (SKUs, SKU notes, plan rules, OS
lifecycle, Windows updates, list prices). Each ships in ``healthcheck/catalog``
as the fallback. ``healthcheck refdata update`` writes newer copies of the
published ones into the user's data folder (``$XDG_DATA_HOME/healthcheck``),
and a run uses the newer of the two. A run copies the tables it used into its
evidence folder, and ``healthcheck report`` pins those copies, so a rebuilt
report uses exactly the data the first one did.

Every table file opens with ``#`` comment lines; ``# table_date:`` gives the
table's date and ``# source:`` where it came from. Its rows carry their own
date and source columns.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import os
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from importlib import resources
from pathlib import Path

from healthcheck.errors import HealthcheckError


class RefdataError(HealthcheckError):
    """A reference table that cannot be read, downloaded or trusted."""


@dataclass(frozen=True, kw_only=True, slots=True)
class Spec:
    """One reference table: its name, file and whether it can be downloaded."""

    name: str
    file: str
    title: str
    updatable: bool


#: The tables, in the order ``refdata show`` and the report list them.
SPECS: tuple[Spec, ...] = (
    Spec(
        name="skus",
        file="skus.csv",
        title="Microsoft licensing SKUs and service plans",
        updatable=True,
    ),
    Spec(
        name="sku_notes",
        file="sku_notes.csv",
        title="Free SKUs, aliases and SKUs Microsoft's table lacks",
        updatable=False,
    ),
    Spec(
        name="plan_rules",
        file="plan_rules.csv",
        title="Service plans that do not count, and higher tiers",
        updatable=False,
    ),
    Spec(
        name="os_lifecycle",
        file="os_lifecycle.csv",
        title="Operating system end of support",
        updatable=True,
    ),
    Spec(
        name="windows_updates",
        file="windows_updates.csv",
        title="Windows cumulative updates",
        updatable=True,
    ),
    Spec(
        name="list_prices",
        file="list_prices.csv",
        title="Licence list prices",
        updatable=False,
    ),
)
SPEC = {s.name: s for s in SPECS}

#: A table older than this many days is reported as stale by ``refdata show``.
QUARTER_DAYS = 92

#: Overrides the user data folder (tests, or a consultant's portable setup).
DATA_DIR_ENV = "HEALTHCHECK_DATA_DIR"


@dataclass(frozen=True, kw_only=True, slots=True)
class TableInfo:
    """The copy of one table in use."""

    name: str
    file: str
    table_date: date
    source: str
    sha256: str
    #: ``packaged``, ``downloaded`` (the user data folder) or ``evidence``.
    origin: str
    path: str

    def to_dict(self) -> dict[str, str]:
        """JSON form, as the evidence manifest and assessment.json keep it."""
        return {
            "name": self.name,
            "file": self.file,
            "table_date": self.table_date.isoformat(),
            "source": self.source,
            "sha256": self.sha256,
            "origin": self.origin,
        }


def data_dir() -> Path:
    """Folder for downloaded tables: ``$XDG_DATA_HOME/healthcheck/refdata``."""
    given = os.environ.get(DATA_DIR_ENV)
    if given:
        return Path(given)
    import platformdirs  # only where a folder is needed

    return Path(platformdirs.user_data_dir("healthcheck", appauthor=False)) / "refdata"


def header(text: str) -> dict[str, str]:
    """The ``# key: value`` lines at the top of a table file."""
    out: dict[str, str] = {}
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        key, sep, value = line[1:].partition(":")
        if sep and key.strip().replace("_", "").isalnum() and " " not in key.strip():
            out.setdefault(key.strip(), value.strip())
    return out


def rows(text: str) -> list[dict[str, str]]:
    """The CSV rows of a table file, its ``#`` comment lines skipped."""
    body = "\n".join(line for line in text.splitlines() if not line.startswith("#"))
    return list(csv.DictReader(io.StringIO(body)))


def table_date(text: str, where: str) -> date:
    """The ``# table_date:`` of a table file; a clear error without one."""
    stamp = header(text).get("table_date", "")
    try:
        return date.fromisoformat(stamp)
    except ValueError:
        raise RefdataError(
            f"{where}: no valid '# table_date: YYYY-MM-DD' line (found {stamp!r})"
        ) from None


_pinned: dict[str, Path] = {}
_listeners: list[Callable[[], None]] = []


def on_change(clear: Callable[[], None]) -> Callable[[], None]:
    """Register a cache to clear when the tables in use change; returns it."""
    _listeners.append(clear)
    return clear


def _changed() -> None:
    for clear in _listeners:
        clear()


@contextlib.contextmanager
def pinned(copies: Mapping[str, Path]) -> Iterator[None]:
    """Use these files (evidence copies) for the named tables inside the block."""
    before = dict(_pinned)
    _pinned.update(copies)
    _changed()
    try:
        yield
    finally:
        _pinned.clear()
        _pinned.update(before)
        _changed()


def _packaged(spec: Spec) -> tuple[str, Path]:
    ref = resources.files("healthcheck.catalog").joinpath(spec.file)
    return ref.read_text(encoding="utf-8"), Path(str(ref))


def _candidates(spec: Spec) -> Iterator[tuple[str, str, Path]]:
    if spec.name in _pinned:
        path = _pinned[spec.name]
        yield "evidence", path.read_text(encoding="utf-8"), path
        return
    text, path = _packaged(spec)
    yield "packaged", text, path
    if spec.updatable:
        user = data_dir() / spec.file
        if user.is_file():
            yield "downloaded", user.read_text(encoding="utf-8"), user


def _choose(spec: Spec) -> tuple[str, str, Path]:
    """The copy to use: a pinned one, else the newer of packaged and downloaded.

    A downloaded copy older than the packaged one (after an upgrade of the
    tool) is ignored; at equal dates the download wins.
    """
    best: tuple[date, str, str, Path] | None = None
    for origin, text, path in _candidates(spec):
        try:
            when = table_date(text, str(path))
        except RefdataError:
            if origin != "downloaded":
                raise
            continue  # a damaged download never hides the packaged table
        if best is None or when >= best[0]:
            best = (when, origin, text, path)
    assert best is not None
    return best[1], best[2], best[3]


_text_cache: dict[str, tuple[str, str, Path]] = {}
on_change(_text_cache.clear)


def _current(name: str) -> tuple[str, str, Path]:
    if name not in SPEC:
        raise KeyError(f"unknown reference table {name!r}")
    if name not in _text_cache:
        _text_cache[name] = _choose(SPEC[name])
    return _text_cache[name]


def text(name: str) -> str:
    """Text of the table ``name`` in use."""
    return _current(name)[1]


def table_rows(name: str) -> list[dict[str, str]]:
    """Rows of the table ``name`` in use."""
    return rows(text(name))


def info(name: str) -> TableInfo:
    """Which copy of ``name`` is in use, with its date, source and sha256."""
    origin, body, path = _current(name)
    meta = header(body)
    return TableInfo(
        name=name,
        file=SPEC[name].file,
        table_date=table_date(body, str(path)),
        source=meta.get("source", ""),
        sha256=hashlib.sha256(body.encode("utf-8")).hexdigest(),
        origin=origin,
        path=str(path),
    )


def in_use() -> list[TableInfo]:
    """Every table, as :func:`info` gives it."""
    return [info(s.name) for s in SPECS]


def refresh() -> None:
    """Forget cached tables (after ``refdata update`` wrote new ones)."""
    _changed()
