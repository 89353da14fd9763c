"""Known export formats: how each is recognised and mapped to canonical columns.

A format is recognised by its header row, never by its file name, so a
consultant can drop files in ``exports/`` under any name. Each format lists
the headers its product documents (the recognition signature), other
spellings the same column has had between export versions (aliases), the
headers it cannot do without, and a converter that turns the table of
strings into raw canonical frames. Headers are compared after folding case
and dropping spaces and punctuation, so ``User principal name``,
``UserPrincipalName`` and ``user_principal_name`` are one header.

Converters leave cells as text, except dates, which they parse through
:meth:`View.dates` because the day/month order of ``03/04/2026`` depends on
the file (see :mod:`healthcheck.datasets`); the canonical validator types
the rest.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from healthcheck import datasets, skus
from healthcheck.errors import InputError
from healthcheck.model import Rejected


@dataclass(frozen=True, kw_only=True, slots=True)
class Part:
    """One canonical dataset's raw rows taken from a file."""

    dataset: str
    frame: pd.DataFrame
    rows: Sequence[int] | np.ndarray
    source_columns: dict[str, str] = field(default_factory=dict)
    rejected: list[Rejected] = field(default_factory=list)

    def without(self, drop: np.ndarray | pd.Series) -> Part:
        """The part without the rows ``drop`` marks (itself when it marks none)."""
        keep = ~np.asarray(drop, dtype=bool)
        if keep.all():
            return self
        return Part(
            dataset=self.dataset,
            frame=self.frame[keep].reset_index(drop=True),
            rows=np.asarray(self.rows)[keep],
            source_columns=self.source_columns,
            rejected=self.rejected,
        )


@functools.lru_cache(maxsize=4096)
def header_key(header: str) -> str:
    """Fold a header for comparison: case, spaces and punctuation do not count."""
    return re.sub(r"[^0-9a-z]", "", str(header).casefold())


DateResolver = Callable[[pd.Series, str], tuple[pd.Series, pd.Series]]


@dataclass(kw_only=True, slots=True)
class View:
    """A recognised table seen through its format: documented header -> cells."""

    frame: pd.DataFrame
    source: str
    rows: np.ndarray
    columns: Mapping[str, str]
    resolve_dates: DateResolver

    def has(self, header: str) -> bool:
        """True when the file carries this documented header (or an alias)."""
        return header in self.columns

    def col(self, header: str) -> pd.Series:
        """A column by documented header; empty strings when the file lacks it."""
        actual = self.columns.get(header)
        if actual is None:
            return pd.Series("", index=self.frame.index, dtype="object")
        if actual not in self.frame.columns:
            # A programming error, not bad input: the format's ``reads``
            # must name every header its converter looks at.
            raise LookupError(f"header {header!r} is not in the format's reads")
        return self.frame[actual]

    def shown(self, header: str) -> str:
        """The header as the file spells it, for messages."""
        return self.columns.get(header, header)

    def dates(self, header: str) -> tuple[pd.Series, pd.Series]:
        """Parse a date column: (timestamps, mask of unreadable cells)."""
        return self.resolve_dates(self.col(header), self.shown(header))

    def part(
        self,
        dataset: str,
        mapping: Mapping[str, str],
        **extra: pd.Series,
    ) -> Part:
        """A part with canonical columns taken from documented headers."""
        raw = pd.DataFrame({canon: self.col(h) for canon, h in mapping.items()})
        for name, series in extra.items():
            raw[name] = series
        return Part(
            dataset=dataset,
            frame=raw,
            rows=self.rows,
            source_columns={c: self.shown(h) for c, h in mapping.items()},
        )


Converter = Callable[[View], list[Part]]


@dataclass(frozen=True, kw_only=True, slots=True)
class TableFormat:
    """A CSV/XLSX export recognised by its headers.

    ``headers`` are the documented headers, ``aliases`` other spellings of
    some of them, ``required`` the ones without which the file is useless
    (``any_of`` groups: at least one of each group). ``date_order`` is the
    documented day/month order of numeric dates, when the product documents
    one. ``key`` names the headers that identify a record, used to tell a
    trailing summary line from data. ``reads`` names the headers the
    converter looks at (None: all of ``headers``), and ``reads_also`` picks
    more from a file's header row; the reader skims the rest without making
    text of them (see :class:`.reader.Table`).
    """

    id: str
    title: str
    headers: tuple[str, ...]
    required: tuple[str, ...]
    datasets: tuple[str, ...]
    convert: Converter
    aliases: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    any_of: tuple[tuple[str, ...], ...] = ()
    key: tuple[str, ...] = ()
    date_order: str | None = None
    reference: str = ""
    reads: tuple[str, ...] | None = None
    reads_also: Callable[[Sequence[str]], list[str]] | None = None

    def wanted(self, present: Sequence[str]) -> set[str]:
        """The spellings in ``present`` of the headers this format reads."""
        found = self.resolve(present)
        names = {*(self.reads or self.headers), *self.key}
        out = {found[h] for h in names if h in found}
        if self.reads_also is not None:
            out.update(self.reads_also(present))
        return out

    def resolve(self, present: Sequence[str]) -> dict[str, str]:
        """Map each documented header found in ``present`` to its spelling there."""
        by_key: dict[str, str] = {}
        for h in present:
            by_key.setdefault(header_key(h), h)
        out: dict[str, str] = {}
        for h in self.headers:
            for name in (h, *self.aliases.get(h, ())):
                hit = by_key.get(header_key(name))
                if hit is not None:
                    out[h] = hit
                    break
        return out

    def match(self, present: Sequence[str]) -> float:
        """Share of this format's documented headers found in ``present``."""
        return len(self.resolve(present)) / len(self.headers)

    def missing(self, present: Sequence[str]) -> list[str]:
        """Required headers absent from ``present`` (one per unmet group)."""
        found = self.resolve(present)
        lacking = [h for h in self.required if h not in found]
        for group in self.any_of:
            if not any(h in found for h in group):
                lacking.append(" or ".join(group))
        return lacking


