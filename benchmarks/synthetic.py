"""A synthetic tenant: export files of N users and devices, as portals write them.

Usage::

    python benchmarks/synthetic.py OUT_DIR --users 50000 [--hard]

writes an engagement folder (``client.yaml`` and ``exports/``) with the
Microsoft 365 Active users export, the Active users detail usage report,
the Intune All devices export (one device per user), the Entra user
registration details and a Veeam session history. Headers come from the
formats the exports collector knows, so the files are what it would meet.
The data is random but seeded: the same N gives the same bytes.

``--hard`` writes the hard case instead: every export kind the collector
knows (the files above plus licences, Entra users and sign-ins, Azure and
generic backup jobs, patch status, role assignments and mailboxes), every tenth user's
computer a server (named SRV-, backed up by the backup jobs or not), several
devices per user (a phone each, a tablet every third), and long lists in the
cells that hold lists (licences, proxy addresses, MFA methods).
"""

from __future__ import annotations

import argparse
import csv
import json
import random
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from healthcheck_collectors.exports.formats import TABLE_FORMATS

_HEADERS = {f.id: f.headers for f in TABLE_FORMATS}
_PRODUCTS = (
    "Microsoft 365 Business Premium",
    "Microsoft 365 Business Standard",
    "Microsoft 365 Business Basic",
    "Exchange Online (Plan 1)",
    "Microsoft 365 Business Premium+Exchange Online (Plan 1)",
    "Unlicensed",
)
_NOW = datetime(2026, 11, 20, 12)
#: Headers of the Exchange mailbox export that only forwarding needs.
_FORWARDING = ("Forwarding", "DeliverToMailboxAndForward")


def _write(path: Path, header: tuple[str, ...], rows: list[dict[str, str]]) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh, lineterminator="\r\n")
        w.writerow(header)
        for row in rows:
            w.writerow([row.get(h, "") for h in header])


def _stamp(rng: random.Random, days: int) -> datetime:
    return _NOW - timedelta(seconds=rng.randrange(days * 86400))


