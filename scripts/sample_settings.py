"""The sample's mail, tenant-settings and device-protection exports (issues 11 and 13).

``make_sample_data.py`` writes these after everything else, from the people
and devices it has already drawn. Nothing here touches its seeded stream:
the few numbers that look random (mailbox sizes, key ids) come from a
``random.Random`` of this module's own, so the older files keep their bytes.

The story these files tell (the README lists it):

- WSUS: SRV-DC01 has installed nothing since April 2026 (40 updates missing,
  5 failing); the other servers are current. SRV-PRINT01 installed the
  October update but has not restarted, so Intune still reports September.
- Exchange Online: Eero Lehtonen, on leave since July, forwards his mail to a
  private address, allowed by an outbound spam policy made for him; Tiina
  Rantanen left, and her mailbox became a shared mailbox with an archive for
  the bookkeeping, so its licence stays.
- Entra and Intune: security defaults are off; the Conditional Access policy
  that requires MFA of everyone is still report-only, while the legacy
  authentication block is on (since 2026-09-15, when the Secure Score rose);
  one app secret expires within 30 days; users may consent only to verified
  publishers' low-impact apps; SharePoint shares with guests, never "anyone".
- Devices: the two Windows laptops that stopped checking in have stale
  antivirus signatures and LAPS backups; two laptops encrypted by hand before
  their Intune enrolment have no recovery key in Entra ID; the servers are
  outside the LAPS policy.
"""

from __future__ import annotations

import csv
import json
import random
import uuid
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

#: A seed of its own: the main script's stream stays as it was.
SEED = 1113

# --------------------------------------------------------------------------
# The story's fixed facts
# --------------------------------------------------------------------------

#: WSUS computer report: SRV-DC01's updates have failed since April 2026.
PATCH_DC = "SRV-DC01"
PATCH_DC_LAST_INSTALL = date(2026, 4, 16)
PATCH_DC_MISSING = 40
PATCH_DC_FAILED = 5
#: Installed 2026-10-22, waiting for a restart (Intune still reports 5622).
PATCH_PENDING_REBOOT = "SRV-PRINT01"

#: Forwards his mail outside; the policy that lets him.
FORWARDER = "eero.lehtonen"
FORWARD_TO = "eero.lehtonen.koti@gmail.example"
FORWARD_POLICY = "Forwarding allowed - Eero Lehtonen"
#: Blocked and licensed, her mailbox converted to shared, with an archive.
SHARED_WITH_ARCHIVE = "tiina.rantanen"

#: Conditional Access policy names.
CA_MFA = "Require MFA for all users"
CA_LEGACY = "Block legacy authentication"
CA_ADMINS = "Require MFA for admin portals"
#: App registrations: (name, kind, credential name, start, end).
APPS = [
    (
        "Aurora WMS mail connector",
        "secret",
        "wms-smtp-2024",
        date(2024, 12, 11),
        date(2026, 12, 11),  # within 30 days of 2026-11-20: REV-14 fails
    ),
    (
        "Invoice scanning",
        "certificate",
        "CN=invoice-scan.aurora-logistics.example",
        date(2026, 2, 2),
        date(2027, 2, 2),
    ),
    (
        "Power BI data gateway",
        "secret",
        "gateway-2026",
        date(2026, 6, 1),
        date(2027, 6, 1),
    ),
    (
        "Website contact form",
        "secret",
        "contact-form",
        date(2026, 3, 16),
        date(2027, 9, 16),
    ),
]
#: Secure Score: the maximum, the steps the score took, the averages.
SCORE_MAX = 296.0
SCORE_STEPS = [  # (from date, score)
    (date(2026, 8, 1), 104.7),
    (date(2026, 9, 15), 112.7),  # legacy authentication blocked
    (date(2026, 10, 6), 122.3),  # Defender for Office 365 preset policies
    (date(2026, 11, 3), 128.3),  # the laptops' LAPS policy assigned
]
SCORE_SIMILAR_AVERAGE = 121.8
SCORE_ALL_AVERAGE = 131.5

#: Two laptops encrypted by hand before enrolment: no key escrowed.
NO_ESCROW_COUNT = 2
#: When the laptop LAPS policy was assigned, and its rotation.
LAPS_FROM = date(2026, 11, 3)
LAPS_ROTATION_DAYS = 30


def _write_csv(
    path: Path, header: Sequence[str], rows: Iterable[Sequence[str]]
) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)