# --- Microsoft 365 admin center ---------------------------------------------

_NEGATE = {"true": "False", "false": "True", "yes": "False", "no": "True"}


def _negate(series: pd.Series) -> pd.Series:
    return datasets.map_distinct(series, lambda v: _NEGATE.get(v.lower(), v))


def _user_type(upn: pd.Series) -> pd.Series:
    # The admin center export has no user type; guests carry #EXT# in the UPN.
    cells = datasets.cells(upn)
    kinds = np.empty(len(cells), dtype=object)
    kinds[:] = "member"  # np.full fills object arrays one call per cell
    if pd.api.types.infer_dtype(cells, skipna=False) != "string" or (
        "#EXT#" in "\x00".join(cells)
    ):
        # Some guests (or cells that are not text): look value by value.
        guest = [isinstance(v, str) and "#EXT#" in v for v in cells]
        kinds[np.asarray(guest, dtype=bool)] = "guest"
    return pd.Series(kinds, index=upn.index, dtype=object)


def _licence_part(view: View, upn: pd.Series, cells: pd.Series, header: str) -> Part:
    """One licence_assignments row per product in a '+'-joined cell."""
    # 50,000 users share a few distinct Licenses cells: split those once.
    codes, uniques = pd.factorize(datasets.cells(cells))
    split = [
        [
            skus.part_number(n.strip())
            for n in str(u).split("+")
            if n.strip() and n.strip().casefold() != "unlicensed"
        ]
        for u in uniques
    ]
    width = max((len(x) for x in split), default=0)
    lengths = np.array([len(x) for x in split] + [0], dtype=np.int64)[codes]
    idx_parts, sku_parts = [], []
    for j in range(width):
        table = np.array([x[j] if len(x) > j else None for x in split], dtype=object)
        rows = np.flatnonzero(lengths > j)
        idx_parts.append(rows)
        sku_parts.append(table[codes[rows]])
    idx = np.concatenate(idx_parts) if idx_parts else np.zeros(0, dtype=np.int64)
    sku = np.concatenate(sku_parts) if sku_parts else np.zeros(0, dtype=object)
    order = np.argsort(idx, kind="stable")  # file order, products as listed
    idx, sku = idx[order], sku[order]
    # object, not pandas' inferred str: no per-cell check of text that is text.
    frame = pd.DataFrame({"upn": upn.to_numpy()[idx], "sku": sku}, dtype=object)
    return Part(
        dataset="licence_assignments",
        frame=frame,
        rows=view.rows[idx],
        source_columns={"upn": view.shown("User principal name"), "sku": header},
    )


def _active_users(view: View) -> list[Part]:
    # Microsoft 365 admin center > Users > Active users > Export users.
    # "Licenses" joins product names with '+'; "Unlicensed" means none.
    upn = view.col("User principal name")
    users = view.part(
        "users",
        {
            "upn": "User principal name",
            "display_name": "Display name",
            "created": "When created",
        },
        enabled=_negate(view.col("Block credential")),
        user_type=_user_type(upn),
    )
    users.source_columns["enabled"] = view.shown("Block credential")
    created, bad = view.dates("When created")
    users.frame["created"] = created
    users.rejected.extend(bad_cells(view, bad, "When created"))
    lic = _licence_part(view, upn, view.col("Licenses"), view.shown("Licenses"))
    return [users.without(bad), lic]


def bad_cells(view: View, bad: pd.Series, header: str) -> list[Rejected]:
    """One Rejected per unreadable date cell (there are few: a loop is fine)."""
    cells = view.col(header)
    return [
        Rejected(
            source=view.source,
            row=int(view.rows[i]),
            column=view.shown(header),
            reason="expected a date like 2026-03-31, 31.03.2026 or 03/31/2026, "
            f"got {str(cells.iat[i])!r}",
        )
        for i in np.flatnonzero(bad.to_numpy())
    ]


#: Usage reports conceal names as 32 hex digits when the tenant's report
#: privacy setting is on (Microsoft 365 blog, "Privacy changes and API support
#: for Microsoft 365 usage reports", 2022; Graph ``adminReportSettings``:
#: https://learn.microsoft.com/graph/api/resources/adminreportsettings).
_CONCEALED = r"^[0-9A-Fa-f]{32}$"
CONCEALED_HINT = (
    "the tenant conceals user names in usage reports: in the Microsoft 365 "
    "admin center go to Settings > Org settings > Services > Reports, clear "
    "'Display concealed user, group, and site names in all reports', save, "
    "and export the report again (names return within about 48 hours); or "
    "remove this file to assess without activity data"
)


def concealed(names: pd.Series) -> bool:
    """True when most non-empty names are hashes rather than names."""
    sample = [v for v in datasets.text_values(names.iloc[:2000]) if v]
    if not sample:
        return False
    hashed = sum(bool(re.match(_CONCEALED, v)) for v in sample)
    return hashed >= len(sample) / 2


_ACTIVITY_SUFFIX = "lastactivitydate"


def _activity_columns(present: Sequence[str]) -> list[str]:
    """The per-service last-activity columns of a usage report."""
    return [c for c in present if header_key(c).endswith(_ACTIVITY_SUFFIX)]


