#!/usr/bin/env python3
"""Generate the fictitious sample engagement ``sample_data/aurora-logistics/``.

Aurora Logistics Oy does not exist: every name, address, identifier and number
here is made up. The output is deterministic: one seeded ``random.Random`` and
a fixed assessment date (``AS_OF``), never the current date, so re-running the
script rewrites byte-identical files (the workbook's zip timestamps and
document properties are pinned as well).

Usage::

    python scripts/make_sample_data.py [--out DIR]

Needs only the standard library and openpyxl.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import random
import re
import uuid
import zipfile
from collections import Counter
from datetime import date, datetime, timedelta
from pathlib import Path

import sample_settings as settings  # scripts/, beside this file
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.worksheet.datavalidation import DataValidation

# --------------------------------------------------------------------------
# Fixed parameters
# --------------------------------------------------------------------------

AS_OF = date(2026, 11, 20)
REPORT_REFRESH_DATE = date(2026, 11, 19)  # usage reports lag a day
SEED = 20261120
DOMAIN = "aurora-logistics.example"
CLIENT_NAME = "Aurora Logistics Oy"
TENANT_NAME = "auroralogistics"

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = REPO_ROOT / "sample_data" / "aurora-logistics"

# SKU part number -> (product friendly name, real Microsoft skuId, unassigned seats)
# The unassigned seats are what the licence-waste check should find.
SKUS: dict[str, tuple[str, str, int]] = {
    "SPB": (
        "Microsoft 365 Business Premium",
        "cbdc14ab-d96c-4c30-b9f4-6ada7cdc1d46",
        4,
    ),
    "O365_BUSINESS_PREMIUM": (
        "Microsoft 365 Business Standard",
        "f245ecc8-75af-4f8e-b61f-27d8114de5f3",
        1,
    ),
    "O365_BUSINESS_ESSENTIALS": (
        "Microsoft 365 Business Basic",
        "3b555118-da6a-4418-894f-7df1e2096870",
        0,
    ),
    "EXCHANGESTANDARD": (
        "Exchange Online (Plan 1)",
        "4b9405b0-7788-4568-add1-99614e613b69",
        0,
    ),
    "POWER_BI_PRO": ("Power BI Pro", "f8a1db68-be16-40ed-86d5-cb42ce701560", 3),
    "VISIOCLIENT": ("Visio Plan 2", "c5928f49-12ba-48f7-ada3-0d743a3601d5", 1),
    "TEAMS_EXPLORATORY": (
        "Microsoft Teams Exploratory",
        "710779e8-3d4a-4c88-adb9-386c958d1fdf",
        1,
    ),
    "FLOW_FREE": (
        "Microsoft Power Automate Free",
        "f30db892-07e9-47e9-837c-80727f46fd3d",
        0,
    ),
}
FREE_SKU_PREPAID = {"FLOW_FREE": 10000}  # free SKUs show a fixed pool instead
# Which workloads each SKU licenses in the usage report (Exchange, OneDrive,
# SharePoint, Skype for Business, Yammer, Teams).
SUITE = ("Exchange", "OneDrive", "SharePoint", "Yammer", "Teams")
SKU_WORKLOADS = {
    "SPB": SUITE,
    "O365_BUSINESS_PREMIUM": SUITE,
    "O365_BUSINESS_ESSENTIALS": SUITE,
    "EXCHANGESTANDARD": ("Exchange",),
    "TEAMS_EXPLORATORY": ("SharePoint", "Teams"),
}


def upn(local: str) -> str:
    return f"{local}@{DOMAIN}"


# --------------------------------------------------------------------------
# Planted problems (the facts the health check is expected to find)
# --------------------------------------------------------------------------
# Person tuples: (first, last, department, title, SKUs)

# Named active staff. Overlap users hold Exchange Online (Plan 1) on top of
# Business Premium, which already includes it.
KEY_STAFF = [
    ("Antti", "Mäkinen", "Management", "Chief Executive Officer", ["SPB"]),
    (
        "Sanna",
        "Nieminen",
        "Finance",
        "Chief Financial Officer",
        ["SPB", "POWER_BI_PRO"],
    ),
    (
        "Pekka",
        "Lahtinen",
        "Operations",
        "Operations and IT Coordinator",
        ["SPB", "FLOW_FREE"],
    ),
    ("Maria", "Virtanen", "HR", "HR Manager", ["SPB"]),
    (
        "Mikko",
        "Heikkinen",
        "Operations",
        "Warehouse Systems Specialist",
        ["SPB", "VISIOCLIENT", "FLOW_FREE"],
    ),
    ("Laura", "Hämäläinen", "Customer Service", "Customer Service Manager", ["SPB"]),
    ("Kaisa", "Laine", "Sales", "Sales Manager", ["SPB", "EXCHANGESTANDARD"]),
    ("Ville", "Salonen", "Sales", "Key Account Manager", ["SPB", "EXCHANGESTANDARD"]),
    (
        "Heidi",
        "Järvinen",
        "Customer Service",
        "Customer Service Team Lead",
        ["SPB", "EXCHANGESTANDARD"],
    ),
]
OVERLAP_UPNS = [upn("kaisa.laine"), upn("ville.salonen"), upn("heidi.jarvinen")]

# Sign-in blocked but still holding paid licences:
# (first, last, dept, title, SKUs, days since last activity, created)
DISABLED_LICENSED = [
    ("Jari", "Koskinen", "IT", "IT Manager", ["SPB"], 210, datetime(2019, 4, 1, 8, 5)),
    (
        "Tiina",
        "Rantanen",
        "Finance",
        "Financial Controller",
        ["SPB", "POWER_BI_PRO"],
        95,
        datetime(2020, 8, 17, 9, 40),
    ),
    (
        "Markku",
        "Leinonen",
        "Sales",
        "Sales Representative",
        ["O365_BUSINESS_PREMIUM"],
        160,
        datetime(2021, 2, 1, 10, 12),
    ),
    (
        "Jussi",
        "Karjalainen",
        "Warehouse",
        "Warehouse Operative",
        ["O365_BUSINESS_ESSENTIALS"],
        280,
        datetime(2022, 5, 9, 7, 30),
    ),
    (
        "Riikka",
        "Saarinen",
        "Operations",
        "Transport Planner",
        ["SPB"],
        65,
        datetime(2023, 1, 16, 9, 2),
    ),
]
FORMER_ADMIN_UPN = upn("jari.koskinen")  # disabled, still a Global Administrator

# Enabled and licensed, but no activity for > 120 days. None = never active.
INACTIVE = [
    (
        "Eero",
        "Lehtonen",
        "Sales",
        "Sales Representative",
        ["SPB"],
        140,
        datetime(2021, 9, 6, 9, 15),
    ),
    (
        "Satu",
        "Kettunen",
        "Customer Service",
        "Customer Service Agent",
        ["O365_BUSINESS_PREMIUM"],
        190,
        datetime(2022, 3, 14, 10, 0),
    ),
    (
        "Timo",
        "Ahonen",
        "Warehouse",
        "Warehouse Operative",
        ["O365_BUSINESS_ESSENTIALS"],
        365,
        datetime(2020, 10, 5, 7, 45),
    ),
    (
        "Anne",
        "Miettinen",
        "Finance",
        "Accountant",
        ["SPB"],
        128,
        datetime(2023, 6, 12, 8, 30),
    ),
    (
        "Lauri",
        "Hiltunen",
        "Transport",
        "Driver",
        ["O365_BUSINESS_ESSENTIALS"],
        None,
        datetime(2024, 3, 11, 13, 20),
    ),
    (
        "Katja",
        "Pitkänen",
        "Sales",
        "Sales Coordinator",
        ["O365_BUSINESS_PREMIUM"],
        None,
        datetime(2025, 6, 2, 11, 5),
    ),
]

# Created ten days before AS_OF, no activity yet: must NOT count as inactive.
NEW_USER = (
    "Olli",
    "Kinnunen",
    "Operations",
    "Transport Planner",
    ["SPB"],
    datetime(2026, 11, 10, 9, 30),
)

# Shared-mailbox style accounts: unlicensed, sign-in blocked (the M365 default).
SHARED_MAILBOXES = [("reception", "Reception"), ("invoices", "Invoices")]

# A guest account of the IT partner; guests are not in the Active users export.
EXTERNAL_PARTNER_UPN = f"support_nordic-it-partner.example#EXT#@{DOMAIN}"

ROLE_ASSIGNMENTS = [
    ("Global Administrator", upn("antti.makinen"), "Permanent"),
    ("Global Administrator", upn("sanna.nieminen"), "Permanent"),
    ("Global Administrator", upn("pekka.lahtinen"), "Permanent"),
    ("Global Administrator", upn("mikko.heikkinen"), "Permanent"),
    ("Global Administrator", FORMER_ADMIN_UPN, "Permanent"),
    ("Global Administrator", EXTERNAL_PARTNER_UPN, "Permanent"),
    ("Exchange Administrator", upn("laura.hamalainen"), "Permanent"),
    ("User Administrator", upn("maria.virtanen"), "Permanent"),
    ("Billing Administrator", upn("sanna.nieminen"), "Eligible"),
    ("Intune Administrator", upn("mikko.heikkinen"), "Permanent"),
]
GLOBAL_ADMINS_WITHOUT_MFA = [upn("antti.makinen"), upn("sanna.nieminen")]
# Besides the two admins, the shared mailboxes, the new user and the two
# never-active users, this many ordinary staff (drawn by the seed) have no MFA.
EXTRA_STAFF_WITHOUT_MFA = 5

# Generated active staff: (department, title, SKUs, how many)
STAFF_SLOTS = [
    ("Sales", "Sales Representative", ["SPB"], 4),
    ("Sales", "Key Account Manager", ["SPB"], 1),
    ("Customer Service", "Customer Service Agent", ["O365_BUSINESS_PREMIUM"], 4),
    ("Finance", "Accountant", ["SPB", "POWER_BI_PRO"], 2),
    ("Finance", "Accounts Payable Specialist", ["SPB"], 1),
    ("Operations", "Transport Planner", ["SPB"], 3),
    ("Operations", "Logistics Analyst", ["SPB", "POWER_BI_PRO"], 1),
    ("Operations", "Process Planner", ["SPB", "VISIOCLIENT"], 1),
    ("Warehouse", "Warehouse Supervisor", ["O365_BUSINESS_PREMIUM"], 2),
    ("Warehouse", "Warehouse Operative", ["O365_BUSINESS_ESSENTIALS"], 10),
    ("Transport", "Driver", ["O365_BUSINESS_ESSENTIALS"], 6),
    ("Transport", "Driver", ["EXCHANGESTANDARD", "TEAMS_EXPLORATORY"], 2),
    ("HR", "Payroll Specialist", ["SPB"], 1),
    ("Management", "Executive Assistant", ["SPB"], 1),
]
EXTRA_FLOW_FREE_USERS = 5  # Power Automate Free for some SPB office staff

# Devices (Intune). Counts of planted device problems; which devices get them
# is drawn from the seed and printed at the end of a run.
WIN10_DEVICES = 6  # Windows 10 22H2, out of support since 2025-10-14
UNENCRYPTED_LAPTOPS = 4  # Windows 11 laptops with Encrypted False
STALE_DEVICES = 7  # last check-in 35-200 days before AS_OF
LOW_STORAGE_DEVICES = 5  # under 15 % free
GRACE_PERIOD_DEVICES = 2
MAC_USERS = 4
IPHONE_USERS = 16
# Windows 11 23H2: servicing ended 2025-11-11 (Home/Pro), 2026-11-10 (Enterprise)
WIN11_23H2_DEVICES = 4

SERVERS = [  # name, OS version, model, total MB
    # Builds from healthcheck/catalog/windows_updates.csv: the October 2026
    # updates, except SRV-PRINT01, one update behind (September 2026: the
    # October one is installed, waiting for a restart), and SRV-DC01, whose
    # updates have failed since April 2026 (its WSUS report says so).
    ("SRV-DC01", "10.0.20348.4930", "Virtual Machine", 130048),
    ("SRV-ERP01", "10.0.14393.9612", "PowerEdge R640", 953344),  # Server 2016
    ("SRV-FILE01", "10.0.20348.5761", "PowerEdge R650", 3814400),
    ("SRV-PRINT01", "10.0.20348.5622", "Virtual Machine", 130048),
]

# (job, system, last run, last result, last success, off-site copy, immutable,
# last restore test): the file server was restored once, when it moved to new
# hardware; nothing has been restored since.
BACKUP_JOBS = [
    (
        "Nightly SRV-FILE01",
        "SRV-FILE01",
        "2026-11-20 02:00:00",
        "Success",
        "2026-11-20 02:00:00",
        "True",
        "True",
        "2025-03-18",
    ),
    (
        "Nightly SRV-ERP01",
        "SRV-ERP01",
        "2026-11-20 02:30:00",
        "Failed",
        "2026-11-14 02:30:00",
        "True",
        "False",
        "",
    ),
    (
        "M365 mailboxes",
        "Microsoft 365 (Exchange Online)",
        "2026-11-19 23:00:00",
        "Warning",
        "2026-11-18 23:00:00",
        "True",
        "False",
        "",
    ),
]

# Interview: (ID, layer, question, answer, owner, last reviewed, notes)
INTERVIEW = [
    (
        "onboarding_documented",
        "processes",
        "Is the onboarding of a new employee written down as a checklist?",
        "Yes",
        "Maria Virtanen",
        date(2026, 3, 2),
        "",
    ),
    (
        "offboarding_documented",
        "processes",
        "Is offboarding (account block, licence removal, device return) written down?",
        "Partly",
        "Pekka Lahtinen",
        date(2024, 5, 15),
        "Only Pekka knows the full list",
    ),
    (
        "restore_documented",
        "processes",
        "Is the restore procedure written down and tested in the last 12 months?",
        "No",
        "",
        None,
        "",
    ),
    (
        "incident_response_documented",
        "processes",
        "Is there a written incident response plan with contacts?",
        "",
        "",
        None,
        "",
    ),
    (
        "admin_access_documented",
        "processes",
        "Are the admin accounts and the emergency (break-glass) access procedure "
        "written down?",
        "Partly",
        "Pekka Lahtinen",
        date(2025, 9, 1),
        "Admin list in Pekka's password manager; no break-glass accounts",
    ),
    (
        "escalation_contact",
        "expert",
        "Is there a named escalation contact with an agreed response time (SLA)?",
        "Yes",
        "Pekka Lahtinen",
        date(2025, 12, 1),
        "Nordic IT Partner, 4h SLA",
    ),
    (
        "vendor_register",
        "expert",
        "Is there a register of IT vendors and contracts with renewal dates?",
        "Don't know",
        "",
        None,
        "",
    ),
    (
        "independent_advisor",
        "expert",
        "Do you get independent IT advice at least yearly?",
        "",
        "",
        None,
        "",
    ),
    (
        "incident_response_partner",
        "expert",
        "Is a security incident response partner (retainer or insurer's hotline) "
        "arranged?",
        "No",
        "",
        None,
        "Cyber insurance under consideration",
    ),
    (
        "external_security_review",
        "expert",
        "Was an external security review or penetration test done in the last "
        "12 months?",
        "Yes",
        "Antti Mäkinen",
        date(2026, 4, 14),
        "Web shop penetration test by an outside firm",
    ),
]

# --------------------------------------------------------------------------
# Exact export headers (the collector recognises files by these)
# --------------------------------------------------------------------------

ACTIVE_USERS_HEADER = (
    "Block credential,City,Country/Region,Department,DirSyncEnabled,Display name,"
    "Fax,First name,Last dirsync time,Last name,Last password change time stamp,"
    "License reconciliation needed,Licenses,Mobile Phone,Object Id,Office,"
    "Password never expires,Phone number,Postal code,Preferred data location,"
    "Preferred language,Proxy addresses,Release track,Soft deletion time stamp,"
    "State,Street address,Strong password required,Title,Usage location,"
    "User principal name,When created"
).split(",")
USAGE_HEADER = (
    "Report Refresh Date,User Principal Name,Display Name,Is Deleted,Deleted Date,"
    "Has Exchange License,Has OneDrive License,Has SharePoint License,"
    "Has Skype For Business License,Has Yammer License,Has Teams License,"
    "Exchange Last Activity Date,OneDrive Last Activity Date,"
    "SharePoint Last Activity Date,Skype For Business Last Activity Date,"
    "Yammer Last Activity Date,Teams Last Activity Date,"
    "Exchange License Assign Date,OneDrive License Assign Date,"
    "SharePoint License Assign Date,Skype For Business License Assign Date,"
    "Yammer License Assign Date,Teams License Assign Date,Assigned Products"
).split(",")
INTUNE_HEADER = (
    "Device ID,Device name,Enrollment date,Last check-in,Azure AD Device ID,"
    "OS version,Azure AD registered,EAS activation ID,Serial number,Manufacturer,"
    "Model,EAS activated,IMEI,Last EAS sync time,EAS reason,EAS status,"
    "Compliance grace period expiration,Security patch level,Wi-Fi MAC,MEID,"
    "Subscriber carrier,Total storage,Free storage,Management name,Category,"
    "UserId,Primary user UPN,Primary user email address,Primary user display name,"
    "WiFiMacAddress,OS,Ownership,Compliance,Managed by,"
    "Management certificate expiration date,Encrypted"
).split(",")
BACKUP_HEADER = [
    "Job name",
    "Protected system",
    "Last run",
    "Last result",
    "Last success",
    "Off-site copy",
    "Immutable",
    "Last restore test",
]
ROLES_HEADER = ["Role", "User principal name", "Assignment type"]
MFA_HEADER = [
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
]
INTERVIEW_HEADER = [
    "ID",
    "Layer",
    "Question",
    "Answer",
    "Owner",
    "Last reviewed",
    "Notes",
]

CLIENT_YAML = """\
# Engagement settings for healthcheck. Secrets never go in this file.
client:
  name: Aurora Logistics Oy
