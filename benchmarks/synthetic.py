"""A synthetic tenant: export files of N users and devices, as portals write them.

Usage::

    python benchmarks/synthetic.py OUT_DIR --users 50000

writes an engagement folder (``client.yaml`` and ``exports/``) with the
Microsoft 365 Active users export, the Active users detail usage report,
the Intune All devices export (one device per user), the Entra user
registration details and a Veeam session history. Headers come from the
formats the exports collector knows, so the files are what it would meet.
The data is random but seeded: the same N gives the same bytes.
"""

from __future__ import annotations

import argparse
import csv
import random
from datetime import datetime, timedelta
from pathlib import Path

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


def _write(path: Path, header: tuple[str, ...], rows: list[dict[str, str]]) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh, lineterminator="\r\n")
        w.writerow(header)
        for row in rows:
            w.writerow([row.get(h, "") for h in header])


def _stamp(rng: random.Random, days: int) -> datetime:
    return _NOW - timedelta(seconds=rng.randrange(days * 86400))


def write_tenant(root: Path, users: int, seed: int = 3) -> Path:
    """Write a synthetic engagement folder with ``users`` users; return it."""
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
        devices.append(
            {
                "Device ID": f"{rng.getrandbits(128):032x}",
                "Device name": f"SYN-{n:06d}",
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
    return root


def main() -> None:
    """Command line: write a synthetic engagement."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--users", type=int, default=50_000)
    args = parser.parse_args()
    write_tenant(args.out, args.users)
    print(f"wrote {args.out} ({args.users} users)")


if __name__ == "__main__":
    main()