def _usage_activity(view: View) -> list[Part]:
    # Microsoft 365 admin center > Reports > Usage > Active users > Export
    # (the "Active users detail" report; Graph getOffice365ActiveUserDetail:
    # https://learn.microsoft.com/graph/api/reportroot-getoffice365activeuserdetail).
    # A user's last activity is the latest of the per-service columns.
    upn = view.col("User Principal Name")
    if concealed(upn):
        raise InputError(
            "user names are hashes, not names",
            file=view.source,
            column=view.shown("User Principal Name"),
            hint=CONCEALED_HINT,
        )
    cols = _activity_columns(list(view.frame.columns))
    rejected: list[Rejected] = []
    parsed_cols = []
    for c in cols:
        parsed, bad = view.resolve_dates(view.frame[c], c)
        for i in np.flatnonzero(bad.to_numpy()):
            # One unreadable service date: that cell is ignored, the row kept,
            # since the other services still say when the user was active.
            rejected.append(
                Rejected(
                    source=view.source,
                    row=int(view.rows[i]),
                    column=c,
                    reason="expected a date like 2026-03-31, got "
                    f"{str(view.frame[c].iat[i])!r}; cell ignored",
                )
            )
        parsed_cols.append(parsed)
    latest = (
        pd.concat(parsed_cols, axis=1).max(axis=1)
        if parsed_cols
        else pd.Series(pd.NaT, index=view.frame.index, dtype="datetime64[ns]")
    )
    part = view.part(
        "user_activity", {"upn": "User Principal Name"}, last_activity=latest
    )
    part.rejected.extend(rejected)
    return [part]


def _licences_export(view: View) -> list[Part]:
    # Microsoft 365 admin center > Billing > Licenses > Export: one row per
    # product with its total, assigned and available seats.
    names = view.col("Product name").astype("string").str.strip()
    lookup = {n: skus.part_number(n) for n in names.dropna().unique()}
    total = view.col("Total licenses")
    if not view.has("Total licenses"):
        # Older exports give available and assigned only.
        total = (
            (
                datasets.parse_numbers(view.col("Available licenses")).fillna(0)
                + datasets.parse_numbers(view.col("Assigned licenses")).fillna(0)
            )
            .astype("Int64")
            .astype("string")
        )
    part = view.part(
        "licence_skus",
        {"name": "Product name", "assigned": "Assigned licenses"},
        sku=names.map(lookup),
        purchased=total,
    )
    part.source_columns["sku"] = view.shown("Product name")
    part.source_columns["purchased"] = view.shown("Total licenses")
    return [part]


# --- Entra ID ----------------------------------------------------------------


def _entra_users(view: View) -> list[Part]:
    # Entra admin center > Users > All users > Download users
    # (https://learn.microsoft.com/entra/identity/users/users-bulk-download).
    created, bad = view.dates("createdDateTime")
    user_type = view.col("userType").astype("string").str.strip().str.lower()
    part = view.part(
        "users",
        {
            "upn": "userPrincipalName",
            "display_name": "displayName",
            "enabled": "accountEnabled",
            "user_type": "userType",
        },
        user_type=user_type.where(user_type != "", "member"),
        created=created,
    )
    part.source_columns["created"] = view.shown("createdDateTime")
    part.rejected.extend(bad_cells(view, bad, "createdDateTime"))
    return [part.without(bad)]


def _sign_ins(view: View) -> list[Part]:
    # Entra admin center > Monitoring > Sign-in logs > Download (CSV). Only
    # successful sign-ins count as activity. The log covers at most 30 days,
    # so it can raise a user's last activity but never prove it absent.
    when, bad = view.dates("Date (UTC)")
    status = view.col("Status").astype("string").str.strip().str.lower()
    ok = (status.isin(["success", "succeeded", "0"]) | (status == "")) & ~bad
    frame = pd.DataFrame(
        {
            "upn": view.col("Username").astype("string").str.strip().str.lower(),
            "last_activity": when,
        }
    )[ok.to_numpy()]
    rows = view.rows[ok.to_numpy()]
    # One row per user: the latest sign-in, with that sign-in's row number.
    order = frame["last_activity"].to_numpy().argsort(kind="stable")
    frame, rows = frame.iloc[order], rows[order]
    last = ~frame["upn"].duplicated(keep="last").to_numpy()
    part = Part(
        dataset="sign_in_activity",
        frame=frame[last].reset_index(drop=True),
        rows=rows[last],
        source_columns={"upn": view.shown("Username"), "last_activity": "Date (UTC)"},
        rejected=bad_cells(view, bad, "Date (UTC)"),
    )
    return [part]


# --- Intune ------------------------------------------------------------------

#: Compliance as the portal words it -> Graph's complianceState values, so an
#: export and a Graph response give the same canonical cells
#: (https://learn.microsoft.com/graph/api/resources/intune-devices-compliancestate).
_COMPLIANCE = {
    "compliant": "compliant",
    "noncompliant": "noncompliant",
    "notcompliant": "noncompliant",
    "ingraceperiod": "inGracePeriod",
    "conflict": "conflict",
    "error": "error",
    "unknown": "unknown",
    "notevaluated": "unknown",
    "configmanager": "configManager",
}