period: 2026-Q4
as_of: 2026-11-20          # the assessment date; omit to use the collection date
currency: EUR
inactive_days: 90
timezone: Europe/Helsinki  # times in the report; default: this machine's zone
licence_prices:            # monthly price per seat, by SKU part number
  SPB: {price: 20.60, term: annual, note: CSP invoice 2026-10}
  O365_BUSINESS_PREMIUM: 11.70
  O365_BUSINESS_ESSENTIALS: 5.60
  EXCHANGESTANDARD: 3.70
  POWER_BI_PRO: {price: 9.40, term: monthly}
  VISIOCLIENT: 14.00
rules:                     # per-rule parameters and accepted risks
  FND-06: {grace_days: 21}
  REV-09:
    accept:
      reason: separate admin accounts are created in the Q1 identity project
      expires: 2027-02-28
  FND-03:
    accept:
      reason: Windows 10 laptops to be replaced by the end of October
      expires: 2026-10-31
branding:                  # the consultant's look; files are relative to this folder
  company: Pohjola IT Advisory Oy
  contact: Kaisa Virtanen · kaisa.virtanen@pohjola-it.example · +358 40 555 0142
  logo: branding/pohjola-it.svg
  client_logo: branding/aurora-logistics.svg
  colours: {primary: "#123b5c", accent: "#d97706"}
  footer: Pohjola IT Advisory Oy · Business ID 1234567-8 · Confidential
  confidentiality: "Confidential: prepared for Aurora Logistics Oy. Do not distribute."
