"""The exports collector: CSV, XLSX and JSON files dropped in ``exports/``.

Files are recognised by their headers (see :mod:`.formats`), or by the
column mappings in client.yaml (see :mod:`.mappings`). A file that matches
no format is reported with the closest format and the columns it lacks, and
is otherwise left alone. A recognised file that lacks a required column
stops the run with the file and column named, because scoring without it
would be guessing.

Rows are never dropped silently. A row that cannot be read is rejected and
kept in the evidence with its file, row, column and reason. Rows that are not
data are skipped and listed the same way, with a reason that starts with
"skipped": trailing summary lines ("Total: 42") and exact repeats of an
earlier row. Only blank lines vanish. The run stops with exit code 2 only
when nothing usable remains: every row of a dataset rejected, or files in
``exports/`` of which none could be used.

Dates: numeric dates such as 03/04/2026 are read in the day/month order that
the column's own values prove (a first number above 12 is a day), else that
other date columns of the same file prove, else the one client.yaml gives for
that format, else the one the format documents, else client.yaml's
``column_mappings.date_order``. A column that none of these settles stops the
run naming the file and column: a silent guess could be wrong by months.
"""

from __future__ import annotations

import dataclasses
import logging
import re
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from healthcheck import datasets
from healthcheck.config import CONFIG_NAME, CollectContext
from healthcheck.errors import InputError
from healthcheck.i18n import english
from healthcheck.init import EXPORTS_HELP_FILES
from healthcheck.model import (
    CollectorRun,
    Message,
    Rejected,
    RunStatus,
    SourceFile,
    msg,
)

from . import arm_json, formats, graph_json, mappings, reader, tenant_json
from .formats import Part, TableFormat, View

log = logging.getLogger(__name__)

#: Every dataset a known format gives is one a column mapping may fill too;
#: tenant settings and policies come only as saved JSON (:mod:`.tenant_json`).
PROVIDES = mappings.MAPPABLE + tuple(
    name for name, _ in tenant_json.MAPPERS.values() if name not in mappings.MAPPABLE
)

#: Which format wins when two kinds of export give the same dataset: rows of
#: a later one are used only for keys the earlier ones lack.
_PRIORITY = {f.id: n for n, f in enumerate(formats.TABLE_FORMATS)}

#: First cells of lines that summarise rather than record.
_SUMMARY = re.compile(
    r"^\s*(grand\s+)?(total|totals|sum|count|summary|rows?|records?|items?|"
    r"generated|exported|report\s+(generated|date|run)|number\s+of)\b",
    re.IGNORECASE,
)


