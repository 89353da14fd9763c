"""The evidence folder: what was collected, kept so a report can be rebuilt offline.

Layout::

    evidence/
      manifest.json            collection time, client settings, collector runs,
                               per dataset: file, sha256, rows, sources, rejected rows
      datasets/<name>.json     the canonical rows that were scored
      sources/<file>           copies of the input files, byte for byte

The folder is written to a temporary sibling and renamed into place, so a
failed collection never leaves half an evidence folder. Loading checks every
dataset file against its recorded sha256.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from healthcheck import SCHEMA_VERSION, __version__, datasets, memory, refdata
from healthcheck.atomic import current_umask
from healthcheck.config import ClientConfig
from healthcheck.errors import ConfigError, EvidenceError, HealthcheckError
from healthcheck.model import (
    CollectorRun,
    Message,
    Rejected,
    RunStatus,
    SourceFile,
    joined,
    msg,
)

MANIFEST = "manifest.json"
#: /2 saves each dataset by columns (``"data"``: one list per column); /1,
#: still read, saved it by rows (``"rows"``).
EVIDENCE_FORMAT = "healthcheck-evidence/2"
READABLE_FORMATS = ("healthcheck-evidence/1", EVIDENCE_FORMAT)
#: Copies of the reference tables a run used (see healthcheck.refdata).
REFDATA_DIR = "refdata"


@dataclass(frozen=True, kw_only=True, slots=True)
class Evidence:
    """Everything the evaluation needs, whether just collected or loaded back."""

    config: ClientConfig
    collected_at: datetime
    runs: tuple[Mapping[str, Any], ...]
    frames: Mapping[str, pd.DataFrame]
    sources: tuple[Mapping[str, Any], ...] = ()
    rejected: tuple[Mapping[str, Any], ...] = ()
    unrecognised: tuple[Mapping[str, Any], ...] = ()
    manifest: Mapping[str, Any] = field(default_factory=dict)
    #: The evidence's copies of the reference tables, by table name (empty
    #: for evidence older than the copies: the tables in use then apply).
    tables: Mapping[str, Path] = field(default_factory=dict)

    @property
    def as_of(self) -> date:
        """The assessment date: from client.yaml, else the collection date."""
        return self.config.as_of or self.collected_at.date()

    def missing_reasons(self) -> dict[str, Message]:
        """Why each dataset that did not arrive is missing, by dataset name.

        One "collector: reason" per collector that missed it, joined with
        "; ". A reason is the run's message where it has one; evidence written
        before runs had keys gives its English string, shown as it is.
        """
        found: dict[str, list[Message]] = {}
        for run in self.runs:
            if (
                run["status"] != RunStatus.OK.value
                and run["dataset"] not in self.frames
            ):
                key = run.get("reason_key")
                reason: Message | str = (
                    Message(str(key), dict(run.get("reason_params") or {}))
                    if key
                    else str(run.get("reason") or "")
                )
                found.setdefault(run["dataset"], []).append(
                    msg("collect.run_reason", collector=run["collector"], reason=reason)
                )
        return {
            name: msg("collect.reasons", reasons=joined(items, "; "))
            for name, items in found.items()
        }


def _compact(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def _json_bytes(data: Any) -> bytes:
    """Compact JSON in UTF-8.

    Without ``indent`` the stdlib uses its C encoder: at 50,000 users the
    datasets take 0.4 s instead of 1.5 s. Evidence written indented by
    earlier versions loads the same.
    """
    return (_compact(data) + "\n").encode("utf-8")


def _copy_name(path: str, taken: set[str]) -> str:
    base = Path(path).name
    name, n = base, 1
    while name in taken:
        n += 1
        name = f"{Path(base).stem}-{n}{Path(base).suffix}"
    taken.add(name)
    return name


def write(
    dest: Path,
    *,
    config: ClientConfig,
    collected_at: datetime,
    runs: Iterable[CollectorRun],
    unrecognised: Iterable[Mapping[str, Any]] = (),
    tables: Iterable[refdata.TableInfo] = (),
) -> Path:
    """Write an evidence folder at ``dest`` atomically and return ``dest``.

    ``tables`` are the reference tables in use: each is copied into
    ``refdata/`` and listed in the manifest, so a rebuild uses the same data.
    """
    runs = list(runs)
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{dest.name}.", dir=dest.parent))
    try:
        os.chmod(tmp, 0o777 & ~current_umask())
        (tmp / "datasets").mkdir()
        (tmp / "sources").mkdir()
        manifest_sets: dict[str, Any] = {}
        copied: dict[str, str] = {}
        taken: set[str] = set()
        for run in runs:
            ds = run.dataset
            if ds is None:
                continue
            rel = f"datasets/{ds.name}.json"
            digest = _write_dataset(tmp / rel, ds.name, ds.frame)
            for src in ds.sources:
                if src.path not in copied and Path(src.path).is_file():
                    copied[src.path] = "sources/" + _copy_name(src.path, taken)
                    shutil.copy2(src.path, tmp / copied[src.path])
            manifest_sets[ds.name] = {
                "file": rel,
                "sha256": digest,
                "rows": len(ds.frame),
                "collector": ds.collector,
                "collected_at": ds.collected_at.isoformat(timespec="seconds"),
                "sources": [
                    dict(s.to_dict(), copy=copied.get(s.path)) for s in ds.sources
                ],
                "rejected": [r.to_dict() for r in ds.rejected],
            }
        used = []
        for info in tables:
            copy = f"{REFDATA_DIR}/{info.file}"
            (tmp / REFDATA_DIR).mkdir(exist_ok=True)
            body = refdata.text(info.name).encode("utf-8")
            (tmp / copy).write_bytes(body)
            used.append(dict(info.to_dict(), copy=copy))
        manifest = {
            "format": EVIDENCE_FORMAT,
            "schema_version": SCHEMA_VERSION,
            "tool_version": __version__,
            "collected_at": collected_at.isoformat(timespec="seconds"),
            "client": config.to_dict(),
            "runs": [r.to_dict() for r in runs],
            "datasets": manifest_sets,
            "unrecognised": [dict(u) for u in unrecognised],
            "refdata": used,
        }
        (tmp / MANIFEST).write_bytes(_json_bytes(manifest))
        replace_dir(tmp, dest)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return dest


def replace_dir(new: Path, dest: Path) -> None:
    """Put the folder ``new`` at ``dest``; the old ``dest`` survives until then."""
    old = None
    if dest.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{dest.name}.old.", dir=dest.parent))
        os.rmdir(old)
        os.replace(dest, old)
    try:
        os.replace(new, dest)
    except BaseException:
        if old is not None:
            os.replace(old, dest)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def load(path: str | Path) -> Evidence:
    """Load an evidence folder, checking it is complete and unaltered."""
    root = Path(path)
    mpath = root / MANIFEST
    if not mpath.is_file():
        raise EvidenceError(
            f"{mpath}: not found",
            hint="give the evidence folder a run or collect wrote",
        )
    try:
        manifest = json.loads(mpath.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise EvidenceError(f"{mpath}: not valid JSON ({exc})") from None
    if manifest.get("format") not in READABLE_FORMATS:
        raise EvidenceError(
            f"{mpath}: unknown evidence format "
            f"{manifest.get('format')!r}, expected {EVIDENCE_FORMAT}"
        )
    try:
        config = ClientConfig.from_dict(manifest["client"], where=str(mpath))
        collected_at = datetime.fromisoformat(manifest["collected_at"])
        frames: dict[str, pd.DataFrame] = {}
        sources: list[dict[str, Any]] = []
        rejected: list[dict[str, Any]] = []
        for name, entry in manifest["datasets"].items():
            frames[name] = _load_dataset(root, name, entry)
            sources += [dict(s, dataset=name) for s in entry.get("sources", ())]
            # The manifest's own entries, named by dataset in place: a tenant
            # may have tens of thousands of rejected rows, and a copy of each
            # would be held for the whole run.
            for r in entry.get("rejected", ()):
                r["dataset"] = name
                rejected.append(r)
    except (KeyError, TypeError, ValueError, ConfigError) as exc:
        if isinstance(exc, HealthcheckError):
            raise EvidenceError(str(exc)) from None
        raise EvidenceError(f"{mpath}: incomplete manifest ({exc!r})") from None
    return Evidence(
        tables=_tables(root, manifest.get("refdata", ())),
        config=config,
        collected_at=collected_at,
        runs=tuple(manifest["runs"]),
        frames=frames,
        sources=tuple(sources),
        rejected=tuple(rejected),
        unrecognised=tuple(manifest.get("unrecognised", ())),
        manifest=manifest,
    )


def _tables(root: Path, entries: Iterable[Mapping[str, Any]]) -> dict[str, Path]:
    """The evidence's table copies by name, each checked against its sha256."""
    out: dict[str, Path] = {}
    for entry in entries:
        if entry.get("name") not in refdata.SPEC:
            continue  # a table this version does not use
        path = root / str(entry["copy"])
        try:
            body = path.read_bytes()
        except OSError:
            raise EvidenceError(f"{path}: listed in the manifest but missing") from None
        if hashlib.sha256(body).hexdigest() != entry.get("sha256"):
            raise EvidenceError(
                f"{path}: changed since it was collected (sha256 differs)",
                hint="collect again rather than editing evidence",
            )
        out[entry["name"]] = path
    return out