report:
  language: en             # en or fi; --language overrides
  previous: previous/assessment.json   # last quarter, for the change since then
"""

#: Fictitious logos, as plain SVG (no external references).
CONSULTANT_LOGO_SVG = """\
<svg xmlns="http://www.w3.org/2000/svg" width="172" height="60" viewBox="0 0 172 60">
  <rect x="0" y="8" width="44" height="44" rx="8" fill="#123b5c"/>
  <path d="M10 40 L22 18 L34 40 Z" fill="#d97706"/>
  <text x="54" y="30" font-family="DejaVu Sans, sans-serif" font-size="20"
    font-weight="bold" fill="#123b5c">Pohjola IT</text>
  <text x="54" y="48" font-family="DejaVu Sans, sans-serif" font-size="12"
    fill="#4b5563">Advisory Oy</text>
</svg>
"""
CLIENT_LOGO_SVG = """\
<svg xmlns="http://www.w3.org/2000/svg" width="160" height="60" viewBox="0 0 160 60">
  <circle cx="26" cy="30" r="22" fill="#0e7490"/>
  <path d="M8 36 Q26 12 44 36" stroke="#ecfeff" stroke-width="4" fill="none"/>
  <text x="58" y="28" font-family="DejaVu Sans, sans-serif" font-size="17"
    font-weight="bold" fill="#0e7490">AURORA</text>
  <text x="58" y="46" font-family="DejaVu Sans, sans-serif" font-size="12"
    fill="#334155">Logistics Oy</text>
