"""Known export formats: how each is recognised and mapped to canonical columns.

A format is recognised by its header row, never by its file name, so a
consultant can drop files in ``exports/`` under any name. Each format lists
the headers its product documents (the recognition signature), the ones we
need, and a function that turns the table of strings into raw canonical
frames (strings still; the canonical validator types them).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import pandas as pd

from healthcheck import skus
from healthcheck.model import Rejected


@dataclass(frozen=True, kw_only=True, slots=True)
class Part:
    """One canonical dataset's raw rows taken from a file."""

    dataset: str
    frame: pd.DataFrame
    rows: list[int]
    source_columns: Mapping[str, str] = field(default_factory=dict)
    rejected: list[Rejected] = field(default_factory=list)


Converter = Callable[[pd.DataFrame, str, int], list[Part]]


@dataclass(frozen=True, kw_only=True, slots=True)
class TableFormat:
    """A CSV/XLSX export recognised by its headers."""

    id: str
    title: str
    headers: tuple[str, ...]
    required: tuple[str, ...]
    datasets: tuple[str, ...]
    convert: Converter

    def match(self, present: set[str]) -> float:
        """Share of this format's documented headers found in ``present``."""
        ours = {h.casefold() for h in self.headers}
        return len(ours & present) / len(ours)

    def missing(self, present: set[str]) -> list[str]:
        """Required headers absent from ``present``."""
        return [h for h in self.required if h.casefold() not in present]


def _col(frame: pd.DataFrame, header: str) -> pd.Series:
    """A column by header, case-insensitively; empty strings when absent."""
    for c in frame.columns:
        if c.casefold() == header.casefold():
            return frame[c]
    return pd.Series("", index=frame.index, dtype="string")


def _mapped(
    frame: pd.DataFrame,
    dataset: str,
    mapping: Mapping[str, str],
    first_row: int,
    **extra: pd.Series,
) -> Part:
    raw = pd.DataFrame({canon: _col(frame, src) for canon, src in mapping.items()})
    for name, series in extra.items():
        raw[name] = series
    rows = [first_row + i for i in range(len(frame))]
    return Part(dataset=dataset, frame=raw, rows=rows, source_columns=dict(mapping))


_NEGATE = {"true": "False", "false": "True", "yes": "False", "no": "True"}


def _active_users(frame: pd.DataFrame, source: str, first_row: int) -> list[Part]:
    # Microsoft 365 admin center > Users > Active users > Export users.
    # "Licenses" joins product names with '+'; "Unlicensed" means none.
    upn = _col(frame, "User principal name").astype("string").str.strip()
    blocked = _col(frame, "Block credential").astype("string").str.strip()
    enabled = blocked.map(lambda v: _NEGATE.get(str(v).lower(), v))
    user_type = upn.str.contains("#EXT#", regex=False).map(
        {True: "guest", False: "member"}
    )
    users = _mapped(
        frame,
        "users",
        {
            "upn": "User principal name",
            "display_name": "Display name",
            "created": "When created",
        },
        first_row,
        enabled=enabled,
        user_type=user_type,
    )
    users.source_columns["enabled"] = "Block credential"
    lic_rows: list[tuple[str, str, int]] = []
    for i, (who, cell) in enumerate(zip(upn, _col(frame, "Licenses"), strict=True)):
        for name in str(cell or "").split("+"):
            name = name.strip()
            if name and name.casefold() != "unlicensed":
                lic_rows.append((str(who or ""), skus.part_number(name), first_row + i))
    lic = pd.DataFrame(lic_rows, columns=["upn", "sku", "_row"], dtype="object")
    assignments = Part(
        dataset="licence_assignments",
        frame=lic[["upn", "sku"]],
        rows=[int(r) for r in lic["_row"]],
        source_columns={"upn": "User principal name", "sku": "Licenses"},
    )
    return [users, assignments]


_ACTIVITY_SUFFIX = "last activity date"


