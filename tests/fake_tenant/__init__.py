"""A fake Microsoft 365 tenant on 127.0.0.1, over real HTTPS.

It serves what msal and the Graph collector call, and nothing is patched in
the code under test:

- OIDC discovery, a token endpoint (client secret, certificate assertion and
  device code grants) and a device-code endpoint, under ``/<tenant>``;
- Graph v1.0 collections with ``$select``, ``$top``, ``@odata.nextLink``
  paging and ``$expand=principal``, single objects, JSON ``$batch``, and the
  usage report as CSV behind a 302;
- role schedule instances (standing, activated, eligible), role-assignable
  groups' ``transitiveMembers`` and service principals holding roles, and
  the mailbox usage report as CSV;
- injectable faults: 429/503 with ``Retry-After`` for the first N requests
  to a resource (inside a batch too), 429 on every Nth HTTP request to Graph
  (for the whole request, or for every request inside its batch) or on every
  Nth Graph request (inside a batch, an inner 429 for that one), pages
  smaller than ``$top``, 403 for an ungranted permission, the missing-licence
  403 on ``signInActivity``, per-request latency, and a dropped connection
  after N requests;
- Graph's throttling is per app and tenant, so once it has sent a 429 with a
  ``Retry-After``, every Graph request arriving before that has passed is
  refused with another 429, as Graph does;
- counters: HTTP requests, Graph requests (batch parts counted one each), the
  queries each resource was asked with, and every Graph HTTP request's
  arrival: when, and whether a ``Retry-After`` the tenant had sent was still
  running (:attr:`FakeTenant.arrivals`).

The certificate is a throwaway CA and a leaf for IP 127.0.0.1, made when the
server starts, so TLS verification stays on in the code under test.
"""

from __future__ import annotations

import base64
import datetime as dt
import ipaddress
import json
import math
import ssl
import threading
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

TENANT_ID = "0f0e0d0c-1111-2222-3333-444455556666"
CLIENT_ID = "a1b2c3d4-0000-1111-2222-333344445555"
SPB = "cbdc14ab-d96c-4c30-b9f4-6ada7cdc1d46"
EXO = "4b9405b0-7788-4568-add1-99614e613b69"
GA_ROLE = "62e90394-69f5-4237-9190-012177145e10"
UA_ROLE = "fe930be7-5e62-47db-91af-98c3a49a38b1"
NO_P1 = "Authentication_RequestFromNonPremiumTenantOrB2CTenant"
P2 = "eec0eb4f-6444-4f95-aba0-50c24d67f998"
#: What Graph answers for PIM calls on a tenant without Entra ID P2 (400):
#: https://github.com/maester365/maester/issues/1421 shows it verbatim.
NO_P2 = "AadPremiumLicenseRequired"
GROUP_ID = "6a7b8c9d-0000-4000-8000-00000000a001"
SP_ID = "6a7b8c9d-0000-4000-8000-00000000b001"

#: Graph path (under /v1.0) -> resource key, as the collector's catalogue names them.
RESOURCES = {
    "/subscribedSkus": "subscribedSkus",
    "/users": "users",
    "/deviceManagement/managedDevices": "managedDevices",
    "/roleManagement/directory/roleDefinitions": "roleDefinitions",
    "/roleManagement/directory/roleAssignments": "roleAssignments",
    "/roleManagement/directory/roleAssignmentScheduleInstances": (
        "roleAssignmentScheduleInstances"
    ),
    "/roleManagement/directory/roleEligibilityScheduleInstances": (
        "roleEligibilityScheduleInstances"
    ),
    "/reports/authenticationMethods/userRegistrationDetails": "userRegistrationDetails",
    "/policies/identitySecurityDefaultsEnforcementPolicy": "securityDefaults",
    "/identity/conditionalAccess/policies": "conditionalAccessPolicies",
    "/security/secureScores": "secureScores",
    "/applications": "applications",
    "/policies/authorizationPolicy": "authorizationPolicy",
    "/admin/sharepoint/settings": "sharepointSettings",
    "/reports/getOffice365ActiveUserDetail(period='D180')": "activeUserDetail",
    "/reports/getMailboxUsageDetail(period='D7')": "mailboxUsageDetail",
    "/domains": "domains",
    "/informationProtection/bitlocker/recoveryKeys": "bitlockerRecoveryKeys",
    "/directory/deviceLocalCredentials": "deviceLocalCredentials",
}
#: The PIM calls a tenant without Entra ID P2 refuses.
PIM = {"roleAssignmentScheduleInstances", "roleEligibilityScheduleInstances"}
#: Reports served as CSV behind a 302: key -> download file name.
REPORTS = {"activeUserDetail": "usage.csv", "mailboxUsageDetail": "mailboxes.csv"}
#: Largest page each collection serves (as Graph documents), and its default.
MAX_TOP = {
    "users": 999,
    "managedDevices": 1000,
    "userRegistrationDetails": 999,
    "applications": 999,
}
DEFAULT_TOP = 100
SINGLE = {"securityDefaults", "authorizationPolicy", "sharepointSettings"}
#: What Graph answers for SharePoint settings in a tenant without SharePoint.
NO_SPO = "Tenant does not have a SPO license."