</svg>
"""

FIRST_NAMES = [
    "Juha",
    "Matti",
    "Kari",
    "Jukka",
    "Mika",
    "Hannu",
    "Heikki",
    "Seppo",
    "Janne",
    "Ari",
    "Sami",
    "Petri",
    "Tuomas",
    "Marko",
    "Jani",
    "Joonas",
    "Niko",
    "Aleksi",
    "Teemu",
    "Risto",
    "Kalle",
    "Henri",
    "Toni",
    "Esa",
    "Vesa",
    "Tuula",
    "Päivi",
    "Anna",
    "Leena",
    "Sari",
    "Minna",
    "Hanna",
    "Johanna",
    "Elina",
    "Noora",
    "Emmi",
    "Aino",
    "Veera",
    "Jenni",
    "Outi",
    "Pirjo",
    "Milla",
    "Suvi",
    "Marjut",
    "Eveliina",
]
LAST_NAMES = [
    "Korhonen",
    "Mäkelä",
    "Heinonen",
    "Niemi",
    "Heikkilä",
    "Turunen",
    "Salo",
    "Laitinen",
    "Tuominen",
    "Jokinen",
    "Mattila",
    "Savolainen",
    "Lehtinen",
    "Salminen",
    "Räsänen",
    "Ojala",
    "Väisänen",
    "Kallio",
    "Hirvonen",
    "Mustonen",
    "Peltonen",
    "Aaltonen",
    "Vainio",
    "Koivisto",
    "Lindholm",
    "Honkanen",
    "Seppälä",
    "Nurmi",
    "Huttunen",
    "Rautio",
    "Kivelä",
    "Anttila",
    "Manninen",
    "Toivonen",
    "Partanen",
    "Hakala",
    "Valtonen",
    "Lampinen",
    "Leppänen",
    "Karvonen",
    "Sirola",
]
OFFICES = [  # (office, street, postal code, city)
    ("Vantaa HQ", "Revontulentie 12", "01530", "Vantaa"),
    ("Tampere terminal", "Kuormakatu 3", "33900", "Tampere"),
    ("Oulu depot", "Pakkasraitti 8", "90620", "Oulu"),
]

# --------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------

rng = random.Random(SEED)
AS_OF_DT = datetime(AS_OF.year, AS_OF.month, AS_OF.day)
FOLD = str.maketrans({"ä": "a", "ö": "o", "å": "a", "Ä": "A", "Ö": "O", "Å": "A"})


def new_uuid() -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def fmt_dt(value: datetime) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S")


def fmt_d(value: date | None) -> str:
    return value.isoformat() if value else ""


def tf(flag: bool) -> str:
    return "True" if flag else "False"


def rand_dt(start: date, end: date, hours: tuple[int, int] = (7, 17)) -> datetime:
    """A random datetime on a day in [start, end] within working hours."""
    day = start + timedelta(days=rng.randint(0, (end - start).days))
    return datetime(
        day.year,
        day.month,
        day.day,
        rng.randint(*hours),
        rng.randint(0, 59),
        rng.randint(0, 59),
    )


def days_ago(days: int) -> date:
    return AS_OF - timedelta(days=days)


def local_part(first: str, last: str) -> str:
    return f"{first}.{last}".lower().translate(FOLD)


class User:
    """One row of the Active users export plus what the other files need."""

    def __init__(
        self,
        *,
        first: str,
        last: str,
        department: str,
        title: str,
        skus: list[str],
        kind: str,
        created: datetime,
        last_activity_days: int | None,
        display: str | None = None,
        local: str | None = None,
    ) -> None:
        self.first, self.last = first, last
        self.department, self.title = department, title
        self.skus = [s for s in SKUS if s in skus]  # catalogue order
        self.kind = kind  # active, disabled, inactive, new, shared
        self.created = created
        self.last_activity_days = last_activity_days
        self.display = display or f"{first} {last}"
        self.upn = upn(local or local_part(first, last))
        self.blocked = kind in ("disabled", "shared")
        self.object_id = new_uuid()
        self.office = OFFICES[0]
        self.mfa = True

    @property
    def licences(self) -> str:
        return "+".join(SKUS[s][0] for s in self.skus) or "Unlicensed"

    @property
    def office_worker(self) -> bool:
        return self.title not in ("Warehouse Operative", "Driver")


# --------------------------------------------------------------------------
# Build the people
# --------------------------------------------------------------------------


def build_users() -> list[User]:
    users: list[User] = []
    for first, last, dept, title, skus in KEY_STAFF:
        users.append(
            User(
                first=first,
                last=last,
                department=dept,
                title=title,
                skus=skus,
                kind="active",
                created=rand_dt(date(2019, 3, 1), date(2022, 12, 31)),
                last_activity_days=0,
            )
        )
    for first, last, dept, title, skus, idle, created in DISABLED_LICENSED:
        users.append(
            User(
                first=first,
                last=last,
                department=dept,
                title=title,
                skus=skus,
                kind="disabled",
                created=created,
                last_activity_days=idle,
            )
        )
    for first, last, dept, title, skus, idle, created in INACTIVE:
        users.append(
            User(
                first=first,
                last=last,
                department=dept,
                title=title,
                skus=skus,
                kind="inactive",
                created=created,
                last_activity_days=idle,
            )
        )
    first, last, dept, title, skus, created = NEW_USER
    users.append(
        User(
            first=first,
            last=last,
            department=dept,
            title=title,
            skus=skus,
            kind="new",
            created=created,
            last_activity_days=None,
        )
    )
    for local, display in SHARED_MAILBOXES:
        users.append(
            User(
                first="",
                last="",
                department="",
                title="",
                skus=[],
                kind="shared",
                display=display,
                local=local,
                created=rand_dt(date(2019, 3, 1), date(2020, 6, 30)),
                last_activity_days=None,
            )
        )

    taken = {(u.first, u.last) for u in users}
    taken_last = {u.last for u in users}
    generated: list[User] = []
    for dept, title, skus, count in STAFF_SLOTS:
        for _ in range(count):
            while True:
                first = rng.choice(FIRST_NAMES)
                last = rng.choice(LAST_NAMES)
                if (first, last) not in taken and last not in taken_last:
                    break
            taken.add((first, last))
            taken_last.add(last)
            generated.append(
                User(
                    first=first,
                    last=last,
                    department=dept,
                    title=title,
                    skus=skus,
                    kind="active",
                    created=rand_dt(date(2019, 6, 1), date(2025, 12, 31)),
                    last_activity_days=0,
                )
            )
    users.extend(generated)

    # Power Automate Free for a few office staff with Business Premium.
    spb_office = [u for u in generated if "SPB" in u.skus]
    for user in rng.sample(spb_office, EXTRA_FLOW_FREE_USERS):
        user.skus = [s for s in SKUS if s in user.skus + ["FLOW_FREE"]]

    # Offices: warehouse and transport staff split over the three sites.
    for user in users:
        if user.department in ("Warehouse", "Transport"):
            user.office = rng.choice(OFFICES)

    # MFA registration.
    for user in users:
        if user.kind in ("shared", "new") or (
            user.kind == "inactive" and user.last_activity_days is None
        ):
            user.mfa = False
        if user.upn in GLOBAL_ADMINS_WITHOUT_MFA:
            user.mfa = False
    role_holders = {r[1] for r in ROLE_ASSIGNMENTS}
    candidates = [u for u in generated if u.upn not in role_holders]
    for user in rng.sample(candidates, EXTRA_STAFF_WITHOUT_MFA):
        user.mfa = False

    users.sort(key=lambda u: (u.display.casefold(), u.upn))
    return users


# --------------------------------------------------------------------------
# Writers
# --------------------------------------------------------------------------


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)


def write_text(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.write(text)


def active_users_rows(users: list[User]) -> list[list[str]]:
    rows = []
    for u in users:
        office, street, postal, city = u.office
        # A password change is activity: never after the last activity.
        if u.kind == "active":
            latest = AS_OF - timedelta(days=1)
        elif u.last_activity_days is not None:
            latest = days_ago(u.last_activity_days)
        else:
            latest = u.created.date()
        earliest = min(max(u.created.date(), date(2025, 6, 1)), latest)
        pw_change = rand_dt(earliest, latest)
        if pw_change < u.created or u.last_activity_days is None:
            pw_change = u.created
        record = {
            "Block credential": tf(u.blocked),
            "City": city,
            "Country/Region": "Finland",
            "Department": u.department,
            "DirSyncEnabled": "False",
            "Display name": u.display,
            "Fax": "",
            "First name": u.first,
            "Last dirsync time": "",
            "Last name": u.last,
            "Last password change time stamp": fmt_dt(pw_change),
            "License reconciliation needed": "False",
            "Licenses": u.licences,
            "Mobile Phone": "",
            "Object Id": u.object_id,
            "Office": office,
            "Password never expires": "False",
            "Phone number": "",
            "Postal code": postal,
            "Preferred data location": "",
            "Preferred language": "fi-FI" if rng.random() < 0.8 else "en-US",
            "Proxy addresses": f"SMTP:{u.upn}",
            "Release track": "",
            "Soft deletion time stamp": "",
            "State": "",
            "Street address": street,
            "Strong password required": "True",
            "Title": u.title,
            "Usage location": "FI",
            "User principal name": u.upn,
            "When created": fmt_dt(u.created),
        }
        rows.append([record[h] for h in ACTIVE_USERS_HEADER])
    return rows


def activity_dates(u: User, workloads: list[str]) -> dict[str, date | None]:
    """Last activity per licensed workload, consistent with the user's kind."""
    out: dict[str, date | None] = {}
    if u.kind in ("new", "shared") or u.last_activity_days is None:
        return {w: None for w in workloads}
    if u.kind == "active":
        for w in workloads:
            if w == "Exchange" or (w == "Teams" and u.office_worker):
                out[w] = days_ago(rng.randint(1, 20))
            elif w == "Yammer":
                out[w] = days_ago(rng.randint(1, 20)) if rng.random() < 0.1 else None
            else:
                out[w] = days_ago(rng.randint(1, 20)) if rng.random() < 0.75 else None
        return out
    # disabled / inactive: the newest activity is exactly last_activity_days ago
    base = u.last_activity_days
    for w in workloads:
        if w == "Exchange":
            out[w] = days_ago(base)
        elif w == "Yammer":
            out[w] = None
        else:
            out[w] = days_ago(base + rng.randint(0, 30)) if rng.random() < 0.7 else None
    return out


def usage_rows(users: list[User]) -> list[list[str]]:
    rows = []
    for u in sorted((u for u in users if u.skus), key=lambda u: u.upn):
        workloads = [
            w
            for w in ("Exchange", "OneDrive", "SharePoint", "Yammer", "Teams")
            if any(w in SKU_WORKLOADS.get(s, ()) for s in u.skus)
        ]
        last = activity_dates(u, workloads)
        assigned = u.created.date()
        if u.kind == "active" and rng.random() < 0.3:
            assigned = assigned + timedelta(days=rng.randint(0, 20))
        record = {
            "Report Refresh Date": fmt_d(REPORT_REFRESH_DATE),
            "User Principal Name": u.upn,
            "Display Name": u.display,
            "Is Deleted": "False",
            "Deleted Date": "",
            "Assigned Products": "+".join(SKUS[s][0].upper() for s in u.skus),
        }
        for w in (
            "Exchange",
            "OneDrive",
            "SharePoint",
            "Skype For Business",
            "Yammer",
            "Teams",
        ):
            has = w in workloads
            record[f"Has {w} License"] = tf(has)
            record[f"{w} Last Activity Date"] = fmt_d(last.get(w))
            record[f"{w} License Assign Date"] = fmt_d(assigned) if has else ""
        rows.append([record[h] for h in USAGE_HEADER])
    return rows