def _storage_mb(series: pd.Series) -> pd.Series:
    """Storage cells in MB; a GB or TB suffix (some export versions) converts."""
    head = series.iloc[:500].tolist()
    if not any(isinstance(v, str) and v.rstrip()[-1:].isalpha() for v in head):
        return series  # plain numbers, the common case (one unit per export)
    text = series.astype("string").str.strip()
    unit = text.str.extract(r"([KMGT])i?B\s*$", flags=re.IGNORECASE)[0].str.upper()
    factor = unit.map({"K": 1 / 1024, "M": 1.0, "G": 1024.0, "T": 1024.0**2})
    num = datasets.parse_numbers(text)
    out = (num * factor.fillna(1.0).astype("Float64")).round(0)
    return out.astype("string").where(num.notna(), text)


def _intune_devices(view: View) -> list[Part]:
    # Intune admin center > Devices > All devices > Export.
    last, bad = view.dates("Last check-in")
    compliance = datasets.map_distinct(
        view.col("Compliance"), lambda v: _COMPLIANCE.get(header_key(v), v)
    )
    part = view.part(
        "devices",
        {
            "device_id": "Device ID",
            "name": "Device name",
            "os": "OS",
            "os_version": "OS version",
            "compliance": "Compliance",
            "encrypted": "Encrypted",
            "primary_user": "Primary user UPN",
        },
        last_check_in=last,
        compliance=compliance,
        total_storage_mb=_storage_mb(view.col("Total storage")),
        free_storage_mb=_storage_mb(view.col("Free storage")),
    )
    if not view.has("Encrypted"):
        del part.frame["encrypted"]
    if view.has("SKU family"):  # newer exports; FND-03 needs it for Windows 11
        part.frame["os_edition"] = view.col("SKU family")
        part.source_columns["os_edition"] = view.shown("SKU family")
    for canon, h in (
        ("last_check_in", "Last check-in"),
        ("total_storage_mb", "Total storage"),
        ("free_storage_mb", "Free storage"),
    ):
        part.source_columns[canon] = view.shown(h)
    if not view.has("Total storage") or not view.has("Free storage"):
        del part.frame["total_storage_mb"], part.frame["free_storage_mb"]
    part.rejected.extend(bad_cells(view, bad, "Last check-in"))
    return [part.without(bad)]


# --- Backups -----------------------------------------------------------------

#: Session results -> canonical job results. A running session says nothing
#: yet, so it is left out of "latest result".
_RUNNING = {"none", "running", "inprogress", "working", "pending", "queued", "idle"}
_SESSION_RESULT = {
    "success": "success",
    "succeeded": "success",
    "completed": "success",
    "ok": "success",
    "warning": "warning",
    "completedwithwarnings": "warning",
    "partiallysucceeded": "warning",
    "failed": "failed",
    "failure": "failed",
    "error": "failed",
    "cancelled": "failed",
    "canceled": "failed",
    "stopped": "failed",
}


def sessions_to_jobs(
    job: pd.Series,
    system: pd.Series,
    start: pd.Series,
    result: pd.Series,
    rows: np.ndarray,
    *,
    source: str = "",
    result_column: str = "",
) -> tuple[pd.DataFrame, np.ndarray, list[Rejected]]:
    """Fold a history of backup sessions into one row per job.

    Each job's ``last_run`` and ``last_result`` come from its latest finished
    session, ``last_success`` from its latest successful one. Sessions still
    running are skipped and sessions with a result we do not know are
    rejected; both are listed. Returns the raw backup_jobs frame, per job the
    row number of its latest session, and the listed sessions.
    """
    # Results are few distinct texts: map those, then index by code.
    res_codes, res_texts = datasets.distinct(result)
    canon = np.array(
        [_SESSION_RESULT.get(header_key(v)) for v in res_texts] + [None], dtype=object
    )
    res_arr = canon[res_codes]  # code -1 (blank) takes the trailing None
    known = np.append(canon[:-1] != None, False)[res_codes]  # noqa: E711
    begun = start.notna().to_numpy()
    notes: list[Rejected] = []
    unknown = ~known & begun
    shown = datasets.text_values(result) if unknown.any() else np.array([])
    for i in np.flatnonzero(unknown):
        text = shown[i]
        running = text is None or header_key(text) in _RUNNING
        notes.append(
            Rejected(
                source=source,
                row=int(rows[i]),
                column=result_column,
                reason=f"skipped: a session still running ({text!r})"
                if running
                else f"expected Success, Warning or Failed, got {text!r}",
            )
        )
    # Group by job in numpy: a job's rank in name order (a blank name last).
    # A job's latest session is its latest start, the later row of the file
    # when two start at once: two scatter-maxima per rank, no sort.
    codes, names = datasets.group_codes(job)
    rank = np.empty(len(names) + 1, dtype=np.int64)
    rank[np.argsort(names, kind="stable")] = np.arange(len(names))
    rank[-1] = len(names)  # code -1: no job name
    group = rank[codes]
    stamps = start.to_numpy(dtype="datetime64[ns]").view(np.int64)

    def last_per_job(idx: np.ndarray) -> np.ndarray:
        """Of the rows ``idx`` (ascending), each job's latest, in rank order."""
        g, when = group[idx], stamps[idx]
        top = np.full(len(names) + 1, np.iinfo(np.int64).min, dtype=np.int64)
        np.maximum.at(top, g, when)
        at = idx[when == top[g]]
        last = np.full(len(names) + 1, -1, dtype=np.int64)
        np.maximum.at(last, group[at], at)
        return last[last >= 0]

    done = np.flatnonzero(known & begun)
    latest = last_per_job(done)
    ok = last_per_job(done[(canon == "success")[res_codes[done]]])
    success = np.full(len(names) + 1, np.datetime64("NaT"), dtype="datetime64[ns]")
    success[group[ok]] = stamps[ok].view("datetime64[ns]")
    by_rank = np.append(names[np.argsort(names, kind="stable")], [None])
    out = pd.DataFrame(
        {
            "job": by_rank[group[latest]],
            "system": datasets.text_values(system.iloc[latest]),
            "last_run": stamps[latest].view("datetime64[ns]"),
            "last_result": res_arr[latest],
            "last_success": success[group[latest]],
        }
    )
    return out, np.asarray(rows)[latest], notes