def _usage_activity(frame: pd.DataFrame, source: str, first_row: int) -> list[Part]:
    # Microsoft 365 usage report "Active users detail" (Reports > Usage).
    # A user's last activity is the latest of the per-service columns.
    cols = [c for c in frame.columns if c.casefold().endswith(_ACTIVITY_SUFFIX)]
    rejected: list[Rejected] = []
    parsed_cols = []
    for c in cols:
        text = frame[c].astype("string").str.strip()
        blank = text.isna() | (text == "")
        parsed = pd.to_datetime(text.where(~blank), errors="coerce", format="ISO8601")
        for idx in parsed[parsed.isna() & ~blank].index:
            # One unreadable service date: that cell is ignored, the row kept.
            rejected.append(
                Rejected(
                    source=source,
                    row=first_row + int(idx),
                    column=c,
                    reason="expected a date like 2026-03-31, got "
                    f"{frame.at[idx, c]!r}; cell ignored",
                )
            )
        parsed_cols.append(parsed)
    latest = (
        pd.concat(parsed_cols, axis=1).max(axis=1)
        if parsed_cols
        else pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns]")
    )
    activity = latest.dt.strftime("%Y-%m-%d").fillna("")
    part = _mapped(
        frame,
        "user_activity",
        {"upn": "User Principal Name"},
        first_row,
        last_activity=activity,
    )
    part.rejected.extend(rejected)
    return [part]


def _intune_devices(frame: pd.DataFrame, source: str, first_row: int) -> list[Part]:
    # Intune admin center > Devices > All devices > Export.
    return [
        _mapped(
            frame,
            "devices",
            {
                "device_id": "Device ID",
                "name": "Device name",
                "os": "OS",
                "os_version": "OS version",
                "last_check_in": "Last check-in",
                "compliance": "Compliance",
                "encrypted": "Encrypted",
                "total_storage_mb": "Total storage",
                "free_storage_mb": "Free storage",
                "primary_user": "Primary user UPN",
            },
            first_row,
        )
    ]


def _simple(dataset: str, mapping: Mapping[str, str]) -> Converter:
    def convert(frame: pd.DataFrame, source: str, first_row: int) -> list[Part]:
        return [_mapped(frame, dataset, mapping, first_row)]

    return convert


_BACKUP = {
    "job": "Job name",
    "system": "Protected system",
    "last_run": "Last run",
    "last_result": "Last result",
    "last_success": "Last success",
}
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
        required=(
            "User principal name",
            "Display name",
            "Block credential",
            "Licenses",
            "When created",
        ),
        datasets=("users", "licence_assignments"),
        convert=_active_users,
    ),
    TableFormat(
        id="m365_usage_active_users",
        title="Microsoft 365 usage report: Active users detail",
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
        required=("User Principal Name", "Exchange Last Activity Date"),
        datasets=("users",),
        convert=_usage_activity,
    ),
    TableFormat(
        id="intune_devices",
        title="Intune: All devices",
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
        ),
        required=("Device ID", "Device name", "Last check-in", "OS", "OS version"),
        datasets=("devices",),
        convert=_intune_devices,
    ),
    TableFormat(
        id="backup_jobs",
        title="Backup jobs (healthcheck generic list)",
        headers=tuple(_BACKUP.values()),
        required=("Job name", "Last result"),
        datasets=("backup_jobs",),
        convert=_simple("backup_jobs", _BACKUP),
    ),
    TableFormat(
        id="role_assignments",
        title="Entra ID role assignments",
        headers=tuple(_ROLES.values()),
        required=tuple(_ROLES.values()),
        datasets=("role_assignments",),
        convert=_simple("role_assignments", _ROLES),
    ),
    TableFormat(
        id="mfa_registration",
        title="Entra ID: User registration details",
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
        required=("User principal name", "MFA registered"),
        datasets=("mfa_registration",),
        convert=_simple("mfa_registration", _MFA),
    ),
)

#: A file is a format when it has this share of the documented headers, or
#: all of the required ones and at least ``MATCH_WITH_REQUIRED`` (portals drop
#: and rename optional columns between versions).
MATCH_THRESHOLD = 0.5
MATCH_WITH_REQUIRED = 0.3


def recognise(headers: list[str]) -> tuple[TableFormat | None, TableFormat, float]:
    """Return (recognised format or None, closest format, its match share)."""
    present = {h.strip().casefold() for h in headers}
    scored = sorted(
        TABLE_FORMATS, key=lambda f: (f.match(present), len(f.headers)), reverse=True
    )
    best = scored[0]
    share = best.match(present)
    ok = share >= MATCH_THRESHOLD or (
        share >= MATCH_WITH_REQUIRED and not best.missing(present)
    )
    return (best if ok else None), best, share
