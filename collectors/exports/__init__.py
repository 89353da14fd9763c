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

from . import formats, reader
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
        for path in sorted(ctx.engagement.exports_dir.rglob("*")):
            if not path.is_file() or path.name.startswith((".", "~$")):
                continue
            shown = str(path)
            if path.suffix.lower() not in reader.SUFFIXES:
                self.unrecognised.append(
                    {"path": shown, "reason": "not a CSV, XLSX or JSON file"}
                )
                continue
            table = reader.read(path)
            if table.json is not None:
                part = formats.subscribed_skus(table.json, shown)
                if part is None:
                    self.unrecognised.append(
                        {
                            "path": shown,
                            "reason": "JSON that is "
                            "not a saved Graph subscribedSkus response",
                        }
                    )
                    continue
                yield (
                    part,
                    SourceFile(
                        path=shown,
                        format="graph_subscribed_skus",
                        sha256=_sha256(path),
                        rows_read=len(part.frame),
                        rows_rejected=0,
                    ),
                )
                continue
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
                continue
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