def _session_part(
    view: View, job_h: str, system_h: str | None, start_h: str, result_h: str
) -> list[Part]:
    start, bad = view.dates(start_h)
    system = view.col(system_h) if system_h and view.has(system_h) else view.col(job_h)
    frame, rows, notes = sessions_to_jobs(
        view.col(job_h),
        system,
        start,
        view.col(result_h),
        view.rows,
        source=view.source,
        result_column=view.shown(result_h),
    )
    return [
        Part(
            dataset="backup_jobs",
            frame=frame,
            rows=rows,
            source_columns={
                "job": view.shown(job_h),
                "system": view.shown(system_h or job_h),
                "last_run": view.shown(start_h),
                "last_result": view.shown(result_h),
                "last_success": view.shown(start_h),
            },
            rejected=bad_cells(view, bad, start_h) + notes,
        )
    ]


def _veeam_sessions(view: View) -> list[Part]:
    # Veeam Backup & Replication session history: the console's History view
    # exported, or Get-VBRBackupSession | Export-Csv (properties JobName,
    # CreationTime, EndTime, Result, State: https://helpcenter.veeam.com/docs/
    # vbr/powershell/vbrbackupsession.html).
    return _session_part(view, "Job name", None, "Start time", "Result")


def _azure_backup_jobs(view: View) -> list[Part]:
    # Azure portal > Backup center (or a Recovery Services vault) > Backup
    # jobs > Export to CSV. Restore and configuration jobs are left out.
    ops = datasets.text_values(view.col("Operation"))
    keep = np.array([not not_a_backup(o) for o in ops], dtype=bool)
    skipped = [
        Rejected(
            source=view.source,
            row=int(view.rows[i]),
            column=view.shown("Operation"),
            reason=f"skipped: a {ops[i]} job, not a backup",
        )
        for i in np.flatnonzero(~keep)
    ]
    sub = View(
        frame=view.frame[keep].reset_index(drop=True),
        source=view.source,
        rows=view.rows[keep],
        columns=view.columns,
        resolve_dates=view.resolve_dates,
    )
    parts = _session_part(sub, "Workload name", None, "Start time", "Status")
    parts[0].rejected.extend(skipped)
    return parts


_NOT_BACKUP = ("restore", "configure", "delete", "stop", "disable", "tiering")


def not_a_backup(operation: str | None) -> bool:
    """True for Azure Backup jobs that restore or configure rather than back up."""
    return bool(operation) and any(w in str(operation).lower() for w in _NOT_BACKUP)


def _generic_backup(view: View) -> list[Part]:
    last_run, bad_run = view.dates("Last run")
    last_ok, bad_ok = view.dates("Last success")
    bad = bad_run | bad_ok
    part = view.part(
        "backup_jobs",
        {"job": "Job name", "system": "Protected system", "last_result": "Last result"},
        last_run=last_run,
        last_success=last_ok,
    )
    part.source_columns.update(
        last_run=view.shown("Last run"), last_success=view.shown("Last success")
    )
    part.rejected.extend(bad_cells(view, bad_run, "Last run"))
    part.rejected.extend(bad_cells(view, bad_ok & ~bad_run, "Last success"))
    return [part.without(bad)]


# --- Patching ----------------------------------------------------------------


def _patch_status(view: View) -> list[Part]:
    # A generic patch-status list: one row per device, as RMM tools and the
    # WSUS console's computer report export it (README, "Files in exports/").
    installed, bad_i = view.dates("Last patch install")
    scanned, bad_s = view.dates("Last scan")
    bad = bad_i | bad_s
    part = view.part(
        "patch_status",
        {
            "device": "Device name",
            "missing_updates": "Missing updates",
            "failed_updates": "Failed updates",
        },
        last_patch_install=installed,
        last_scan=scanned,
    )
    for canon, h in (
        ("missing_updates", "Missing updates"),
        ("failed_updates", "Failed updates"),
        ("last_patch_install", "Last patch install"),
        ("last_scan", "Last scan"),
    ):
        part.source_columns[canon] = view.shown(h)
        if not view.has(h):
            del part.frame[canon]
    part.rejected.extend(bad_cells(view, bad_i, "Last patch install"))
    part.rejected.extend(bad_cells(view, bad_s & ~bad_i, "Last scan"))
    return [part.without(bad)]


def _simple(dataset: str, mapping: Mapping[str, str], **fixed: str) -> Converter:
    def convert(view: View) -> list[Part]:
        extra = {
            k: pd.Series(v, index=view.frame.index, dtype="object")
            for k, v in fixed.items()
        }
        # A fixed value fills a column only where the file has no such header.
        extra = {k: s for k, s in extra.items() if not view.has(mapping.get(k, ""))}
        part = view.part(
            dataset, {k: h for k, h in mapping.items() if k not in extra}, **extra
        )
        return [part]

    return convert


_ROLES = {"role": "Role", "upn": "User principal name", "assignment": "Assignment type"}
_MFA = {
    "upn": "User principal name",
    "mfa_registered": "MFA registered",
    "is_admin": "Admin",
    "methods": "Methods registered",
}