def subscribed_skus(users: list[User]) -> dict:
    consumed = Counter(s for u in users for s in u.skus)
    account_id = new_uuid()
    value = []
    for part, (_name, sku_id, spare) in SKUS.items():
        used = consumed[part]
        prepaid = FREE_SKU_PREPAID.get(part, used + spare)
        value.append(
            {
                "accountName": TENANT_NAME,
                "accountId": account_id,
                "appliesTo": "User",
                "capabilityStatus": "Enabled",
                "consumedUnits": used,
                "id": f"{account_id}_{sku_id}",
                "prepaidUnits": {
                    "enabled": prepaid,
                    "suspended": 0,
                    "warning": 0,
                    "lockedOut": 0,
                },
                "skuId": sku_id,
                "skuPartNumber": part,
                "subscriptionIds": [new_uuid()],
                "servicePlans": [],
            }
        )
    return {
        "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#subscribedSkus",
        "value": value,
    }


def mac_address() -> str:
    # Locally administered unicast address: clearly not a vendor's.
    first = (rng.getrandbits(8) & 0b11111100) | 0b10
    rest = [rng.getrandbits(8) for _ in range(5)]
    return "".join(f"{b:02x}" for b in [first, *rest])


def serial(prefix: str, length: int) -> str:
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789"
    return prefix + "".join(rng.choice(alphabet) for _ in range(length))


def management_name(local: str, os_name: str, enrolled: datetime) -> str:
    hour = enrolled.hour % 12 or 12
    ampm = "AM" if enrolled.hour < 12 else "PM"
    return (
        f"{local}_{os_name}_{enrolled.month}/{enrolled.day}/{enrolled.year}"
        f"_{hour}:{enrolled.minute:02d} {ampm}"
    )


def build_devices(users: list[User]) -> tuple[list[dict], dict[str, list[str]]]:
    staff = [u for u in users if u.kind == "active"]
    office = [u for u in staff if u.office_worker]
    operatives = [u for u in staff if u.title == "Warehouse Operative"]
    drivers = [u for u in staff if u.title == "Driver"]
    supervisors = [u for u in staff if u.title == "Warehouse Supervisor"]
    mac_pool = [u for u in office if u.department in ("Sales", "Management")]
    mac_users = rng.sample(mac_pool, MAC_USERS)

    devices: list[dict] = []
    win_no, mac_no, ios_no, and_no = 1, 1, 1, 1
    for u in office + operatives:
        if u in mac_users:
            devices.append({"os": "macOS", "user": u, "name": f"AUR-MB-{mac_no:02d}"})
            mac_no += 1
        else:
            devices.append({"os": "Windows", "user": u, "name": f"AUR-LT-{win_no:03d}"})
            win_no += 1
    phone_pool = [u for u in office if u not in supervisors]
    for u in rng.sample(phone_pool, IPHONE_USERS):
        devices.append({"os": "iOS", "user": u, "name": f"AUR-IP-{ios_no:03d}"})
        ios_no += 1
    for u in drivers + supervisors:
        devices.append({"os": "Android", "user": u, "name": f"AUR-AN-{and_no:03d}"})
        and_no += 1

    windows = [d for d in devices if d["os"] == "Windows"]
    win10 = rng.sample(windows, WIN10_DEVICES)
    win11 = [d for d in windows if d not in win10]
    w23 = rng.sample(win11, WIN11_23H2_DEVICES)
    unencrypted = rng.sample(win11, UNENCRYPTED_LAPTOPS)
    win11_ok = [d for d in win11 if d not in unencrypted]
    by_os = {
        o: [d for d in devices if d["os"] == o] for o in ("macOS", "iOS", "Android")
    }
    stale = (
        [win10[0]]
        + rng.sample(win11_ok, 1)
        + rng.sample(by_os["macOS"], 1)
        + rng.sample(by_os["iOS"], 2)
        + rng.sample(by_os["Android"], 2)
    )
    assert len(stale) == STALE_DEVICES
    fresh = [d for d in devices if d not in stale]
    low = (
        rng.sample([d for d in fresh if d["os"] == "Windows"], 3)
        + rng.sample([d for d in fresh if d["os"] == "macOS"], 1)
        + rng.sample([d for d in fresh if d["os"] == "iOS"], 1)
    )
    assert len(low) == LOW_STORAGE_DEVICES
    grace_pool = [d for d in win11_ok if d not in stale and d not in low]
    grace = rng.sample(grace_pool, GRACE_PERIOD_DEVICES)
    behind: list[dict] = []  # Windows 11 devices missing the latest update

    for d in devices:
        u: User = d["user"]
        os_name = d["os"]
        if d in stale:
            last = rand_dt(days_ago(199), days_ago(36), hours=(6, 20))
        else:
            last = rand_dt(days_ago(6), days_ago(1), hours=(6, 22))
        earliest = max(date(2022, 1, 10), u.created.date() + timedelta(days=1))
        enrolled = rand_dt(
            earliest, min(date(2026, 9, 30), last.date() - timedelta(days=20))
        )
        if os_name == "Windows":
            if d in win10:
                version = "10.0.19045." + rng.choice(["6456", "6332", "5965"])
            elif d in w23:
                version = "10.0.22631." + rng.choice(["5909", "6060"])
            else:
                # The October 2026 update (2026-10-13); two choices keep the
                # seeded random stream as it was. A nearly full disk stops
                # updates installing: those devices are still on August 2026.
                version = "10.0.26100." + rng.choice(["9711", "9711"])
                if d in low:
                    version = "10.0.26100.9168"
                    behind.append(d)
            maker, model = rng.choice(
                [
                    ("LENOVO", "ThinkPad T14 Gen 4"),
                    ("LENOVO", "ThinkPad L14 Gen 4"),
                    ("HP", "HP EliteBook 840 G10"),
                    ("Dell Inc.", "Latitude 5440"),
                ]
            )
            total = rng.choice([243840, 487680])
            sn = serial("PF" if maker == "LENOVO" else "5CG", 8)
            ownership = "Corporate"
        elif os_name == "macOS":
            version = rng.choice(["26.1", "15.7.2"])
            maker, model = "Apple", rng.choice(["MacBook Air (M2)", "MacBook Pro (M3)"])
            total, sn, ownership = 494384, serial("C02", 9), "Corporate"
        elif os_name == "iOS":
            version = rng.choice(["26.1", "26.0.1", "18.7.2"])
            maker, model = "Apple", rng.choice(["iPhone 15", "iPhone 16", "iPhone 14"])
            total, sn = rng.choice([122070, 244140]), serial("", 10)
            ownership = "Personal" if rng.random() < 0.25 else "Corporate"
        else:
            version = rng.choice(["16", "15", "14"])
            maker, model = "samsung", rng.choice(["SM-A556B", "SM-G991B", "SM-A546B"])
            total, sn, ownership = 122070, serial("R5C", 8), "Corporate"
        if d in stale:
            version = {"iOS": "18.5", "Android": "14", "macOS": "14.7.1"}.get(
                os_name, version
            )
        free_share = rng.uniform(0.05, 0.14) if d in low else rng.uniform(0.22, 0.7)
        if d in win10 or d in unencrypted or d in stale:
            compliance = "Noncompliant"
        elif d in grace:
            compliance = "In grace period"
        else:
            compliance = "Compliant"
        patch = ""
        if os_name == "Android":
            month = last.date().replace(day=1) - timedelta(days=32)
            patch = month.replace(day=1).isoformat()
        mac = mac_address()
        local = u.upn.split("@")[0]
        d["row"] = {
            "Device ID": new_uuid(),
            "Device name": d["name"],
            "Enrollment date": fmt_dt(enrolled),
            "Last check-in": fmt_dt(last),
            "Azure AD Device ID": new_uuid(),
            "OS version": version,
            "Azure AD registered": "True",
            "EAS activation ID": "",
            "Serial number": sn,
            "Manufacturer": maker,
            "Model": model,
            "EAS activated": "False",
            "IMEI": "",
            "Last EAS sync time": "",
            "EAS reason": "",
            "EAS status": "",
            "Compliance grace period expiration": fmt_dt(
                datetime(2026, 11, 23, 9, 0) + timedelta(days=rng.randint(0, 3))
            )
            if d in grace
            else "",
            "Security patch level": patch,
            "Wi-Fi MAC": mac,
            "MEID": "",
            "Subscriber carrier": rng.choice(["Elisa", "DNA", "Telia"])
            if os_name in ("iOS", "Android")
            else "",
            "Total storage": str(total),
            "Free storage": str(int(total * free_share)),
            "Management name": management_name(local, os_name, enrolled),
            "Category": "",
            "UserId": u.object_id,
            "Primary user UPN": u.upn,
            "Primary user email address": u.upn,
            "Primary user display name": u.display,
            "WiFiMacAddress": mac,
            "OS": os_name,
            "Ownership": ownership,
            "Compliance": compliance,
            "Managed by": "Intune",
            "Management certificate expiration date": fmt_dt(
                last + timedelta(days=rng.randint(180, 360))
            ),
            "Encrypted": tf(d not in unencrypted),
        }

    for name, version, model, total in SERVERS:
        last = rand_dt(days_ago(2), days_ago(1), hours=(0, 23))
        enrolled = rand_dt(date(2023, 2, 1), date(2024, 6, 30))
        maker = "Microsoft Corporation" if model == "Virtual Machine" else "Dell Inc."
        row = {h: "" for h in INTUNE_HEADER}
        row.update(
            {
                "Device ID": new_uuid(),
                "Device name": name,
                "Enrollment date": fmt_dt(enrolled),
                "Last check-in": fmt_dt(last),
                "Azure AD Device ID": new_uuid(),
                "OS version": version,
                "Azure AD registered": "True",
                "Serial number": serial("SRV", 7),
                "Manufacturer": maker,
                "Model": model,
                "EAS activated": "False",
                "Total storage": str(total),
                "Free storage": str(int(total * rng.uniform(0.3, 0.6))),
                "Management name": management_name(name, "Windows", enrolled),
                "OS": "Windows",
                "Ownership": "Corporate",
                "Compliance": "Compliant",
                "Managed by": "Intune",
                "Management certificate expiration date": fmt_dt(
                    last + timedelta(days=rng.randint(180, 360))
                ),
                "Encrypted": "True",
            }
        )
        devices.append({"os": "Windows", "name": name, "row": row, "user": None})

    devices.sort(key=lambda d: d["name"])
    facts = {
        "windows_10": sorted(d["name"] for d in win10),
        "windows_11_23h2": sorted(d["name"] for d in w23),
        "unencrypted": sorted(d["name"] for d in unencrypted),
        "stale": sorted(d["name"] for d in stale),
        "low_storage": sorted(d["name"] for d in low),
        "in_grace_period": sorted(d["name"] for d in grace),
        "behind_on_updates": sorted(
            [d["name"] for d in behind + win10] + ["SRV-DC01", "SRV-PRINT01"]
        ),
    }
    return devices, facts


