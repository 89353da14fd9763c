"""The exports collector: CSV, XLSX and JSON files dropped in ``exports/``.

Files are recognised by their headers (see :mod:`.formats`). A file that
matches no format is reported with the closest format and what it lacks, and
is otherwise left alone. A recognised file that lacks a required column stops
the run with the file and column named, because scoring without it would be
guessing.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterator
from pathlib import Path

import pandas as pd

from healthcheck import datasets
from healthcheck.config import CollectContext
from healthcheck.errors import InputError
from healthcheck.model import CollectorRun, Rejected, RunStatus, SourceFile

from . import formats, graph_json, reader
from .formats import Part

log = logging.getLogger(__name__)

PROVIDES = (
    "users",
    "licence_skus",
    "licence_assignments",
    "devices",
    "backup_jobs",
    "role_assignments",
    "mfa_registration",
)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


class ExportsCollector:
    """Reads admin-portal exports from the engagement's ``exports/`` folder."""

    name = "exports"
    title = "Exported CSV/XLSX/JSON files from admin portals"
    provides = PROVIDES
    permissions: tuple[str, ...] = ()

    def __init__(self) -> None:
        self.unrecognised: list[dict[str, object]] = []

    def applies(self, ctx: CollectContext) -> bool:
        """True when the engagement has an ``exports/`` folder."""
        return ctx.engagement.exports_dir.is_dir()

    def _parts(self, ctx: CollectContext) -> Iterator[tuple[Part, SourceFile]]:
        tables: list[tuple[Path, str, reader.Table]] = []
        for path in sorted(ctx.engagement.exports_dir.rglob("*")):
            if not path.is_file() or path.name.startswith((".", "~$")):
                continue
            shown = str(path)
            if path.suffix.lower() not in reader.SUFFIXES:
                self.unrecognised.append(
                    {"path": shown, "reason": "not a CSV, XLSX or JSON file"}
                )
                continue
            tables.append((path, shown, reader.read(path)))
        # Users in Graph JSON carry licence ids only; saved subscribedSkus
        # responses name them, wherever they sort among the files.
        sku_ids: dict[str, str] = {}
        for _, _, table in tables:
            if graph_json.recognise(table.json) == "subscribedSkus":
                sku_ids |= graph_json.sku_ids(table.json["value"])
        for path, shown, table in tables:
            if table.json is not None:
                yield from self._json_parts(path, shown, table.json, sku_ids)
            else:
                yield from self._table_parts(path, shown, table)

    def _json_parts(
        self, path: Path, shown: str, doc: object, sku_ids: dict[str, str]
    ) -> Iterator[tuple[Part, SourceFile]]:
        resource = graph_json.recognise(doc)
        if resource is None:
            self.unrecognised.append(
                {
                    "path": shown,
                    "reason": "JSON that is not a saved Microsoft Graph "
                    "collection response (" + ", ".join(graph_json.MAPPERS) + ")",
                }
            )
            return
        assert isinstance(doc, dict)
        parts = graph_json.MAPPERS[resource](doc["value"], shown, {"sku_ids": sku_ids})
        for part in parts:
            yield (
                part,
                SourceFile(
                    path=shown,
                    format=f"graph_{resource}",
                    sha256=_sha256(path),
                    rows_read=len(doc["value"]),
                    rows_rejected=len(part.rejected),
                ),
            )

    def _table_parts(
        self, path: Path, shown: str, table: reader.Table
    ) -> Iterator[tuple[Part, SourceFile]]:
        assert table.frame is not None
        fmt, closest, share = formats.recognise(list(table.frame.columns))
        if fmt is None:
            lacking = closest.missing({c.casefold() for c in table.frame.columns})
            reason = (
                f"not a known export; closest is '{closest.title}' "
                f"({share:.0%} of its columns)"
                + (
                    ", lacking " + ", ".join(f"'{c}'" for c in lacking)
                    if lacking
                    else ""
                )
            )
            log.warning("%s: %s", shown, reason)
            self.unrecognised.append({"path": shown, "reason": reason})
            return
        lacking = fmt.missing({c.casefold() for c in table.frame.columns})
        if lacking:
            raise InputError(
                f"looks like '{fmt.title}' but the required column is missing",
                file=shown,
                column=lacking[0],
                hint="export again with all default columns",
            )
        for part in fmt.convert(table.frame, shown, table.first_row):
            yield (
                part,
                SourceFile(
                    path=shown,
                    format=fmt.id,
                    sha256=_sha256(path),
                    rows_read=len(table.frame),
                    rows_rejected=len(part.rejected),
                ),
            )

    def collect(self, ctx: CollectContext) -> Iterator[CollectorRun]:
        """Read every file, then build one canonical dataset per kind found."""
        found: dict[str, list[tuple[Part, SourceFile]]] = {}
        for part, source in self._parts(ctx):
            found.setdefault(part.dataset, []).append((part, source))
        activity = found.pop("user_activity", [])
        for name in PROVIDES:
            parts = found.get(name)
            if not parts:
                yield CollectorRun(
                    collector=self.name,
                    dataset_name=name,
                    status=RunStatus.MISSING,
                    reason=f"no file in exports/ was recognised as "
                    f"{datasets.schema(name).title.lower()}",
                )
                continue
            raw = pd.concat([p.frame for p, _ in parts], ignore_index=True)
            origin = [(src.path, row) for p, src in parts for row in p.rows]
            rejected: list[Rejected] = [r for p, _ in parts for r in p.rejected]
            sources = [src for _, src in parts]
            if name == "users" and activity:
                raw, extra = _join_activity(raw, activity)
                rejected += extra
                sources += [src for _, src in activity]
            dataset = datasets.build(
                name,
                raw,
                collector=self.name,
                collected_at=ctx.collected_at,
                origin=origin,
                sources=_dedupe(sources),
                rejected=rejected,
                source_columns=parts[0][0].source_columns,
            )
            yield CollectorRun(
                collector=self.name,
                dataset_name=name,
                status=RunStatus.OK,
                dataset=dataset,
            )


def _dedupe(sources: list[SourceFile]) -> list[SourceFile]:
    seen: dict[tuple[str, str], SourceFile] = {}
    for s in sources:
        seen.setdefault((s.path, s.format), s)
    return list(seen.values())


def _join_activity(
    users: pd.DataFrame, activity: list[tuple[Part, SourceFile]]
) -> tuple[pd.DataFrame, list[Rejected]]:
    """Add ``last_activity`` from usage reports; users absent there stay empty."""
    act = pd.concat([p.frame for p, _ in activity], ignore_index=True)
    act["upn"] = act["upn"].astype("string").str.strip().str.lower()
    # The latest date wins when several reports name the same user.
    act = act.sort_values("last_activity").drop_duplicates("upn", keep="last")
    lookup = dict(zip(act["upn"], act["last_activity"], strict=True))
    keys = users["upn"].astype("string").str.strip().str.lower()
    out = users.copy()
    out["last_activity"] = [
        lookup.get(k, "") if isinstance(k, str) else "" for k in keys
    ]
    return out, [r for p, _ in activity for r in p.rejected]