class _Dates:
    """Decides the day/month order of one file's date columns (module doc)."""

    def __init__(
        self,
        frame: Callable[[], pd.DataFrame],
        source: str,
        fmt: TableFormat,
        cfg: Any,
    ) -> None:
        # Every column of the file, read only if a column needs its siblings.
        self.frame = frame
        self.source = source
        self.fmt = fmt
        self.explicit: str | None = cfg.overrides.get(fmt.id)
        self.default: str | None = cfg.date_order
        self._file_order: str | None = None
        self._looked = False

    def file_order(self) -> str | None:
        """The order other columns of this file prove, if they agree."""
        if not self._looked:
            self._looked = True
            proven = set()
            frame = self.frame()
            for col in frame.columns:
                head = frame[col].iloc[:200].astype("string")
                if not head.str.match(r"\s*\d{1,2}[./-]\d{1,2}[./-]\d").any():
                    continue
                ev = datasets.date_evidence(frame[col])
                if ev.decided:
                    proven.add(ev.decided)
            self._file_order = proven.pop() if len(proven) == 1 else None
        return self._file_order

    def choose(self, ev: datasets.DateEvidence, column: str) -> str:
        if ev.conflicting:
            if self.explicit:
                return self.explicit
            raise InputError(
                "mixes day-first and month-first dates (some values have a "
                "first number above 12, others a second)",
                file=self.source,
                column=column,
                hint="export again from one machine, or set date_order for "
                f"this format under column_mappings in {CONFIG_NAME} to reject "
                "the values that do not fit",
            )
        if ev.decided:
            if self.explicit and self.explicit != ev.decided:
                raise InputError(
                    f"the dates are {_ORDER_WORDS[ev.decided]} but "
                    f"{CONFIG_NAME} says {self.explicit}",
                    file=self.source,
                    column=column,
                )
            return ev.decided
        if not ev.needs_order:
            return datasets.DAY_FIRST  # every value reads the same either way
        for order, why in (
            (self.file_order(), "other date columns of the same file"),
            (self.explicit, f"{CONFIG_NAME} for this format"),
            (self.fmt.date_order, "the format's documentation"),
            (self.default, f"{CONFIG_NAME} column_mappings.date_order"),
        ):
            if order:
                log.info(
                    "%s, column '%s': dates such as %r read %s, as %s say(s)",
                    self.source,
                    column,
                    ev.example,
                    _ORDER_WORDS[order],
                    why,
                )
                return order
        raise InputError(
            f"dates such as {ev.example!r} could be day-first or month-first, "
            "and no value in the file settles it",
            file=self.source,
            column=column,
            hint=f"add 'column_mappings: {{date_order: DMY}}' (or MDY) to "
            f"{CONFIG_NAME}",
        )

    def __call__(self, cells: pd.Series, column: str) -> tuple[pd.Series, pd.Series]:
        return datasets.read_dates(cells, order=lambda ev: self.choose(ev, column))


_ORDER_WORDS = {datasets.DAY_FIRST: "day-first", datasets.MONTH_FIRST: "month-first"}


def _cell_texts(frame: pd.DataFrame, *, nan: bool = False) -> list[np.ndarray]:
    """Each column's cells stripped, None where blank.

    ``nan`` makes the text "nan" blank too, as a spreadsheet's empty cell
    may read after a round trip through pandas.
    """
    out = []
    for c in range(frame.shape[1]):
        text = datasets.text_values(frame.iloc[:, c])
        if nan:
            filled = np.flatnonzero(text != None)  # noqa: E711
            text[[i for i in filled.tolist() if text[i].lower() == "nan"]] = None
        out.append(text)
    return out