def page_top(key: str, top: int | None, page_size: int | None = None) -> int:
    """The items a page of ``key`` holds when ``$top`` (None: not given) is asked."""
    asked = top or DEFAULT_TOP
    return min(asked, MAX_TOP.get(key, 999), page_size or asked)


def page_count(
    key: str, items: int, top: int | None, page_size: int | None = None
) -> int:
    """Pages the tenant serves for ``items`` items of ``key`` (at least one)."""
    if key in SINGLE:
        return 1
    return max(1, math.ceil(items / page_top(key, top, page_size)))


def fewest_requests(depth: int, every: int) -> int:
    """The fewest HTTP requests that fetch ``depth`` pages one after another
    when every ``every``-th request is refused (0: none), whatever the client.

    The smallest R with R - R // every >= depth: refused requests count too.
    """
    if every == 0:
        return depth
    if every < 2:
        raise ValueError("with every request refused, no client gets a page")
    r = depth
    while r - r // every < depth:
        r += 1
    return r


def make_certificates(folder: Path) -> tuple[Path, Path, Path]:
    """Write a throwaway CA and a 127.0.0.1 server certificate; return paths.

    Returns (ca.pem, server.pem, server.key).
    """
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "fake tenant CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                key_cert_sign=True,
                crl_sign=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    folder.mkdir(parents=True, exist_ok=True)
    ca_path, cert_path, key_path = (
        folder / "ca.pem",
        folder / "server.pem",
        folder / "server.key",
    )
    ca_path.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return ca_path, cert_path, key_path


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _b64(data: dict[str, Any]) -> str:
    raw = json.dumps(data).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


@dataclass
class Tenant:
    """The tenant's contents: Graph items by resource key, plus the usage CSV."""

    items: dict[str, list[dict[str, Any]]]
    usage_csv: str
    mailbox_csv: str = ""
    #: Directory objects other than users that hold roles (groups, service
    #: principals), by id, each with its "@odata.type".
    principals: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: A group's transitive members (directory objects), by group id.
    members: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