TABLE_FORMATS: tuple[TableFormat, ...] = (
    TableFormat(
        id="m365_active_users",
        title="Microsoft 365 admin center: Active users",
        reference="https://learn.microsoft.com/microsoft-365/admin/add-users/"
        "download-user-list",
        headers=(
            "Block credential",
            "City",
            "Country/Region",
            "Department",
            "DirSyncEnabled",
            "Display name",
            "Fax",
            "First name",
            "Last dirsync time",
            "Last name",
            "Last password change time stamp",
            "License reconciliation needed",
            "Licenses",
            "Mobile Phone",
            "Object Id",
            "Office",
            "Password never expires",
            "Phone number",
            "Postal code",
            "Preferred data location",
            "Preferred language",
            "Proxy addresses",
            "Release track",
            "Soft deletion time stamp",
            "State",
            "Street address",
            "Strong password required",
            "Title",
            "Usage location",
            "User principal name",
            "When created",
        ),
        aliases={
            "Block credential": ("Sign-in blocked", "BlockCredential"),
            "Licenses": ("Licences", "Assigned licenses", "Assigned licences"),
            "When created": ("Created", "Created date", "WhenCreated"),
            "Country/Region": ("Country",),
            "Object Id": ("ObjectId", "Id"),
        },
        required=(
            "User principal name",
            "Display name",
            "Block credential",
            "Licenses",
            "When created",
        ),
        key=("User principal name",),
        datasets=("users", "licence_assignments"),
        convert=_active_users,
        reads=(
            "User principal name",
            "Display name",
            "When created",
            "Block credential",
            "Licenses",
        ),
    ),
    TableFormat(
        id="m365_usage_active_users",
        title="Microsoft 365 usage report: Active users detail",
        reference="https://learn.microsoft.com/microsoft-365/admin/activity-reports/"
        "active-users-ww",
        headers=(
            "Report Refresh Date",
            "User Principal Name",
            "Display Name",
            "Is Deleted",
            "Deleted Date",
            "Has Exchange License",
            "Has OneDrive License",
            "Has SharePoint License",
            "Has Teams License",
            "Exchange Last Activity Date",
            "OneDrive Last Activity Date",
            "SharePoint Last Activity Date",
            "Teams Last Activity Date",
            "Assigned Products",
        ),
        aliases={"User Principal Name": ("User Name", "Username")},
        required=("User Principal Name", "Exchange Last Activity Date"),
        key=("User Principal Name",),
        # The report writes ISO dates (yyyy-mm-dd); a re-save in Excel may
        # turn them into the local numeric form, which is then decided from
        # the data or client.yaml.
        datasets=("users",),
        convert=_usage_activity,
        reads=("User Principal Name",),
        reads_also=_activity_columns,
    ),
    # Header NOT confirmed (2026-11): no Microsoft page or community script
    # found that shows the Billing > Licenses export's header row. Learn
    # ("Assign licenses to users") describes the page's available and
    # assigned counts only. The aliases cover the spellings seen in tenants
    # so far; a file with other headers is listed with the closest format.
    TableFormat(
        id="m365_licences",
        title="Microsoft 365 admin center: Licenses",
        reference="https://learn.microsoft.com/microsoft-365/commerce/licenses/"
        "subscriptions-and-licenses",
        headers=(
            "Product name",
            "Total licenses",
            "Assigned licenses",
            "Available licenses",
        ),
        aliases={
            "Product name": ("Product", "License", "Licence", "Subscription"),
            "Total licenses": ("Total licences", "Total", "Purchased", "Quantity"),
            "Assigned licenses": ("Assigned licences", "Assigned", "Consumed"),
            "Available licenses": ("Available licences", "Available"),
        },
        required=("Product name", "Assigned licenses"),
        any_of=(("Total licenses", "Available licenses"),),
        key=("Product name",),
        datasets=("licence_skus",),
        convert=_licences_export,
        reads=(
            "Product name",
            "Total licenses",
            "Assigned licenses",
            "Available licenses",
        ),
    ),
    TableFormat(
        id="entra_users",
        title="Entra ID: Download users",
        reference="https://learn.microsoft.com/entra/identity/users/"
        "users-bulk-download",
        headers=(
            "userPrincipalName",
            "displayName",
            "surname",
            "mail",
            "givenName",
            "objectId",
            "userType",
            "jobTitle",
            "department",
            "accountEnabled",
            "usageLocation",
            "streetAddress",
            "state",
            "country",
            "physicalDeliveryOfficeName",
            "city",
            "postalCode",
            "telephoneNumber",
            "mobile",
            "alternateEmailAddress",
            "ageGroup",
            "createdDateTime",
        ),
        aliases={
            "objectId": ("id",),
            "physicalDeliveryOfficeName": ("officeLocation",),
            "mobile": ("mobilePhone",),
            "createdDateTime": ("Creation date", "Created date time"),
            "accountEnabled": ("Account enabled",),
        },
        required=("userPrincipalName", "displayName", "accountEnabled"),
        key=("userPrincipalName",),
        datasets=("users",),
        convert=_entra_users,
        reads=(
            "userPrincipalName",
            "displayName",
            "accountEnabled",
            "userType",
            "createdDateTime",
        ),
    ),
    # Header confirmed (2026-11) against the header row that bitpusher2k's
    # ProcessEntraSignInLog.ps1 (github.com/bitpusher2k/M365IRScripts,
    # v2.9, 2024-10-14) checks a downloaded sign-in log for: "Date (UTC)",
    # "Request ID", "User agent", ..., "Username", ..., "Status" ("Success",
    # "Failure" or "Interrupted"), 55 columns in all, some with a trailing
    # space ("Application ID "), which header folding ignores. Every header
    # below is among them.
    TableFormat(
        id="entra_sign_ins",
        title="Entra ID: Sign-in logs",
        reference="https://learn.microsoft.com/entra/identity/monitoring-health/"
        "howto-download-logs",
        headers=(
            "Date (UTC)",
            "Request ID",
            "User agent",
            "Correlation ID",
            "User ID",
            "User",
            "Username",
            "User type",
            "Application",
            "Application ID",
            "Resource",
            "IP address",
            "Location",
            "Status",
            "Sign-in error code",
            "Failure reason",
            "Client app",
            "Device ID",
            "Operating System",
        ),
        aliases={"Date (UTC)": ("Date", "CreatedDateTime"), "Username": ("UPN",)},
        required=("Date (UTC)", "Username"),
        key=("Username",),
        datasets=("users",),
        convert=_sign_ins,
        reads=("Date (UTC)", "Username", "Status"),
    ),
    TableFormat(
        id="intune_devices",
        title="Intune: All devices",
        reference="https://learn.microsoft.com/mem/intune/remote-actions/"
        "device-management#export-devices",
        headers=(
            "Device ID",
            "Device name",
            "Enrollment date",
            "Last check-in",
            "Azure AD Device ID",
            "OS version",
            "Serial number",
            "Manufacturer",
            "Model",
            "Total storage",
            "Free storage",
            "Primary user UPN",
            "OS",
            "Ownership",
            "Compliance",
            "Managed by",
            "Encrypted",
            "SKU family",
        ),
        aliases={
            "SKU family": ("SkuFamily", "OS edition", "Operating system edition"),
            "Device ID": ("DeviceId", "Intune device ID"),
            "Device name": ("DeviceName",),
            "Last check-in": ("Last check in", "LastContact", "Last sync"),
            "Azure AD Device ID": ("Entra Device ID", "Microsoft Entra Device ID"),
            "OS version": ("OSVersion",),
            "Primary user UPN": ("UPN", "User principal name", "UserPrincipalName"),
            "Compliance": ("Compliance state", "ComplianceState"),
            "Encrypted": ("IsEncrypted", "Encryption"),
            "Total storage": ("Total storage (MB)", "TotalStorage"),
            "Free storage": ("Free storage (MB)", "FreeStorage"),
            "Managed by": ("ManagedBy", "Management agent"),
        },
        required=("Device ID", "Device name", "Last check-in", "OS", "OS version"),
        key=("Device ID",),
        datasets=("devices",),
        convert=_intune_devices,
        reads=(
            "Device ID",
            "Device name",
            "Last check-in",
            "OS",
            "OS version",
            "Compliance",
            "Encrypted",
            "Primary user UPN",
            "Total storage",
            "Free storage",
            "SKU family",
        ),
    ),
    # Partly confirmed (2026-11): Get-VBRBackupSession objects carry JobName,
    # CreationTime, EndTime and Result (Veeam PowerShell reference, below,
    # and VeeamHub/powershell BR-BackupSessionReport, whose CSV has JobName,
    # Result, CreationTime), so an Export-Csv of them is read through the
    # aliases. The console's History export header ("Job name", "Session
    # type", "Start time", "End time", "Result") is NOT confirmed: no Veeam
    # help center page found shows it.
    TableFormat(
        id="veeam_sessions",
        title="Veeam Backup & Replication: job sessions",
        reference="https://helpcenter.veeam.com/docs/vbr/powershell/"
        "get-vbrbackupsession.html",
        headers=("Job name", "Session type", "Start time", "End time", "Result"),
        aliases={
            "Job name": ("JobName", "Job"),
            "Session type": ("JobType", "Type", "Job type"),
            "Start time": ("CreationTime", "Creation time", "Started"),
            "End time": ("EndTime", "Finished"),
            "Result": ("Status",),
        },
        required=("Job name", "Start time", "Result"),
        key=("Job name",),
        datasets=("backup_jobs",),
        convert=_veeam_sessions,
        reads=("Job name", "Start time", "Result"),
    ),
    # Header NOT confirmed (2026-11): no Learn page found shows the header of
    # the portal's Backup jobs > Export to CSV. The names follow the job
    # fields Azure documents (AzureBackupJob in the @azure/arm-dataprotection
    # reference: dataSourceName, backupInstanceFriendlyName, operation,
    # status, startTime, duration), which the aliases also accept.
    TableFormat(
        id="azure_backup_jobs",
        title="Azure Backup: backup jobs",
        reference="https://learn.microsoft.com/azure/backup/backup-center-monitor-"
        "operate",
        headers=(
            "Workload name",
            "Operation",
            "Status",
            "Type",
            "Start time",
            "Duration",
        ),
        aliases={
            "Workload name": (
                "Backup item",
                "Backup instance",
                "Datasource name",
                "BackupInstanceFriendlyName",
            ),
            "Start time": ("Start Time (UTC)", "StartTime"),
            "Type": ("Datasource type", "Workload type"),
        },
        required=("Workload name", "Operation", "Status", "Start time"),
        key=("Workload name",),
        datasets=("backup_jobs",),
        convert=_azure_backup_jobs,
        reads=("Workload name", "Operation", "Status", "Start time"),
    ),
    TableFormat(
        id="backup_jobs",
        title="Backup jobs (healthcheck generic list)",
        headers=(
            "Job name",
            "Protected system",
            "Last run",
            "Last result",
            "Last success",
        ),
        aliases={
            "Protected system": ("System", "Computer", "Device", "Source"),
            "Last result": ("Last status", "Result"),
            "Last success": ("Last successful run", "Last successful backup"),
            "Last run": ("Last backup",),
        },
        required=("Job name", "Last result"),
        key=("Job name",),
        datasets=("backup_jobs",),
        convert=_generic_backup,
    ),
    # WSUS, partly confirmed (2026-11): Learn, "Update Status Report
    # Terminology for WSUS 3.0 SP2" (learn.microsoft.com/previous-versions/
    # windows/it-pro/windows-server-2008-R2-and-2008/dd939917(v=ws.10))
    # defines the console's Needed, Failed and "Last contacted" columns.
    # Scripts that export the WSUS API's computer targets (IComputerTarget)
    # name them FullDomainName, LastReportedStatusTime and FailedCount; those
    # are accepted too. The exact header of the console's computer report
    # export ("Name", "Last Status Report") is NOT confirmed.
    TableFormat(
        id="patch_status",
        title="Patch status (RMM or WSUS, healthcheck generic list)",
        headers=(
            "Device name",
            "Last patch install",
            "Missing updates",
            "Failed updates",
            "Last scan",
        ),
        aliases={
            "Device name": (
                "Computer name",
                "Computer",
                "Hostname",
                "Device",
                "Name",
                "FullDomainName",
            ),
            "Last patch install": (
                "Last patched",
                "Last install",
                "Last update installed",
                "Last patch date",
            ),
            "Missing updates": ("Needed", "Missing patches", "Updates needed"),
            "Failed updates": ("Failed", "Failed patches", "FailedCount"),
            "Last scan": (
                "Last status report",
                "Last scan time",
                "Last contact",
                "Last contacted",
                "LastReportedStatusTime",
            ),
        },
        required=("Device name",),
        any_of=(("Last patch install", "Missing updates"),),
        key=("Device name",),
        datasets=("patch_status",),
        convert=_patch_status,
    ),
    # Header NOT confirmed (2026-11) against Microsoft documentation. One
    # community script that reads an exported role-assignment list uses
    # "Role Name", "PrincipalName" and "Assignment State" (values such as
    # "Eligible"); the aliases "Role name", "Principal name" and
    # "Assignment state" read those spellings.
    TableFormat(
        id="role_assignments",
        title="Entra ID role assignments",
        reference="https://learn.microsoft.com/entra/identity/role-based-access-"
        "control/view-assignments",
        headers=tuple(_ROLES.values()),
        aliases={
            "Role": ("Role name", "RoleName", "Role definition", "RoleDefinitionName"),
            "User principal name": (
                "Principal name",
                "Sign-in name",
                "SignInName",
                "Member",
            ),
            "Assignment type": ("Assignment state", "State", "Membership"),
        },
        required=("Role", "User principal name"),
        key=("Role",),
        datasets=("role_assignments",),
        # Without PIM the portal lists active assignments only: permanent.
        convert=_simple("role_assignments", _ROLES, assignment="permanent"),
    ),
    TableFormat(
        id="mfa_registration",
        title="Entra ID: User registration details",
        reference="https://learn.microsoft.com/entra/identity/authentication/"
        "howto-authentication-methods-activity",
        headers=(
            "User principal name",
            "Display name",
            "User type",
            "Admin",
            "MFA capable",
            "MFA registered",
            "Passwordless capable",
            "SSPR registered",
            "Default MFA method",
            "Methods registered",
        ),
        aliases={
            "MFA registered": (
                "isMfaRegistered",
                "Multifactor authentication registered",
            ),
            "Admin": ("isAdmin",),
            "MFA capable": ("isMfaCapable",),
            "Methods registered": ("methodsRegistered",),
            "Default MFA method": ("defaultMfaMethod",),
        },
        required=("User principal name", "MFA registered"),
        key=("User principal name",),
        datasets=("mfa_registration",),
        convert=_simple("mfa_registration", _MFA),
        reads=tuple(_MFA.values()),
    ),
)

