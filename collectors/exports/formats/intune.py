"""Intune exports: the All devices list."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from healthcheck import datasets

from .base import Part, TableFormat, View, bad_cells, header_key

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
    # A cell that is no finite number stays as written, for the validator
    # to reject and show ("Infinity", not the "inf" it reads as).
    finite = np.isfinite(num.to_numpy(dtype=float, na_value=np.nan))
    return out.astype("string").where(finite, text)


#: Intune's ownership words (export: Corporate/Personal; Graph's
#: managedDeviceOwnerType: company/personal) as the devices dataset keeps them.
_OWNERSHIP = {"corporate": "corporate", "company": "corporate", "personal": "personal"}


def ownership(series: pd.Series) -> pd.Series:
    """Ownership cells as "corporate" or "personal"; other words lower case."""

    def one(word: str) -> str:
        key = word.strip().casefold()
        return _OWNERSHIP.get(key, key)

    return datasets.map_distinct(series, one)


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
        part.frame["os_edition"] = view.col("SKU family").to_numpy()
        part.source_columns["os_edition"] = view.shown("SKU family")
    if view.has("Azure AD Device ID"):  # FND-15, FND-16: the Entra device
        part.frame["entra_device_id"] = (
            view.col("Azure AD Device ID").astype("string").str.strip().str.lower()
        ).to_numpy()
        part.source_columns["entra_device_id"] = view.shown("Azure AD Device ID")
    if view.has("Ownership"):  # FND-16: LAPS is for company devices
        part.frame["ownership"] = ownership(view.col("Ownership")).to_numpy()
        part.source_columns["ownership"] = view.shown("Ownership")
    if view.has("Category"):  # DOC-07: shared-device categories (client.yaml)
        part.frame["category"] = view.col("Category").to_numpy()
        part.source_columns["category"] = view.shown("Category")
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


DEVICES = TableFormat(
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
        "Category",
        "SKU family",
    ),
    aliases={
        "Category": ("Device category", "DeviceCategory"),
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
        "Category",
        "SKU family",
        "Azure AD Device ID",
        "Ownership",
    ),
)
