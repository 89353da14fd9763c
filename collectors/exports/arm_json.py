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
    names, ops, status, start = [], [], [], []
    for i in items:
        p = i.get("properties") or {}
        names.append(
            p.get("entityFriendlyName")
            or p.get("dataSourceName")
            or p.get("backupInstanceFriendlyName")
            or ""
        )
        ops.append(str(p.get("operation") or p.get("operationCategory") or ""))
        status.append(str(p.get("status") or ""))
        start.append(str(p.get("startTime") or ""))
    keep = np.array([not not_a_backup(op) for op in ops], bool)
    rows = np.arange(1, len(items) + 1)[keep]
    name = pd.Series(names, dtype="object")[keep].reset_index(drop=True)
    started, bad = datasets.read_dates(pd.Series(start, dtype="object")[keep])
    result = pd.Series(status, dtype="object")[keep].reset_index(drop=True)
    frame, job_rows, notes = sessions_to_jobs(
        name,
        name,
        started.reset_index(drop=True),
        result,
        rows,
        source=source,
        result_column="properties.status",
    )
    # Item numbers stand for rows: a JSON file has no rows to point at.
    notes += [
        Rejected(
            source=source,
            row=int(n),
            column=None,
            reason=f"skipped: a {ops[n - 1]} job, not a backup",
        )
        for n in np.flatnonzero(~keep) + 1
    ]
    notes += [
        Rejected(
            source=source,
            row=int(rows[i]),
            column="properties.startTime",
            reason=f"expected an ISO 8601 time, got {start[int(rows[i]) - 1]!r}",
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