def mfa_rows(users: list[User]) -> list[list[str]]:
    admins = {r[1] for r in ROLE_ASSIGNMENTS}
    rows = []
    for u in users:
        if u.mfa:
            roll = rng.random()
            if roll < 0.6:
                default, methods = (
                    "microsoftAuthenticatorPush",
                    "microsoftAuthenticatorPush, mobilePhone",
                )
            elif roll < 0.8:
                default, methods = (
                    "microsoftAuthenticatorPush",
                    "microsoftAuthenticatorPush, softwareOneTimePasscode",
                )
            elif roll < 0.9 and u.office_worker:
                default, methods = (
                    "microsoftAuthenticatorPush",
                    (
                        "microsoftAuthenticatorPush, "
                        "microsoftAuthenticatorPasswordless, windowsHelloForBusiness"
                    ),
                )
            else:
                default, methods = "mobilePhone", "mobilePhone"
            passwordless = "Passwordless" in methods or "windowsHello" in methods
            sspr = True
        else:
            default, methods, passwordless, sspr = "", "", False, False
        rows.append(
            [
                u.upn,
                u.display,
                "Member",
                tf(u.upn in admins),
                tf(u.mfa),
                tf(u.mfa),
                tf(passwordless),
                tf(sspr),
                default,
                methods,
            ]
        )
    return rows


def stable_xlsx(data: bytes) -> bytes:
    """Rewrite an openpyxl zip with fixed timestamps and modified date."""
    stamp = AS_OF_DT.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            payload = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                payload = re.sub(
                    rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                    rb"\g<1>" + stamp + rb"\g<2>",
                    payload,
                )
            zinfo = zipfile.ZipInfo(info.filename, date_time=AS_OF_DT.timetuple()[:6])
            zinfo.compress_type = zipfile.ZIP_DEFLATED
            zinfo.external_attr = 0o644 << 16
            dst.writestr(zinfo, payload)
    return out.getvalue()


def write_interview(path: Path) -> None:
    wb = Workbook()
    wb.properties.creator = "scripts/make_sample_data.py"
    wb.properties.lastModifiedBy = "scripts/make_sample_data.py"
    wb.properties.title = f"{CLIENT_NAME} IT health check interview"
    wb.properties.created = AS_OF_DT
    wb.properties.modified = AS_OF_DT

    intro = wb.active
    intro.title = "Instructions"
    lines = [
        f"{CLIENT_NAME}: IT health check interview, 2026-Q4.",
        "Answer each question on the Interview sheet with Yes, Partly, No or "
        "Don't know (pick it from the drop-down in the Answer column).",
        "Yes = in place and written down; Partly = exists but incomplete, "
        "outdated or only in someone's head; No = not in place; Don't know = "
        "nobody could confirm.",
        "Owner: name the person responsible for the topic.",
        "Last reviewed: the date the document or procedure was last reviewed "
        "(leave empty if it never was).",
        "Leave a question unanswered if it has not been discussed yet; add "
        "details under Notes. Never write passwords or other secrets here.",
    ]
    for i, line in enumerate(lines, start=1):
        intro.cell(row=i, column=1, value=line)
    intro["A1"].font = Font(bold=True, size=13)
    intro.column_dimensions["A"].width = 110

    ws = wb.create_sheet("Interview")
    ws.append(INTERVIEW_HEADER)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for qid, layer, question, answer, owner, reviewed, notes in INTERVIEW:
        ws.append(
            [
                qid,
                layer,
                question,
                answer or None,
                owner or None,
                reviewed,
                notes or None,
            ]
        )
    last_row = ws.max_row
    for row in range(2, last_row + 1):
        ws.cell(row=row, column=3).alignment = Alignment(wrap_text=True, vertical="top")
        ws.cell(row=row, column=6).number_format = "yyyy-mm-dd"
    for col, width in zip("ABCDEFG", (30, 12, 70, 13, 20, 14, 36), strict=True):
        ws.column_dimensions[col].width = width
    ws.freeze_panes = "A2"
    answers = DataValidation(
        type="list",
        formula1='"Yes,Partly,No,Don\'t know"',
        allow_blank=True,
        showDropDown=False,
    )
    answers.error = "Answer Yes, Partly, No or Don't know."
    answers.errorTitle = "Answer"
    answers.add("D2:D200")
    ws.add_data_validation(answers)

    buf = io.BytesIO()
    wb.save(buf)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(stable_xlsx(buf.getvalue()))


