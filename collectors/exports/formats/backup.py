"""Backup exports: Veeam sessions, Azure Backup jobs, the generic job list."""

from __future__ import annotations

import numpy as np
import pandas as pd

from healthcheck import datasets
from healthcheck.model import Rejected

from .base import Part, TableFormat, View, bad_cells, header_key

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
    parts = _session_part(view, "Job name", None, "Start time", "Result")
    if view.has("Session type"):
        # FND-17: a backup copy job (JobType BackupSync, "Backup Copy") is the
        # second copy of 3-2-1; other jobs' exports say nothing either way.
        kinds = view.col("Session type").map(header_key)
        copies = set(view.col("Job name")[kinds.isin(_COPY_TYPES)].astype(str))
        frame = parts[0].frame
        frame["offsite_copy"] = [
            "True" if str(j) in copies else "" for j in frame["job"]
        ]
        parts[0].source_columns["offsite_copy"] = view.shown("Session type")
    return parts


#: Veeam job types of a backup copy job, folded (JobType enum and console).
_COPY_TYPES = frozenset(
    {"backupsync", "backupcopy", "simplebackupcopypolicy", "simplebackupcopyworker"}
)


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
    if view.has("Schedule"):  # optional: "Daily", "Weekly", "Every 4 hours"
        part.frame["schedule"] = view.col("Schedule").to_numpy()
        part.source_columns["schedule"] = view.shown("Schedule")
    for canon, h in (  # optional, FND-17 and DOC-08
        ("offsite_copy", "Off-site copy"),
        ("immutable", "Immutable"),
    ):
        if view.has(h):
            part.frame[canon] = view.col(h).to_numpy()
            part.source_columns[canon] = view.shown(h)
    if view.has("Last restore test"):
        tested, bad_t = view.dates("Last restore test")
        part.frame["last_restore_test"] = tested.to_numpy()
        part.source_columns["last_restore_test"] = view.shown("Last restore test")
        part.rejected.extend(bad_cells(view, bad_t & ~bad, "Last restore test"))
        bad = bad | bad_t
    part.rejected.extend(bad_cells(view, bad_run, "Last run"))
    part.rejected.extend(bad_cells(view, bad_ok & ~bad_run, "Last success"))
    return [part.without(bad)]


# Partly confirmed (2026-11): Get-VBRBackupSession objects carry JobName,
# CreationTime, EndTime and Result (Veeam PowerShell reference, below,
# and VeeamHub/powershell BR-BackupSessionReport, whose CSV has JobName,
# Result, CreationTime), so an Export-Csv of them is read through the
# aliases. The console's History export header ("Job name", "Session
# type", "Start time", "End time", "Result") is NOT confirmed: no Veeam
# help center page found shows it.
VEEAM_SESSIONS = TableFormat(
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
    reads=("Job name", "Session type", "Start time", "Result"),
)


# Header NOT confirmed (2026-11): no Learn page found shows the header of
# the portal's Backup jobs > Export to CSV. The names follow the job
# fields Azure documents (AzureBackupJob in the @azure/arm-dataprotection
# reference: dataSourceName, backupInstanceFriendlyName, operation,
# status, startTime, duration), which the aliases also accept.
AZURE_BACKUP_JOBS = TableFormat(
    id="azure_backup_jobs",
    title="Azure Backup: backup jobs",
    reference="https://learn.microsoft.com/azure/backup/backup-center-monitor-operate",
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
)


GENERIC_BACKUP_JOBS = TableFormat(
    id="backup_jobs",
    title="Backup jobs (healthcheck generic list)",
    headers=(
        "Job name",
        "Protected system",
        "Last run",
        "Last result",
        "Last success",
        "Schedule",
        "Off-site copy",
        "Immutable",
        "Last restore test",
    ),
    aliases={
        "Schedule": ("Frequency", "Interval"),
        "Off-site copy": ("Offsite copy", "Offsite", "Copy off site", "Backup copy"),
        "Immutable": ("Immutability", "Immutable copy"),
        "Last restore test": (
            "Restore tested",
            "Last restore tested",
            "Last test restore",
        ),
        "Protected system": ("System", "Computer", "Device", "Source"),
        "Last result": ("Last status", "Result"),
        "Last success": ("Last successful run", "Last successful backup"),
        "Last run": ("Last backup",),
    },
    required=("Job name", "Last result"),
    key=("Job name",),
    datasets=("backup_jobs",),
    convert=_generic_backup,
)
