"""Published reference data, as its publishers ship it, turned into our tables.

Three formats, each recognised by its content, never by its file name:

- Microsoft's "Product names and service plan identifiers for licensing"
  CSV (UTF-8 with a BOM, CRLF lines; one row per SKU and service plan);
- endoflife.date API v1 product documents (``/api/v1/products/<name>/``,
  JSON), for Windows, Windows Server, macOS, iOS, iPadOS and Android;
- Microsoft's Windows release information pages (HTML), whose release
  history tables list every cumulative update by build and KB.

Each parser checks the format and its columns and raises
:class:`~healthcheck.refdata.RefdataError` naming what is wrong, so a bad
download never replaces a good table.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from html.parser import HTMLParser
from typing import Any

from healthcheck.refdata import RefdataError

LICENSING_URL = (
    "https://download.microsoft.com/download/e/3/e/"
    "e3e9faf2-f28b-490a-9ada-c6089a1fc5b0/"
    "Product%20names%20and%20service%20plan%20identifiers%20for%20licensing.csv"
)
LICENSING_COLUMNS = (
    "Product_Display_Name",
    "String_Id",
    "GUID",
    "Service_Plan_Name",
    "Service_Plan_Id",
    "Service_Plans_Included_Friendly_Names",
)
EOL_API = "https://endoflife.date/api/v1/products/{product}/"
#: endoflife.date product -> our ``os`` key.
EOL_PRODUCTS = {
    "windows": "windows",
    "windows-server": "windows",
    "macos": "macos",
    "ios": "ios",
    "ipados": "ipados",
    "android": "android",
}
RELEASE_INFO = {
    "windows11": "https://learn.microsoft.com/en-us/windows/release-health/"
    "windows11-release-information",
    "windows10": "https://learn.microsoft.com/en-us/windows/release-health/"
    "release-information",
    "windows-server": "https://learn.microsoft.com/en-us/windows/release-health/"
    "windows-server-release-info",
}


def _csv_text(fields: list[str], data: Iterable[Mapping[str, str]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    writer.writerows(data)
    return out.getvalue()


def _head(lines: Iterable[str]) -> str:
    return "".join(f"# {line}\n" if line else "#\n" for line in lines)


# --- Microsoft's licensing CSV -------------------------------------------------


def is_licensing_csv(raw: bytes) -> bool:
    """True when ``raw`` starts with the licensing CSV's header row."""
    first = raw[:400].decode("utf-8-sig", errors="replace").splitlines()[:1]
    return bool(first) and first[0].strip().startswith(",".join(LICENSING_COLUMNS[:3]))