#: A file is a format when it has this share of the documented headers, or
#: all of the required ones and at least ``MATCH_WITH_REQUIRED`` (portals drop
#: and rename optional columns between versions).
MATCH_THRESHOLD = 0.5
MATCH_WITH_REQUIRED = 0.3
#: ... or all its required headers when it has at least this many: a
#: consultant who trimmed an export to the columns that matter is understood.
MATCH_REQUIRED = 3


def recognise(
    headers: Sequence[str], formats: Sequence[TableFormat] = TABLE_FORMATS
) -> tuple[TableFormat | None, TableFormat, float]:
    """Return (recognised format or None, closest format, its match share).

    A format that has all its required headers beats one that does not; then
    the larger share of documented headers wins, then the earlier format
    (the collector lists client.yaml's column mappings first, so a
    consultant's mapping claims a file a built-in format would half-match).
    """

    def score(item: tuple[int, TableFormat]) -> tuple[float, int]:
        n, f = item
        share = f.match(headers)
        complete = int(share > 0 and not f.missing(headers))
        return (share + complete, -n)

    best = max(enumerate(formats), key=score)[1]
    share = best.match(headers)
    complete = not best.missing(headers)
    ok = share >= MATCH_THRESHOLD or (
        complete
        and (share >= MATCH_WITH_REQUIRED or len(best.required) >= MATCH_REQUIRED)
    )
    if ok:
        return best, best, share
    # For the message, the closest is the format sharing most headers: a
    # short format matched by one generic header is rarely what was meant.
    closest = max(
        enumerate(formats),
        key=lambda item: (len(item[1].resolve(headers)), score(item)),
    )[1]
    return None, closest, closest.match(headers)
