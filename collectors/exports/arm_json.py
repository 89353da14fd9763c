"""Saved Azure Resource Manager responses: Azure Backup jobs.

A consultant without portal CSV access can save the vault's job list:

- Recovery Services vault: ``GET .../vaults/{vault}/backupJobs`` returns
  items whose ``properties`` carry ``entityFriendlyName``, ``operation``,
  ``status`` and ``startTime`` (https://learn.microsoft.com/rest/api/backup/
  backup-jobs/list).
- Backup vault (Data Protection): ``GET .../backupVaults/{vault}/backupJobs``
  items carry ``dataSourceName``, ``operationCategory``, ``status`` and
  ``startTime`` (https://learn.microsoft.com/rest/api/dataprotection/jobs/list).

Both fold into one ``backup_jobs`` row per protected item, like the portal's
CSV export (see :func:`.formats.backup.sessions_to_jobs`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from healthcheck import datasets
from healthcheck.model import Rejected

from . import shape
from .formats import Part, not_a_backup, sessions_to_jobs


def recognise(doc: Any) -> bool:
    """True when ``doc`` is a saved list of Azure Backup jobs."""
    if not isinstance(doc, Mapping) or not isinstance(doc.get("value"), list):
        return False
    items = doc["value"]
    if not items or not all(isinstance(i, Mapping) for i in items):
        return False
    return all(
        str(i.get("type", "")).lower().endswith("/backupjobs")
        and isinstance(i.get("properties"), Mapping)
        for i in items
    )


def backup_jobs(items: list[Mapping[str, Any]], source: str) -> list[Part]:
    """Azure Backup job items -> one backup_jobs part (item numbers as rows)."""

    def row(i: Mapping[str, Any]) -> tuple[str, str, str, str]:
        p = shape.obj(i.get("properties"), "properties")
        name = next(
            (
                got
                for k in (
                    "entityFriendlyName",
                    "dataSourceName",
                    "backupInstanceFriendlyName",
                )
                if (got := shape.text(p.get(k), f"properties.{k}"))
            ),
            "",
        )
        op = shape.text(p.get("operation"), "properties.operation") or shape.text(
            p.get("operationCategory"), "properties.operationCategory"
        )
        status = shape.text(p.get("status"), "properties.status")
        return name, op, status, shape.text(p.get("startTime"), "properties.startTime")

    got, numbers, notes = shape.rows(items, source, row)
    names, ops, status, start = (
        (list(c) for c in zip(*got, strict=True)) if got else ([], [], [], [])
    )
    keep = np.array([not not_a_backup(op) for op in ops], bool)
    rows = np.asarray(numbers, dtype=np.int64)[keep]
    name = pd.Series(names, dtype="object")[keep].reset_index(drop=True)
    started, bad = datasets.read_dates(pd.Series(start, dtype="object")[keep])
    result = pd.Series(status, dtype="object")[keep].reset_index(drop=True)
    frame, job_rows, sessions = sessions_to_jobs(
        name,
        name,
        started.reset_index(drop=True),
        result,
        rows,
        source=source,
        result_column="properties.status",
    )
    # Item numbers stand for rows: a JSON file has no rows to point at.
    notes += sessions
    notes += [
        Rejected(
            source=source,
            row=numbers[k],
            column=None,
            reason=f"skipped: a {ops[k]} job, not a backup",
        )
        for k in np.flatnonzero(~keep)
    ]
    kept_start = [s for s, k in zip(start, keep, strict=True) if k]
    notes += [
        Rejected(
            source=source,
            row=int(rows[i]),
            column="properties.startTime",
            reason=f"expected an ISO 8601 time, got {kept_start[i]!r}",
        )
        for i in np.flatnonzero(bad.to_numpy())
    ]
    return [
        Part(
            dataset="backup_jobs",
            frame=frame,
            rows=job_rows,
            source_columns={
                "job": "properties.entityFriendlyName",
                "system": "properties.entityFriendlyName",
                "last_run": "properties.startTime",
                "last_result": "properties.status",
                "last_success": "properties.startTime",
            },
            rejected=notes,
        )
    ]
