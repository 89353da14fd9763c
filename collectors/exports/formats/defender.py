"""Endpoint protection exports: Intune's antivirus report, Defender's device inventory.

Graph has no list call for protection state: ``windowsProtectionState`` is
read per managed device, one request each. An admin exports the same facts
for every device at once from either portal, so FND-14 reads the exports.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from healthcheck import datasets
from healthcheck.model import Rejected

from .base import Part, TableFormat, View, bad_cells, header_key


def _intune_antivirus(view: View) -> list[Part]:
    # Intune admin center > Reports > Microsoft Defender Antivirus >
    # Antivirus agent status > Export (the DefenderAgents report). A
    # critical failure flag fills an empty state.
    reported, bad = view.dates("Last reported")
    state = view.col("Device state").astype("string").str.strip()
    if view.has("Critical failure"):
        critical = view.col("Critical failure").astype("string").str.strip().str.lower()
        state = state.mask(
            (state.isna() | state.eq("")) & critical.isin(datasets.TRUE),
            "Critical failure",
        )
    part = view.part(
        "endpoint_protection",
        {
            "device": "Device name",
            "realtime": "Real-time protection",
            "signatures_overdue": "Signature update overdue",
        },
        state=state,
        last_reported=reported,
    )
    part.source_columns.update(
        state=view.shown("Device state"), last_reported=view.shown("Last reported")
    )
    for canon, h in (
        ("realtime", "Real-time protection"),
        ("signatures_overdue", "Signature update overdue"),
        ("last_reported", "Last reported"),
    ):
        if not view.has(h):
            del part.frame[canon]
    part.rejected.extend(bad_cells(view, bad, "Last reported"))
    return [part.without(bad)]


# Headers as the report export API names them (reportName DefenderAgents:
# https://learn.microsoft.com/mem/intune/fundamentals/reports-export-graph-available-reports),
# with the portal's spaced spellings as aliases.
INTUNE_ANTIVIRUS = TableFormat(
    id="intune_antivirus",
    title="Intune: Antivirus agent status (Defender agents report)",
    reference="https://learn.microsoft.com/mem/intune/fundamentals/"
    "reports-export-graph-available-reports",
    headers=(
        "Device name",
        "Device state",
        "Real-time protection",
        "Signature update overdue",
        "Critical failure",
        "Malware protection",
        "Last reported",
    ),
    aliases={
        "Device name": ("DeviceName", "Device"),
        "Device state": ("DeviceState", "State"),
        "Real-time protection": (
            "RealTimeProtectionEnabled",
            "Real time protection",
            "Real-time protection enabled",
        ),
        "Signature update overdue": ("SignatureUpdateOverdue", "Signature overdue"),
        "Critical failure": ("CriticalFailure",),
        "Malware protection": ("MalwareProtectionEnabled",),
        "Last reported": ("LastReportedDateTime", "Last report time"),
    },
    required=("Device name", "Device state", "Real-time protection"),
    key=("Device name",),
    datasets=("endpoint_protection",),
    convert=_intune_antivirus,
)


def _defender_inventory(view: View) -> list[Part]:
    # Microsoft Defender portal > Assets > Devices > Export. Only Windows
    # devices are kept (FND-14 asks about Windows); the rest are listed.
    platform = datasets.text_values(view.col("OS Platform"))
    keep = np.array(
        [
            not view.has("OS Platform") or "windows" in str(p or "").lower()
            for p in platform
        ],
        dtype=bool,
    )
    skipped = [
        Rejected(
            source=view.source,
            row=int(view.rows[i]),
            column=view.shown("OS Platform"),
            reason=f"skipped: a {platform[i]} device, not Windows",
        )
        for i in np.flatnonzero(~keep)
    ]
    onboarded = view.col("Onboarding Status").map(
        lambda v: (
            ""
            if not isinstance(v, str) or not v.strip()
            else str(header_key(v) == "onboarded")
        )
    )
    seen, bad = view.dates("Last Seen")
    part = view.part(
        "endpoint_protection",
        {"device": "Device Name", "state": "Health Status"},
        edr_onboarded=onboarded,
        last_reported=seen,
    )
    part.source_columns.update(
        edr_onboarded=view.shown("Onboarding Status"),
        last_reported=view.shown("Last Seen"),
    )
    if not view.has("Last Seen"):
        del part.frame["last_reported"]
    part.rejected.extend(bad_cells(view, bad, "Last Seen"))
    part.rejected.extend(skipped)
    return [part.without(pd.Series(~keep) | bad)]


# Header partly confirmed (2026-11): the device inventory page's columns
# (https://learn.microsoft.com/defender-endpoint/machines-view-overview)
# are Device name, Domain, Risk level, Exposure level, OS platform, Windows
# version, Health state, Onboarding status, Last device update, Tags.
DEFENDER_INVENTORY = TableFormat(
    id="defender_device_inventory",
    title="Microsoft Defender: device inventory",
    reference="https://learn.microsoft.com/defender-endpoint/machines-view-overview",
    headers=(
        "Device Name",
        "Domain",
        "OS Platform",
        "Health Status",
        "Onboarding Status",
        "Risk Level",
        "Exposure Level",
        "Last Seen",
    ),
    aliases={
        "Device Name": ("DeviceName", "Computer name"),
        "Health Status": ("Health state", "HealthStatus", "Sensor health state"),
        "Onboarding Status": ("OnboardingStatus", "Onboarding state"),
        "OS Platform": ("OsPlatform", "Platform"),
        "Last Seen": ("LastSeen", "Last device update"),
    },
    required=("Device Name", "Health Status", "Onboarding Status"),
    key=("Device Name",),
    datasets=("endpoint_protection",),
    convert=_defender_inventory,
)