def skus_table(raw: bytes, *, as_of: date, source: str) -> str:
    """Our ``skus.csv`` from Microsoft's licensing CSV, every SKU and every plan."""
    try:
        body = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise RefdataError(f"licensing CSV: not UTF-8 ({exc.reason})") from None
    reader = csv.DictReader(io.StringIO(body, newline=""))
    missing = [c for c in LICENSING_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise RefdataError(
            f"licensing CSV: missing column(s) {', '.join(missing)}; "
            f"expected the header {','.join(LICENSING_COLUMNS)}"
        )
    skus: dict[str, dict[str, Any]] = {}
    for n, row in enumerate(reader, start=2):
        sku = (row["String_Id"] or "").strip()
        guid = (row["GUID"] or "").strip().lower()
        if not sku or not re.fullmatch(r"[0-9a-f-]{36}", guid):
            raise RefdataError(
                f"licensing CSV, row {n}: expected a String_Id and a GUID, "
                f"got {sku!r} and {guid!r}"
            )
        entry = skus.setdefault(
            sku,
            {"guid": guid, "name": row["Product_Display_Name"].strip(), "plans": []},
        )
        plan = (row["Service_Plan_Name"] or "").strip()
        if plan and plan not in entry["plans"]:
            entry["plans"].append(plan)
    if not skus:
        raise RefdataError("licensing CSV: no SKU rows")
    head = _head(
        [
            "SKU catalogue: every SKU and service plan of Microsoft's",
            '"Product names and service plan identifiers for licensing" CSV',
            "(https://learn.microsoft.com/entra/identity/users/"
            "licensing-service-plan-reference).",
            "Written by healthcheck.refdata from the published file; do not edit.",
            "plans = the Service_Plan_Name values of the SKU's rows, space separated.",
            "Free SKUs, aliases and SKUs missing here: sku_notes.csv.",
            f"table_date: {as_of.isoformat()}",
            f"source: {source}",
        ]
    )
    data = [
        {
            "sku": sku,
            "guid": e["guid"],
            "name": e["name"],
            "plans": " ".join(e["plans"]),
            "as_of": as_of.isoformat(),
            "source": "microsoft-licensing-csv",
        }
        for sku, e in skus.items()
    ]
    return head + _csv_text(["sku", "guid", "name", "plans", "as_of", "source"], data)


# --- endoflife.date ----------------------------------------------------------

#: Windows release-name suffix (endoflife.date) -> our edition family.
_WINDOWS_EDITION = {
    "w": "home_pro",
    "e": "enterprise",
    "e-lts": "ltsc",
    "iot-lts": "iot_ltsc",
}
EDITION_LABEL = {
    "home_pro": "Home/Pro",
    "enterprise": "Enterprise/Education",
    "ltsc": "Enterprise LTSC",
    "iot_ltsc": "IoT Enterprise LTSC",
    "any": "",
    "server": "",
}


def eol_product(raw: bytes) -> str | None:
    """The product name of an endoflife.date API v1 document we use, else None."""
    try:
        doc = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(doc, dict) or "schema_version" not in doc:
        return None
    result = doc.get("result")
    name = result.get("name") if isinstance(result, dict) else None
    return name if name in EOL_PRODUCTS else None


def _day(value: object, where: str) -> str:
    if value in (None, False, ""):
        return ""
    try:
        return date.fromisoformat(str(value)).isoformat()
    except ValueError:
        raise RefdataError(f"{where}: expected a date, got {value!r}") from None


def _build(latest: object, where: str) -> str:
    name = latest.get("name") if isinstance(latest, dict) else None
    parts = str(name or "").split(".")
    if len(parts) < 3 or not parts[2].isdigit():
        raise RefdataError(
            f"{where}: expected latest.name like 10.0.26100, got {name!r}"
        )
    return parts[2]


def _windows_row(rel: Mapping[str, Any], where: str) -> dict[str, str] | None:
    name = str(rel["name"])
    if name.startswith(("5-", "6-")) or name.endswith("-iot"):
        return None  # XP, Vista, IoT Core: never managed by a small business
    major, _, rest = name.partition("-")
    version, _, suffix = rest.partition("-")
    edition = _WINDOWS_EDITION.get(suffix, "any")
    label = f"Windows {major}" + (f" {version.upper()}" if version else "")
    if EDITION_LABEL[edition]:
        label += f" {EDITION_LABEL[edition]}"
    return {
        "key": _build(rel.get("latest"), where),
        "edition": edition,
        "product": label,
    }


def _server_row(rel: Mapping[str, Any], where: str) -> dict[str, str]:
    label = str(rel.get("label") or rel["name"])
    if not label.startswith("Windows Server"):
        label = f"Windows Server {label.upper().replace('-', ' ')}"
    return {
        "key": _build(rel.get("latest"), where),
        "edition": "server",
        "product": label,
    }


_APPLE_LABEL = {
    "macos": "macOS",
    "ios": "iOS",
    "ipados": "iPadOS",
    "android": "Android",
}


def lifecycle_rows(raw: bytes, *, as_of: date) -> list[dict[str, str]]:
    """Rows of ``os_lifecycle.csv`` from one endoflife.date API v1 document."""
    product = eol_product(raw)
    if product is None:
        raise RefdataError(
            "endoflife.date: not an API v1 product document for "
            + ", ".join(EOL_PRODUCTS)
        )
    result = json.loads(raw)["result"]
    releases = result.get("releases")
    if not isinstance(releases, list) or not releases:
        raise RefdataError(f"endoflife.date {product}: no releases")
    source = EOL_API.format(product=product)
    out = []
    for i, rel in enumerate(releases):
        where = f"endoflife.date {product}, releases[{i}]"
        if not isinstance(rel, dict) or "name" not in rel:
            raise RefdataError(f"{where}: expected an object with a name")
        if product == "windows":
            row = _windows_row(rel, where)
        elif product == "windows-server":
            row = _server_row(rel, where)
        else:
            codename = f" {rel['codename']}" if rel.get("codename") else ""
            row = {
                "key": str(rel["name"]),
                "edition": "",
                "product": f"{_APPLE_LABEL[product]} {rel['name']}{codename}",
            }
        if row is None:
            continue
        # The end of security updates: endoflife.date's eol. For Windows
        # Server (LTSC) that is the end of extended support; eoes is the paid
        # Extended Security Updates programme, shown but never assumed bought.
        out.append(
            dict(
                os=EOL_PRODUCTS[product],
                **row,
                released=_day(rel.get("releaseDate"), where),
                end_of_support=_day(rel.get("eolFrom"), where),
                extended_end=_day(rel.get("eoesFrom"), where),
                as_of=as_of.isoformat(),
                source=source,
            )
        )
    if product == "windows-server":
        # A semi-annual (SAC/AC) server release shares its build with an LTSC
        # one (1809 SAC and 2019 are both 17763); a server on such a build is
        # the LTSC release, which is what small businesses run.
        ltsc = {r["key"] for r in out if not r["product"].endswith(("SAC", "AC"))}
        out = [
            r
            for r in out
            if not (r["product"].endswith(("SAC", "AC")) and r["key"] in ltsc)
        ]
    return out


LIFECYCLE_FIELDS = [
    "os",
    "key",
    "edition",
    "product",
    "released",
    "end_of_support",
    "extended_end",
    "as_of",
    "source",
]


def lifecycle_table(docs: Iterable[bytes], *, as_of: date) -> str:
    """Our ``os_lifecycle.csv`` from the endoflife.date documents of every product."""
    found: dict[str, list[dict[str, str]]] = {}
    for raw in docs:
        product = eol_product(raw)
        if product is not None:
            found[product] = lifecycle_rows(raw, as_of=as_of)
    lacking = [p for p in EOL_PRODUCTS if p not in found]
    if lacking:
        raise RefdataError(f"endoflife.date: no document for {', '.join(lacking)}")
    head = _head(
        [
            "Operating system end of support, per release and edition family.",
            "Written by healthcheck.refdata from endoflife.date's API v1",
            "(https://endoflife.date/docs/api/v1/), which transcribes the vendors'",
            "own lifecycle pages and cites each one; do not edit by hand.",
            "os: windows (client and server), macos, ios, ipados, android.",
            "key: the Windows build (10.0.BUILD.x), else the major version.",
            "edition: Windows only. home_pro = Home, Pro, Pro Education, SE;",
            "  enterprise = Enterprise, Education; ltsc / iot_ltsc = the LTSC and",
            "  LTSB releases; any = every edition; server = Windows Server.",
            "end_of_support: the last day of security updates (empty: none",
            "  announced). extended_end: Extended Security Updates, paid, never",
            "  assumed.",
            "Vendor policies: Microsoft publishes an end date for every release",
            "  (Windows 11 Home/Pro 24 months, Enterprise/Education 36 months;",
            "  LTSC 5 years, server 5+5 years). Apple publishes no dates; it",
            "  patches the current major release and, in practice, the two before",
            "  it, and endoflife.date records the end when Apple stops. Google",
            "  covers the Android versions its monthly security bulletin lists",
            "  (about four); the end is the first bulletin without the version.",
            f"table_date: {as_of.isoformat()}",
            "source: https://endoflife.date/api/v1/products/",
        ]
    )
    data = [row for product in EOL_PRODUCTS for row in found[product]]
    return head + _csv_text(LIFECYCLE_FIELDS, data)


# --- Windows release information -----------------------------------------------


class _Tables(HTMLParser):
    """Collects table rows (cell texts) with the last heading above them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.title = ""
        self.section = ""
        self.rows: list[tuple[str, list[str]]] = []
        self._text: list[str] | None = None
        self._cells: list[str] | None = None
        self._in: str = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("h1", "h2", "h3", "h4", "summary", "strong", "title", "td", "th"):
            self._in = tag
            self._text = []
        if tag == "tr":
            self._cells = []

    def handle_endtag(self, tag: str) -> None:
        if self._text is not None and tag == self._in:
            said = " ".join("".join(self._text).split())
            if tag in ("td", "th"):
                if self._cells is not None:
                    self._cells.append(said)
            elif tag == "title":
                self.title = said
            elif tag == "h1" and not self.title:
                self.title = said
            elif re.search(r"OS build", said, re.I):
                self.section = said
            self._text = None
        if tag == "tr" and self._cells is not None:
            if self._cells:
                self.rows.append((self.section, self._cells))
            self._cells = None

    def handle_data(self, data: str) -> None:
        if self._text is not None:
            self._text.append(data)


#: The pages' titles, letters and digits only ("Windows 11 - release
#: information | Microsoft Learn" -> windows11releaseinformation...).
_PAGES = {
    "windows11releaseinformation": "windows11",
    "windows10releaseinformation": "windows10",
    "windowsserverreleaseinformation": "windows-server",
}


def release_page(raw: bytes) -> str | None:
    """Which Windows release information page ``raw`` is, else None."""
    head = raw[:200_000].decode("utf-8", errors="replace")
    if "<html" not in head.casefold():
        return None
    found = re.search(r"<title[^>]*>([^<]*)</title>", head, re.I)
    title = re.sub(r"[^a-z0-9]", "", (found.group(1) if found else "").casefold())
    for words, key in _PAGES.items():
        if words in title:
            return key
    return None


def _patch_tuesday(day: date) -> bool:
    """True for the second Tuesday of a month, when "B" releases ship."""
    return day.weekday() == 1 and 8 <= day.day <= 14


def update_rows(raw: bytes) -> list[dict[str, str]]:
    """Security ("B") cumulative updates listed on one release information page."""
    page = release_page(raw)
    if page is None:
        raise RefdataError("Windows release information: not one of the pages")
    parser = _Tables()
    parser.feed(raw.decode("utf-8", errors="replace"))
    product = {"windows11": "Windows 11", "windows10": "Windows 10"}.get(page, "")
    out = []
    for section, cells in parser.rows:
        if not section:
            continue  # the summary table above the release history
        build = next(
            (m for c in cells if (m := re.fullmatch(r"(\d{5})\.(\d+)", c))), None
        )
        day = next(
            (m.group(0) for c in cells if (m := re.fullmatch(r"\d{4}-\d{2}-\d{2}", c))),
            None,
        )
        if build is None or day is None:
            continue
        kind = next(
            (m.group(1) for c in cells if (m := re.fullmatch(r"\d{4}-\d{2} (\w+)", c))),
            None,
        )
        released = date.fromisoformat(day)
        # Only the monthly security release counts as "due"; previews (D) and
        # out-of-band fixes are optional. Without a type column, the release
        # date says it: B releases ship on the second Tuesday.
        if kind is not None and kind != "B":
            continue
        if kind is None and not _patch_tuesday(released):
            continue
        kb = next(
            (m.group(1) for c in cells if (m := re.search(r"KB\s?(\d{6,8})", c))), ""
        )
        version = re.search(r"[Vv]ersion (\w+)", section)
        server = re.search(r"(Windows Server \w+)", section)
        release = (
            server.group(1)
            if server
            else f"{product} {version.group(1)}"
            if version and product
            else section
        )
        out.append(
            {
                "build": build.group(1),
                "revision": build.group(2),
                "released": released.isoformat(),
                "release": release.strip(),
                "kb": f"KB{kb}" if kb else "",
                "source": RELEASE_INFO[page],
            }
        )
    if not out:
        raise RefdataError(
            f"Windows release information ({page}): no release history rows "
            "with a date, a build like 26100.7171 and a B update"
        )
    return out


UPDATE_FIELDS = ["build", "revision", "released", "release", "kb", "source"]


def updates_table(pages: Iterable[bytes], *, as_of: date) -> str:
    """Our ``windows_updates.csv`` from the three release information pages."""
    seen: dict[tuple[str, str], dict[str, str]] = {}
    found: set[str] = set()
    for raw in pages:
        page = release_page(raw)
        if page is None:
            continue
        found.add(page)
        for row in update_rows(raw):
            seen.setdefault((row["build"], row["revision"]), row)
    lacking = [p for p in RELEASE_INFO if p not in found]
    if lacking:
        raise RefdataError(
            f"Windows release information: no page for {', '.join(lacking)}"
        )
    # A year of updates is plenty: FND-06 needs only the newest due one.
    cutoff = as_of - timedelta(days=400)
    data = sorted(
        (r for r in seen.values() if date.fromisoformat(r["released"]) >= cutoff),
        key=lambda r: (int(r["build"]), r["released"]),
    )
    head = _head(
        [
            'Windows cumulative updates (security, "B" releases) per OS build.',
            "Written by healthcheck.refdata from Microsoft's Windows release",
            "information pages (release history tables); do not edit by hand.",
            "FND-06 measures a device against the newest row of its build",
            "released at least grace_days before the assessment date, and is not",
            "assessed when the newest row is older than max_table_age_days.",
            f"table_date: {as_of.isoformat()}",
            "source: https://learn.microsoft.com/windows/release-health/",
        ]
    )
    return head + _csv_text(UPDATE_FIELDS, data)