def _write_json(path: Path, doc: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.write(json.dumps(doc, indent=2, ensure_ascii=False) + "\n")


def _iso(value: datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


class Writer:
    """Writes the files; ``facts`` collects what the README says of them."""

    def __init__(self, exports: Path, domain: str, as_of: date) -> None:
        self.exports = exports
        self.domain = domain
        self.as_of = as_of
        self.rng = random.Random(SEED)
        self.facts: dict[str, list[str]] = {}

    def uuid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def upn(self, local: str) -> str:
        return f"{local}@{self.domain}"

    # ----------------------------------------------------------------- patch

    def patch_status(self, servers: list[dict[str, str]]) -> None:
        """WSUS computer report of the servers (the laptops patch from the cloud)."""
        rows = []
        for d in servers:
            name = d["Device name"]
            scan = datetime.fromisoformat(d["Last check-in"]).date()
            if name == PATCH_DC:
                row = [PATCH_DC_LAST_INSTALL, PATCH_DC_MISSING, PATCH_DC_FAILED]
            elif name == PATCH_PENDING_REBOOT:
                row = [date(2026, 10, 22), 0, 0]
            else:
                row = [date(2026, 10, 15), 0, 0]
            rows.append([name, row[0].isoformat(), str(row[1]), str(row[2]), f"{scan}"])
        _write_csv(
            self.exports / "wsus_computers.csv",
            [
                "Device name",
                "Last patch install",
                "Missing updates",
                "Failed updates",
                "Last scan",
            ],
            rows,
        )

    # ---------------------------------------------------------------- mail

    def exchange(self, users: list[Any]) -> None:
        """Accepted domains, outbound spam policies, mailboxes and DKIM."""
        initial = "auroralogistics.onmicrosoft.com"
        _write_csv(
            self.exports / "exo_accepted_domains.csv",
            ["Name", "DomainName", "DomainType", "Default", "InitialDomain"],
            [
                [self.domain, self.domain, "Authoritative", "True", "False"],
                [initial, initial, "Authoritative", "False", "True"],
            ],
        )
        _write_csv(
            self.exports / "exo_outbound_spam_policies.csv",
            ["Name", "AutoForwardingMode", "IsDefault", "Enabled"],
            [
                ["Default", "Automatic", "True", "True"],
                [FORWARD_POLICY, "On", "False", "True"],
            ],
        )
        _write_csv(
            self.exports / "exo_dkim_signing.csv",
            ["Domain", "Enabled", "Status", "Selector1CNAME", "Selector2CNAME"],
            [
                [
                    d,
                    "True",
                    "Valid",
                    f"selector1-{d.replace('.', '-')}._domainkey.{initial}",
                    f"selector2-{d.replace('.', '-')}._domainkey.{initial}",
                ]
                for d in (self.domain, initial)
            ],
        )
        rows = []
        for u in users:
            local = u.upn.split("@")[0]
            kind = "SharedMailbox" if u.kind == "shared" else "UserMailbox"
            archive = "None"
            if local == SHARED_WITH_ARCHIVE:
                kind, archive = "SharedMailbox", "Active"
            gb = round(self.rng.uniform(0.4, 18.0), 2)
            if u.kind == "new":
                gb = 0.01
            size = int(gb * 1024**3)
            forward = f"smtp:{FORWARD_TO}" if local == FORWARDER else ""
            rows.append(
                [
                    u.upn,
                    u.display,
                    u.upn,
                    local,
                    kind,
                    "False",
                    archive,
                    f"{size / 1024**3:.2f} GB ({size:,} bytes)",
                    forward,
                    "",
                    "False",
                ]
            )
        _write_csv(
            self.exports / "exo_mailboxes.csv",
            [
                "UserPrincipalName",
                "DisplayName",
                "PrimarySmtpAddress",
                "Alias",
                "RecipientTypeDetails",
                "LitigationHoldEnabled",
                "ArchiveStatus",
                "TotalItemSize",
                "ForwardingSmtpAddress",
                "ForwardingAddress",
                "DeliverToMailboxAndForward",
            ],
            rows,
        )

    # ------------------------------------------------------- tenant settings

    def tenant_settings(self) -> None:
        """Saved Graph responses of the settings REV-10..REV-16 read."""
        graph = "https://graph.microsoft.com/v1.0/$metadata#"
        _write_json(
            self.exports / "graph_security_defaults.json",
            {
                "@odata.context": graph + "policies/"
                "identitySecurityDefaultsEnforcementPolicy/$entity",
                "id": "00000000-0000-0000-0000-000000000005",
                "displayName": "Security Defaults",
                "description": "Security defaults is a set of basic identity "
                "security mechanisms recommended by Microsoft.",
                "isEnabled": False,
            },
        )
        everyone = {"includeUsers": ["All"], "excludeUsers": [], "excludeGroups": []}
        every_app = {"includeApplications": ["All"], "excludeApplications": []}
        admin_roles = [  # Global, Exchange, User, Billing, Intune Administrator
            "62e90394-69f5-4237-9190-012177145e10",
            "29232cdf-9323-42fd-ade2-1d097af3e4de",
            "fe930be7-5e62-47db-91af-98c3a49a38b1",
            "b0f54661-2d74-4c50-afa3-1ec803f12efe",
            "3a2c62db-5318-420d-8d74-23affee5d9d5",
        ]
        policies = [
            (
                CA_LEGACY,
                "enabled",
                everyone,
                every_app,
                ["exchangeActiveSync", "other"],
                ["block"],
                "2026-09-15T08:12:40Z",
            ),
            (
                CA_MFA,
                "enabledForReportingButNotEnforced",
                everyone,
                every_app,
                ["all"],
                ["mfa"],
                "2026-06-02T13:47:05Z",
            ),
            (
                CA_ADMINS,
                "enabled",
                {"includeRoles": admin_roles, "includeUsers": [], "excludeUsers": []},
                {"includeApplications": ["MicrosoftAdminPortals"]},
                ["all"],
                ["mfa"],
                "2026-06-02T13:52:18Z",
            ),
        ]
        _write_json(
            self.exports / "graph_conditional_access.json",
            {
                "@odata.context": graph + "identity/conditionalAccess/policies",
                "value": [
                    {
                        "id": self.uuid(),
                        "displayName": name,
                        "createdDateTime": created,
                        "state": state,
                        "conditions": {
                            "users": users,
                            "applications": apps,
                            "clientAppTypes": clients,
                            "locations": None,
                            "platforms": None,
                            "signInRiskLevels": [],
                            "userRiskLevels": [],
                        },
                        "grantControls": {"operator": "OR", "builtInControls": grant},
                    }
                    for name, state, users, apps, clients, grant, created in policies
                ],
            },
        )
        _write_json(self.exports / "graph_secure_scores.json", self._scores())
        _write_json(
            self.exports / "graph_applications.json",
            {
                "@odata.context": graph + "applications",
                "value": [self._app(*a) for a in APPS],
            },
        )
        _write_json(
            self.exports / "graph_authorization_policy.json",
            {
                "@odata.context": graph + "policies/authorizationPolicy/$entity",
                "id": "authorizationPolicy",
                "allowInvitesFrom": "adminsAndGuestInviters",
                "defaultUserRolePermissions": {
                    "allowedToCreateApps": False,
                    "permissionGrantPoliciesAssigned": [
                        "ManagePermissionGrantsForSelf.microsoft-user-default-low",
                        "ManagePermissionGrantsForOwnedResource.DeveloperConsent",
                    ],
                },
            },
        )
        _write_json(
            self.exports / "graph_sharepoint_settings.json",
            {
                "@odata.context": graph + "admin/sharepoint/settings/$entity",
                "sharingCapability": "externalUserSharingOnly",
                "isResharingByExternalUsersEnabled": False,
                "sharingDomainRestrictionMode": "none",
            },
        )

    def _scores(self) -> dict[str, Any]:
        days = []
        for back in range(1, 91):  # Graph keeps 90 days, newest first
            day = self.as_of - timedelta(days=back)
            score = [s for start, s in SCORE_STEPS if start <= day][-1]
            days.append(
                {
                    "id": f"{self.uuid()}_{day:%Y-%m-%d}",
                    "azureTenantId": "00000000-0000-0000-0000-000000000000",
                    "activeUserCount": 55,
                    "createdDateTime": f"{day:%Y-%m-%d}T02:14:31Z",
                    "currentScore": score,
                    "enabledServices": ["HasExchange", "HasSharePoint", "HasOD4B"],
                    "licensedUserCount": 60,
                    "maxScore": SCORE_MAX,
                    "averageComparativeScores": [
                        {"basis": "AllTenants", "averageScore": SCORE_ALL_AVERAGE},
                        {"basis": "TotalSeats", "averageScore": SCORE_SIMILAR_AVERAGE},
                    ],
                    "controlScores": [],
                }
            )
        return {
            "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#security/"
            "secureScores",
            "value": days,
        }

    def _app(self, name: str, kind: str, label: str, start: date, end: date) -> dict:
        cred = {
            "customKeyIdentifier": None,
            "displayName": label,
            "endDateTime": f"{end}T09:30:00Z",
            "keyId": self.uuid(),
            "startDateTime": f"{start}T09:30:00Z",
        }
        if kind == "secret":
            cred["hint"] = None  # the secret itself never leaves Entra ID
            creds = {"passwordCredentials": [cred], "keyCredentials": []}
        else:
            cred.update(type="AsymmetricX509Cert", usage="Verify")
            creds = {"passwordCredentials": [], "keyCredentials": [cred]}
        return {
            "id": self.uuid(),
            "appId": self.uuid(),
            "displayName": name,
            "signInAudience": "AzureADMyOrg",
            **creds,
        }

    # ------------------------------------------------------------- devices

    def device_protection(self, windows: list[dict[str, str]], as_of: date) -> None:
        """Intune antivirus report, escrowed BitLocker keys and LAPS backups."""
        now = datetime(as_of.year, as_of.month, as_of.day)
        stale = [
            d["Device name"]
            for d in windows
            if (now - datetime.fromisoformat(d["Last check-in"])).days > 30
        ]
        rows = []
        for d in windows:
            seen = datetime.fromisoformat(d["Last check-in"])
            overdue = d["Device name"] in stale
            rows.append(
                [
                    d["Device name"],
                    "Clean",
                    "True",
                    tf(overdue),
                    "False",
                    "True",
                    seen.strftime("%Y-%m-%d %H:%M:%S"),
                ]
            )
        _write_csv(
            self.exports / "intune_antivirus.csv",
            [
                "Device name",
                "Device state",
                "Real-time protection",
                "Signature update overdue",
                "Critical failure",
                "Malware protection",
                "Last reported",
            ],
            rows,
        )
        self.facts["signatures_overdue"] = sorted(stale)

        # Keys: every encrypted Windows device, except the two laptops
        # encrypted longest before they were enrolled (by hand, in 2022).
        laptops = [
            d
            for d in windows
            if not d["Device name"].startswith("SRV-") and d["Encrypted"] == "True"
        ]
        by_enrolment = sorted(
            laptops, key=lambda d: (d["Enrollment date"], d["Device name"])
        )
        no_key = {d["Device name"] for d in by_enrolment[:NO_ESCROW_COUNT]}
        keys = []
        for d in windows:
            if d["Encrypted"] != "True" or d["Device name"] in no_key:
                continue
            enrolled = datetime.fromisoformat(d["Enrollment date"])
            keys.append(
                [
                    self.uuid(),
                    d["Azure AD Device ID"],
                    _iso(enrolled + timedelta(minutes=self.rng.randint(20, 90))),
                    "operatingSystemVolume",
                ]
            )
        _write_csv(
            self.exports / "entra_bitlocker_keys.csv",
            ["Id", "DeviceId", "CreatedDateTime", "VolumeType"],
            keys,
        )
        self.facts["no_escrowed_key"] = sorted(no_key)

        # LAPS: the laptop policy, assigned on LAPS_FROM, backed every
        # laptop's password up when it next checked in; the servers are not
        # in it, and a laptop not seen since has no backup.
        laps = []
        first = datetime(LAPS_FROM.year, LAPS_FROM.month, LAPS_FROM.day, 10)
        for d in windows:
            seen = datetime.fromisoformat(d["Last check-in"])
            if d["Device name"].startswith("SRV-") or seen < first:
                continue
            backed = first + timedelta(minutes=self.rng.randint(5, 300))
            laps.append(
                [
                    d["Azure AD Device ID"],
                    d["Device name"],
                    _iso(backed),
                    _iso(backed + timedelta(days=LAPS_ROTATION_DAYS)),
                ]
            )
        self.facts["no_laps"] = sorted(
            d["Device name"]
            for d in windows
            if d["Device name"] not in {row[1] for row in laps}
        )
        _write_csv(
            self.exports / "entra_laps.csv",
            ["Id", "DeviceName", "LastBackupDateTime", "RefreshDateTime"],
            laps,
        )


def tf(flag: bool) -> str:
    return "True" if flag else "False"


def write_all(
    exports: Path, users: list[Any], devices: list[dict], domain: str, as_of: date
) -> dict[str, list[str]]:
    """Write every file of this module; return the facts the README lists."""
    w = Writer(exports, domain, as_of)
    rows = [d["row"] for d in devices]
    servers = [r for r in rows if r["Device name"].startswith("SRV-")]
    windows = [r for r in rows if r["OS"] == "Windows"]
    w.patch_status(servers)
    w.exchange(users)
    w.tenant_settings()
    w.device_protection(windows, as_of)
    return w.facts
