"""Patch-status exports: the generic RMM or WSUS list."""

from __future__ import annotations

from .base import Part, TableFormat, View, bad_cells


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


# WSUS, partly confirmed (2026-11): Learn, "Update Status Report
# Terminology for WSUS 3.0 SP2" (learn.microsoft.com/previous-versions/
# windows/it-pro/windows-server-2008-R2-and-2008/dd939917(v=ws.10))
# defines the console's Needed, Failed and "Last contacted" columns.
# Scripts that export the WSUS API's computer targets (IComputerTarget)
# name them FullDomainName, LastReportedStatusTime and FailedCount; those
# are accepted too. The exact header of the console's computer report
# export ("Name", "Last Status Report") is NOT confirmed.
PATCH_STATUS = TableFormat(
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
)