def write_tenant(root: Path, users: int, seed: int = 3, hard: bool = False) -> Path:
    """Write a synthetic engagement folder with ``users`` users; return it.

    ``hard`` writes the hard case (see the module docstring).
    """
    rng = random.Random(seed)
    exports = root / "exports"
    exports.mkdir(parents=True, exist_ok=True)
    (root / "client.yaml").write_text(
        "client:\n  name: Synthetic Oy\nperiod: 2026-Q4\nas_of: 2026-11-20\n"
    )
    upns = [f"user{n:06d}@synthetic.example" for n in range(users)]
    active, usage, devices, mfa = [], [], [], []
    for n, upn in enumerate(upns):
        name = f"User {n:06d}"
        active.append(
            {
                "Block credential": rng.choice(("False",) * 9 + ("True",)),
                "City": rng.choice(("Espoo", "Tampere", "Oulu")),
                "Country/Region": "Finland",
                "Department": rng.choice(("Sales", "Ops", "Finance", "IT")),
                "DirSyncEnabled": "False",
                "Display name": name,
                "First name": "User",
                "Last name": f"{n:06d}",
                "Last password change time stamp": f"{_stamp(rng, 400):%Y-%m-%d}",
                "License reconciliation needed": "False",
                "Licenses": rng.choice(_PRODUCTS),
                "Object Id": f"{rng.getrandbits(128):032x}",
                "Office": "HQ",
                "Password never expires": "False",
                "Postal code": "02100",
                "Preferred language": "fi-FI",
                "Proxy addresses": f"SMTP:{upn}",
                "Strong password required": "True",
                "Title": "Specialist",
                "Usage location": "FI",
                "User principal name": upn,
                "When created": f"{_stamp(rng, 2000):%Y-%m-%d %H:%M:%S}",
            }
        )
        row = {
            "Report Refresh Date": "2026-11-19",
            "User Principal Name": upn,
            "Display Name": name,
            "Is Deleted": "False",
            "Has Exchange License": "True",
            "Has Teams License": "True",
            "Assigned Products": active[-1]["Licenses"].upper(),
        }
        for svc in ("Exchange", "OneDrive", "SharePoint", "Teams"):
            if rng.random() < 0.8:
                row[f"{svc} Last Activity Date"] = f"{_stamp(rng, 200):%Y-%m-%d}"
        usage.append(row)
        server = hard and n % 10 == 9
        devices.append(
            {
                "Device ID": f"{rng.getrandbits(128):032x}",
                "Device name": f"{'SRV' if server else 'SYN'}-{n:06d}",
                "Enrollment date": f"{_stamp(rng, 1500):%Y-%m-%d %H:%M:%S}",
                "Last check-in": f"{_stamp(rng, 120):%Y-%m-%d %H:%M:%S}.0000000",
                "Azure AD Device ID": f"{rng.getrandbits(128):032x}",
                "OS version": rng.choice(("10.0.19045.3930", "10.0.22631.4460")),
                "Serial number": f"PF{rng.getrandbits(32):08X}",
                "Manufacturer": "LENOVO",
                "Model": "ThinkPad T14",
                "Total storage": "243852",
                "Free storage": str(rng.randrange(1000, 200000)),
                "Primary user UPN": upn,
                "OS": "Windows",
                "Ownership": "Corporate",
                "Compliance": rng.choice(("Compliant", "Compliant", "Not Compliant")),
                "Managed by": "Intune",
                "Encrypted": rng.choice(("True", "True", "False")),
            }
        )
        mfa.append(
            {
                "User principal name": upn,
                "Display name": name,
                "User type": "Member",
                "Admin": "True" if n % 500 == 0 else "False",
                "MFA capable": "True",
                "MFA registered": rng.choice(("True", "True", "False")),
                "Passwordless capable": "False",
                "SSPR registered": "True",
                "Default MFA method": "microsoftAuthenticatorPush",
                "Methods registered": "microsoftAuthenticatorPush, mobilePhone",
            }
        )
    _write(exports / "active_users.csv", _HEADERS["m365_active_users"], active)
    _write(exports / "usage_detail.csv", _HEADERS["m365_usage_active_users"], usage)
    _write(exports / "intune_devices.csv", _HEADERS["intune_devices"], devices)
    _write(exports / "mfa.csv", _HEADERS["mfa_registration"], mfa)
    # Veeam history on a European server: day-first dates, one session per
    # job per night, as many sessions as users. Jobs start within the hour
    # after 22:00 and run up to two hours, so times are mostly distinct.
    jobs = max(1, users // 100)
    sessions = []
    for n in range(users):
        start = _NOW - timedelta(days=n // jobs, hours=14)
        start += timedelta(seconds=rng.randrange(3600))
        end = start + timedelta(seconds=rng.randrange(300, 7200))
        sessions.append(
            {
                "Job name": f"Job {n % jobs:04d}",
                "Session type": "Backup",
                "Start time": f"{start:%d.%m.%Y %H:%M:%S}",
                "End time": f"{end:%d.%m.%Y %H:%M:%S}",
                "Result": rng.choice(("Success",) * 8 + ("Warning", "Failed")),
            }
        )
    _write(exports / "veeam_sessions.csv", _HEADERS["veeam_sessions"], sessions)
    if hard:
        devices += _mobiles(upns, rng)
        _write(exports / "intune_devices.csv", _HEADERS["intune_devices"], devices)
        _lengthen(exports, rng)
        _write_more(exports, upns, devices, rng)
    return root


def _mobiles(upns: list[str], rng: random.Random) -> list[dict[str, str]]:
    """A phone for every user and a tablet for every third: more devices than users."""
    out = []
    for n, upn in enumerate(upns):
        kinds = [("Android", "AND")] + ([("iOS/iPadOS", "IPD")] if n % 3 == 0 else [])
        for os_name, prefix in kinds:
            out.append(
                {
                    "Device ID": f"{rng.getrandbits(128):032x}",
                    "Device name": f"{prefix}-{n:06d}",
                    "Enrollment date": f"{_stamp(rng, 900):%Y-%m-%d %H:%M:%S}",
                    "Last check-in": f"{_stamp(rng, 60):%Y-%m-%d %H:%M:%S}.0000000",
                    "Azure AD Device ID": f"{rng.getrandbits(128):032x}",
                    "OS version": rng.choice(("14", "15", "17.6", "18.1")),
                    "Serial number": f"R5C{rng.getrandbits(32):08X}",
                    "Manufacturer": "samsung" if prefix == "AND" else "Apple",
                    "Model": "SM-A556B" if prefix == "AND" else "iPad Air",
                    "Total storage": "122070",
                    "Free storage": str(rng.randrange(1000, 100000)),
                    "Primary user UPN": upn,
                    "OS": os_name,
                    "Ownership": "Corporate",
                    "Compliance": rng.choice(("Compliant",) * 4 + ("Not Compliant",)),
                    "Managed by": "Intune",
                    "Encrypted": "True",
                }
            )
    return out


def _lengthen(exports: Path, rng: random.Random) -> None:
    """Long lists: several licences, aliases and MFA methods per user."""
    path = exports / "active_users.csv"
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    for row in rows:
        upn = row["User principal name"]
        # The four single products: a portal never lists one twice.
        products = rng.sample(_PRODUCTS[:4], rng.randrange(1, 5))
        row["Licenses"] = "+".join(products)
        local, domain = upn.split("@")
        row["Proxy addresses"] = "+".join(
            [f"SMTP:{upn}"] + [f"smtp:{local}.{k}@{domain}" for k in range(8)]
        )
    _write(path, _HEADERS["m365_active_users"], rows)
    path = exports / "mfa.csv"
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    for row in rows:
        row["Methods registered"] = ", ".join(
            rng.sample(_METHODS, rng.randrange(1, len(_METHODS) + 1))
        )
    _write(path, _HEADERS["mfa_registration"], rows)


_METHODS = [
    "microsoftAuthenticatorPush",
    "mobilePhone",
    "email",
    "fido2SecurityKey",
    "softwareOneTimePasscode",
    "windowsHelloForBusiness",
]


def _item_size(gb: float) -> str:
    """Exchange's TotalItemSize as exported: "62.5 GB (67,108,864,000 bytes)"."""
    return f"{gb} GB ({int(gb * 1024**3):,} bytes)"


def _write_more(
    exports: Path,
    upns: list[str],
    devices: list[dict[str, str]],
    rng: random.Random,
) -> None:
    """The export kinds the plain tenant leaves out."""
    users = len(upns)
    _write(
        exports / "licences.csv",
        _HEADERS["m365_licences"],
        [
            {
                "Product name": p,
                "Total licenses": str(users),
                "Assigned licenses": str(users // 2),
                "Available licenses": str(users - users // 2),
            }
            for p in _PRODUCTS[:5]
        ],
    )
    _write(
        exports / "entra_users.csv",
        _HEADERS["entra_users"],
        [
            {
                "userPrincipalName": upn,
                "displayName": f"User {n:06d}",
                "objectId": f"{rng.getrandbits(128):032x}",
                "userType": "Guest" if n % 40 == 39 else "Member",
                "accountEnabled": "False" if n % 10 == 9 else "True",
                "createdDateTime": f"{_stamp(rng, 2000):%Y-%m-%dT%H:%M:%SZ}",
                "country": "Finland",
            }
            for n, upn in enumerate(upns)
        ],
    )
    _write(
        exports / "sign_ins.csv",
        _HEADERS["entra_sign_ins"],
        [
            {
                "Date (UTC)": f"{_stamp(rng, 30):%Y-%m-%dT%H:%M:%SZ}",
                "Request ID": f"{rng.getrandbits(64):016x}",
                "Username": rng.choice(upns),
                "Application": "Office 365 Exchange Online",
                "Status": rng.choice(("Success",) * 9 + ("Failure",)),
                "Client app": "Browser",
            }
            for _ in range(users)
        ],
    )
    servers = [d["Device name"] for d in devices if d["Device name"].startswith("SRV")]
    # Most servers are backed up; every fifth has no job (FND-07 fails).
    backed = [s for n, s in enumerate(servers) if n % 5]
    _write(
        exports / "backup_jobs.csv",
        _HEADERS["backup_jobs"],
        [
            {
                "Job name": f"Nightly {s}",
                "Protected system": s,
                "Last run": f"{_NOW - timedelta(hours=10):%Y-%m-%d %H:%M:%S}",
                "Last result": rng.choice(("Success",) * 9 + ("Failed",)),
                "Last success": f"{_stamp(rng, 3):%Y-%m-%d %H:%M:%S}",
            }
            for s in backed
        ],
    )
    # Fifty Azure VMs backed up nightly, each at its own minute after 21:00.
    starts = [
        _NOW - timedelta(days=n // 50, hours=3, minutes=n % 50)
        for n in range(max(50, users // 10))
    ]
    _write(
        exports / "azure_backup.csv",
        _HEADERS["azure_backup_jobs"],
        [
            {
                "Workload name": f"vm-{n % 50:03d}",
                "Operation": "Backup",
                "Status": rng.choice(("Completed",) * 9 + ("Failed",)),
                "Type": "Azure Virtual Machine",
                "Start time": f"{start:%Y-%m-%d %H:%M:%S}",
                "Duration": "00:12:31",
            }
            for n, start in enumerate(starts)
        ],
    )
    _write(
        exports / "patch_status.csv",
        _HEADERS["patch_status"],
        [
            {
                "Device name": d["Device name"],
                "Last patch install": f"{_stamp(rng, 90):%Y-%m-%d}",
                "Missing updates": str(rng.choice((0, 0, 0, 1, 3))),
                "Failed updates": str(rng.choice((0, 0, 0, 0, 1))),
                "Last scan": f"{_stamp(rng, 7):%Y-%m-%d}",
            }
            for d in devices
        ],
    )
    # Mailboxes: Exchange PowerShell for every user, the usage report for the
    # same users (its rows then skipped as already read) and a few more.
    kinds = ("UserMailbox",) * 8 + ("SharedMailbox", "RoomMailbox")
    _write(
        exports / "exo_mailboxes.csv",
        # The mailbox facts only: forwarding is mailbox_forwarding.csv's (the
        # same format; a file with forwarding columns gives mail_forwarding).
        [h for h in _HEADERS["exo_mailboxes"] if not h.startswith(_FORWARDING)],
        [
            {
                "UserPrincipalName": upn,
                "RecipientTypeDetails": kinds[n % 10],
                "LitigationHoldEnabled": "True" if n % 50 == 9 else "False",
                "ArchiveStatus": "Active" if n % 20 == 9 else "None",
                "TotalItemSize": _item_size(n % 70 + 0.5),
            }
            for n, upn in enumerate(upns)
        ],
    )
    _write(
        exports / "mailbox_usage.csv",
        _HEADERS["m365_mailbox_usage"],
        [
            {
                "Report Refresh Date": f"{_NOW:%Y-%m-%d}",
                "User Principal Name": upn,
                "Is Deleted": "False",
                "Storage Used (Byte)": str(rng.randrange(10**6, 60 * 1024**3)),
                "Has Archive": "False",
                "Recipient Type": "User",
                "Report Period": "7",
            }
            for upn in upns[: users // 2]
            + [f"room{n}@contoso.example" for n in range(5)]
        ],
    )
    roles = ("Global Administrator", "User Administrator", "Exchange Administrator")
    _write(
        exports / "role_assignments.csv",
        _HEADERS["role_assignments"],
        [
            {
                "Role": roles[n % 3],
                "User principal name": upn,
                "Assignment type": "Eligible" if n % 2 else "Permanent",
            }
            for n, upn in enumerate(upns[:: max(1, users // 500)])
        ],
    )
    _write(
        exports / "per_user_mfa.csv",
        _HEADERS["per_user_mfa"],
        [
            {
                "User principal name": upn,
                "Per-user MFA state": rng.choice(("Enforced", "Enabled", "")),
            }
            for upn in upns
        ],
    )
    _write_tenant_json(exports, upns, rng)

    _write_issue13(exports, upns, devices, rng)


def _write_tenant_json(exports: Path, upns: list[str], rng: random.Random) -> None:
    """Saved Graph JSON of the tenant settings REV-10..REV-16 read."""
    day = datetime(2026, 11, 20)
    docs: dict[str, Any] = {
        "security_defaults.json": {"id": "0", "isEnabled": False},
        "ca_policies.json": {
            "value": [
                {
                    "id": f"ca-{n}",
                    "displayName": f"Policy {n}",
                    "state": ("enabled", "enabledForReportingButNotEnforced")[n % 2],
                    "conditions": {
                        "users": {"includeUsers": ["All"], "excludeUsers": upns[:n]},
                        "applications": {"includeApplications": ["All"]},
                        "clientAppTypes": ["all"],
                    },
                    "grantControls": {"operator": "OR", "builtInControls": ["mfa"]},
                }
                for n in range(4)
            ]
        },
        "secure_scores.json": {
            "value": [
                {
                    "createdDateTime": f"{day - timedelta(days=d):%Y-%m-%dT00:00:00Z}",
                    "currentScore": 40 + rng.random() * 10,
                    "maxScore": 120,
                    "averageComparativeScores": [
                        {"basis": "AllTenants", "averageScore": 42.0}
                    ],
                }
                for d in range(90)
            ]
        },
        "applications.json": {
            "value": [
                {
                    "id": f"app-{n}",
                    "appId": f"app-{n}",
                    "displayName": f"App {n}",
                    "passwordCredentials": [
                        {
                            "keyId": f"k{n}",
                            "startDateTime": "2026-01-01T00:00:00Z",
                            "endDateTime": f"{2026 + n % 4}-06-01T00:00:00Z",
                        }
                    ],
                    "keyCredentials": [],
                }
                for n in range(max(1, len(upns) // 50))
            ]
        },
        "authorization_policy.json": {
            "id": "authorizationPolicy",
            "defaultUserRolePermissions": {"permissionGrantPoliciesAssigned": []},
        },
        "spo_tenant.json": {"SharingCapability": "ExternalUserSharingOnly"},
    }
    for name, doc in docs.items():
        (exports / name).write_text(json.dumps(doc), encoding="utf-8")


def _write_issue13(
    exports: Path,
    upns: list[str],
    devices: list[dict[str, str]],
    rng: random.Random,
) -> None:
    """Issue 13's exports: Exchange Online, antivirus, BitLocker keys and LAPS."""
    domains = ("contoso.example", "contoso-group.example")
    _write(
        exports / "accepted_domains.csv",
        _HEADERS["exchange_accepted_domains"],
        [
            {"DomainName": d, "DomainType": "Authoritative", "Default": str(n == 0)}
            for n, d in enumerate(domains)
        ],
    )
    _write(
        exports / "outbound_spam.csv",
        _HEADERS["exchange_outbound_spam"],
        [{"Name": "Default", "AutoForwardingMode": "Automatic", "IsDefault": "True"}],
    )
    _write(
        exports / "mailbox_forwarding.csv",
        # Get-Mailbox with the forwarding columns only: the mailbox facts
        # come from exo_mailboxes.csv, one file per dataset.
        [
            "UserPrincipalName",
            "PrimarySmtpAddress",
            "ForwardingSmtpAddress",
            "ForwardingAddress",
            "DeliverToMailboxAndForward",
        ],
        [
            {
                "UserPrincipalName": upn,
                "PrimarySmtpAddress": upn,
                "ForwardingSmtpAddress": f"smtp:x{n}@gmail.example"
                if n % 97 == 5
                else "",
                "DeliverToMailboxAndForward": "False",
            }
            for n, upn in enumerate(upns)
        ],
    )
    _write(
        exports / "inbox_rules.csv",
        _HEADERS["exchange_inbox_rules"],
        [
            {
                "Mailbox": upn,
                "Name": "Forward invoices",
                "Enabled": "True",
                "ForwardTo": f'"x" [SMTP:x{n}@attacker.example]' if n % 3 else "",
            }
            for n, upn in enumerate(upns[:: max(1, len(upns) // 50)])
        ],
    )
    _write(
        exports / "dkim.csv",
        _HEADERS["exchange_dkim_signing"],
        [
            {"Domain": d, "Enabled": str(n == 0), "Selector1CNAME": f"selector1-{n}"}
            for n, d in enumerate(domains)
        ],
    )
    windows = [d for d in devices if "windows" in d.get("OS", "").lower()]
    _write(
        exports / "antivirus.csv",
        _HEADERS["intune_antivirus"],
        [
            {
                "Device name": d["Device name"],
                "Device state": rng.choice(("Clean",) * 19 + ("Critical failure",)),
                "Real-time protection": "True",
                "Signature update overdue": rng.choice(("False",) * 9 + ("True",)),
                "Last reported": f"{_stamp(rng, 3):%Y-%m-%d %H:%M:%S}",
            }
            for d in windows
        ],
    )
    _write(
        exports / "defender_inventory.csv",
        _HEADERS["defender_device_inventory"],
        [
            {
                "Device Name": d["Device name"],
                "OS Platform": "Windows11",
                "Health Status": "Active",
                "Onboarding Status": "Onboarded",
                "Last Seen": f"{_stamp(rng, 3):%Y-%m-%d %H:%M:%S}",
            }
            for d in windows[:10]
        ],
    )
    with_id = [d for d in windows if d.get("Azure AD Device ID")]
    _write(
        exports / "bitlocker_keys.csv",
        _HEADERS["entra_bitlocker_keys"],
        [
            {
                "Id": f"{rng.getrandbits(128):032x}",
                "DeviceId": d["Azure AD Device ID"],
                "CreatedDateTime": f"{_stamp(rng, 400):%Y-%m-%dT%H:%M:%SZ}",
                "VolumeType": "operatingSystemVolume",
            }
            for n, d in enumerate(with_id)
            if n % 11
        ],
    )
    _write(
        exports / "laps.csv",
        _HEADERS["entra_laps_credentials"],
        [
            {
                "Id": d["Azure AD Device ID"],
                "DeviceName": d["Device name"],
                "LastBackupDateTime": f"{_stamp(rng, 40):%Y-%m-%dT%H:%M:%SZ}",
            }
            for n, d in enumerate(with_id)
            if n % 7
        ],
    )


def main() -> None:
    """Command line: write a synthetic engagement."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--users", type=int, default=50_000)
    parser.add_argument("--hard", action="store_true", help="the hard case")
    args = parser.parse_args()
    write_tenant(args.out, args.users, hard=args.hard)
    print(f"wrote {args.out} ({args.users} users{', hard case' if args.hard else ''})")


if __name__ == "__main__":
    main()
