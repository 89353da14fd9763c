"""Facts derived from canonical datasets, shared by rules and the cost model.

Pure functions of frames; they never read files or config. Keeping them in
one place means a rule and the waste table can never disagree about who is
disabled or inactive.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from typing import Any

import pandas as pd

from healthcheck import refdata, skus


def disabled_upns(users: pd.DataFrame) -> set[str]:
    """Accounts whose sign-in is blocked."""
    return set(users.loc[users["enabled"].eq(False).fillna(False), "upn"])


def inactive_upns(users: pd.DataFrame, as_of: date, days: int) -> set[str]:
    """Enabled accounts with no activity for ``days``, older than ``days``.

    An account created within the window is never inactive: it may simply be
    new. An account with no activity date at all counts as inactive once it is
    old enough.
    """
    cutoff = pd.Timestamp(as_of - timedelta(days=days))
    enabled = users["enabled"].eq(True).fillna(False)
    old_enough = users["created"].isna() | (users["created"] < cutoff)
    quiet = users["last_activity"].isna() | (users["last_activity"] < cutoff)
    return set(users.loc[enabled & old_enough & quiet, "upn"])


def paid_assignments(assignments: pd.DataFrame) -> pd.DataFrame:
    """Assignments of SKUs that cost money (free and trial SKUs removed)."""
    paid = ~assignments["sku"].map(skus.is_free).astype(bool)
    return assignments.loc[paid].reset_index(drop=True)


def overlapping(assignments: pd.DataFrame) -> dict[tuple[str, str], str]:
    """Standalone assignments whose service a bundle the same user holds includes.

    Returns (upn, sku) -> that bundle, decided from the SKUs' service plans
    (:func:`healthcheck.skus.covering_bundle`).
    """
    # Plain lists: iterating pandas string arrays costs a call per cell.
    pairs = list(
        zip(assignments["upn"].tolist(), assignments["sku"].tolist(), strict=True)
    )
    held: dict[str, set[str]] = {}
    for upn, sku in pairs:
        held.setdefault(upn, set()).add(sku)
    out: dict[tuple[str, str], str] = {}
    for upn, sku in pairs:
        bundle = skus.covering_bundle(sku, held[upn] - {sku})
        if bundle is not None:
            out[(upn, sku)] = bundle
    return out


@dataclass(frozen=True, kw_only=True, slots=True)
class Lifecycle:
    """End of support of one operating-system release (one table row)."""

    product: str
    #: None when the vendor has announced no end.
    end_of_support: date | None
    extended_end: date | None = None
    source: str = ""


@dataclass(frozen=True, kw_only=True, slots=True)
class LifecycleMatch:
    """The releases a device's OS can be; more than one when the edition is unknown.

    Windows 11 24H2 Home/Pro and Enterprise share a build but not an end date,
    so a device whose edition the data does not give has two candidates. A
    rule judges it only when every candidate gives the same answer.
    """

    candidates: tuple[Lifecycle, ...]
    edition_known: bool

    def ended(self, as_of: date) -> Lifecycle | None:
        """The release (latest-ending candidate) when all ended before ``as_of``."""
        ends = [c.end_of_support for c in self.candidates]
        if any(e is None or e >= as_of for e in ends):
            return None  # the end date itself is still a supported day
        return max(self.candidates, key=lambda c: c.end_of_support or date.max)

    def ambiguous(self, as_of: date) -> bool:
        """True when some candidates ended before ``as_of`` and others did not."""
        ends = [c.end_of_support for c in self.candidates]
        done = [e is not None and e < as_of for e in ends]
        return any(done) and not all(done)

    def ending(self, as_of: date, days: int) -> Lifecycle | None:
        """The release when every candidate's support ends within ``days`` of ``as_of``.

        Its latest end counts, so a device is warned about only when support
        ends in the window whatever its edition.
        """
        if self.ended(as_of) is not None:
            return None
        ends = [c.end_of_support for c in self.candidates]
        if any(e is None for e in ends):
            return None
        last = max(self.candidates, key=lambda c: c.end_of_support or date.max)
        assert last.end_of_support is not None
        if as_of <= last.end_of_support <= as_of + timedelta(days=days):
            return last
        return None


def _lifecycle_date(value: str) -> date | None:
    return date.fromisoformat(value) if value else None


@cache
def _lifecycle() -> dict[tuple[str, str], list[tuple[str, Lifecycle]]]:
    out: dict[tuple[str, str], list[tuple[str, Lifecycle]]] = {}
    for r in refdata.table_rows("os_lifecycle"):
        out.setdefault((r["os"], r["key"]), []).append(
            (
                r["edition"],
                Lifecycle(
                    product=r["product"],
                    end_of_support=_lifecycle_date(r["end_of_support"]),
                    extended_end=_lifecycle_date(r["extended_end"]),
                    source=r["source"],
                ),
            )
        )
    return out


refdata.on_change(_lifecycle.cache_clear)

#: Windows SKU numbers (Graph ``skuNumber``, WMI ``OperatingSystemSKU``) by family.
_SKU_NUMBERS = {
    "home_pro": {48, 49, 98, 99, 100, 101, 161, 162, 164, 165, 203},
    "enterprise": {4, 27, 70, 84, 121, 122, 175, 188},
    "ltsc": {125, 126},
    "iot_ltsc": {191},
    "server": {7, 8, 10, 12, 13, 14, 36, 37, 38, 39, 40, 41, 42, 50, 143, 144},
}


def windows_edition(*texts: object) -> str | None:
    """Edition family named by an edition cell or an OS name, else None.

    Understands Intune's SKU family ("Enterprise", "Professional"), edition
    names ("Windows 10 Enterprise LTSC 2021", "Pro Education"), Microsoft's
    SKU ids ("EnterpriseS" is LTSC) and SKU numbers (48 is Pro).
    """
    for value in texts:
        if not isinstance(value, str) or not value.strip():
            continue
        text = value.strip().casefold()
        if text.isdigit():
            number = int(text)
            for family, numbers in _SKU_NUMBERS.items():
                if number in numbers:
                    return family
            continue
        if "server" in text:
            return "server"
        if re.search(r"ltsc|ltsb|enterprises\b|enterprisesn", text):
            return "iot_ltsc" if "iot" in text else "ltsc"
        if re.search(r"pro(fessional)?\s*education|proeducation", text):
            return "home_pro"  # Pro Education follows the Home/Pro dates
        if re.search(r"enterprise|education|\biot", text):
            return "enterprise"
        if re.search(
            r"home|core|\bpro\b|professional|business|workstation|\bse\b", text
        ):
            return "home_pro"
    return None


_OS_KEYS = (
    ("ipados", "ipados"),
    ("ipad", "ipados"),
    ("ios", "ios"),
    ("iphone", "ios"),
    ("macos", "macos"),
    ("mac os", "macos"),
    ("os x", "macos"),
    ("android", "android"),
    ("windows", "windows"),
)


def _os_key(os_name: str) -> str | None:
    text = os_name.strip().casefold()
    return next((key for word, key in _OS_KEYS if word in text), None)


def os_lifecycle(
    os_name: object,
    version: object,
    *,
    edition: object = None,
    server: bool = False,
) -> LifecycleMatch | None:
    """The releases of ``os_lifecycle.csv`` a device's OS can be, or None.

    Windows is matched on its build (the third part of 10.0.19045.5011) and
    edition family: from ``edition`` (an edition or SKU cell), else the OS
    name, else ``server`` (a server by its name). LTSC and LTSB share builds
    with ordinary releases and are only ever taken when the data names them;
    with no edition the general releases of the build are the candidates.
    Other systems are matched on their version's longest listed prefix
    (14.7.1 -> 14; 10.15.7 -> 10.15).
    """
    if not isinstance(os_name, str) or not isinstance(version, str) or not version:
        return None  # an empty cell arrives as pd.NA
    key = _os_key(os_name)
    if key is None:
        return None
    table = _lifecycle()
    if key == "windows":
        parts = version.strip().split(".")
        if len(parts) < 3 or not parts[2].isdigit():
            return None
        rows = table.get(("windows", str(int(parts[2]))), [])
        family = windows_edition(edition, os_name) or ("server" if server else None)
        if family is not None:
            picked = [
                life
                for ed, life in rows
                if ed == family
                or (ed == "any" and family in ("home_pro", "enterprise"))
            ]
            return (
                LifecycleMatch(candidates=tuple(picked), edition_known=True)
                if picked
                else None
            )
        general = [life for ed, life in rows if ed in ("any", "home_pro", "enterprise")]
        # A build only servers (or only LTSC) ever had, such as 20348.
        picked = general or [life for _, life in rows]
        return (
            LifecycleMatch(candidates=tuple(picked), edition_known=False)
            if picked
            else None
        )
    parts = version.strip().split(".")
    for n in range(len(parts), 0, -1):
        rows = table.get((key, ".".join(parts[:n])), [])
        if rows:
            return LifecycleMatch(
                candidates=tuple(life for _, life in rows), edition_known=True
            )
    return None


def device_lifecycles(
    devices: pd.DataFrame, server_pattern: str
) -> list[tuple[str, LifecycleMatch | None]]:
    """Each device's name and :func:`os_lifecycle` of it.

    The edition comes from the optional ``os_edition`` column; a device whose
    name matches ``server_pattern`` (SRV-ERP01) counts as a server when
    nothing else names the edition, as Intune reports Windows Server as
    plain "Windows".
    """
    rx = re.compile(server_pattern)
    editions = (
        devices["os_edition"].tolist()
        if "os_edition" in devices
        else [None] * len(devices)
    )
    # Thousands of devices share a handful of OS releases: look each up once.
    seen: dict[tuple[Any, ...], LifecycleMatch | None] = {}
    out: list[tuple[str, LifecycleMatch | None]] = []
    for name, os_name, version, edition in zip(
        devices["name"].tolist(),
        devices["os"].tolist(),
        devices["os_version"].tolist(),
        editions,
        strict=True,
    ):
        server = isinstance(name, str) and bool(rx.search(name))
        key = (os_name, version, edition, server)
        try:
            match = seen[key]
        except KeyError:
            match = os_lifecycle(os_name, version, edition=edition, server=server)
            seen[key] = match
        except TypeError:  # an unhashable cell
            match = os_lifecycle(os_name, version, edition=edition, server=server)
        out.append((name, match))
    return out


def windows_build(version: object) -> tuple[int, int] | None:
    """(build, revision) of a Windows version like 10.0.26100.7171, else None.

    A version without a revision (10.0.26100) cannot say which update is
    installed, so it gives None rather than a guess.
    """
    if not isinstance(version, str):
        return None
    parts = version.strip().split(".")
    if len(parts) != 4 or not all(p.isdigit() for p in parts):
        return None
    return int(parts[2]), int(parts[3])


@dataclass(frozen=True, kw_only=True, slots=True)
class CumulativeUpdate:
    """One monthly cumulative update of one Windows build."""

    build: int
    revision: int
    released: date
    release: str
    kb: str


@dataclass(frozen=True, kw_only=True, slots=True)
class UpdateTable:
    """The shipped table of Windows cumulative updates and the date it was made."""

    table_date: date
    updates: tuple[CumulativeUpdate, ...]

    def required(
        self, build: int, as_of: date, grace_days: int
    ) -> CumulativeUpdate | None:
        """The newest update of ``build`` released ``grace_days`` before ``as_of``.

        None when the table lists no such update: the build is not judged.
        """
        cutoff = as_of - timedelta(days=grace_days)
        due = [u for u in self.updates if u.build == build and u.released <= cutoff]
        return max(due, key=lambda u: u.revision) if due else None

    @property
    def newest(self) -> date | None:
        """Release date of the newest update listed: how current the table is."""
        return max((u.released for u in self.updates), default=None)


@cache
def windows_updates() -> UpdateTable:
    """The Windows updates table in use (see :mod:`healthcheck.refdata`)."""
    text = refdata.text("windows_updates")
    return UpdateTable(
        table_date=refdata.table_date(text, "windows_updates.csv"),
        updates=tuple(
            CumulativeUpdate(
                build=int(r["build"]),
                revision=int(r["revision"]),
                released=date.fromisoformat(r["released"]),
                release=r["release"],
                kb=r["kb"],
            )
            for r in refdata.rows(text)
        ),
    )


refdata.on_change(windows_updates.cache_clear)


def servers(devices: pd.DataFrame, name_pattern: str) -> pd.DataFrame:
    """Devices that are servers: a server OS, or a name matching ``name_pattern``.

    Intune reports Windows Server as plain "Windows", so the device name (a
    naming convention such as SRV-) is the other clue; the pattern is a rule
    parameter a client can override.
    """
    os_server = devices["os"].astype("string").str.contains("server", case=False)
    rx = re.compile(name_pattern)
    named = devices["name"].map(lambda n: isinstance(n, str) and bool(rx.search(n)))
    return devices[(os_server.fillna(False) | named.fillna(False)).astype(bool)]


def guest_upns(upns: pd.Series, users: pd.DataFrame | None = None) -> set[str]:
    """Accounts that are guests: user type guest, or an ``#EXT#`` UPN.

    Role exports list guests by UPN only; Entra gives invited users a UPN
    with ``#EXT#`` in it, so that marks them even without the users dataset.
    """
    out = {u for u in upns.dropna() if "#ext#" in str(u).casefold()}
    if users is not None:
        guests = set(users.loc[users["user_type"].eq("guest").fillna(False), "upn"])
        out |= guests & set(upns.dropna())
    return out


# Issue 13, part B: mail addresses and Microsoft 365 backup coverage.

_ADDRESS = re.compile(r"[A-Za-z0-9._%+'#-]+@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)")


def outside_domain(address: str, own: set[str]) -> str | None:
    """The first domain in ``address`` (one or more addresses) not the tenant's own."""
    for match in _ADDRESS.finditer(address):
        domain = match.group(1).casefold().rstrip(".")
        if not any(domain == d or domain.endswith("." + d) for d in own):
            return domain
    return None


#: Words of a job or system name that show which Microsoft 365 data it backs
#: up; a job for "Microsoft 365" as a whole counts for all three.
_M365_ALL = re.compile(r"microsoft\s*365|office\s*365|\bm365\b|\bo365\b", re.I)
_WORKLOAD_WORDS = {
    "mail": re.compile(r"exchange|\bmail|mailbox", re.I),
    "onedrive": re.compile(r"onedrive", re.I),
    "sharepoint": re.compile(r"sharepoint|\bteams\b", re.I),
}


def m365_workloads(names: pd.Series) -> set[str]:
    """The Microsoft 365 workloads that the job or system names show backed up."""
    out: set[str] = set()
    for name in names.dropna().astype(str):
        if _M365_ALL.search(name) and not any(
            rx.search(name) for rx in _WORKLOAD_WORDS.values()
        ):
            return set(_WORKLOAD_WORDS)
        out |= {w for w, rx in _WORKLOAD_WORDS.items() if rx.search(name)}
    return out


#: The Microsoft 365 workloads FND-18 asks a backup of, in report order.
M365_WORKLOADS = tuple(_WORKLOAD_WORDS)