def build_tenant(
    users: int = 30,
    devices: int = 20,
    *,
    servers: int = 0,
    admins: int = 3,
    role_groups: bool = False,
) -> Tenant:
    """A deterministic tenant of ``users`` users and ``devices`` devices.

    Every ``servers``-th device (none when 0) is a Windows Server named
    ``SRV-...``, as Intune lists servers; ``admins`` users hold a permanent
    Global Administrator assignment (a long list when large). The tenant has
    Entra ID P2, so the PIM schedule instances answer (``Faults.no_p2``
    takes it away). With ``role_groups`` (and at least 9 users), a
    role-assignable group holds Global Administrator (members: user 0, who
    also holds it directly, users 5 and 6, and a nested service principal),
    a service principal holds User Administrator, and user 8 is eligible for
    Global Administrator and has activated it. Blocked user 9's mailbox is a
    shared mailbox with an archive.
    """
    base = dt.datetime(2026, 11, 20, 8, 0, 0)
    u_items, reg, usage = [], [], []
    for i in range(users):
        upn = f"user{i:05d}@contoso.example"
        # Every 7th user last signed in 200 days ago; the rest within a week.
        days = 200 if i % 7 == 3 else i % 7
        last = (base - dt.timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")
        u_items.append(
            {
                "id": str(uuid.UUID(int=i + 1)),
                "userPrincipalName": upn,
                "displayName": f"User {i}",
                "userType": "Guest" if i % 25 == 24 else "Member",
                "accountEnabled": i % 10 != 9,
                "createdDateTime": "2024-01-15T09:00:00Z",
                "assignedLicenses": (
                    [{"skuId": SPB, "disabledPlans": []}] if i % 5 else []
                )
                + ([{"skuId": EXO, "disabledPlans": []}] if i % 6 == 1 else []),
                "signInActivity": {
                    "lastSignInDateTime": last,
                    "lastNonInteractiveSignInDateTime": None,
                },
                "mail": upn,
                # Every third account comes from on-premises AD.
                "onPremisesSyncEnabled": True if i % 3 == 1 else None,
            }
        )
        reg.append(
            {
                "id": str(uuid.UUID(int=i + 1)),
                "userPrincipalName": upn,
                "isMfaRegistered": i % 4 != 0,
                "isAdmin": i < 3,
                "methodsRegistered": ["microsoftAuthenticatorPush"] if i % 4 else [],
                "userDisplayName": f"User {i}",
            }
        )
        usage.append(
            f"2026-11-19,{upn},User {i},False,,True,True,True,True,"
            f"{last[:10]},,,{last[:10]},Microsoft 365 Business Premium"
        )
    d_items = []
    for i in range(devices):
        server = bool(servers) and i % servers == servers - 1
        d_items.append(
            {
                "id": str(uuid.UUID(int=10**6 + i)),
                "deviceName": f"{'SRV' if server else 'PC'}-{i:05d}",
                "operatingSystem": "Windows" if i % 3 else "iOS",
                "osVersion": "10.0.22631.4460" if i % 3 else "17.6",
                "lastSyncDateTime": (base - dt.timedelta(days=i % 40)).strftime(
                    "%Y-%m-%dT%H:%M:%SZ"
                ),
                "complianceState": "compliant" if i % 8 else "noncompliant",
                "isEncrypted": i % 9 != 0,
                "totalStorageSpaceInBytes": 256 * 1024**3,
                "freeStorageSpaceInBytes": (5 if i % 11 == 0 else 100) * 1024**3,
                "userPrincipalName": f"user{i % max(users, 1):05d}@contoso.example",
                "serialNumber": f"SN{i}",
                "azureADDeviceId": str(uuid.UUID(int=2 * 10**6 + i)),
                # Every 13th a personal (BYOD) device: FND-16 leaves it out.
                "managedDeviceOwnerType": "personal" if i % 13 == 12 else "company",
            }
        )
    # Every encrypted Windows device but every 7th has its key escrowed; every
    # Windows device but every 5th has a LAPS backup (issue 13, FND-15/16).
    windows = [d for d in d_items if d["operatingSystem"] == "Windows"]
    keys = [
        {
            "id": str(uuid.UUID(int=3 * 10**6 + n)),
            "createdDateTime": "2026-01-10T10:00:00Z",
            "deviceId": d["azureADDeviceId"],
            "volumeType": "operatingSystemVolume",
        }
        for n, d in enumerate(windows)
        if d["isEncrypted"] and n % 7 != 6
    ]
    laps = [
        {
            "id": d["azureADDeviceId"],
            "deviceName": d["deviceName"],
            "lastBackupDateTime": "2026-11-01T03:00:00Z",
            "refreshDateTime": "2026-12-01T03:00:00Z",
        }
        for n, d in enumerate(windows)
        if n % 5 != 4
    ]
    skus = [
        {
            # Entra ID P2 (PIM): every seat in use, so it is never waste.
            "skuId": P2,
            "skuPartNumber": "AAD_PREMIUM_P2",
            "prepaidUnits": {"enabled": 5, "suspended": 0, "warning": 0},
            "consumedUnits": 5,
            "capabilityStatus": "Enabled",
        },
        {
            "skuId": SPB,
            "skuPartNumber": "SPB",
            "prepaidUnits": {"enabled": users, "suspended": 0, "warning": 0},
            "consumedUnits": sum(1 for i in range(users) if i % 5),
            "capabilityStatus": "Enabled",
        },
        {
            "skuId": EXO,
            "skuPartNumber": "EXCHANGESTANDARD",
            "prepaidUnits": {"enabled": 10, "suspended": 0, "warning": 0},
            "consumedUnits": sum(1 for i in range(users) if i % 6 == 1),
            "capabilityStatus": "Enabled",
        },
    ]
    defs = [
        {"id": GA_ROLE, "displayName": "Global Administrator", "isBuiltIn": True},
        {"id": UA_ROLE, "displayName": "User Administrator", "isBuiltIn": True},
    ]
    perm = [
        {"id": f"ra{i}", "principalId": u_items[i]["id"], "roleDefinitionId": GA_ROLE}
        for i in range(min(admins, users))
    ]
    elig = (
        [{"id": "re0", "principalId": u_items[-1]["id"], "roleDefinitionId": UA_ROLE}]
        if users
        else []
    )
    active = [dict(a, assignmentType="Assigned", memberType="Direct") for a in perm]
    principals: dict[str, dict[str, Any]] = {}
    members: dict[str, list[dict[str, Any]]] = {}
    if role_groups and users >= 9:
        principals[GROUP_ID] = {
            "@odata.type": "#microsoft.graph.group",
            "id": GROUP_ID,
            "displayName": "Tier 0 admins",
        }
        principals[SP_ID] = {
            "@odata.type": "#microsoft.graph.servicePrincipal",
            "id": SP_ID,
            "displayName": "Backup automation",
        }
        members[GROUP_ID] = [
            {
                "@odata.type": "#microsoft.graph.user",
                "id": u_items[i]["id"],
                "userPrincipalName": u_items[i]["userPrincipalName"],
                "displayName": u_items[i]["displayName"],
            }
            for i in (0, 5, 6)
        ] + [dict(principals[SP_ID])]
        group_ga = {"principalId": GROUP_ID, "roleDefinitionId": GA_ROLE}
        sp_ua = {"principalId": SP_ID, "roleDefinitionId": UA_ROLE}
        user8 = {"principalId": u_items[8]["id"], "roleDefinitionId": GA_ROLE}
        perm += [dict(group_ga, id="ra-g"), dict(sp_ua, id="ra-sp")]
        # roleAssignments lists an activation as an assignment like any other.
        perm.append(dict(user8, id="ra-act"))
        active += [
            dict(group_ga, id="ai-g", assignmentType="Assigned", memberType="Direct"),
            dict(sp_ua, id="ai-sp", assignmentType="Assigned", memberType="Direct"),
            dict(user8, id="ai-act", assignmentType="Activated", memberType="Direct"),
        ]
        elig = [*elig, dict(user8, id="re-8")]
    mailbox_header = (
        "Report Refresh Date,User Principal Name,Display Name,Is Deleted,"
        "Deleted Date,Created Date,Last Activity Date,Item Count,"
        "Storage Used (Byte),Issue Warning Quota (Byte),Prohibit Send Quota (Byte),"
        "Prohibit Send/Receive Quota (Byte),Deleted Item Count,"
        "Deleted Item Size (Byte),Deleted Item Quota (Byte),Has Archive,"
        "Recipient Type,Report Period"
    )
    mailbox_rows = [
        f"2026-11-19,{u['userPrincipalName']},{u['displayName']},False,,"
        f"2024-01-15,2026-11-18,{100 + i},{(i + 1) * 1024**3},,,,0,0,,"
        + ("True,Shared" if i == 9 else "False,User")
        + ",7"
        for i, u in enumerate(u_items)
        if u["userType"] == "Member"
    ]
    header = (
        "Report Refresh Date,User Principal Name,Display Name,Is Deleted,"
        "Deleted Date,Has Exchange License,Has OneDrive License,"
        "Has SharePoint License,Has Teams License,Exchange Last Activity Date,"
        "OneDrive Last Activity Date,SharePoint Last Activity Date,"
        "Teams Last Activity Date,Assigned Products"
    )
    return Tenant(
        items={
            "subscribedSkus": skus,
            "users": u_items,
            "managedDevices": d_items,
            "roleDefinitions": defs,
            "roleAssignments": perm,
            "roleAssignmentScheduleInstances": active,
            "roleEligibilityScheduleInstances": elig,
            "userRegistrationDetails": reg,
            "securityDefaults": [
                {"id": "00000000-0000-0000-0000-000000000000", "isEnabled": False}
            ],
            "conditionalAccessPolicies": [
                {
                    "id": "ca-1",
                    "displayName": "Require MFA for all users",
                    "state": "enabled",
                    "conditions": {
                        "users": {
                            "includeUsers": ["All"],
                            "excludeUsers": [u_items[0]["id"]] if u_items else [],
                        },
                        "applications": {"includeApplications": ["All"]},
                        "clientAppTypes": ["all"],
                    },
                    "grantControls": {"operator": "OR", "builtInControls": ["mfa"]},
                },
                {
                    "id": "ca-2",
                    "displayName": "Block legacy authentication",
                    "state": "enabledForReportingButNotEnforced",
                    "conditions": {
                        "users": {"includeUsers": ["All"]},
                        "applications": {"includeApplications": ["All"]},
                        "clientAppTypes": ["exchangeActiveSync", "other"],
                    },
                    "grantControls": {"operator": "OR", "builtInControls": ["block"]},
                },
            ],
            "domains": [
                {
                    "id": "contoso.example",
                    "isDefault": True,
                    "isInitial": False,
                    "isVerified": True,
                    "supportedServices": ["Email", "OfficeCommunicationsOnline"],
                },
                {
                    "id": "contoso.onmicrosoft.com",
                    "isDefault": False,
                    "isInitial": True,
                    "isVerified": True,
                    "supportedServices": ["Email"],
                },
                {
                    "id": "unverified.example",
                    "isDefault": False,
                    "isInitial": False,
                    "isVerified": False,
                    "supportedServices": [],
                },
            ],
            "bitlockerRecoveryKeys": keys,
            "deviceLocalCredentials": laps,
            "secureScores": [
                {
                    "id": f"{TENANT_ID}_{d}",
                    "createdDateTime": (base - dt.timedelta(days=d)).strftime(
                        "%Y-%m-%dT00:00:00Z"
                    ),
                    "currentScore": 40.0 + (90 - d) / 10,
                    "maxScore": 120.0,
                    "activeUserCount": users,
                    "licensedUserCount": users,
                    "averageComparativeScores": [
                        {"basis": "AllTenants", "averageScore": 41.5},
                        {"basis": "TotalSeats", "averageScore": 52.25},
                    ],
                }
                for d in range(90)
            ],
            "applications": [
                {
                    "id": str(uuid.UUID(int=2 * 10**6 + a)),
                    "appId": str(uuid.UUID(int=3 * 10**6 + a)),
                    "displayName": f"App {a}",
                    # App 0's secret expired, app 1's runs 3 years, app 2's
                    # is current; app 3 has a certificate expiring in 10 days.
                    "passwordCredentials": [
                        {
                            "keyId": f"k{a}",
                            "displayName": f"secret {a}",
                            "startDateTime": "2026-01-01T00:00:00Z",
                            "endDateTime": (
                                "2026-06-01T00:00:00Z",
                                "2029-01-01T00:00:00Z",
                                "2027-06-01T00:00:00Z",
                            )[a],
                            "secretText": None,
                            "hint": "abc",
                        }
                    ]
                    if a < 3
                    else [],
                    "keyCredentials": [
                        {
                            "keyId": "c3",
                            "displayName": "CN=app3",
                            "startDateTime": "2026-01-01T00:00:00Z",
                            "endDateTime": "2026-11-30T00:00:00Z",
                            "type": "AsymmetricX509Cert",
                            "usage": "Verify",
                        }
                    ]
                    if a == 3
                    else [],
                }
                for a in range(4)
            ],
            "authorizationPolicy": [
                {
                    "id": "authorizationPolicy",
                    "defaultUserRolePermissions": {
                        "allowedToCreateApps": True,
                        "permissionGrantPoliciesAssigned": [
                            "ManagePermissionGrantsForSelf."
                            "microsoft-user-default-legacy"
                        ],
                    },
                }
            ],
            "sharepointSettings": [
                {
                    "sharingCapability": "externalUserAndGuestSharing",
                    "isResharingByExternalUsersEnabled": True,
                    "sharingDomainRestrictionMode": "none",
                    "deletedUserPersonalSiteRetentionPeriodInDays": 30,
                }
            ],
        },
        usage_csv="\ufeff" + header + "\n" + "\n".join(usage) + "\n",
        mailbox_csv="\ufeff" + mailbox_header + "\n" + "\n".join(mailbox_rows) + "\n",
        principals=principals,
        members=members,
    )


@dataclass
class Arrival:
    """One HTTP request to Graph, as the tenant saw it arrive."""

    #: ``time.monotonic()`` on arrival.
    at: float
    method: str
    path: str
    #: a Retry-After the tenant had sent was still running.
    inside_retry_after: bool
    #: the tenant refused it (or every request in its batch) with 429.
    throttled: bool = False


@dataclass
class Faults:
    """What the tenant does wrong, set by a test before collecting."""

    #: resource key -> how many of its first requests get 429.
    throttle: dict[str, int] = field(default_factory=dict)
    #: resource key -> how many of its first requests get 503.
    unavailable: dict[str, int] = field(default_factory=dict)
    #: how many of the first $batch POSTs get 429 as a whole.
    throttle_batches: int = 0
    #: the Retry-After value sent with 429/503; "" sends none.
    retry_after: str = "0.05"
    #: every Nth HTTP request to Graph gets 429 (0: none).
    throttle_every: int = 0
    #: every Nth Graph request gets 429 on its own (0: none): counted one per
    #: request inside a batch, so inside a batch the 429 is an inner one.
    throttle_every_request: int = 0
    #: a throttled $batch answers 200 with a 429 for each request inside it,
    #: each with its own Retry-After, rather than 429 for the whole POST.
    throttle_inside_batch: bool = False
    #: the most items a page holds, below the $top asked (Graph may do so).
    page_size: int | None = None
    #: resource keys whose nextLink points at another host (a hostile link).
    foreign_next_link: set[str] = field(default_factory=set)
    #: resource keys whose permission was not granted (403).
    forbidden: set[str] = field(default_factory=set)
    #: the tenant has no Entra ID P1: signInActivity, MFA details and
    #: Conditional Access refuse.
    no_p1: bool = False
    #: the tenant has no Entra ID P2: the P2 subscription is gone and the PIM
    #: schedule instances answer 400 AadPremiumLicenseRequired.
    no_p2: bool = False
    #: the tenant has no SharePoint Online: its settings refuse.
    no_sharepoint: bool = False
    #: the tenant has no Intune plan: managed devices answer 400, as Intune does.
    no_intune: bool = False
    #: seconds each HTTP request takes (network latency).
    latency: float = 0.0
    #: after this many HTTP requests to Graph, drop every connection.
    drop_after: int | None = None


class FakeTenant:
    """The HTTPS server; use as a context manager.

    Args:
        folder: where the certificates are written.
        tenant: the contents (``build_tenant()`` by default).
        client_secret: the secret the token endpoint accepts.
        certificate: the app's certificate; a client assertion must be signed
            by its key and name its SHA-1 thumbprint.
        echo_secret_in_errors: put the submitted secret in the error text of a
            refused sign-in (a real authority does not; the tests use it to
            prove our messages scrub secrets anyway).
    """

    def __init__(
        self,
        folder: Path,
        tenant: Tenant | None = None,
        *,
        client_secret: str = "",
        certificate: x509.Certificate | None = None,
        echo_secret_in_errors: bool = True,
    ) -> None:
        self.tenant = tenant or build_tenant()
        self.client_secret = client_secret
        self.certificate = certificate
        self.echo_secret = echo_secret_in_errors
        self.faults = Faults()
        self.ca_bundle, cert, key = make_certificates(folder)
        self.http_requests = 0
        self.graph_http_requests = 0
        self.graph_requests = 0
        self.token_requests = 0
        self.by_resource: Counter[str] = Counter()
        self.queries: dict[str, list[dict[str, list[str]]]] = defaultdict(list)
        self.tokens: set[str] = set()
        self.grants: list[str] = []
        self._seen: Counter[str] = Counter()
        self._requests_seen = 0
        self._lock = threading.Lock()
        #: every HTTP request to Graph, in order of arrival.
        self.arrivals: list[Arrival] = []
        #: monotonic time until which a Retry-After the tenant sent runs.
        self.quiet_until = 0.0
        self._device_polls = 0
        handler = type("Handler", (_Handler,), {"fake": self})
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.server.daemon_threads = True
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(cert, key)
        self.server.socket = ctx.wrap_socket(self.server.socket, server_side=True)
        self.port = self.server.server_address[1]
        self.url = f"https://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> FakeTenant:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    @property
    def inside_retry_after(self) -> int:
        """Graph requests that arrived while a Retry-After was still running."""
        return sum(a.inside_retry_after for a in self.arrivals)

    def retry_after_sent(self, seconds: float) -> None:
        """Start a Retry-After window: a 429 asking for ``seconds`` goes out now."""
        with self._lock:
            self.quiet_until = max(self.quiet_until, time.monotonic() + seconds)

    # --- auth ------------------------------------------------------------------

    def openid(self) -> dict[str, Any]:
        """The OIDC discovery document msal reads."""
        root = f"{self.url}/{TENANT_ID}"
        return {
            "issuer": f"{root}/v2.0",
            "authorization_endpoint": f"{root}/oauth2/v2.0/authorize",
            "token_endpoint": f"{root}/oauth2/v2.0/token",
            "device_authorization_endpoint": f"{root}/oauth2/v2.0/devicecode",
            "jwks_uri": f"{root}/discovery/v2.0/keys",
            "response_types_supported": ["code"],
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
        }

    def token(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        """Answer the token endpoint."""
        with self._lock:
            self.token_requests += 1
        grant = form.get("grant_type", "")
        self.grants.append(grant)
        if form.get("client_id") != CLIENT_ID:
            return 400, {
                "error": "unauthorized_client",
                "error_description": "AADSTS700016: Application not found.",
            }
        if grant == "client_credentials":
            if "client_assertion" in form:
                ok = form.get("client_assertion_type", "").endswith(
                    "jwt-bearer"
                ) and self._assertion_ok(form["client_assertion"])
            else:
                ok = form.get("client_secret") == self.client_secret
            if not ok:
                shown = form.get("client_secret", "") if self.echo_secret else ""
                # A real authority never echoes the secret; this one does, so
                # the tests prove our messages scrub it anyway.
                return 401, {
                    "error": "invalid_client",
                    "error_description": "AADSTS7000215: Invalid client secret "
                    f"provided ({shown}).\r\nTrace ID: 1",
                }
            return 200, self._issue(delegated=False)
        if grant == "urn:ietf:params:oauth:grant-type:device_code":
            with self._lock:
                self._device_polls += 1
                first = self._device_polls == 1
            if first:
                return 400, {
                    "error": "authorization_pending",
                    "error_description": "AADSTS70016: pending",
                }
            return 200, self._issue(delegated=True)
        if grant == "refresh_token":
            return 200, self._issue(delegated=True)
        return 400, {"error": "unsupported_grant_type"}

    def _assertion_ok(self, jwt: str) -> bool:
        """Check a client assertion: signed by the app's key, for our endpoint."""
        if self.certificate is None:
            return False
        try:
            head, body, sig = jwt.split(".")
            header = json.loads(_unb64(head))
            claims = json.loads(_unb64(body))
            thumb = self.certificate.fingerprint(hashes.SHA1())  # noqa: S303
            if _unb64(header.get("x5t", "")) != thumb:
                return False
            if claims.get("aud") != self.openid()["token_endpoint"]:
                return False
            key = self.certificate.public_key()
            assert isinstance(key, rsa.RSAPublicKey)
            key.verify(
                _unb64(sig),
                f"{head}.{body}".encode(),
                padding.PKCS1v15(),
                hashes.SHA256(),
            )
        except (ValueError, AssertionError, InvalidSignature):
            return False
        return True

    def _issue(self, *, delegated: bool) -> dict[str, Any]:
        token = "eyFAKE." + uuid.uuid4().hex + uuid.uuid4().hex
        with self._lock:
            self.tokens.add(token)
        out: dict[str, Any] = {
            "token_type": "Bearer",
            "expires_in": 3600,
            "access_token": token,
        }
        if delegated:
            now = int(time.time())
            claims = {
                "iss": f"{self.url}/{TENANT_ID}/v2.0",
                "aud": CLIENT_ID,
                "sub": "consultant",
                "oid": "11111111-0000-0000-0000-000000000001",
                "tid": TENANT_ID,
                "preferred_username": "consultant@contoso.example",
                "iat": now,
                "exp": now + 3600,
            }
            out["id_token"] = (
                _b64({"alg": "none", "typ": "JWT"}) + "." + _b64(claims) + "."
            )
            out["client_info"] = _b64(
                {"uid": "11111111-0000-0000-0000-000000000001", "utid": TENANT_ID}
            )
            out["refresh_token"] = "rt-" + uuid.uuid4().hex
            out["scope"] = f"{self.url}/.default"
        return out

    # --- Graph -----------------------------------------------------------------

    def graph(self, path_query: str) -> tuple[int, dict[str, str], Any]:
        """Answer one Graph GET (alone or inside a batch): status, headers, body."""
        parts = urlsplit(path_query)
        query = parse_qs(parts.query, keep_blank_values=True)
        path = parts.path
        key = RESOURCES.get(path)
        group_id = None
        if (
            key is None
            and path.startswith("/groups/")
            and path.endswith("/transitiveMembers")
        ):
            key, group_id = "transitiveMembers", path.split("/")[2]
        if key is None:
            return 404, {}, _error("Request_ResourceNotFound", f"{path} not found")
        with self._lock:
            self.graph_requests += 1
            self.by_resource[key] += 1
            self.queries[key].append(query)
            self._seen[key] += 1
            seen = self._seen[key]
            self._requests_seen += 1
            nth = self._requests_seen
        f = self.faults
        every = f.throttle_every_request
        if seen <= f.throttle.get(key, 0) or (every and nth % every == 0):
            return (
                429,
                {"Retry-After": f.retry_after} if f.retry_after else {},
                _error("TooManyRequests", "Too many requests"),
            )
        if seen <= f.unavailable.get(key, 0):
            return (
                503,
                {"Retry-After": f.retry_after} if f.retry_after else {},
                _error("ServiceUnavailable", "Service unavailable"),
            )
        if key in f.forbidden:
            return (
                403,
                {},
                _error(
                    "Authorization_RequestDenied",
                    "Insufficient privileges to complete the operation.",
                ),
            )
        select = [s for s in ",".join(query.get("$select", [])).split(",") if s]
        if f.no_sharepoint and key == "sharepointSettings":
            return 400, {}, _error("BadRequest", NO_SPO)
        if f.no_p1 and key == "conditionalAccessPolicies":
            return 403, {}, _error("AadPremiumLicenseRequired", "Tenant needs P1.")
        if f.no_p1 and (
            (key == "users" and "signInActivity" in select)
            or key == "userRegistrationDetails"
        ):
            return (
                403,
                {},
                _error(
                    NO_P1,
                    "Neither tenant is B2C or tenant doesn't have premium license",
                ),
            )
        if f.no_intune and key == "managedDevices":
            return (
                400,
                {},
                _error("BadRequest", "Request not applicable to target tenant."),
            )
        if f.no_p2 and key in PIM:
            return (
                400,
                {},
                _error(
                    NO_P2,
                    "The tenant needs to have Microsoft Entra ID P2 or "
                    "Microsoft Entra ID Governance license.",
                ),
            )
        if key in REPORTS:
            name = REPORTS[key]
            return 302, {"Location": f"{self.url}/download/{name}?sig=abc"}, None
        if group_id is not None:
            items = self.tenant.members.get(group_id)
            if items is None:
                return 404, {}, _error("Request_ResourceNotFound", f"{path}")
        else:
            items = self.tenant.items[key]
        if key == "subscribedSkus" and f.no_p2:
            items = [i for i in items if i["skuId"] != P2]
        if key in SINGLE:
            return 200, {}, _project(items[0], select)
        top = page_top(key, int(query.get("$top", [DEFAULT_TOP])[0]), f.page_size)
        skip = int(query.get("$skiptoken", ["0"])[0])
        page = items[skip : skip + top]
        expand = query.get("$expand", [""])[0]
        principals = (
            {u["id"]: u for u in self.tenant.items["users"]} | self.tenant.principals
            if expand == "principal"
            else None
        )
        body: dict[str, Any] = {
            "@odata.context": f"{self.url}/v1.0/$metadata#{key}",
            "value": [_item(i, select, principals) for i in page],
        }
        if skip + top < len(items):
            nq = {k: v[0] for k, v in query.items() if k != "$skiptoken"}
            nq["$skiptoken"] = str(skip + top)
            body["@odata.nextLink"] = f"{self.url}/v1.0{path}?" + urlencode(
                nq, safe="$,()'"
            )
            if key in f.foreign_next_link:
                body["@odata.nextLink"] = body["@odata.nextLink"].replace(
                    "127.0.0.1", "localhost"
                )
        return 200, {}, body

    def batch(self, body: dict[str, Any], refuse: str | None = None) -> dict[str, Any]:
        """Answer a JSON batch: each request on its own, as Graph does.

        With ``refuse`` (a Retry-After value), every request in it gets 429
        with that Retry-After, as when the app is over its limit.
        """
        out = []
        for req in body.get("requests", [])[:20]:
            url = req["url"] if req["url"].startswith("/") else "/" + req["url"]
            if refuse is None:
                status, headers, resp = self.graph(url)
            else:
                with self._lock:
                    self.graph_requests += 1
                    key = RESOURCES.get(urlsplit(url).path, "?")
                    self.by_resource[key] += 1
                status, headers, resp = 429, {"Retry-After": refuse}, _TOO_MANY
            entry: dict[str, Any] = {"id": req["id"], "status": status}
            if headers:
                entry["headers"] = headers
            if resp is not None:
                entry["body"] = resp
            out.append(entry)
        return {"responses": out}


def _project(item: dict[str, Any], select: list[str]) -> dict[str, Any]:
    if not select:
        return dict(item)
    return {k: item[k] for k in select if k in item}


def _item(
    item: dict[str, Any],
    select: list[str],
    principals: dict[str, dict[str, Any]] | None,
) -> dict[str, Any]:
    """One item as served; ``principals`` (users by id) when ``$expand=principal``."""
    out = _project(item, select)
    if "@odata.type" in item:  # a directory object: Graph always says its type
        out["@odata.type"] = item["@odata.type"]
    if principals is not None:
        u = principals.get(item["principalId"], {})
        out["principal"] = {
            "@odata.type": u.get("@odata.type", "#microsoft.graph.user"),
            "id": item["principalId"],
            "displayName": u.get("displayName"),
        }
        if "userPrincipalName" in u:
            out["principal"]["userPrincipalName"] = u["userPrincipalName"]
    return out


def _error(code: str, message: str) -> dict[str, Any]:
    return {"error": {"code": code, "message": message}}


_TOO_MANY = _error("TooManyRequests", "Too many requests")


def _retry_after_of(status: int, headers: dict[str, str], body: Any) -> float:
    """The longest Retry-After of the 429s in an answer, inner ones too; else 0."""
    waits = []
    if status == 429:
        waits.append(headers.get("Retry-After", ""))
    if isinstance(body, dict):
        for r in body.get("responses", []):
            if r.get("status") == 429:
                waits.append(r.get("headers", {}).get("Retry-After", ""))
    seconds = [float(w) for w in waits if w]
    return max(seconds, default=0.0)


class _Handler(BaseHTTPRequestHandler):
    fake: FakeTenant
    protocol_version = "HTTP/1.1"
    #: this request's Retry-After when the tenant throttles it, else None.
    refuse: str | None = None
    arrival: Arrival | None = None

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        """Quiet: the tests read counters, not logs."""

    def _send(
        self,
        status: int,
        body: Any,
        headers: dict[str, str] | None = None,
        content_type: str = "application/json",
    ) -> None:
        data = (
            b""
            if body is None
            else (body if isinstance(body, bytes) else json.dumps(body).encode())
        )
        self.send_response(status)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        wait = _retry_after_of(status, headers or {}, body)
        if wait > 0:
            # Before writing: no client can know of the 429 any earlier, so
            # a request the window catches was sent after the client knew.
            self.fake.retry_after_sent(wait)
        self.end_headers()
        self.wfile.write(data)

    def _begin(self) -> bool:
        fake = self.fake
        graph = self.path.startswith("/v1.0")
        self.refuse, self.arrival = None, None
        with fake._lock:
            fake.http_requests += 1
            fake.graph_http_requests += graph
            n = fake.graph_http_requests
            if graph:
                now = time.monotonic()
                inside = now < fake.quiet_until
                self.arrival = Arrival(now, self.command, self.path, inside)
                fake.arrivals.append(self.arrival)
                every = fake.faults.throttle_every
                if inside:
                    # Still throttled: wait out the rest, as Graph says.
                    self.refuse = f"{fake.quiet_until - now:.3f}"
                elif every and n % every == 0:
                    self.refuse = fake.faults.retry_after
        if fake.faults.latency:
            time.sleep(fake.faults.latency)
        drop = fake.faults.drop_after
        if drop is not None and graph and n > drop:
            self.close_connection = True
            return False
        return True

    def _too_many(self) -> None:
        """Refuse this whole request with 429 and its Retry-After."""
        if self.arrival is not None:
            self.arrival.throttled = True
        self._send(429, _TOO_MANY, {"Retry-After": self.refuse} if self.refuse else {})

    def _authorised(self) -> bool:
        auth = self.headers.get("Authorization", "")
        if auth.startswith("Bearer ") and auth[7:] in self.fake.tokens:
            return True
        self._send(401, _error("InvalidAuthenticationToken", "Access token is empty."))
        return False

    def _body(self) -> bytes:
        return self.rfile.read(int(self.headers.get("Content-Length", "0") or 0))

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        """OIDC discovery, Graph GETs and the report download."""
        if not self._begin():
            return
        path = self.path
        if path.endswith("/v2.0/.well-known/openid-configuration"):
            self._send(200, self.fake.openid())
        elif path.startswith("/download/usage.csv"):
            self._send(
                200,
                self.fake.tenant.usage_csv.encode("utf-8"),
                content_type="application/octet-stream",
            )
        elif path.startswith("/download/mailboxes.csv"):
            self._send(
                200,
                self.fake.tenant.mailbox_csv.encode("utf-8"),
                content_type="application/octet-stream",
            )
        elif path.startswith("/v1.0/"):
            if not self._authorised():
                return
            if self.refuse is not None:
                self._too_many()
                return
            status, headers, body = self.fake.graph(path[len("/v1.0") :])
            self._send(status, body, headers)
        else:
            self._send(404, _error("NotFound", path))

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        """Token, device code and $batch."""
        if not self._begin():
            return
        path = self.path.split("?")[0]
        raw = self._body()
        if path.endswith("/oauth2/v2.0/token"):
            form = {k: v[0] for k, v in parse_qs(raw.decode()).items()}
            status, body = self.fake.token(form)
            self._send(status, body)
        elif path.endswith("/oauth2/v2.0/devicecode"):
            self._send(
                200,
                {
                    "device_code": "dc-" + uuid.uuid4().hex,
                    "user_code": "FAKE-CODE",
                    "verification_uri": "https://microsoft.com/devicelogin",
                    "expires_in": 900,
                    "interval": 0,
                    "message": "To sign in, open https://microsoft.com/devicelogin "
                    "and enter the code FAKE-CODE.",
                },
            )
        elif path == "/v1.0/$batch":
            if not self._authorised():
                return
            fake = self.fake
            with fake._lock:
                fake._seen["$batch"] += 1
                if fake._seen["$batch"] <= fake.faults.throttle_batches:
                    self.refuse = self.refuse or fake.faults.retry_after
            inner = fake.faults.throttle_inside_batch
            if self.refuse is not None and not inner:
                self._too_many()
                return
            if self.refuse is not None and self.arrival is not None:
                self.arrival.throttled = True
            self._send(200, fake.batch(json.loads(raw or b"{}"), self.refuse))
        else:
            self._send(404, _error("NotFound", path))
