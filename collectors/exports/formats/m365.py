"""Microsoft 365 admin center exports: active users, usage activity, licences."""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
import pandas as pd

from healthcheck import datasets, skus
from healthcheck.errors import InputError
from healthcheck.model import Rejected

from .base import Part, TableFormat, View, bad_cells, header_key

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


ACTIVE_USERS = TableFormat(
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
)


USAGE_ACTIVE_USERS = TableFormat(
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
)


# Header NOT confirmed (2026-11): no Microsoft page or community script
# found that shows the Billing > Licenses export's header row. Learn
# ("Assign licenses to users") describes the page's available and
# assigned counts only. The aliases cover the spellings seen in tenants
# so far; a file with other headers is listed with the closest format.
LICENCES = TableFormat(
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
)