def readme_text(sku_doc: dict, facts: dict[str, list[str]], users: list[User]) -> str:
    def local(address: str) -> str:
        return "`" + address.removesuffix("@" + DOMAIN) + "`"

    def kind(name: str) -> str:
        return ", ".join(local(u.upn) for u in users if u.kind == name)

    def listed(names: list[str]) -> str:
        return ", ".join(names)

    unassigned = ", ".join(
        f"{s['skuPartNumber']} {s['prepaidUnits']['enabled'] - s['consumedUnits']}"
        for s in sku_doc["value"]
        if s["skuPartNumber"] not in FREE_SKU_PREPAID
        and s["prepaidUnits"]["enabled"] > s["consumedUnits"]
    )
    never = ", ".join(
        local(upn(local_part(p[0], p[1]))) for p in INACTIVE if p[5] is None
    )
    devices = "`exports/intune_devices.csv`"
    table = [
        (
            "Disabled but licensed",
            "`exports/active_users.csv`",
            f"{kind('disabled')}; {local(FORMER_ADMIN_UPN)} is the former IT manager",
        ),
        (
            "Inactive over 120 days",
            "`exports/usage_active_users_detail.csv`",
            f"{kind('inactive')}; {never} were created over a year ago and never "
            "signed in",
        ),
        (
            "New user, not a finding",
            "both user files",
            f"{kind('new')}: created 2026-11-10, no activity yet",
        ),
        (
            "Overlapping licences",
            "`exports/active_users.csv`",
            ", ".join(local(u) for u in OVERLAP_UPNS)
            + ": Exchange Online (Plan 1) on top of Business Premium",
        ),
        ("Unassigned seats", "`exports/subscribedSkus.json`", unassigned),
        (
            "Six permanent Global Administrators",
            "`exports/role_assignments.csv`",
            f"including the disabled {local(FORMER_ADMIN_UPN)} and the IT "
            "partner's guest account",
        ),
        (
            "Global Administrators without MFA",
            "`exports/mfa_registration.csv`",
            ", ".join(local(u) for u in GLOBAL_ADMINS_WITHOUT_MFA)
            + " (about 80 % of all accounts are registered)",
        ),
        (
            "Windows 10 (unsupported since 2025-10-14)",
            devices,
            listed(facts["windows_10"]),
        ),
        (
            "Windows 11 23H2 (servicing ended)",
            devices,
            listed(facts["windows_11_23h2"]),
        ),
        ("Server 2016 (support ends 2027-01-12)", devices, "SRV-ERP01"),
        (
            "Missing the October 2026 Windows update (FND-06)",
            devices,
            listed(facts["behind_on_updates"])
            + "; the Windows 11 23H2 devices are not judged (build not in the "
            "update table)",
        ),
        (
            "Servers without a backup job (FND-07)",
            devices + ", `exports/backup_jobs.csv`",
            "SRV-DC01, SRV-PRINT01",
        ),
        (
            "Non-compliant devices (FND-08)",
            devices,
            "the Windows 10, unencrypted and stale devices above",
        ),
        ("Unencrypted laptops", devices, listed(facts["unencrypted"])),
        ("No check-in for 35-200 days", devices, listed(facts["stale"])),
        ("Under 15 % disk free", devices, listed(facts["low_storage"])),
        (
            "Backups",
            "`exports/backup_jobs.csv`",
            "`Nightly SRV-ERP01` failed (last success 2026-11-14); "
            "`M365 mailboxes` warning",
        ),
        (
            "Processes",
            "`interview.xlsx`",
            "offboarding only partly written down (reviewed 2024-05-15); restore "
            "not written down or tested; incident response and independent advice "
            "unanswered; vendor register unknown; admin access only partly "
            "written down; no incident response partner",
        ),
        (
            "Standing and guest admins (REV-07, REV-08, REV-09)",
            "`exports/role_assignments.csv`",
            "six permanent Global Administrators, one of them the IT partner's "
            "guest account; five of them on licensed everyday accounts",
        ),
        (
            "Server updates failing (FND-10)",
            "`exports/wsus_computers.csv`",
            f"{settings.PATCH_DC} has installed nothing since "
            f"{settings.PATCH_DC_LAST_INSTALL}: {settings.PATCH_DC_MISSING} updates "
            f"missing, {settings.PATCH_DC_FAILED} failed; the other servers are "
            f"current. {settings.PATCH_PENDING_REBOOT} installed the October "
            "update on 2026-10-22 but has not restarted, so Intune still reports "
            "September's build (FND-06 fails it, FND-10 does not)",
        ),
        (
            "Mail forwarded outside (FND-11, FND-12)",
            "`exports/exo_mailboxes.csv`, `exports/exo_outbound_spam_policies.csv`",
            f"{local(upn(settings.FORWARDER))}, on leave since July, forwards his "
            f"mail to a private address (`{settings.FORWARD_TO}`); the outbound "
            f"spam policy `{settings.FORWARD_POLICY}` was made to let him",
        ),
        (
            "Blocked account kept as a shared mailbox (waste, medium confidence)",
            "`exports/exo_mailboxes.csv`",
            f"{local(upn(settings.SHARED_WITH_ARCHIVE))}'s mailbox became a shared "
            "mailbox with an archive, kept for the bookkeeping: the archive needs "
            "a licence, so her Business Premium line says so instead of "
            '"remove"',
        ),
        (
            "MFA policy still report-only (REV-10)",
            "`exports/graph_conditional_access.json`, "
            "`exports/graph_security_defaults.json`",
            f"security defaults are off; `{settings.CA_MFA}` has been report-only "
            f"since 2026-06-02. `{settings.CA_LEGACY}` is on since 2026-09-15 "
            f"(REV-11 passes) and `{settings.CA_ADMINS}` is on",
        ),
        (
            "Secure Score trend (REV-13)",
            "`exports/graph_secure_scores.json`",
            f"90 days, from {settings.SCORE_STEPS[0][1]:g} to "
            f"{settings.SCORE_STEPS[-1][1]:g} of {settings.SCORE_MAX:g} in three "
            "steps (legacy authentication blocked, Defender for Office 365 preset "
            "policies, the laptops' LAPS policy); tenants of a similar size "
            f"average {settings.SCORE_SIMILAR_AVERAGE:g}, so it passes, and the "
            "report draws the trend",
        ),
        (
            "App secret expiring (REV-14)",
            "`exports/graph_applications.json`",
            f"`{settings.APPS[0][0]}`: its secret expires {settings.APPS[0][4]}; "
            f"the other {len(settings.APPS) - 1} credentials are fine",
        ),
        (
            "Consent and sharing (REV-15, REV-16), both fine",
            "`exports/graph_authorization_policy.json`, "
            "`exports/graph_sharepoint_settings.json`",
            "users may consent only to low-impact permissions of verified "
            "publishers' apps; SharePoint shares with guests, never with "
            '"Anyone" links, and guests cannot reshare',
        ),
        (
            "Antivirus signatures out of date (FND-14)",
            "`exports/intune_antivirus.csv`",
            listed(facts["signatures_overdue"])
            + ": the Windows laptops that stopped checking in",
        ),
        (
            "BitLocker key not in Entra ID (FND-15)",
            "`exports/entra_bitlocker_keys.csv`",
            listed(facts["no_escrowed_key"])
            + ": encrypted by hand before their Intune enrolment in March 2022",
        ),
        (
            "No Windows LAPS backup (FND-16)",
            "`exports/entra_laps.csv`",
            listed(facts["no_laps"])
            + ": the servers are not in the LAPS policy (assigned to the laptops "
            f"on {settings.LAPS_FROM}), and the two laptops have not checked in "
            "since",
        ),
        (
            "Backups beyond success (FND-17, DOC-08)",
            "`exports/backup_jobs.csv`",
            "every job keeps a copy off site (FND-17 passes); the only restore "
            "test was of SRV-FILE01 on 2025-03-18, when it moved to new hardware "
            "(DOC-08 fails, as the interview says)",
        ),
    ]
    rows = "\n".join(f"| {a} | {b} | {c} |" for a, b, c in table)
    return f"""\
# Sample engagement: Aurora Logistics Oy (fictitious)

Aurora Logistics Oy is a made-up Finnish logistics company (about 50 staff in
Vantaa, Tampere and Oulu; domain `{DOMAIN}`).
Every name, address, identifier and number here is fictitious. The folder is
generated by `scripts/make_sample_data.py` (seeded; assessment date
{AS_OF.isoformat()}): change the script and re-run it rather than editing these
files by hand.

`client.yaml` holds the engagement settings, `exports/` the portal exports and
`interview.xlsx` the interview answers. User names below omit
`@{DOMAIN}`.

## Planted problems

| Problem | File | Details |
|---|---|---|
{rows}

The shared mailbox accounts {kind("shared")} are unlicensed and blocked
from sign-in, as Microsoft 365 creates them. Guest accounts, such as the IT
partner's, are not in the Active users export, so REV-06 (stale guests) is
not assessed.

The tenant settings are saved Graph responses (`exports/graph_*.json`); the
Exchange Online and Entra lists are PowerShell exports (`exo_*.csv`,
`entra_*.csv`) and the antivirus and patch lists portal exports, so the
sample runs offline. For the same reason
`client.yaml` has no `dns:` section: FND-13 (SPF, DKIM and DMARC of the mail
domains) is not assessed, and the report says why. The DKIM signing export
is there for when it is.

## Client settings shown

`client.yaml` has a `rules:` section: FND-06 gets 21 days to install an
update instead of 14; REV-09 (dedicated admin accounts) is an accepted risk
until 2027-02-28; FND-03 (unsupported OS) was accepted until 2026-10-31,
which has passed, so it counts as a fail again and the report says so.

A `branding:` section gives the report the look of a fictitious consultancy,
Pohjola IT Advisory Oy (logos in `branding/`), and `report:` names last
quarter's assessment, `previous/assessment.json` (2026-Q3), so the report
shows the change since then. `scripts/make_previous_quarter.py` makes that
file from this quarter's assessment: FND-05, FND-07, REV-08 and REV-14
passed then (new this quarter), DOC-01, DOC-07, EXP-05 and REV-11 failed then
(resolved this quarter: legacy authentication was blocked on 2026-09-15),
FND-16 failed every Windows device (no LAPS policy yet), and the licence
waste was higher.
"""