def _not_records(frame: pd.DataFrame, fmt: TableFormat, cols: dict) -> np.ndarray:
    """Mask of rows that are blank or summary lines rather than records."""
    keys = [cols[k] for k in fmt.key if k in cols] or list(frame.columns[:1])
    width = len(frame.columns)
    texts = _cell_texts(frame, nan=True)
    filled = np.zeros(len(frame), dtype=np.int64)
    first = np.full(len(frame), None, dtype=object)
    for text in reversed(texts):  # the leftmost filled cell wins
        has = text != None  # noqa: E711
        filled += has
        first[has] = text[has]
    key_blank = np.ones(len(frame), dtype=bool)
    for k in keys:
        # The key's raw text: here a literal "nan" is a key, not a blank.
        at = int(np.flatnonzero(frame.columns == k)[0])
        key_blank &= datasets.text_values(frame.iloc[:, at]) == None  # noqa: E711
    summary_word = np.zeros(len(frame), dtype=bool)
    some = np.flatnonzero(filled > 0)
    summary_word[some] = [bool(_SUMMARY.match(t)) for t in first[some].tolist()]
    sparse = filled <= max(2, width // 4)
    # "Total: 42" and the like, or a lone cell under an empty key column
    # ("1234 items"); a real record fills more cells than that.
    lone = key_blank & (filled == 1) & (width > 2)
    return (filled == 0) | (summary_word & sparse) | lone


def _trailing_summary(frame: pd.DataFrame, fmt: TableFormat, cols: dict) -> int:
    """How many rows at the end are summary or blank lines, not records.

    The end is looked at in blocks that double, each judged a column at a
    time: a million blank lines after the data cost a few vectorised passes,
    not a Python step per line, and a usual file only its last block.
    """
    size = 64
    while True:
        size = min(size, len(frame))
        mask = _not_records(frame.iloc[len(frame) - size :], fmt, cols)
        if not mask.all() or size == len(frame):
            records = np.flatnonzero(~mask)
            return size - 1 - int(records[-1]) if len(records) else size
        size *= 2


def _filled_bytes(first: np.ndarray) -> np.ndarray:
    """Skimmed cells (first byte) that surely hold text: printable ASCII."""
    return (first > b" ") & (first < b"\x7f")


def _surely_record(table: reader.Table, i: int, keys: list[str]) -> bool:
    """True when row ``i`` is a record whatever its skimmed cells hold.

    :func:`_trailing_summary` needs every cell's text; this answers the
    common case (a last row with its key and first cell filled, no summary
    word) from the columns read as text, so the others are read only when
    a file really ends in something else.
    """
    assert table.frame is not None
    frame = table.frame
    first = str(frame.iat[i, 0]).strip()
    if not first or first.lower() == "nan":
        return False
    if all(not str(frame.at[frame.index[i], k]).strip() for k in keys):
        return False
    if not _SUMMARY.match(first):
        return True
    # A summary word: a record only if it fills more cells than a summary.
    cells = [str(frame.iat[i, j]).strip() for j in range(frame.shape[1])]
    filled = sum(bool(c) and c.lower() != "nan" for c in cells)
    if table.skim is not None and table.skim.shape[1]:
        # Undercounts ("n..." may be "nan"): the safe side, it reads all.
        head = table.skim.iloc[i].to_numpy()
        filled += int((_filled_bytes(head) & (head != b"n") & (head != b"N")).sum())
    return filled > max(2, len(table.header) // 4)


def _blank_rows(table: reader.Table, maybe: np.ndarray) -> np.ndarray:
    """Of the rows flagged ``maybe``, those with no text in any cell."""
    assert table.frame is not None
    sub = table.frame[maybe]
    empty = np.ones(len(sub), dtype=bool)
    for c in sub.columns:
        empty &= datasets.text_values(sub[c]) == None  # noqa: E711
    skim = table.skim
    if skim is not None and skim.shape[1] and empty.any():
        first = skim.to_numpy()[maybe]
        unsure = (first != b"").any(axis=1) & empty
        if unsure.any():
            # A skimmed cell that starts with a space may hold text after it.
            full = table.full()[maybe]
            for c in full.columns:
                empty &= datasets.text_values(full[c]) == None  # noqa: E711
    blank = np.zeros(len(maybe), dtype=bool)
    blank[np.flatnonzero(maybe)[empty]] = True
    return blank


def _skip_repeats(part: Part, source: str) -> tuple[Part, list[Rejected]]:
    """Drop exact repeats of an earlier row of the same part, and say so."""
    frame = part.frame
    if frame.empty:
        return part, []
    # A repeat repeats the first column too: look at the rest only then.
    maybe = frame.iloc[:, 0].duplicated(keep=False).to_numpy()
    if not maybe.any():
        return part, []
    dup = np.zeros(len(frame), dtype=bool)
    dup[maybe] = frame[maybe].duplicated(keep="first").to_numpy()
    if not dup.any():
        return part, []
    rows = np.asarray(part.rows)
    first: dict[tuple, int] = {}
    for i, rec in enumerate(frame.itertuples(index=False, name=None)):
        if not dup[i]:
            first.setdefault(rec, int(rows[i]))
    skipped = [
        Rejected(
            source=source,
            row=int(rows[i]),
            column=None,
            reason=f"skipped: repeats row {first.get(rec, '?')} exactly",
        )
        for i, rec in enumerate(frame.itertuples(index=False, name=None))
        if dup[i]
    ]
    return part.without(dup), skipped


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

    def _parts(
        self, ctx: CollectContext, cfg: mappings.Mappings
    ) -> Iterator[tuple[Part, SourceFile, str]]:
        def wanted(headers: list[str]) -> set[str]:
            # Text is made only of the columns the recognised format reads.
            fmt = formats.recognise(headers, cfg.formats)[0]
            return set() if fmt is None else fmt.wanted(headers)

        def read(path: Path) -> reader.Table | None:
            try:
                return reader.read(path, wanted)
            except reader.Unusable as exc:
                # One failed download must not stop the others being read;
                # with nothing usable at all, _collect still stops the run.
                log.warning("%s: %s", path, exc.reason)
                self.unrecognised.append({"path": str(path), "reason": exc.reason})
                return None

        paths: list[Path] = []
        for path in sorted(ctx.engagement.exports_dir.rglob("*")):
            if not path.is_file() or path.name.startswith((".", "~$")):
                continue
            if path.parent == ctx.engagement.exports_dir and (
                path.name in EXPORTS_HELP_FILES
            ):
                continue  # init's own note to the consultant, not an export
            if path.suffix.lower() not in reader.SUFFIXES:
                self.unrecognised.append(
                    {"path": str(path), "reason": "not a CSV, TXT, XLSX or JSON file"}
                )
                continue
            paths.append(path)
        # Users in Graph JSON carry licence ids only; saved subscribedSkus
        # responses name them, wherever they sort among the files.
        sku_ids: dict[str, str] = {}
        # Conditional Access names users by object id; saved users name them.
        user_ids: dict[str, str] = {}
        # JSON files are read first, for those ids; every other file is read
        # when its turn comes and let go once its parts are made: at 50,000
        # users, holding every file's raw table at once was the peak memory
        # of collection.
        docs: dict[Path, reader.Table | None] = {}
        for path in paths:
            if path.suffix.lower() != ".json":
                continue
            table = docs[path] = read(path)
            if table is None:
                continue
            kind = graph_json.recognise(table.json)
            if kind == "subscribedSkus":
                sku_ids |= graph_json.sku_ids(table.json["value"])
            elif kind == "users":
                user_ids |= {
                    str(u.get("id", "")).lower(): str(u.get("userPrincipalName"))
                    for u in table.json["value"]
                    if u.get("id")
                }
        for path in paths:
            table = docs.pop(path) if path in docs else read(path)
            if table is None:
                continue
            if table.frame is None:  # JSON, whatever its top level holds
                yield from self._json_parts(str(path), table, sku_ids, user_ids)
            else:
                yield from self._table_parts(str(path), table, cfg)
            del table

    def _json_parts(
        self,
        shown: str,
        table: reader.Table,
        sku_ids: dict[str, str],
        user_ids: dict[str, str],
    ) -> Iterator[tuple[Part, SourceFile, str]]:
        doc = table.json
        settings = tenant_json.recognise(doc)
        if arm_json.recognise(doc):
            assert isinstance(doc, dict)
            parts = arm_json.backup_jobs(doc["value"], shown)
            fmt_id = "arm_backup_jobs"
        elif settings is not None:
            resource, items = settings
            parts = tenant_json.MAPPERS[resource][1](
                items, shown, {"user_ids": user_ids}
            )
            fmt_id = f"graph_{resource}"
            doc = {"value": items}
        else:
            resource = graph_json.recognise(doc)
            if resource is None:
                self.unrecognised.append(
                    {
                        "path": shown,
                        "reason": "JSON that is not a saved Microsoft Graph "
                        "collection response ("
                        + ", ".join([*graph_json.MAPPERS, *tenant_json.MAPPERS])
                        + ") nor an Azure Backup job list",
                    }
                )
                return
            assert isinstance(doc, dict)
            parts = graph_json.MAPPERS[resource](
                doc["value"], shown, {"sku_ids": sku_ids}
            )
            fmt_id = f"graph_{resource}"
        assert isinstance(doc, dict)
        for part in parts:
            yield (
                part,
                SourceFile(
                    path=shown,
                    format=fmt_id,
                    sha256=table.sha256,
                    rows_read=len(doc["value"]),
                    rows_rejected=len(part.rejected),
                ),
                fmt_id,
            )

    def _table_parts(
        self, shown: str, table: reader.Table, cfg: mappings.Mappings
    ) -> Iterator[tuple[Part, SourceFile, str]]:
        assert table.frame is not None
        headers = list(table.header)
        fmt, closest, share = formats.recognise(headers, cfg.formats)
        if fmt is None and share == 0:
            reason = "not a known export: no header belongs to a known format"
            log.warning("%s: %s", shown, reason)
            self.unrecognised.append({"path": shown, "reason": reason})
            return
        if fmt is None:
            lacking = (
                closest.missing(headers)
                or [h for h in closest.headers if h not in closest.resolve(headers)][:5]
            )
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
            self.unrecognised.append(
                {
                    "path": shown,
                    "reason": reason,
                    "closest": closest.id,
                    "lacking": lacking,
                }
            )
            return
        lacking = fmt.missing(headers)
        if lacking:
            raise InputError(
                f"looks like '{fmt.title}' but the required column is missing",
                file=shown,
                column=lacking[0],
                hint="export again with all default columns",
            )
        cols = fmt.resolve(headers)
        # No fillna here: the reader keeps blanks as "" (na_filter off), and
        # every later step reads NaN as blank anyway.
        frame = table.frame
        rows = table.rows
        keep = np.arange(len(frame))
        skipped: list[Rejected] = list(table.rejected)
        # Trailing summary lines ("Total: 42") are not records.
        keys = [cols[k] for k in fmt.key if k in cols] or list(frame.columns[:1])
        tail = 0
        if len(frame) and not _surely_record(table, len(frame) - 1, keys):
            full = table.full()
            tail = _trailing_summary(full, fmt, cols)
            texts = _cell_texts(full.iloc[len(full) - tail :])
            said = np.zeros(tail, dtype=bool)
            for text in texts:
                said |= text != None  # noqa: E711
            # Blank lines go unlisted; only lines that say something are.
            for i in np.flatnonzero(said).tolist():
                text = " | ".join(t[i] for t in texts if t[i] is not None)
                skipped.append(
                    Rejected(
                        source=shown,
                        row=int(rows[len(full) - tail + i]),
                        column=None,
                        reason=f"skipped: a summary line, not a record ({text!r})",
                    )
                )
            keep = keep[: len(frame) - tail]
        # Blank lines in the middle hold nothing: dropped without a note.
        key_cols = [cols[k] for k in fmt.key if k in cols]
        if key_cols:
            # Only rows with an empty key can be blank: look at those alone.
            maybe = np.zeros(len(frame), dtype=bool)
            maybe[keep] = True
            for k in key_cols:
                col = frame[k].to_numpy(dtype=object)
                maybe &= pd.isna(col) | (col == "")
            if maybe.any():
                blank = _blank_rows(table, maybe)
                keep = keep[~blank[keep]]
        if len(keep) < len(frame):
            frame, rows = frame.iloc[keep].reset_index(drop=True), rows[keep]
        view = View(
            frame=frame,
            source=shown,
            rows=np.asarray(rows),
            columns=cols,
            resolve_dates=_Dates(
                lambda: table.full().iloc[keep].reset_index(drop=True),
                shown,
                fmt,
                cfg,
            ),
        )
        parts = fmt.convert(view)
        for n, part in enumerate(parts):
            part, repeats = _skip_repeats(part, shown)
            notes = (skipped if n == 0 else []) + repeats
            part.rejected.extend(notes)
            yield (
                part,
                SourceFile(
                    path=shown,
                    format=fmt.id,
                    sha256=table.sha256,
                    rows_read=len(table.rows) + len(table.rejected),
                    rows_rejected=len(part.rejected),
                ),
                fmt.id,
            )

    def collect(self, ctx: CollectContext) -> Iterator[CollectorRun]:
        """Read every file, then build one canonical dataset per kind found."""
        # The registry caches one instance per process: without a fresh list,
        # a second engagement's manifest would name the first one's files.
        self.unrecognised = []
        where = str(ctx.engagement.root / CONFIG_NAME)
        cfg = mappings.load(ctx.engagement.config.section(mappings.SECTION), where)
        # One instance serves every run of a process: start each run afresh,
        # or an earlier engagement's files are blamed for this one.
        self.unrecognised = []
        found: dict[str, list[tuple[Part, SourceFile, str]]] = {}
        for part, source, fmt_id in self._parts(ctx, cfg):
            found.setdefault(part.dataset, []).append((part, source, fmt_id))
        activity = found.pop("user_activity", [])
        sign_ins = found.pop("sign_in_activity", [])
        if not found and not activity and not sign_ins and self.unrecognised:
            listed = "; ".join(
                f"{Path(str(u['path'])).name}: {u['reason']}" for u in self.unrecognised
            )
            raise InputError(
                f"no file in exports/ could be used ({listed})",
                file=ctx.engagement.exports_dir,
                hint="see the README's 'An engagement folder', or map the columns "
                f"under column_mappings in {CONFIG_NAME}",
            )
        runs = []
        for name in PROVIDES:
            # Popped: a dataset's parts are let go once it is built.
            parts = found.pop(name, None)
            if not parts:
                runs.append(
                    CollectorRun.because(
                        msg(
                            "collect.not_recognised",
                            dataset=Message(
                                f"datasets.{name}.title",
                                default=datasets.schema(name).title.lower(),
                            ),
                        ),
                        collector=self.name,
                        dataset_name=name,
                        status=RunStatus.MISSING,
                        render=english,
                    )
                )
                continue
            parts = _prefer(name, parts)
            raw = (
                parts[0][0].frame
                if len(parts) == 1
                else pd.concat([p.frame for p, _, _ in parts], ignore_index=True)
            )
            origin = _Origin([(src.path, np.asarray(p.rows)) for p, src, _ in parts])
            rejected: list[Rejected] = [r for p, _, _ in parts for r in p.rejected]
            sources = [src for _, src, _ in parts]
            if name == "users" and activity:
                raw, extra = _join_activity(raw, activity, sign_ins)
                rejected += extra
                sources += [src for _, src, _ in activity + sign_ins]
            elif name == "users" and sign_ins:
                for _, src, _ in sign_ins:
                    self.unrecognised.append(
                        {
                            "path": src.path,
                            "reason": "a sign-in log covers 30 days at most, so "
                            "alone it cannot show who has been inactive for "
                            "longer; add the Microsoft 365 Active users detail "
                            "usage report to use it",
                        }
                    )
            if raw.empty:
                _nothing_usable(name, rejected)
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
            runs.append(
                CollectorRun(
                    collector=self.name,
                    dataset_name=name,
                    status=RunStatus.OK,
                    dataset=dataset,
                )
            )
        yield from runs


class _Origin(Sequence[tuple[str, int]]):
    """(file, row) of each row of the concatenated parts, made when asked.

    :func:`healthcheck.datasets.build` looks up the few rows it rejects; a
    list of a tuple per row would cost more than the lookups.
    """

    def __init__(self, parts: list[tuple[str, np.ndarray]]) -> None:
        self._paths = [path for path, _ in parts]
        self._rows = [rows for _, rows in parts]
        self._ends = np.cumsum([len(rows) for rows in self._rows], dtype=np.int64)

    def __len__(self) -> int:
        return int(self._ends[-1]) if len(self._ends) else 0

    def __getitem__(self, i: int) -> tuple[str, int]:  # type: ignore[override]
        """(file, row as the user sees it) of row ``i``."""
        if i < 0:
            i += len(self)
        if not 0 <= i < len(self):
            raise IndexError(i)
        k = int(np.searchsorted(self._ends, i, side="right"))
        start = int(self._ends[k - 1]) if k else 0
        return self._paths[k], int(self._rows[k][i - start])


def _nothing_usable(name: str, rejected: list[Rejected]) -> None:
    """Stop the run: every row of a dataset was rejected (nothing to score)."""
    bad = [r for r in rejected if not r.reason.startswith("skipped")]
    if not bad:
        return
    first = bad[0]
    title = datasets.schema(name).title.lower()
    raise InputError(
        f"no usable {title} rows: all {len(bad)} rows were rejected; "
        f"first: {first.reason}",
        file=first.source,
        row=first.row,
        column=first.column,
    )


def _prefer(
    name: str, parts: list[tuple[Part, SourceFile, str]]
) -> list[tuple[Part, SourceFile, str]]:
    """When different kinds of export give one dataset, the preferred one wins.

    Rows of a less preferred format whose key an earlier one already gave are
    skipped and listed; rows with new keys are kept.
    """
    kinds = {fmt for _, _, fmt in parts}
    key = list(datasets.schema(name).key)
    if len(kinds) < 2 or not key:
        return parts
    ordered = sorted(parts, key=lambda p: _PRIORITY.get(p[2], -1))
    seen: dict[tuple, str] = {}
    best = ordered[0][2]
    out = []
    for part, src, fmt in ordered:
        cols = [k for k in key if k in part.frame.columns]
        keys = list(
            part.frame[cols]
            .astype("string")
            .apply(lambda s: s.str.lower())
            .itertuples(index=False, name=None)
        )
        if fmt == best:
            for k in keys:
                seen.setdefault(k, src.path)
            out.append((part, src, fmt))
            continue
        dup = np.array([k in seen for k in keys], dtype=bool)
        rows = np.asarray(part.rows)
        # One reason text per file it names, shared by its rows: a duplicate
        # users export skips tens of thousands of them.
        reasons = {p: f"skipped: already read from {p}" for p in set(seen.values())}
        notes = [
            Rejected(
                source=src.path,
                row=int(rows[i]),
                column=None,
                reason=reasons[seen[keys[i]]],
            )
            for i in np.flatnonzero(dup)
        ]
        for k in keys:
            seen.setdefault(k, src.path)
        kept = dataclasses.replace(part.without(dup), rejected=part.rejected + notes)
        out.append((kept, src, fmt))
    return out


def _dedupe(sources: list[SourceFile]) -> list[SourceFile]:
    seen: dict[tuple[str, str], SourceFile] = {}
    for s in sources:
        seen.setdefault((s.path, s.format), s)
    return list(seen.values())


def _join_activity(
    users: pd.DataFrame,
    activity: list[tuple[Part, SourceFile, str]],
    sign_ins: list[tuple[Part, SourceFile, str]],
) -> tuple[pd.DataFrame, list[Rejected]]:
    """Add ``last_activity`` from usage reports; users absent there stay empty.

    Sign-in logs only raise a date the usage report gave (or fill one it left
    empty for a user it lists): they cover too short a window to prove
    inactivity on their own.
    """
    act = pd.concat([p.frame for p, _, _ in activity + sign_ins], ignore_index=True)
    act["upn"] = datasets.lower_values(act["upn"])
    act["last_activity"] = pd.to_datetime(act["last_activity"])
    act = act.dropna(subset=["upn"])
    # The latest date wins when several reports name the same user.
    if datasets.all_distinct(act[["upn"]]):
        latest = pd.Series(act["last_activity"].to_numpy(), index=act["upn"])
    else:
        latest = act.groupby("upn")["last_activity"].max()
    keys = datasets.lower_values(users["upn"])
    out = users.copy(deep=False)
    dates = np.append(latest.to_numpy(dtype="datetime64[ns]"), np.datetime64("NaT"))
    at = latest.index.get_indexer(keys.to_numpy())  # -1: not in any report
    found = pd.Series(dates[at], index=users.index, dtype="datetime64[ns]")
    if "last_activity" in out.columns:
        # Users from a saved Graph response may carry sign-in dates already:
        # the later of the two wins, as between reports.
        had = datasets.parse_dates(out["last_activity"])
        found = pd.concat([found, had], axis=1).max(axis=1)
    out["last_activity"] = found.astype("datetime64[ns]").to_numpy()
    rejected = [r for p, _, _ in activity + sign_ins for r in p.rejected]
    return out, rejected