def _write_dataset(path: Path, name: str, frame: pd.DataFrame) -> str:
    """Write one dataset's file a column at a time; return its sha256.

    ``{"dataset": ..., "columns": [...], "data": [[column 1], [column 2], ...]}``
    in compact JSON. A column at a time, through the C encoder, holds one
    column's text rather than the whole file's (and its rows as lists).
    """
    digest = hashlib.sha256()
    with open(path, "wb") as fh:

        def put(text: str) -> None:
            data = text.encode("utf-8")
            digest.update(data)
            fh.write(data)

        put(f'{{"dataset":{_compact(name)},"columns":{_compact(list(frame.columns))}')
        put(',"data":[')
        for n, column in enumerate(datasets.to_columns(name, frame)):
            put(("," if n else "") + _compact(column))
        put("]}\n")
    return digest.hexdigest()


def _frame(path: Path, doc: Any) -> pd.DataFrame:
    """A saved dataset as an object frame: by columns (/2) or by rows (/1)."""
    columns = doc["columns"]
    if "data" not in doc:
        return pd.DataFrame(doc["rows"], columns=columns, dtype="object")
    data = doc["data"]
    if len(data) != len(columns):
        raise EvidenceError(
            f"{path}: {len(columns)} columns named but {len(data)} given"
        )
    lengths = sorted({len(c) for c in data})
    if len(lengths) > 1:
        raise EvidenceError(
            f"{path}: columns of different lengths "
            f"({', '.join(map(str, lengths))} values)"
        )
    frame = pd.DataFrame(
        {c: pd.Series(v, dtype="object") for c, v in zip(columns, data, strict=True)},
        columns=columns,
    )
    return frame


def _load_dataset(root: Path, name: str, entry: Mapping[str, Any]) -> pd.DataFrame:
    if name not in datasets.SCHEMAS:
        raise EvidenceError(f"{root / MANIFEST}: unknown dataset '{name}'")
    path = root / entry["file"]
    try:
        body = path.read_bytes()
    except OSError:
        raise EvidenceError(f"{path}: listed in the manifest but missing") from None
    if hashlib.sha256(body).hexdigest() != entry["sha256"]:
        raise EvidenceError(
            f"{path}: changed since it was collected (sha256 differs)",
            hint="collect again rather than editing evidence",
        )
    doc = json.loads(body)
    raw = _frame(path, doc)
    del doc, body
    # Saved values are already canonical; the validator re-types them, so a
    # rebuilt frame is identical to the one that was scored.
    ds = datasets.build(
        name,
        raw,
        collector=entry["collector"],
        collected_at=datetime.fromisoformat(entry["collected_at"]),
        origin=[(str(path), i + 1) for i in range(len(raw))],
        sources=[SourceFile.from_dict(s) for s in entry["sources"]],
        rejected=[Rejected(**r) for r in entry["rejected"]],
    )
    return memory.share_strings(ds.frame)