# --------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------


def validate(out: Path, users: list[User]) -> None:
    def read_csv(name: str) -> list[dict[str, str]]:
        with (out / "exports" / name).open(encoding="utf-8", newline="") as fh:
            return list(csv.DictReader(fh))

    active = read_csv("active_users.csv")
    assert len(active) == len(users) == 62, len(active)
    friendly = {v[0]: k for k, v in SKUS.items()}
    held: Counter[str] = Counter()
    for row in active:
        if row["Licenses"] != "Unlicensed":
            for name in row["Licenses"].split("+"):
                held[friendly[name]] += 1
    skus = json.loads(
        (out / "exports" / "subscribedSkus.json").read_text(encoding="utf-8")
    )
    for sku in skus["value"]:
        part = sku["skuPartNumber"]
        assert sku["consumedUnits"] == held[part], (
            part,
            sku["consumedUnits"],
            held[part],
        )
        assert sku["prepaidUnits"]["enabled"] >= sku["consumedUnits"], part
        if part not in FREE_SKU_PREPAID:
            spare = sku["prepaidUnits"]["enabled"] - sku["consumedUnits"]
            assert spare == SKUS[part][2], part

    upns = {r["User principal name"] for r in active}
    usage = read_csv("usage_active_users_detail.csv")
    licensed = {
        r["User principal name"] for r in active if r["Licenses"] != "Unlicensed"
    }
    assert {r["User Principal Name"] for r in usage} == licensed
    assert len(usage) == len(licensed)
    mfa = read_csv("mfa_registration.csv")
    assert [r["User principal name"] for r in mfa] == [
        r["User principal name"] for r in active
    ]
    roles = read_csv("role_assignments.csv")
    gas = [
        r["User principal name"] for r in roles if r["Role"] == "Global Administrator"
    ]
    assert len(gas) == 6
    assert all(g in upns for g in gas if g != EXTERNAL_PARTNER_UPN)
    no_mfa = {r["User principal name"] for r in mfa if r["MFA registered"] == "False"}
    assert sorted(g for g in gas if g in no_mfa) == sorted(GLOBAL_ADMINS_WITHOUT_MFA)
    share = 1 - len(no_mfa) / len(mfa)
    assert 0.75 <= share <= 0.85, share

    blocked = {
        r["User principal name"]
        for r in active
        if r["Block credential"] == "True" and r["Licenses"] != "Unlicensed"
    }
    assert blocked == {upn(local_part(p[0], p[1])) for p in DISABLED_LICENSED}
    assert FORMER_ADMIN_UPN in blocked and FORMER_ADMIN_UPN in gas
    for u in OVERLAP_UPNS:
        lic = next(r["Licenses"] for r in active if r["User principal name"] == u)
        assert lic == "Microsoft 365 Business Premium+Exchange Online (Plan 1)", u

    by_upn = {r["User Principal Name"]: r for r in usage}
    cols = [h for h in USAGE_HEADER if h.endswith("Last Activity Date")]

    def newest(u: str) -> date | None:
        dates = [date.fromisoformat(by_upn[u][c]) for c in cols if by_upn[u][c]]
        return max(dates) if dates else None

    for u in users:
        if not u.skus:
            continue
        last = newest(u.upn)
        if u.kind == "active":
            assert last and 1 <= (AS_OF - last).days <= 20, (u.upn, last)
        elif u.kind == "inactive":
            assert last is None or (AS_OF - last).days > 120, u.upn
        elif u.kind == "disabled":
            assert last and 60 <= (AS_OF - last).days <= 300, u.upn
        elif u.kind == "new":
            assert last is None and (AS_OF - u.created.date()).days == 10

    devices = read_csv("intune_devices.csv")
    assert len(devices) == 70
    staff = {u.upn for u in users if u.kind == "active"}
    for d in devices:
        assert d["Primary user UPN"] in staff or (
            d["Device name"].startswith("SRV-") and not d["Primary user UPN"]
        )
        assert datetime.fromisoformat(d["Last check-in"]) < AS_OF_DT
    stale = [
        d
        for d in devices
        if 35 <= (AS_OF_DT - datetime.fromisoformat(d["Last check-in"])).days <= 200
    ]
    assert len(stale) == STALE_DEVICES
    fresh = [d for d in devices if d not in stale]
    assert all(
        (AS_OF_DT - datetime.fromisoformat(d["Last check-in"])).days <= 7 for d in fresh
    )
    low = [
        d for d in devices if int(d["Free storage"]) / int(d["Total storage"]) < 0.15
    ]
    assert len(low) == LOW_STORAGE_DEVICES
    assert sum(d["Encrypted"] == "False" for d in devices) == UNENCRYPTED_LAPTOPS
    assert (
        sum(d["OS version"].startswith("10.0.19045.") for d in devices) == WIN10_DEVICES
    )
    assert sum(d["Device name"].startswith("SRV-") for d in devices) == 4


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--out",
        type=Path,
        default=DEFAULT_OUT,
        help=f"output folder (default: {DEFAULT_OUT})",
    )
    out: Path = parser.parse_args().out
    exports = out / "exports"

    rng.seed(SEED)  # the same sequence however often main() runs
    users = build_users()
    write_text(out / "client.yaml", CLIENT_YAML)
    write_text(out / "branding" / "pohjola-it.svg", CONSULTANT_LOGO_SVG)
    write_text(out / "branding" / "aurora-logistics.svg", CLIENT_LOGO_SVG)
    write_csv(
        exports / "active_users.csv", ACTIVE_USERS_HEADER, active_users_rows(users)
    )
    write_csv(
        exports / "usage_active_users_detail.csv", USAGE_HEADER, usage_rows(users)
    )
    sku_doc = subscribed_skus(users)
    write_text(
        exports / "subscribedSkus.json",
        json.dumps(sku_doc, indent=2, ensure_ascii=False) + "\n",
    )
    devices, facts = build_devices(users)
    write_csv(
        exports / "intune_devices.csv",
        INTUNE_HEADER,
        [[d["row"][h] for h in INTUNE_HEADER] for d in devices],
    )
    write_csv(
        exports / "backup_jobs.csv", BACKUP_HEADER, [list(job) for job in BACKUP_JOBS]
    )
    write_csv(
        exports / "role_assignments.csv",
        ROLES_HEADER,
        [list(r) for r in ROLE_ASSIGNMENTS],
    )
    write_csv(exports / "mfa_registration.csv", MFA_HEADER, mfa_rows(users))
    write_interview(out / "interview.xlsx")
    # Last, with a stream of its own: the files above keep their bytes.
    facts |= settings.write_all(exports, users, devices, DOMAIN, AS_OF)
    write_text(out / "README.md", readme_text(sku_doc, facts, users))

    validate(out, users)

    print(f"wrote {out}")
    for kind in ("disabled", "inactive", "new", "shared"):
        print(f"  {kind}: {', '.join(u.upn for u in users if u.kind == kind)}")
    print(f"  overlap: {', '.join(OVERLAP_UPNS)}")
    print(f"  global admins without MFA: {', '.join(GLOBAL_ADMINS_WITHOUT_MFA)}")
    print(
        "  other staff without MFA: "
        + ", ".join(
            u.upn
            for u in users
            if not u.mfa
            and u.kind == "active"
            and u.upn not in GLOBAL_ADMINS_WITHOUT_MFA
        )
    )
    for sku in sku_doc["value"]:
        spare = sku["prepaidUnits"]["enabled"] - sku["consumedUnits"]
        print(
            f"  {sku['skuPartNumber']}: consumed {sku['consumedUnits']}, "
            f"prepaid {sku['prepaidUnits']['enabled']}, unassigned {spare}"
        )
    for key, names in facts.items():
        print(f"  devices {key}: {', '.join(names)}")


if __name__ == "__main__":
    main()
