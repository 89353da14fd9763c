"""Rule evaluators through the engine, on frames built by the canonical validator.

Every case builds its datasets from raw string cells with ``datasets.build``
(so the data has passed the same validator as a real export), runs the whole
catalogue with ``engine.evaluate`` and looks at one finding by rule id.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

import pandas as pd
import pytest

from healthcheck import datasets, engine, rules
from healthcheck.model import Finding, Status

AS_OF = date(2026, 11, 20)
NOW = datetime(2026, 11, 20, 23, 59, 59)
COLLECTED = datetime(2026, 11, 20)

Rows = list[dict[str, str]]


# --------------------------------------------------------------------- helpers


def frame(name: str, rows: Rows) -> pd.DataFrame:
    """A canonical frame built the real way, from string cells."""
    ds = datasets.build(
        name,
        pd.DataFrame(rows),
        collector="test",
        collected_at=COLLECTED,
        origin=[("t.csv", i + 2) for i in range(len(rows))],
    )
    # Test data is meant to be valid: a silently rejected row would make a
    # case test something other than what it says.
    assert ds.rejected == (), ds.rejected
    assert len(ds.frame) == len(rows)
    return ds.frame


def run(
    data: Mapping[str, Rows],
    *,
    as_of: date = AS_OF,
    now: datetime = NOW,
    overrides: Mapping[str, Any] | None = None,
    missing_reasons: Mapping[str, str] | None = None,
    rules_section: Mapping[str, Any] | None = None,
    collected_at: Mapping[str, datetime] | None = None,
) -> dict[str, Finding]:
    """Evaluate the whole catalogue; findings by rule id.

    ``rules_section`` is a ``client.yaml`` ``rules:`` section, validated the
    way a run validates it.
    """
    frames = {name: frame(name, rows) for name, rows in data.items()}
    findings = engine.evaluate(
        frames,
        as_of=as_of,
        now=now,
        overrides=overrides,
        missing_reasons=missing_reasons,
        rule_settings=engine.parse_rule_settings(rules_section),
        collected_at=collected_at,
    )
    by_id = {f.rule_id: f for f in findings}
    assert len(by_id) == len(findings)
    return by_id


def user(
    upn: str,
    *,
    enabled: str = "True",
    user_type: str = "Member",
    created: str = "2024-01-15 09:00:00",
    last_activity: str | None = None,
) -> dict[str, str]:
    """A users row; ``last_activity`` None leaves the optional column out."""
    row = {
        "upn": upn,
        "display_name": upn.split("@")[0].title(),
        "user_type": user_type,
        "enabled": enabled,
        "created": created,
    }
    if last_activity is not None:
        row["last_activity"] = last_activity
    return row


def assign(upn: str, sku: str) -> dict[str, str]:
    """A licence_assignments row."""
    return {"upn": upn, "sku": sku}


def sub(sku: str, purchased: str, assigned: str) -> dict[str, str]:
    """A licence_skus row."""
    return {"sku": sku, "name": "", "purchased": purchased, "assigned": assigned}


def device(
    name: str,
    *,
    os: str = "Windows",
    os_version: str = "10.0.26100.2314",
    last_check_in: str = "2026-11-19 08:00:00",
    encrypted: str | None = None,
    total_mb: str | None = None,
    free_mb: str | None = None,
    compliance: str = "compliant",
    primary_user: str = "",
    os_edition: str | None = None,
) -> dict[str, str]:
    """A devices row; optional columns are left out when None."""
    row = {
        "device_id": f"id-{name}",
        "name": name,
        "os": os,
        "os_version": os_version,
        "last_check_in": last_check_in,
        "compliance": compliance,
        "primary_user": primary_user,
    }
    if encrypted is not None:
        row["encrypted"] = encrypted
    if total_mb is not None:
        row["total_storage_mb"] = total_mb
    if free_mb is not None:
        row["free_storage_mb"] = free_mb
    if os_edition is not None:
        row["os_edition"] = os_edition
    return row


def job(
    name: str,
    result: str,
    *,
    last_run: str = "",
    last_success: str = "",
    system: str = "Veeam",
) -> dict[str, str]:
    """A backup_jobs row."""
    return {
        "job": name,
        "system": system,
        "last_run": last_run,
        "last_result": result,
        "last_success": last_success,
    }


def role(upn: str, name: str = "Global Administrator", kind: str = "Active"):
    """A role_assignments row."""
    return {"upn": upn, "role": name, "assignment": kind}


def mfa(upn: str, registered: str = "True", is_admin: str = "") -> dict[str, str]:
    """An mfa_registration row."""
    return {
        "upn": upn,
        "mfa_registered": registered,
        "is_admin": is_admin,
        "methods": "microsoftAuthenticatorPush" if registered == "True" else "",
    }


def answer(
    qid: str,
    value: str = "Yes",
    *,
    owner: str = "Pekka",
    last_reviewed: str = "2026-06-01",
    notes: str = "",
) -> dict[str, str]:
    """An interview_answers row."""
    return {
        "question_id": qid,
        "layer": "processes",
        "question": f"Is {qid} in place?",
        "answer": value,
        "owner": owner,
        "last_reviewed": last_reviewed,
        "notes": notes,
    }


# ----------------------------------------------------------------- case table

CASES: list[dict[str, Any]] = []


def case(
    rule: str,
    name: str,
    data: Mapping[str, Rows],
    status: Status,
    detail: str,
    affected: tuple[str, ...] = (),
    **kw: Any,
) -> None:
    """Add a case: ``kw`` may carry as_of, now and overrides for ``run``."""
    CASES.append(
        dict(
            id=f"{rule}-{status.value}-{name}",
            rule=rule,
            data=data,
            status=status,
            detail=detail,
            affected=affected,
            run=kw,
        )
    )


P, F, N = Status.PASS, Status.FAIL, Status.NOT_ASSESSED

# FND-01: devices checking in within 30 days (cutoff 2026-10-21 23:59:59).
case(
    "FND-01",
    "recent",
    {
        "devices": [
            device("pc-1", last_check_in="2026-11-19 08:00:00"),
            device("pc-2", last_check_in="2026-10-25"),
        ]
    },
    P,
    "All 2 devices checked in within 30 days.",
)
case(
    "FND-01",
    "old-and-never",
    {
        "devices": [
            device("pc-ok", last_check_in="2026-11-19 08:00:00"),
            device("pc-old", last_check_in="2026-09-01 12:00:00"),
            device("pc-never", last_check_in=""),
        ]
    },
    F,
    "2 devices of 3 have not checked in for more than 30 days.",
    ("pc-never", "pc-old"),
)
case(
    "FND-01",
    "no-check-in-date-is-stale",
    {"devices": [device("pc-never", last_check_in="Never")]},
    F,
    "1 device of 1 has not checked in",
    ("pc-never",),
)

# FND-02: disk encryption; devices with an unknown state are noted, not failed.
case(
    "FND-02",
    "encrypted-some-unknown",
    {
        "devices": [
            device("pc-1", encrypted="True"),
            device("pc-2", encrypted="Yes"),
            device("pc-3", encrypted=""),
        ]
    },
    P,
    "All 2 devices with a known state are encrypted. "
    "1 device not judged: its encryption state is unknown.",
)
case(
    "FND-02",
    "one-plain",
    {
        "devices": [
            device("pc-1", encrypted="True"),
            device("pc-2", encrypted="False"),
        ]
    },
    F,
    "1 device of 2 is not encrypted.",
    ("pc-2",),
)

# FND-03: OS end of support against os_lifecycle.csv (endoflife.date, by
# release and edition family). The assessment date is 2026-11-20.
case(
    "FND-03",
    "win11-mac-server2016",
    {
        "devices": [
            device("pc-11", os_version="10.0.26200.2314"),
            device("mac-1", os="macOS", os_version="15.1.0"),
            # Named as a server: Server 2016, supported until 2027-01-12.
            device("srv-2016", os_version="10.0.14393.7515"),
        ]
    },
    P,
    "No device of 3 runs an OS past end of support.",
)
case(
    "FND-03",
    "win10",
    {
        "devices": [
            device("pc-10", os_version="10.0.19045.5011"),
            device("pc-11", os_version="10.0.26200.2314"),
        ]
    },
    F,
    "1 device runs an unsupported OS: 1 on Windows 10 22H2 (ended 2025-10-14).",
    ("pc-10",),
)
case(
    "FND-03",
    "win10-before-end",
    {"devices": [device("pc-10", os_version="10.0.19045.5011")]},
    P,
    "No device of 1 runs an OS past end of support.",
    as_of=date(2025, 10, 13),
)
case(
    "FND-03",
    "win10-day-after-end",
    {"devices": [device("pc-10", os_version="10.0.19045.5011")]},
    F,
    "1 on Windows 10 22H2 (ended 2025-10-14)",
    ("pc-10",),
    as_of=date(2025, 10, 15),
)
case(
    "FND-03",
    "server2016-after-2027-01-12",
    {
        "devices": [
            device("srv-2016", os_version="10.0.14393.7515"),
            device("pc-11", os_version="10.0.26200.2314"),
        ]
    },
    F,
    "1 on Windows Server 2016 (ended 2027-01-12)",
    ("srv-2016",),
    as_of=date(2027, 2, 1),
)
# Windows 11 21H2, 22H2 and 23H2 ended for every edition by 2026-11-10.
case(
    "FND-03",
    "win11-old-releases",
    {
        "devices": [
            device("pc-21h2", os_version="10.0.22000.2538"),
            device("pc-22h2", os_version="10.0.22621.4317", os_edition="Enterprise"),
            device("pc-23h2", os_version="10.0.22631.5909"),
            device("pc-25h2", os_version="10.0.26200.7171"),
        ]
    },
    F,
    "3 devices run an unsupported OS: 1 on Windows 11 21H2 (ended 2024-10-08); "
    "1 on Windows 11 22H2 Enterprise/Education (ended 2025-10-14); "
    "1 on Windows 11 23H2 (ended 2026-11-10).",
    ("pc-21h2", "pc-22h2", "pc-23h2"),
)
# 24H2 Home/Pro ended 2026-10-13, Enterprise runs to 2027-10-12: the edition
# decides, and without it the device is counted, never guessed.
case(
    "FND-03",
    "win11-24h2-by-edition",
    {
        "devices": [
            device("pc-pro", os_version="10.0.26100.7171", os_edition="Professional"),
            device("pc-ent", os_version="10.0.26100.7171", os_edition="Enterprise"),
            device("pc-sku", os_version="10.0.26100.7171", os_edition="48"),
            device("pc-unknown", os_version="10.0.26100.7171"),
        ]
    },
    F,
    "2 devices run an unsupported OS: 2 on Windows 11 24H2 Home/Pro "
    "(ended 2026-10-13). 1 device not judged: its support depends on the edition",
    ("pc-pro", "pc-sku"),
)
case(
    "FND-03",
    "win11-24h2-pro-before-end",
    {"devices": [device("pc-pro", os_version="10.0.26100.1", os_edition="Pro")]},
    P,
    "No device of 1 runs an OS past end of support.",
    as_of=date(2026, 10, 13),
)
# LTSC 2021 (19044) runs to 2027-01-12; LTSB 2016 (14393) ended 2026-10-13.
case(
    "FND-03",
    "ltsc-and-ltsb",
    {
        "devices": [
            device(
                "kiosk-ltsc",
                os="Windows 10 Enterprise LTSC 2021",
                os_version="10.0.19044.6456",
            ),
            device("kiosk-ltsb", os_version="10.0.14393.9612", os_edition="LTSB"),
            device("kiosk-s", os_version="10.0.19044.6456", os_edition="EnterpriseS"),
        ]
    },
    F,
    "1 device runs an unsupported OS: 1 on Windows 10 1607 Enterprise LTSC "
    "(ended 2026-10-13).",
    ("kiosk-ltsb",),
)
# Without an edition, 19044 is the ordinary 21H2 release (ended 2024).
case(
    "FND-03",
    "win10-21h2-general",
    {"devices": [device("pc-21h2", os_version="10.0.19044.6456")]},
    F,
    "1 on Windows 10 21H2 (ended 2024-06-11)",
    ("pc-21h2",),
)
case(
    "FND-03",
    "apple-and-android",
    {
        "devices": [
            device("mac-old", os="macOS", os_version="12.7.6"),
            device("mac-new", os="macOS", os_version="26.1"),
            device("ipad", os="iPadOS", os_version="17.7.10"),
            device("phone-a", os="Android", os_version="12"),
            device("phone-b", os="Android", os_version="16"),
            device("iphone", os="iOS", os_version="26.0.1"),
        ]
    },
    F,
    "1 on Android 12 Snow Cone (ended 2025-03-03); 1 on macOS 12 Monterey "
    "(ended 2024-09-16)",
    ("mac-old", "phone-a"),
)
case(
    "FND-03",
    "nothing-listed",
    {"devices": [device("tv", os="Tizen", os_version="7.0")]},
    N,
    "No device runs an OS version the lifecycle table lists",
)

# FND-09: support ends within warn_days (180) of 2026-11-20, i.e. by 2027-05-19.
case(
    "FND-09",
    "server-2016-and-ltsc-2021",
    {
        "devices": [
            device("srv-erp", os_version="10.0.14393.9612"),
            device("kiosk", os_version="10.0.19044.6456", os_edition="LTSC"),
            device("pc-25h2", os_version="10.0.26200.7171"),
        ]
    },
    F,
    "2 devices reach their OS end of support within 180 days: "
    "1 on Windows 10 21H2 Enterprise LTSC (ends 2027-01-12); "
    "1 on Windows Server 2016 (ends 2027-01-12).",
    ("kiosk", "srv-erp"),
)
case(
    "FND-09",
    "nothing-soon",
    {
        "devices": [
            device("srv-22", os_version="10.0.20348.5761"),
            # Already ended: FND-03's finding, not a warning.
            device("pc-10", os_version="10.0.19045.5011"),
            # Unknown edition: Enterprise runs past the window.
            device("pc-24h2", os_version="10.0.26100.7171"),
        ]
    },
    P,
    "No device of 3 reaches its OS end of support within 180 days.",
)
case(
    "FND-09",
    "window-overridden",
    {"devices": [device("srv-22", os_version="10.0.20348.5761")]},
    F,
    "1 on Windows Server 2022 (ends 2031-10-14)",
    ("srv-22",),
    rules_section={"FND-09": {"warn_days": 2000}},
)

# FND-04: every backup job succeeded within 26 hours (cutoff 2026-11-19 21:59:59).
case(
    "FND-04",
    "fresh",
    {
        "backup_jobs": [
            job(
                "Mail",
                "Success",
                last_run="2026-11-20 02:00:00",
                last_success="2026-11-20 02:00:00",
            ),
            # No last_success column value: a successful last run counts.
            job("Files", "Completed", last_run="2026-11-20 01:00:00"),
        ]
    },
    P,
    "All 2 backup jobs succeeded within their schedule (26 hours for a daily job).",
)
case(
    "FND-04",
    "failed-and-stale",
    {
        "backup_jobs": [
            job(
                "Files",
                "Failed",
                last_run="2026-11-20 01:00:00",
                last_success="2026-11-10 01:00:00",
            ),
            job(
                "Mail",
                "Success",
                last_run="2026-11-18 02:00:00",
                last_success="2026-11-18 02:00:00",
            ),
            job(
                "Web",
                "OK",
                last_run="2026-11-20 03:00:00",
                last_success="2026-11-20 03:00:00",
            ),
        ]
    },
    F,
    "2 backup jobs of 3 have no success within their schedule "
    "(26 hours for a daily job): Files (failed), Mail (success).",
    ("Files", "Mail"),
)
case(
    "FND-04",
    "warning-is-a-success-that-is-listed",
    {
        "backup_jobs": [
            job(
                "SQL",
                "Warning",
                last_run="2026-11-20 01:00:00",
                last_success="2026-11-19 01:00:00",
            )
        ]
    },
    P,
    "1 job finished with a warning, which counts as a success: SQL.",
)
case(
    "FND-04",
    "weekly-job-judged-against-a-week",
    {
        "backup_jobs": [
            {
                **job(
                    "Archive",
                    "Success",
                    last_run="2026-11-15 03:00:00",
                    last_success="2026-11-15 03:00:00",
                ),
                "schedule": "Weekly",
            },
            {**job("Files", "Success", last_run="2026-11-20 01:00:00"), "schedule": ""},
        ]
    },
    P,
    "All 2 backup jobs succeeded within their schedule",
)
case(
    "FND-04",
    "weekly-job-older-than-a-week",
    {
        "backup_jobs": [
            {
                **job("Archive", "Success", last_run="2026-11-12 03:00:00"),
                "schedule": "Weekly",
            },
            {
                **job("Files", "Success", last_run="2026-11-18 01:00:00"),
                "schedule": "Every 12 hours",
            },
        ]
    },
    F,
    "2 backup jobs of 2 have no success",
    ("Archive", "Files"),
)

# FND-05: at least 20 % free disk; exactly 20 % is enough.
case(
    "FND-05",
    "enough",
    {
        "devices": [
            device("pc-1", total_mb="500000", free_mb="100000"),
            device("pc-2", total_mb="250000", free_mb="125000"),
        ]
    },
    P,
    "All 2 devices have at least 20 % free disk.",
)
case(
    "FND-05",
    "one-full",
    {
        "devices": [
            device("pc-1", total_mb="500000", free_mb="49999"),
            device("pc-2", total_mb="250000", free_mb="125000"),
            # Unknown size: not counted either way.
            device("pc-3", total_mb="", free_mb=""),
        ]
    },
    F,
    "1 device of 2 has less than 20 % free disk.",
    ("pc-1",),
)

# DOC-05: disabled accounts hold no paid licences or admin roles.
# A blocked account kept as a shared mailbox with an archive needs its
# licence (the admin's refutation): not failed; a plain one still is.
_KEPT = {
    "users": [
        user("ann@x.fi"),
        user("info@x.fi", enabled="False"),
        user("old@x.fi", enabled="False"),
    ],
    "licence_assignments": [
        assign("ann@x.fi", "SPB"),
        assign("info@x.fi", "SPB"),
        assign("old@x.fi", "SPB"),
    ],
    "mailboxes": [
        {"upn": "info@x.fi", "recipient_type": "SharedMailbox", "has_archive": "True"},
        {"upn": "old@x.fi", "recipient_type": "UserMailbox", "has_archive": "False"},
    ],
}
case(
    "DOC-05",
    "shared-mailbox-with-archive-keeps-its-licence",
    {**_KEPT, "licence_assignments": _KEPT["licence_assignments"][:2]},
    P,
    "1 blocked account keeps its licence because its mailbox needs one",
)
case(
    "DOC-05",
    "plain-blocked-account-still-fails-beside-a-kept-mailbox",
    _KEPT,
    F,
    "1 account with paid licences. 1 blocked account keeps its licence",
    affected=("old@x.fi",),
)
case(
    "DOC-05",
    "free-sku-only",
    {
        "users": [user("ann@x.fi"), user("bob@x.fi", enabled="False")],
        "licence_assignments": [
            assign("ann@x.fi", "SPB"),
            assign("bob@x.fi", "FLOW_FREE"),
        ],
    },
    P,
    "None of the 1 disabled account holds a paid licence.",
)
case(
    "DOC-05",
    "with-roles-known",
    {
        "users": [user("ann@x.fi"), user("bob@x.fi", enabled="False")],
        "licence_assignments": [assign("ann@x.fi", "SPB")],
        "role_assignments": [role("ann@x.fi")],
    },
    P,
    "holds a paid licence or an admin role.",
)
case(
    "DOC-05",
    "licence-and-role",
    {
        "users": [
            user("ann@x.fi"),
            user("Bob@X.fi", enabled="False"),
            user("cid@x.fi", enabled="Disabled"),
        ],
        "licence_assignments": [
            assign("ann@x.fi", "SPB"),
            assign("BOB@x.fi", "SPB"),
            assign("cid@x.fi", "TEAMS_EXPLORATORY"),
        ],
        "role_assignments": [role("ann@x.fi"), role("cid@x.fi", "User Administrator")],
    },
    F,
    "Of 2 disabled accounts: 1 account with paid licences and "
    "1 account with admin roles.",
    ("bob@x.fi", "cid@x.fi"),
)

# REV-01: paid seats all assigned; free SKUs never count.
case(
    "REV-01",
    "all-assigned-free-spare",
    {
        "licence_skus": [
            sub("SPB", "10", "10"),
            sub("FLOW_FREE", "10000", "2"),
            sub("TEAMS_EXPLORATORY", "100", "1"),
        ]
    },
    P,
    "All seats of 1 paid subscription are assigned.",
)
case(
    "REV-01",
    "spare",
    {
        "licence_skus": [
            sub("SPB", "12", "10"),
            sub("EXCHANGESTANDARD", "3", "1"),
            sub("O365_BUSINESS_ESSENTIALS", "2", "3"),
            sub("FLOW_FREE", "10000", "3"),
        ]
    },
    F,
    "4 purchased seats are unassigned: Exchange Online (Plan 1) 2, "
    "Microsoft 365 Business Premium 2.",
    (
        "Exchange Online (Plan 1) (EXCHANGESTANDARD): 2",
        "Microsoft 365 Business Premium (SPB): 2",
    ),
)

# REV-02: licensed accounts used within 90 days (cutoff 2026-08-22).
case(
    "REV-02",
    "active",
    {
        "users": [
            user("ann@x.fi", last_activity="2026-11-18"),
            # Inactive, but holds no paid licence.
            user("bob@x.fi", last_activity="2025-01-01"),
        ],
        "licence_assignments": [
            assign("ann@x.fi", "SPB"),
            assign("bob@x.fi", "FLOW_FREE"),
        ],
    },
    P,
    "Every licensed account was active within 90 days.",
)
case(
    "REV-02",
    "new-account-never-active",
    {
        "users": [
            user("new@x.fi", created="2026-10-01 09:00:00", last_activity=""),
            user("ann@x.fi", last_activity="2026-11-18"),
        ],
        "licence_assignments": [
            assign("new@x.fi", "SPB"),
            assign("ann@x.fi", "SPB"),
        ],
    },
    P,
    "Every licensed account was active within 90 days.",
)
case(
    "REV-02",
    "quiet-and-never",
    {
        "users": [
            user("ann@x.fi", last_activity="2026-11-18"),
            user("old@x.fi", last_activity="2026-05-01"),
            user("never@x.fi", created="2023-03-01 08:00:00", last_activity="never"),
            # Disabled accounts are DOC-05's business, not REV-02's.
            user("gone@x.fi", enabled="False", last_activity="2025-01-01"),
        ],
        "licence_assignments": [
            assign("ann@x.fi", "SPB"),
            assign("old@x.fi", "SPB"),
            assign("never@x.fi", "O365_BUSINESS_ESSENTIALS"),
            assign("gone@x.fi", "SPB"),
        ],
    },
    F,
    "2 licensed accounts have had no activity for more than 90 days.",
    ("never@x.fi", "old@x.fi"),
)
# 50 days quiet: fine under the default 90, inactive under a client's 30.
_FIFTY_DAYS = {
    "users": [user("ann@x.fi", last_activity="2026-10-01")],
    "licence_assignments": [assign("ann@x.fi", "SPB")],
}
case(
    "REV-02",
    "fifty-days-default",
    _FIFTY_DAYS,
    P,
    "active within 90 days",
)
case(
    "REV-02",
    "fifty-days-override-30",
    _FIFTY_DAYS,
    F,
    "1 licensed account has had no activity for more than 30 days.",
    ("ann@x.fi",),
    overrides={"inactive_days": 30},
)

# REV-03: two to four distinct Global Administrators.
case(
    "REV-03",
    "two",
    {
        "role_assignments": [
            role("ann@x.fi", kind="Permanent"),
            role("ann@x.fi", kind="Eligible"),
            role("bob@x.fi", "company administrator", "Eligible"),
            role("cid@x.fi", "Exchange Administrator"),
        ]
    },
    P,
    "2 accounts hold Global Administrator.",
)
case(
    "REV-03",
    "one",
    {
        "role_assignments": [
            role("ann@x.fi"),
            role("bob@x.fi", "User Administrator"),
        ]
    },
    F,
    "Only 1 account holds Global Administrator; at least 2 are needed",
    ("ann@x.fi",),
)
case(
    "REV-03",
    "group-members-count-service-principals-do-not",
    {
        "role_assignments": [
            role("ann@x.fi"),
            {**role("Tier0"), "principal_type": "Group"},
            {**role("bob@x.fi"), "principal_type": "User", "via_group": "Tier0"},
            {**role("Automation"), "principal_type": "ServicePrincipal"},
        ]
    },
    P,
    "2 accounts hold Global Administrator.",
)
case(
    "REV-03",
    "five",
    {"role_assignments": [role(f"a{i}@x.fi") for i in range(5)]},
    F,
    "5 accounts hold Global Administrator; at most 4 are recommended.",
    tuple(f"a{i}@x.fi" for i in range(5)),
)

# REV-04: every role holder has registered MFA.
case(
    "REV-04",
    "all-registered",
    {
        "role_assignments": [
            role("ann@x.fi"),
            role("bob@x.fi", "Helpdesk Administrator", "Eligible"),
        ],
        "mfa_registration": [mfa("ann@x.fi"), mfa("bob@x.fi"), mfa("cid@x.fi", "No")],
    },
    P,
    "All 2 admin accounts that sign in have registered MFA.",
)
case(
    "REV-04",
    "service-principal-sync-account-and-guest-are-not-failed",
    {
        "role_assignments": [
            role("ann@x.fi"),
            {**role("Backup app"), "principal_type": "ServicePrincipal"},
            role(
                "Sync_DC01_1a2b3c@x.onmicrosoft.com",
                "Directory Synchronization Accounts",
            ),
            role("partner_y.fi#EXT#@x.onmicrosoft.com", "Helpdesk Administrator"),
        ],
        "mfa_registration": [mfa("ann@x.fi")],
    },
    P,
    "The 1 admin account that signs in has registered MFA. 1 admin account is "
    "not in the MFA registration data (a guest, for instance): unknown, not judged.",
)
case(
    "REV-04",
    "missing",
    {
        "role_assignments": [
            role("ann@x.fi"),
            role("cid@x.fi"),
            role("dan@x.fi", "Security Administrator", "Eligible"),
        ],
        "mfa_registration": [
            mfa("ann@x.fi"),
            mfa("cid@x.fi", "False"),
            mfa("dan@x.fi", "False"),
        ],
    },
    F,
    "2 admin accounts of 3 have not registered MFA.",
    ("cid@x.fi", "dan@x.fi"),
)
case(
    "REV-04",
    "group-member-without-mfa",
    {
        "role_assignments": [
            role("ann@x.fi"),
            {**role("GA admins"), "principal_type": "Group"},
            {**role("bob@x.fi"), "principal_type": "User", "via_group": "GA admins"},
        ],
        "mfa_registration": [mfa("ann@x.fi"), mfa("bob@x.fi", "False")],
    },
    F,
    "1 admin account of 2 has not registered MFA.",
    ("bob@x.fi",),
)

# REV-05: at least 95 % of enabled member accounts have MFA; 19 of 20 is 95 %.
_MEMBERS = [user(f"u{i:02d}@x.fi") for i in range(20)]
case(
    "REV-05",
    "ninety-five",
    {
        "users": [
            *_MEMBERS,
            user("guest@y.fi", user_type="Guest"),
            user("gone@x.fi", enabled="False"),
        ],
        "mfa_registration": [
            *[mfa(f"u{i:02d}@x.fi") for i in range(19)],
            mfa("u19@x.fi", "No"),
        ],
    },
    P,
    "95 % of 20 enabled accounts have MFA.",
)
case(
    "REV-05",
    "absent-from-registration-data-is-unknown",
    {
        "users": [
            *[user(f"u{i}@x.fi") for i in range(3)],
            user("sync_dc01_1a2b3c@x.onmicrosoft.com"),
        ],
        "mfa_registration": [mfa("u0@x.fi"), mfa("u1@x.fi")],
    },
    P,
    "100 % of 2 enabled accounts have MFA. 1 account is not in the MFA "
    "registration data: unknown, not judged.",
)
case(
    "REV-05",
    "seventy-five",
    {
        "users": [user(f"u{i}@x.fi") for i in range(4)],
        "mfa_registration": [
            mfa("u0@x.fi"),
            mfa("u1@x.fi"),
            mfa("u2@x.fi"),
            mfa("u3@x.fi", "No"),
        ],
    },
    F,
    "Only 75 % of 4 enabled accounts have MFA (target 95 %).",
    ("u3@x.fi",),
)

# FND-06: the latest update of each build in catalog/windows_updates.csv that
# was released at least grace_days (14) before the assessment date.
case(
    "FND-06",
    "current-and-unknown-builds",
    {
        "devices": [
            device("pc-1", os_version="10.0.26100.9711"),
            # Newer than the table knows: current, not an error.
            device("pc-2", os_version="10.0.26200.9800"),
            device("srv-1", os_version="10.0.20348.5761"),
            # Not judged: a build the table lacks, no revision, not Windows.
            device("pc-23h2", os_version="10.0.22631.6060"),
            device("pc-norev", os_version="10.0.26100"),
            device("mac-1", os="macOS", os_version="15.1.0"),
        ]
    },
    P,
    "All 3 Windows devices run the latest update of their build released at "
    "least 14 days ago, per the update table of 2026-11-13. 3 devices not judged",
)
case(
    "FND-06",
    "september-build-in-november",
    {
        "devices": [
            device("pc-1", os_version="10.0.26100.9457"),
            device("pc-2", os_version="10.0.26100.9711"),
        ]
    },
    F,
    "1 Windows device of 2 lacks the latest cumulative update per the update "
    "table of 2026-11-13: 1 below Windows 11 24H2 26100.9711 (2026-10-13).",
    ("pc-1",),
)
# Seven days after the October update it is not yet due: September is enough.
case(
    "FND-06",
    "october-update-within-grace",
    {"devices": [device("pc-1", os_version="10.0.26100.9457")]},
    P,
    "The 1 Windows device runs the latest update of its build",
    as_of=date(2026, 10, 20),
    now=datetime(2026, 10, 20, 23, 59, 59),
)
case(
    "FND-06",
    "grace-overridden-per-rule",
    {"devices": [device("pc-1", os_version="10.0.26100.9457")]},
    P,
    "released at least 45 days ago",
    rules_section={"FND-06": {"grace_days": 45}},
)
# The table's newest update (2026-11-10) is 51 days before 2026-12-31: stale,
# so nothing is judged, however far behind the device is.
case(
    "FND-06",
    "stale-table",
    {"devices": [device("pc-1", os_version="10.0.26100.1")]},
    N,
    "The Windows update table (2026-11-13) lists no update newer than "
    "2026-11-10, more than 35 days before the assessment date",
    as_of=date(2026, 12, 31),
    now=datetime(2026, 12, 31, 23, 59, 59),
)
case(
    "FND-06",
    "table-age-overridden",
    {"devices": [device("pc-1", os_version="10.0.26100.9711")]},
    P,
    "The 1 Windows device runs the latest update",
    as_of=date(2026, 12, 31),
    now=datetime(2026, 12, 31, 23, 59, 59),
    rules_section={"FND-06": {"max_table_age_days": 60}},
)
# On 2026-11-30 the 2026-11-10 update for Server 2016 is 20 days old: due.
case(
    "FND-06",
    "server-2016-november-due",
    {"devices": [device("srv-erp", os_version="10.0.14393.9612")]},
    F,
    "1 below Windows Server 2016 / Windows 10 1607 LTSB 14393.9688 (2026-11-10)",
    ("srv-erp",),
    as_of=date(2026, 11, 30),
    now=datetime(2026, 11, 30, 23, 59, 59),
)

# FND-07: every server (server OS or SRV- style name) is some job's system.
case(
    "FND-07",
    "all-servers-covered",
    {
        "devices": [
            device("SRV-DC01"),
            device("fs1", os="Windows Server 2022"),
            device("laptop-1"),
        ],
        "backup_jobs": [
            job("DC", "Success", system="srv-dc01.corp.local"),
            job("Files", "Success", system="FS1"),
        ],
    },
    P,
    "All 2 servers have a backup job.",
)
case(
    "FND-07",
    "print-server-without-job",
    {
        "devices": [device("SRV-DC01"), device("SRV-PRINT01"), device("pc-1")],
        "backup_jobs": [job("DC", "Failed", system="SRV-DC01")],
    },
    F,
    "1 server of 2 has no backup job: SRV-PRINT01.",
    ("SRV-PRINT01",),
)
case(
    "FND-07",
    "client-naming-convention",
    {
        "devices": [device("AUR-HOST-1"), device("SRV-DC01")],
        "backup_jobs": [job("DC", "Success", system="SRV-DC01")],
    },
    F,
    "1 server of 1 has no backup job: AUR-HOST-1.",
    ("AUR-HOST-1",),
    rules_section={"FND-07": {"server_pattern": "-HOST-"}},
)

case(
    "FND-07",
    "dc1-is-not-protected-by-a-dc10-job",
    {
        "devices": [
            device("DC1", os="Windows Server 2022"),
            device("DC10", os="Windows Server 2022"),
        ],
        "backup_jobs": [job("Nightly DC10", "Success", system="")],
    },
    F,
    "1 server of 2 has no backup job: DC1.",
    ("DC1",),
)
case(
    "FND-07",
    "fqdn-job-and-short-device-case-insensitive",
    {
        "devices": [device("SRV-DC01"), device("srv-file01.corp.local")],
        "backup_jobs": [
            job("DC", "Success", system="srv-dc01.corp.local"),
            job("Nightly SRV-FILE01", "Success", system=""),
        ],
    },
    P,
    "All 2 servers have a backup job.",
)

# FND-08: non-compliant devices fail; the grace period is noted only.
case(
    "FND-08",
    "compliant-and-grace",
    {
        "devices": [
            device("pc-1", compliance="Compliant"),
            device("pc-2", compliance="In grace period"),
            device("pc-3", compliance=""),
        ]
    },
    P,
    "All 2 devices with a known state are compliant. 1 device is in the grace period.",
)
case(
    "FND-08",
    "two-spellings-of-noncompliant",
    {
        "devices": [
            device("pc-1", compliance="Noncompliant"),
            device("pc-2", compliance="non-compliant"),
            device("pc-3", compliance="Compliant"),
        ]
    },
    F,
    "2 devices of 3 are non-compliant.",
    ("pc-1", "pc-2"),
)

# DOC-07: user devices (servers left out) name a primary user.
case(
    "DOC-07",
    "servers-need-no-user",
    {
        "devices": [
            device("pc-1", primary_user="ann@x.fi"),
            device("SRV-FILE01", primary_user=""),
        ]
    },
    P,
    "The 1 user device has a primary user.",
)
case(
    "DOC-07",
    "orphan-laptop",
    {
        "devices": [
            device("pc-1", primary_user="ann@x.fi"),
            device("pc-2", primary_user=""),
            device("SRV-FILE01", primary_user=""),
        ]
    },
    F,
    "1 device of 2 has no primary user.",
    ("pc-2",),
)

# REV-06: guests used within 90 days (cutoff 2026-08-22).
case(
    "REV-06",
    "active-guest",
    {
        "users": [
            user("ann@x.fi", last_activity="2026-01-01"),
            user("g_y.fi#ext#@x.fi", user_type="Guest", last_activity="2026-11-01"),
        ]
    },
    P,
    "The 1 guest account was active within 90 days.",
)
case(
    "REV-06",
    "forgotten-guest",
    {
        "users": [
            user("g1_y.fi#ext#@x.fi", user_type="Guest", last_activity="2026-11-01"),
            user("g2_y.fi#ext#@x.fi", user_type="Guest", last_activity="2026-03-01"),
            user(
                "g3_y.fi#ext#@x.fi",
                user_type="Guest",
                created="2025-01-01 08:00:00",
                last_activity="",
            ),
        ]
    },
    F,
    "2 guest accounts of 3 have had no activity for more than 90 days.",
    ("g2_y.fi#ext#@x.fi", "g3_y.fi#ext#@x.fi"),
)

# REV-07: at most two permanent Global Administrators; eligible ones are fine.
# Eligible rows show PIM in use when no licence data says otherwise.
case(
    "REV-07",
    "two-permanent-two-eligible",
    {
        "role_assignments": [
            role("bg1@x.fi", kind="Permanent"),
            role("bg2@x.fi", kind="Active"),
            role("ann@x.fi", kind="Eligible"),
            role("bob@x.fi", kind="Eligible"),
            role("cid@x.fi", "User Administrator", "Permanent"),
        ]
    },
    P,
    "2 accounts hold Global Administrator permanently (at most 2).",
)
case(
    "REV-07",
    "three-permanent",
    {
        "role_assignments": [
            role("bg1@x.fi"),
            role("bg2@x.fi"),
            role("ann@x.fi"),
            role("bob@x.fi", kind="Eligible"),
        ]
    },
    F,
    "3 accounts hold Global Administrator permanently; at most 2",
    ("ann@x.fi", "bg1@x.fi", "bg2@x.fi"),
)
case(
    "REV-07",
    "pim-activation-is-not-standing",
    {
        "role_assignments": [
            role("bg1@x.fi", kind="Assigned"),
            role("bg2@x.fi", kind="Assigned"),
            role("ann@x.fi", kind="Activated"),
            role("ann@x.fi", kind="Eligible"),
        ],
        "licence_skus": [sub("AAD_PREMIUM_P2", "2", "2"), sub("SPB", "10", "10")],
    },
    P,
    "2 accounts hold Global Administrator permanently (at most 2).",
)
case(
    "REV-07",
    "p2-tenant-with-standing-admins",
    {
        "role_assignments": [role(f"a{i}@x.fi", kind="Assigned") for i in range(3)],
        "licence_skus": [sub("EMSPREMIUM", "3", "3")],
    },
    F,
    "3 accounts hold Global Administrator permanently",
    ("a0@x.fi", "a1@x.fi", "a2@x.fi"),
)

# REV-08: no guest holds an admin role (#EXT# UPN, or user type when known).
case(
    "REV-08",
    "members-only",
    {"role_assignments": [role("ann@x.fi"), role("bob@x.fi", "User Administrator")]},
    P,
    "None of the 2 admin accounts is a guest.",
)
case(
    "REV-08",
    "partner-guest-and-typed-guest",
    {
        "role_assignments": [
            role("ann@x.fi"),
            role("support_partner.fi#EXT#@x.fi"),
            role("ext@y.fi", "Helpdesk Administrator"),
        ],
        "users": [user("ann@x.fi"), user("ext@y.fi", user_type="Guest")],
    },
    F,
    "2 guest accounts hold admin roles: Global Administrator, Helpdesk Administrator.",
    ("ext@y.fi", "support_partner.fi#ext#@x.fi"),
)

# REV-09: Global Administrators hold no paid licence (free SKUs do not count).
case(
    "REV-09",
    "admin-accounts-unlicensed",
    {
        "role_assignments": [role("adm-ann@x.fi"), role("adm-bob@x.fi")],
        "licence_assignments": [
            assign("ann@x.fi", "SPB"),
            assign("adm-bob@x.fi", "FLOW_FREE"),
        ],
    },
    P,
    "None of the 2 Global Administrators holds a paid licence beyond Entra ID P1",
)
case(
    "REV-09",
    "identity-only-licences-are-dedicated-accounts",
    {
        "role_assignments": [role("adm-ann@x.fi"), role("adm-bob@x.fi")],
        "licence_assignments": [
            assign("adm-ann@x.fi", "AAD_PREMIUM_P2"),
            assign("adm-bob@x.fi", "AAD_PREMIUM"),
        ],
    },
    P,
    "None of the 2 Global Administrators holds a paid licence beyond Entra ID P1",
)
case(
    "REV-09",
    "p2-beside-a-mailbox-licence-still-fails",
    {
        "role_assignments": [role("ann@x.fi"), role("adm-bob@x.fi")],
        "licence_assignments": [
            assign("ann@x.fi", "AAD_PREMIUM_P2"),
            assign("ann@x.fi", "O365_BUSINESS_PREMIUM"),
            assign("adm-bob@x.fi", "AAD_PREMIUM_P2"),
        ],
    },
    F,
    "1 Global Administrator of 2 uses a licensed everyday account.",
    ("ann@x.fi",),
)
case(
    "REV-09",
    "everyday-account-is-admin",
    {
        "role_assignments": [role("ann@x.fi"), role("adm-bob@x.fi")],
        "licence_assignments": [assign("ann@x.fi", "SPB")],
    },
    F,
    "1 Global Administrator of 2 uses a licensed everyday account.",
    ("ann@x.fi",),
)

# Interview rules: "Yes" with an owner and a review within 365 days passes.
INTERVIEW = {
    "DOC-01": "onboarding_documented",
    "DOC-02": "offboarding_documented",
    "DOC-03": "restore_documented",
    "DOC-04": "incident_response_documented",
    "DOC-06": "admin_access_documented",
    "EXP-01": "escalation_contact",
    "EXP-02": "vendor_register",
    "EXP-03": "independent_advisor",
    "EXP-04": "incident_response_partner",
    "EXP-05": "external_security_review",
}
_FAILS: list[tuple[str, dict[str, str], str]] = [
    ("no", {"value": "No", "notes": "Only Pekka knows"}, "Answered 'No'."),
    ("partly", {"value": "Partially"}, "Answered 'Partly'."),
    ("dont-know", {"value": "Don't know"}, "Nobody interviewed could say."),
    ("dont-know-curly", {"value": "Don\u2019t know"}, "Nobody interviewed could say."),
    (
        "no-owner",
        {"owner": ""},
        "Answered 'Yes', but no owner is named, so it counts as 'Partly'.",
    ),
    (
        "no-date",
        {"last_reviewed": ""},
        "(owner Pekka), but no review date is given, so it counts as 'Partly'.",
    ),
    (
        "stale-366-days",
        {"last_reviewed": "2025-11-19"},
        "Owned by Pekka, but last reviewed 366 days ago (2025-11-19), more than 365,"
        " so it counts as 'Partly'.",
    ),
]
for _n, (_rule, _qid) in enumerate(INTERVIEW.items()):
    case(
        _rule,
        "yes-owned-current",
        {"interview_answers": [answer(_qid, notes="In SharePoint")]},
        P,
        "Owned by Pekka, last reviewed 2026-06-01. Note: In SharePoint",
    )
    # Every rule gets a fail; the kinds of failure rotate over the rules.
    _name, _kw, _detail = _FAILS[_n % len(_FAILS)]
    case(_rule, _name, {"interview_answers": [answer(_qid, **_kw)]}, F, _detail)
# The edge cases once more on one rule, so each is pinned whatever the rotation.
for _name, _kw, _detail in _FAILS:
    case(
        "DOC-03",
        f"edge-{_name}",
        {"interview_answers": [answer("restore_documented", **_kw)]},
        F,
        _detail,
    )
case(
    "DOC-03",
    "reviewed-exactly-365-days-ago",
    {"interview_answers": [answer("restore_documented", last_reviewed="2025-11-20")]},
    P,
    "last reviewed 2025-11-20.",
)


# Issue 13, part B (FND-10..FND-18, DOC-08): one pass and one fail each here;
# the edge cases are in test_rules_issue13b.py.
_PATCH = {"device": "SRV-DC01", "last_patch_install": "2026-11-12"}
case(
    "FND-10",
    "clean",
    {"patch_status": [dict(_PATCH, missing_updates="0")]},
    P,
    "no failed or missing updates",
)
case(
    "FND-10",
    "srv-dc01",
    {"patch_status": [dict(_PATCH, missing_updates="40", failed_updates="5")]},
    F,
    "SRV-DC01 (5 failed updates, 40 missing updates)",
    ("SRV-DC01",),
)
_OSP = {"policy": "Default", "is_default": "True"}
case(
    "FND-11",
    "off",
    {"outbound_spam_policies": [dict(_OSP, auto_forwarding="Off")]},
    P,
    "blocks automatic forwarding",
)
case(
    "FND-11",
    "on",
    {"outbound_spam_policies": [dict(_OSP, auto_forwarding="On")]},
    F,
    "allows automatic forwarding outside: Default",
    ("Default",),
)
_OWN = {"accepted_domains": [{"domain": "x.fi", "default": "True"}]}
_FWD = {"mailbox": "ann@x.fi", "forwarding_address": "", "deliver_and_forward": ""}
case(
    "FND-12",
    "inside",
    {**_OWN, "mail_forwarding": [dict(_FWD, forwarding_smtp="smtp:ann@x.fi")]},
    P,
    "forwards nothing outside",
)
case(
    "FND-12",
    "outside",
    {**_OWN, "mail_forwarding": [dict(_FWD, forwarding_smtp="smtp:ann@gmail.example")]},
    F,
    "ann@x.fi (forwards to gmail.example)",
    ("ann@x.fi",),
)
_DNS = {
    "domain": "x.fi",
    "spf": "v=spf1 include:spf.protection.outlook.com -all",
    "spf_count": "1",
    "dmarc": "v=DMARC1; p=reject",
    "dkim_selectors": "selector1",
    "mx": "x-fi.mail.protection.outlook.com",
    "error": "",
}
case("FND-13", "all-three", {"mail_dns": [_DNS]}, P, "SPF, DKIM and an enforcing")
case(
    "FND-13",
    "dmarc-none",
    {"mail_dns": [dict(_DNS, dmarc="v=DMARC1; p=none")]},
    F,
    "x.fi: DMARC policy p=none",
    ("x.fi",),
)
_AV = {"device": "PC-1", "state": "Clean", "realtime": "True"}
case("FND-14", "clean", {"endpoint_protection": [_AV]}, P, "protected and healthy")
case(
    "FND-14",
    "realtime-off",
    {"endpoint_protection": [dict(_AV, realtime="False")]},
    F,
    "PC-1 (real-time protection off)",
    ("PC-1",),
)
_WIN = dict(device("PC-1", encrypted="True"), entra_device_id="e-1")
_KEY = {"key_id": "k1", "device_id": "e-1", "created": "", "volume_type": ""}
case(
    "FND-15",
    "escrowed",
    {"devices": [_WIN], "bitlocker_keys": [_KEY]},
    P,
    "recovery key in Entra ID",
)
case(
    "FND-15",
    "other-device",
    {"devices": [_WIN], "bitlocker_keys": [dict(_KEY, device_id="e-2")]},
    F,
    "has no recovery key",
    ("PC-1",),
)
_LAPS = {"device_id": "e-1", "device_name": "PC-1", "last_backup": "2026-11-01"}
case(
    "FND-16",
    "backed-up",
    {"devices": [_WIN], "laps_credentials": [_LAPS]},
    P,
    "within 90 days",
)
case(
    "FND-16",
    "stale",
    {"devices": [_WIN], "laps_credentials": [dict(_LAPS, last_backup="2026-01-01")]},
    F,
    "older than 90 days",
    ("PC-1",),
)
_JOB = job(
    "Nightly",
    "Success",
    last_run="2026-11-20 02:00:00",
    last_success="2026-11-20 02:00:00",
    system="SRV-FS01",
)
case(
    "FND-17",
    "copy",
    {"backup_jobs": [dict(_JOB, offsite_copy="Yes")]},
    P,
    "copy off site or immutable",
)
case(
    "FND-17",
    "no-copy",
    {"backup_jobs": [dict(_JOB, offsite_copy="No")]},
    F,
    "keeps no copy off site",
    ("Nightly",),
)
case(
    "FND-18",
    "m365",
    {"backup_jobs": [dict(_JOB, system="Microsoft 365")]},
    P,
    "cover Microsoft 365 mail",
)
case(
    "FND-18",
    "mail-only",
    {"backup_jobs": [dict(_JOB, system="Exchange Online")]},
    F,
    "OneDrive, SharePoint and Teams",
    ("onedrive", "sharepoint"),
)
case(
    "DOC-08",
    "tested",
    {"backup_jobs": [dict(_JOB, last_restore_test="2026-05-04")]},
    P,
    "was tested on 2026-05-04",
)
case(
    "DOC-08",
    "interview-no",
    {"interview_answers": [answer("restore_tested", "No")]},
    F,
    "Answered 'No'.",
)


# Issue 13, identity and tenant settings: REV-10..REV-16.
from tests.cases_identity import CASES as _IDENTITY  # noqa: E402

CASES += _IDENTITY

# ----------------------------------------------------------------------- tests


@pytest.mark.parametrize("c", CASES, ids=[c["id"] for c in CASES])
def test_rule_case(c: dict[str, Any]) -> None:
    f = run(c["data"], **c["run"])[c["rule"]]
    assert f.status is c["status"], (f.status, f.detail, f.reason)
    if f.status is Status.NOT_ASSESSED:  # the rule's own reason, no detail
        assert c["detail"] in f.reason
        assert f.affected == ()
        return
    assert c["detail"] in f.detail
    assert f.affected == c["affected"]
    if f.status is Status.PASS:
        assert f.affected == ()
    assert f.reason == ""


def test_every_catalogue_rule_has_a_pass_and_a_fail_case() -> None:
    ids = {r.id for r in engine.load_catalog()}
    expected = {
        f"{p}-{n:02d}"
        for p, k in (("FND", 8), ("DOC", 7), ("REV", 9), ("EXP", 5))
        for n in range(1, k + 1)
    }
    assert ids >= expected
    covered = {s: {c["rule"] for c in CASES if c["status"] is s} for s in (P, F)}
    assert ids - covered[P] == set(), "rules without a pass case"
    assert ids - covered[F] == set(), "rules without a fail case"
    assert {c["rule"] for c in CASES} <= ids, "cases for unknown rules"


def test_case_ids_are_unique() -> None:
    ids = [c["id"] for c in CASES]
    assert len(ids) == len(set(ids))


# --------------------------------------------------------------- not assessed


def test_missing_dataset_names_title_and_given_reason() -> None:
    why = "the backup portal export was not in the inbox"
    f = run({}, missing_reasons={"backup_jobs": why})["FND-04"]
    assert f.status is Status.NOT_ASSESSED
    assert f.reason == f"No backup jobs data: {why}."
    assert datasets.schema("backup_jobs").title.lower() in f.reason
    assert f.detail == ""
    assert f.affected == ()
    assert f.evidence == ("backup_jobs",)


def test_missing_dataset_without_a_given_reason() -> None:
    f = run({})["DOC-01"]
    assert f.status is Status.NOT_ASSESSED
    assert f.reason == "No interview answers data: it was not collected."


def test_second_required_dataset_missing() -> None:
    data = {"role_assignments": [role("ann@x.fi"), role("bob@x.fi")]}
    found = run(data, missing_reasons={"mfa_registration": "no Entra P1 licence"})
    f = found["REV-04"]
    assert f.status is Status.NOT_ASSESSED
    assert f.reason.lower() == "no mfa registration data: no entra p1 licence."
    assert f.evidence == ("mfa_registration", "role_assignments")
    # The same data still answers the rule that needs only role assignments.
    assert found["REV-03"].status is Status.PASS


def test_missing_dataset_reason_keeps_the_acronym_in_the_title() -> None:
    f = run({})["REV-05"]
    assert "MFA registration" in f.reason


def test_missing_optional_column_last_activity() -> None:
    data = {
        "users": [user("ann@x.fi"), user("bob@x.fi")],
        "licence_assignments": [assign("ann@x.fi", "SPB")],
    }
    found = run(data)
    f = found["REV-02"]
    assert f.status is Status.NOT_ASSESSED
    assert "'last_activity'" in f.reason
    assert "user accounts" in f.reason
    assert "none of the files provided it" in f.reason
    assert f.evidence == ("licence_assignments", "users")
    # DOC-05 needs no activity dates and is assessed on the same data.
    assert found["DOC-05"].status is Status.PASS


def test_missing_optional_column_encrypted() -> None:
    found = run({"devices": [device("pc-1")]})
    f = found["FND-02"]
    assert f.status is Status.NOT_ASSESSED
    assert "'encrypted'" in f.reason
    assert "managed devices" in f.reason
    assert found["FND-05"].status is Status.NOT_ASSESSED
    assert "_storage_mb'" in found["FND-05"].reason
    assert found["FND-01"].status is Status.PASS


def test_encrypted_column_present_but_all_empty() -> None:
    data = {"devices": [device("pc-1", encrypted=""), device("pc-2", encrypted="")]}
    f = run(data)["FND-02"]
    assert f.status is Status.NOT_ASSESSED
    assert f.reason == "The device export carries no encryption state."


def test_no_enabled_members_for_mfa_coverage() -> None:
    data = {
        "users": [user("guest@y.fi", user_type="Guest")],
        "mfa_registration": [mfa("guest@y.fi")],
    }
    f = run(data)["REV-05"]
    assert f.status is Status.NOT_ASSESSED
    assert "No enabled member accounts" in f.reason


def test_unanswered_interview_question() -> None:
    rows = [answer("onboarding_documented", "", owner="", last_reviewed="")]
    f = run({"interview_answers": rows})["DOC-01"]
    assert f.status is Status.NOT_ASSESSED
    # The question as the workbook asks it, never its id.
    assert (
        f.reason
        == "Question 'Is onboarding_documented in place?' was not answered in the "
        "interview."
    )
    assert f.reason == f.detail


def test_question_missing_from_workbook() -> None:
    rows = [answer("onboarding_documented")]
    found = run({"interview_answers": rows})
    assert found["DOC-01"].status is Status.PASS
    f = found["DOC-02"]
    assert f.status is Status.NOT_ASSESSED
    assert "'offboarding_documented' is not in the interview workbook" in f.reason


# ----------------------------------------------------------------- rule error

_NO_VERSION = {
    "devices": [
        device("pc-1", os_version=""),
        device("pc-2", os_version="10.0.26200.2314"),
    ]
}


def test_evaluator_that_raises_is_not_assessed(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # The engine takes its catalogue and evaluators as arguments, so a broken
    # evaluator is given to it rather than patched into the real registry.
    catalog = engine.load_catalog()
    broken = dict(rules.EVALUATORS)

    def explode(ctx: rules.RuleContext) -> rules.Outcome:
        raise ZeroDivisionError("boom")

    broken["FND-03"] = explode
    frames = {"devices": frame("devices", _NO_VERSION["devices"])}
    with caplog.at_level(logging.ERROR, logger="healthcheck.engine"):
        found = {
            f.rule_id: f
            for f in engine.evaluate(
                frames, as_of=AS_OF, now=NOW, catalog=catalog, evaluators=broken
            )
        }
    f = found["FND-03"]
    assert f.status is Status.NOT_ASSESSED
    assert f.reason.startswith("rule error")
    assert f.evidence == ("devices",)
    assert f.affected == ()
    assert any(
        "FND-03" in r.getMessage() and r.exc_info is not None for r in caplog.records
    )
    # One broken rule does not sink the others on the same data.
    assert found["FND-01"].status is Status.PASS
    assert len(found) == len(catalog)


def test_fnd03_device_without_os_version_is_not_an_error() -> None:
    f = run(_NO_VERSION)["FND-03"]
    assert f.status is Status.PASS
    # The device without a version is counted as not judged, never an error.
    assert (
        "No device of 1 runs an OS past end of support. 1 device not judged "
        "(OS version not in the lifecycle table)." in f.detail
    )


def test_rev01_without_any_assigned_count_is_not_a_pass() -> None:
    data = {"licence_skus": [sub("SPB", "10", ""), sub("VISIOCLIENT", "2", "")]}
    f = run(data)["REV-01"]
    assert f.status is not Status.PASS, f.detail


def test_fnd04_without_any_backup_job_is_not_a_pass() -> None:
    cols = [c.name for c in datasets.schema("backup_jobs").columns]
    header_only = pd.DataFrame({c: pd.Series([], dtype=str) for c in cols})
    ds = datasets.build(
        "backup_jobs",
        header_only,
        collector="test",
        collected_at=COLLECTED,
        origin=[],
    )
    assert ds.frame.empty
    found = engine.evaluate({"backup_jobs": ds.frame}, as_of=AS_OF, now=NOW)
    f = next(f for f in found if f.rule_id == "FND-04")
    assert f.status is not Status.PASS, f.detail


# ------------------------------------------------------------ other behaviour


def test_override_applies_to_every_rule_with_that_param() -> None:
    rows = [answer(q, last_reviewed="2026-06-01") for q in INTERVIEW.values()]
    data = {
        "interview_answers": rows,
        "users": [user("ann@x.fi", last_activity="2026-10-01")],
        "licence_assignments": [assign("ann@x.fi", "SPB")],
        "devices": [device("pc-1", last_check_in="2026-10-01")],
    }
    default = run(data)
    # Reviewed 172 days before 2026-11-20: current under 365, stale under 100.
    tuned = run(
        data, overrides={"max_review_age_days": 100, "inactive_days": 30, "x": 1}
    )
    for rule in INTERVIEW:
        assert default[rule].status is Status.PASS, rule
        assert tuned[rule].status is Status.FAIL, rule
        assert (
            "last reviewed 172 days ago (2026-06-01), more than 100,"
            " so it counts as 'Partly'." in (tuned[rule].detail)
        )
    assert default["REV-02"].status is Status.PASS
    assert tuned["REV-02"].status is Status.FAIL
    # FND-01 reads stale_days, which was not overridden (50 days > 30 anyway).
    assert default["FND-01"].status is tuned["FND-01"].status is Status.FAIL
    assert default["FND-01"].detail == tuned["FND-01"].detail


def test_findings_come_in_catalogue_order_with_catalogue_text() -> None:
    findings = engine.evaluate({}, as_of=AS_OF, now=NOW)
    catalog = engine.load_catalog()
    assert [f.rule_id for f in findings] == [r.id for r in catalog]
    for f, r in zip(findings, catalog, strict=True):
        assert (f.layer, f.severity, f.weight, f.title) == (
            r.layer,
            r.severity,
            r.weight,
            r.title,
        )
        assert f.status is Status.NOT_ASSESSED


# ------------------------------------------------- not assessed, new rules


def test_fnd06_only_unknown_builds_is_not_assessed() -> None:
    data = {
        "devices": [
            device("pc-23h2", os_version="10.0.22631.6060"),
            device("pc-norev", os_version="10.0.26100"),
            device("mac-1", os="macOS", os_version="15.1.0"),
        ]
    }
    f = run(data)["FND-06"]
    assert f.status is Status.NOT_ASSESSED
    assert "update table of 2026-11-13" in f.reason


def test_fnd06_before_any_update_in_the_table_is_not_guessed() -> None:
    # In August 2026 no update of the table is due yet: nothing to compare.
    data = {"devices": [device("pc-1", os_version="10.0.26100.1")]}
    f = run(data, as_of=date(2026, 8, 1), now=datetime(2026, 8, 1, 23, 0))["FND-06"]
    assert f.status is Status.NOT_ASSESSED


def test_fnd02_unknown_encryption_is_not_judged_and_named() -> None:
    data = {
        "devices": [
            device("pc-1", encrypted="True"),
            device("pc-2", encrypted="False"),
            device("pc-3", encrypted=""),
            device("pc-4", encrypted=""),
        ]
    }
    f = run(data)["FND-02"]
    assert f.status is Status.FAIL
    assert f.population == 2  # the devices whose state is known
    assert f.affected == ("pc-2",)
    assert f.measured["not_judged"] == ["pc-3", "pc-4"]
    assert "2 devices not judged" in f.detail
    assert f.score == pytest.approx(0.5)


def test_rev01_counts_seats_and_names_skus_from_the_table() -> None:
    # The export's own product-name column says "Business Premium" beside
    # O365_BUSINESS_PREMIUM; Microsoft's table says Business Standard.
    rows = [
        {**sub("O365_BUSINESS_PREMIUM", "6", "1"), "name": "Business Premium"},
        sub("SPB", "10", "6"),
        sub("UNKNOWN_PAID_SKU", "2", "2"),
    ]
    f = run({"licence_skus": rows})["REV-01"]
    assert f.status is Status.FAIL
    assert f.count == 9 and f.population == 18
    assert f.affected == (
        "Microsoft 365 Business Premium (SPB): 4",
        "Microsoft 365 Business Standard (O365_BUSINESS_PREMIUM): 5",
    )
    assert "Business Standard 5" in f.detail
    assert "Business Premium 4" in f.detail


def _nightly(started: str) -> dict[str, list[dict[str, str]]]:
    return {"backup_jobs": [job("Nightly", "Success", last_run=started)]}


def test_fnd04_age_is_measured_from_when_the_data_was_collected() -> None:
    # Exports taken at 09:00 on the assessment day; the nightly job started
    # at 21:30 the evening before: 11.5 hours old, not 26.5.
    data = _nightly("2026-11-19 21:30:00")
    taken = {"backup_jobs": datetime(2026, 11, 20, 9, 0)}
    f = run(data, collected_at=taken)["FND-04"]
    assert f.status is Status.PASS, f.detail
    assert f.measured["measured_from"] == "2026-11-20T09:00:00"
    # The job that did not run last night still fails from that moment.
    late = run(_nightly("2026-11-18 21:30:00"), collected_at=taken)["FND-04"]
    assert late.status is Status.FAIL


def test_fnd04_as_of_before_collection_measures_from_the_export_day() -> None:
    # Collected on 2 December, assessed as of 20 November: the export was
    # taken on the 20th, no earlier than its newest entry.
    taken = {"backup_jobs": datetime(2026, 12, 2, 6, 0)}
    f = run(_nightly("2026-11-19 21:30:00"), collected_at=taken)["FND-04"]
    assert f.status is Status.PASS, f.detail
    assert f.measured["measured_from"] == "2026-11-20T00:00:00"
    stale = run(_nightly("2026-11-17 21:30:00"), collected_at=taken)["FND-04"]
    assert stale.status is Status.FAIL


def test_fnd04_warning_does_not_hide_a_stale_or_failed_job() -> None:
    data = {
        "backup_jobs": [
            job("Old warning", "Warning", last_run="2026-11-15 01:00:00"),
            job("Broken", "Failed", last_run="2026-11-20 01:00:00"),
            job("Fine", "Warning", last_run="2026-11-20 01:00:00"),
        ]
    }
    f = run(data)["FND-04"]
    assert f.status is Status.FAIL
    assert f.affected == ("Broken", "Old warning")
    assert f.measured["warnings"] == ["Fine", "Old warning"]


def test_fnd04_unreadable_schedule_is_judged_daily_and_named() -> None:
    row = {**job("X", "Success", last_run="2026-11-17 01:00:00"), "schedule": "2nd Tue"}
    f = run({"backup_jobs": [row]})["FND-04"]
    assert f.status is Status.FAIL
    assert f.measured["schedule_unread"] == ["X"]


def test_rev07_without_entra_id_p2_is_not_assessed_naming_the_licence() -> None:
    data = {
        "role_assignments": [role(f"a{i}@x.fi") for i in range(4)],
        "licence_skus": [sub("SPB", "10", "10")],
    }
    found = run(data)
    f = found["REV-07"]
    assert f.status is Status.NOT_ASSESSED
    assert "Microsoft Entra ID P2" in f.reason
    # REV-03 still judges the count of Global Administrators.
    assert found["REV-03"].status is Status.PASS


def test_rev07_and_rev09_both_pass_for_a_licensed_pim_setup() -> None:
    data = {
        "role_assignments": [
            role("bg1@x.fi", kind="Assigned"),
            role("bg2@x.fi", kind="Assigned"),
            role("adm-ann@x.fi", kind="Eligible"),
        ],
        "licence_skus": [sub("AAD_PREMIUM_P2", "3", "3")],
        "licence_assignments": [
            assign("adm-ann@x.fi", "AAD_PREMIUM_P2"),
            assign("bg1@x.fi", "AAD_PREMIUM_P2"),
        ],
    }
    found = run(data)
    assert found["REV-07"].status is Status.PASS
    assert found["REV-09"].status is Status.PASS


def test_rev04_lists_apart_what_is_not_judged() -> None:
    data = {
        "role_assignments": [
            role("ann@x.fi"),
            role("old@x.fi"),
            {**role("Backup app"), "principal_type": "ServicePrincipal"},
            role(
                "Sync_DC01_1a2b3c@x.onmicrosoft.com",
                "Directory Synchronization Accounts",
            ),
            role("guest_y.fi#EXT#@x.onmicrosoft.com"),
        ],
        "mfa_registration": [mfa("ann@x.fi", "False"), mfa("old@x.fi", "False")],
        "users": [user("ann@x.fi"), user("old@x.fi", enabled="False")],
    }
    f = run(data)["REV-04"]
    assert f.status is Status.FAIL
    assert f.affected == ("ann@x.fi",)  # the disabled account cannot sign in
    assert f.population == 1
    # Canonical UPNs are lower case, names too.
    assert f.measured["service_principals"] == ["backup app"]
    assert f.measured["sync_accounts"] == ["sync_dc01_1a2b3c@x.onmicrosoft.com"]
    assert f.measured["unknown"] == ["guest_y.fi#ext#@x.onmicrosoft.com"]


def test_doc07_shared_devices_by_category_or_profile_need_no_user() -> None:
    kiosk = {**device("kiosk-1"), "category": "Kiosk", "enrollment_profile": ""}
    shared = {**device("lab-1"), "category": "", "enrollment_profile": "Shared PCs"}
    lost = {**device("pc-2"), "category": "Office", "enrollment_profile": ""}
    owned = {**device("pc-1", primary_user="ann@x.fi"), "category": "Office"}
    owned["enrollment_profile"] = ""
    data = {"devices": [kiosk, shared, lost, owned]}
    rules_section = {"DOC-07": {"shared_categories": ["kiosk", "Shared PCs"]}}
    f = run(data, rules_section=rules_section)["DOC-07"]
    assert f.status is Status.FAIL
    assert f.affected == ("pc-2",)  # a real user device without a user still fails
    assert f.population == 2
    assert f.measured["shared"] == ["kiosk-1", "lab-1"]
    assert "2 shared devices need none" in f.detail
    # Without the client naming its shared categories, they are user devices.
    plain = run(data)["DOC-07"]
    assert plain.affected == ("kiosk-1", "lab-1", "pc-2")


def test_doc07_only_shared_devices_is_not_assessed() -> None:
    kiosk = {**device("kiosk-1"), "category": "Kiosk"}
    f = run(
        {"devices": [kiosk, device("SRV-DC01")]},
        rules_section={"DOC-07": {"shared_categories": ["Kiosk"]}},
    )["DOC-07"]
    assert f.status is Status.NOT_ASSESSED


def test_fnd07_without_servers_is_not_a_pass() -> None:
    data = {
        "devices": [device("pc-1"), device("mac-1", os="macOS")],
        "backup_jobs": [job("M365", "Success", system="Exchange Online")],
    }
    f = run(data)["FND-07"]
    assert f.status is Status.NOT_ASSESSED
    assert "No server among the managed devices" in f.reason


def test_fnd07_without_backup_data_is_not_assessed() -> None:
    f = run({"devices": [device("SRV-DC01")]})["FND-07"]
    assert f.status is Status.NOT_ASSESSED
    assert f.reason == "No backup jobs data: it was not collected."


def test_fnd08_without_any_compliance_state() -> None:
    data = {"devices": [device("pc-1", compliance=""), device("pc-2", compliance="")]}
    f = run(data)["FND-08"]
    assert f.status is Status.NOT_ASSESSED
    assert f.reason == "The device export carries no compliance state."


def test_doc07_with_only_servers() -> None:
    f = run({"devices": [device("SRV-DC01"), device("SRV-FILE01")]})["DOC-07"]
    assert f.status is Status.NOT_ASSESSED


def test_rev06_without_guests_is_not_a_pass() -> None:
    data = {"users": [user("ann@x.fi", last_activity="2026-11-01")]}
    f = run(data)["REV-06"]
    assert f.status is Status.NOT_ASSESSED
    assert "leaves guests out" in f.reason


@pytest.mark.parametrize("rule", ["REV-07", "REV-09"])
def test_without_global_admins_is_not_assessed(rule: str) -> None:
    data = {
        "role_assignments": [role("ann@x.fi", "User Administrator")],
        "licence_assignments": [assign("ann@x.fi", "SPB")],
    }
    f = run(data)[rule]
    assert f.status is Status.NOT_ASSESSED
    assert f.reason == "No Global Administrator assignment is listed."
