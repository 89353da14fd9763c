"""Which Graph call fills which dataset, with what fields and which permission.

The catalogue after ScubaGear's ``ScubaGearApiCatalog.json``: one entry per
Graph call, naming the fields it selects, the largest page it may ask for,
the least-privileged *application* permission that allows it, and the page
that says so. ``healthcheck permissions`` prints it, and a 403 names the
permission from here.

Page sizes: directory objects allow ``$top`` up to 999
(https://learn.microsoft.com/graph/paging). Intune serves pages of up to
1,000 managed devices; the reference does not say so, practitioners report it
(https://techcommunity.microsoft.com/discussions/microsoft-intune/is-there-any-limit-on-the-number-of-devices-returned-for-the-intunes-graph-get-l/2480958),
and a smaller real page only costs one more nextLink. Secure scores are one
per day, so 90 covers a quarter.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote


@dataclass(frozen=True, kw_only=True, slots=True)
class Endpoint:
    """One Graph call of the collection."""

    key: str
    path: str
    permission: str
    docs: str
    datasets: tuple[str, ...]
    select: tuple[str, ...] = ()
    top: int | None = None
    expand: str | None = None
    #: A single object rather than a collection with ``value`` and paging.
    single: bool = False
    #: The licence the tenant needs, named in the reason when Graph says so.
    licence: str = ""

    def url(self) -> str:
        """The request path with its query, relative to ``/v1.0``."""
        query = []
        if self.select:
            query.append("$select=" + ",".join(self.select))
        if self.expand:
            query.append("$expand=" + self.expand)
        if self.top:
            query.append(f"$top={self.top}")
        path = quote(self.path, safe="/()='$")
        return path + ("?" + "&".join(query) if query else "")


_USER_FIELDS = (
    "id",
    "userPrincipalName",
    "displayName",
    "userType",
    "accountEnabled",
    "createdDateTime",
    "assignedLicenses",
    # REV-12: emergency access accounts are cloud-only.
    "onPremisesSyncEnabled",
)

ENDPOINTS: dict[str, Endpoint] = {
    e.key: e
    for e in (
        Endpoint(
            key="subscribedSkus",
            path="/subscribedSkus",
            select=("skuId", "skuPartNumber", "prepaidUnits", "consumedUnits"),
            permission="LicenseAssignment.Read.All",
            docs="https://learn.microsoft.com/graph/api/subscribedsku-list",
            datasets=("licence_skus",),
        ),
        Endpoint(
            key="users",
            path="/users",
            select=(*_USER_FIELDS, "signInActivity"),
            top=999,
            # signInActivity needs AuditLog.Read.All besides User.Read.All, and
            # Entra ID P1: https://learn.microsoft.com/graph/api/resources/signinactivity
            permission="User.Read.All, AuditLog.Read.All",
            docs="https://learn.microsoft.com/graph/api/user-list",
            datasets=("users", "licence_assignments"),
            licence="Microsoft Entra ID P1",
        ),
        Endpoint(
            key="users_basic",
            path="/users",
            select=_USER_FIELDS,
            top=999,
            permission="User.Read.All",
            docs="https://learn.microsoft.com/graph/api/user-list",
            datasets=("users", "licence_assignments"),
        ),
        Endpoint(
            key="activeUserDetail",
            # Returns CSV behind a 302 to a pre-authenticated download URL:
            # https://learn.microsoft.com/graph/api/reportroot-getoffice365activeuserdetail
            path="/reports/getOffice365ActiveUserDetail(period='D180')",
            permission="Reports.Read.All",
            docs="https://learn.microsoft.com/graph/api/"
            "reportroot-getoffice365activeuserdetail",
            datasets=("users",),
        ),
        Endpoint(
            key="managedDevices",
            path="/deviceManagement/managedDevices",
            select=(
                "id",
                "deviceName",
                "operatingSystem",
                "osVersion",
                "lastSyncDateTime",
                "complianceState",
                "isEncrypted",
                "totalStorageSpaceInBytes",
                "freeStorageSpaceInBytes",
                "userPrincipalName",
                # DOC-07: shared and kiosk devices by category or profile.
                "deviceCategoryDisplayName",
                "enrollmentProfileName",
                # FND-15, FND-16: keys and LAPS backups hang off the Entra device.
                "azureADDeviceId",
                # FND-16: LAPS is a company device's policy.
                "managedDeviceOwnerType",
            ),
            top=1000,
            permission="DeviceManagementManagedDevices.Read.All",
            docs="https://learn.microsoft.com/graph/api/intune-devices-manageddevice-list",
            datasets=("devices",),
            licence="Microsoft Intune",
        ),
        Endpoint(
            key="roleDefinitions",
            path="/roleManagement/directory/roleDefinitions",
            select=("id", "displayName"),
            permission="RoleManagement.Read.Directory",
            docs="https://learn.microsoft.com/graph/api/rbacapplication-list-roledefinitions",
            datasets=("role_assignments",),
        ),
        Endpoint(
            key="roleAssignments",
            path="/roleManagement/directory/roleAssignments",
            select=("id", "principalId", "roleDefinitionId"),
            expand="principal",
            permission="RoleManagement.Read.Directory",
            docs="https://learn.microsoft.com/graph/api/rbacapplication-list-roleassignments",
            datasets=("role_assignments",),
        ),
        Endpoint(
            # Active assignments, standing ("Assigned") or a PIM activation
            # ("Activated"); needs Entra ID P2, else 400 AadPremiumLicenseRequired:
            # https://learn.microsoft.com/graph/api/resources/unifiedroleassignmentscheduleinstance
            key="roleAssignmentScheduleInstances",
            path="/roleManagement/directory/roleAssignmentScheduleInstances",
            select=("id", "principalId", "roleDefinitionId", "assignmentType"),
            expand="principal",
            permission="RoleAssignmentSchedule.Read.Directory",
            docs="https://learn.microsoft.com/graph/api/"
            "rbacapplication-list-roleassignmentscheduleinstances",
            datasets=("role_assignments",),
            licence="Microsoft Entra ID P2",
        ),
        Endpoint(
            key="roleEligibilityScheduleInstances",
            path="/roleManagement/directory/roleEligibilityScheduleInstances",
            select=("id", "principalId", "roleDefinitionId"),
            expand="principal",
            permission="RoleEligibilitySchedule.Read.Directory",
            docs="https://learn.microsoft.com/graph/api/"
            "rbacapplication-list-roleeligibilityscheduleinstances",
            datasets=("role_assignments",),
            licence="Microsoft Entra ID P2",
        ),
        Endpoint(
            # Members of a role-assignable group holding a role, nested
            # groups' members included; one call per group, batched. The
            # path's {id} is filled in per group (see group_members).
            key="transitiveMembers",
            path="/groups/{id}/transitiveMembers",
            select=("id", "userPrincipalName", "displayName"),
            top=999,
            permission="GroupMember.Read.All",
            docs="https://learn.microsoft.com/graph/api/group-list-transitivemembers",
            datasets=("role_assignments",),
        ),
        Endpoint(
            # Microsoft 365 usage report as CSV behind a 302, like the active
            # users report: storage, archive and recipient type per mailbox
            # (no litigation hold; the Exchange export gives that).
            # https://learn.microsoft.com/graph/api/reportroot-getmailboxusagedetail
            key="mailboxUsageDetail",
            path="/reports/getMailboxUsageDetail(period='D7')",
            permission="Reports.Read.All",
            docs="https://learn.microsoft.com/graph/api/reportroot-getmailboxusagedetail",
            datasets=("mailboxes",),
        ),
        Endpoint(
            key="userRegistrationDetails",
            path="/reports/authenticationMethods/userRegistrationDetails",
            select=(
                "userPrincipalName",
                "isMfaRegistered",
                "isAdmin",
                "methodsRegistered",
            ),
            top=999,
            permission="AuditLog.Read.All",
            docs="https://learn.microsoft.com/graph/api/"
            "authenticationmethodsroot-list-userregistrationdetails",
            datasets=("mfa_registration",),
            licence="Microsoft Entra ID P1",
        ),
        Endpoint(
            key="securityDefaults",
            path="/policies/identitySecurityDefaultsEnforcementPolicy",
            select=("id", "isEnabled"),
            single=True,
            permission="Policy.Read.All",
            docs="https://learn.microsoft.com/graph/api/"
            "identitysecuritydefaultsenforcementpolicy-get",
            datasets=("security_defaults",),
        ),
        Endpoint(
            key="conditionalAccessPolicies",
            path="/identity/conditionalAccess/policies",
            select=("id", "displayName", "state", "conditions", "grantControls"),
            permission="Policy.Read.All",
            docs="https://learn.microsoft.com/graph/api/conditionalaccessroot-list-policies",
            datasets=("conditional_access_policies",),
            licence="Microsoft Entra ID P1",
        ),
        Endpoint(
            key="secureScores",
            path="/security/secureScores",
            select=(
                "id",
                "createdDateTime",
                "currentScore",
                "maxScore",
                "activeUserCount",
                "licensedUserCount",
                # REV-13: the score of all tenants and of similar-sized ones.
                "averageComparativeScores",
            ),
            top=90,
            permission="SecurityEvents.Read.All",
            docs="https://learn.microsoft.com/graph/api/security-list-securescores",
            datasets=("secure_scores",),
        ),
        Endpoint(
            key="applications",
            path="/applications",
            select=(
                "id",
                "appId",
                "displayName",
                "passwordCredentials",
                "keyCredentials",
            ),
            top=999,
            # Least privilege for listing app registrations with their
            # credentials' dates (never the secrets themselves):
            # https://learn.microsoft.com/graph/api/application-list
            permission="Application.Read.All",
            docs="https://learn.microsoft.com/graph/api/application-list",
            datasets=("app_credentials",),
        ),
        Endpoint(
            key="authorizationPolicy",
            path="/policies/authorizationPolicy",
            select=("id", "defaultUserRolePermissions"),
            single=True,
            permission="Policy.Read.All",
            docs="https://learn.microsoft.com/graph/api/authorizationpolicy-get",
            datasets=("user_consent",),
        ),
        Endpoint(
            key="sharepointSettings",
            path="/admin/sharepoint/settings",
            select=(
                "sharingCapability",
                "isResharingByExternalUsersEnabled",
                "sharingDomainRestrictionMode",
            ),
            single=True,
            # Read-only and narrower than Sites.Read.All or SharePoint
            # Administrator: https://learn.microsoft.com/graph/api/sharepointsettings-get
            permission="SharePointTenantSettings.Read.All",
            docs="https://learn.microsoft.com/graph/api/sharepointsettings-get",
            datasets=("sharing_settings",),
            licence="SharePoint Online",
        ),
        # Issue 13, part B: list calls only, so no call per device.
        Endpoint(
            key="domains",
            path="/domains",
            select=("id", "isDefault", "isInitial", "isVerified", "supportedServices"),
            permission="Domain.Read.All",
            docs="https://learn.microsoft.com/graph/api/domain-list",
            datasets=("accepted_domains",),
        ),
        Endpoint(
            key="bitlockerRecoveryKeys",
            path="/informationProtection/bitlocker/recoveryKeys",
            # ReadBasic lists key ids and devices; reading a key itself
            # needs BitLockerKey.Read.All and is never done. The list takes
            # $filter only (no $select or $top), and never returns the key.
            permission="BitLockerKey.ReadBasic.All",
            docs="https://learn.microsoft.com/graph/api/bitlocker-list-recoverykeys",
            datasets=("bitlocker_keys",),
        ),
        Endpoint(
            key="deviceLocalCredentials",
            path="/directory/deviceLocalCredentials",
            # ReadBasic lists devices and backup times; the passwords need
            # DeviceLocalCredential.Read.All and are never read.
            select=("id", "deviceName", "lastBackupDateTime", "refreshDateTime"),
            permission="DeviceLocalCredential.ReadBasic.All",
            docs="https://learn.microsoft.com/graph/api/directory-list-devicelocalcredentials",
            datasets=("laps_credentials",),
        ),
    )
}

#: What each dataset is built from, in the order the collector yields them.
DATASETS: dict[str, tuple[str, ...]] = {
    "licence_skus": ("subscribedSkus",),
    "users": ("subscribedSkus", "users"),
    "licence_assignments": ("subscribedSkus", "users"),
    "devices": ("managedDevices",),
    "role_assignments": (
        "roleDefinitions",
        "roleAssignments",
        "roleAssignmentScheduleInstances",
        "roleEligibilityScheduleInstances",
        "transitiveMembers",
    ),
    "mfa_registration": ("userRegistrationDetails",),
    "security_defaults": ("securityDefaults",),
    "conditional_access_policies": ("conditionalAccessPolicies",),
    "secure_scores": ("secureScores",),
    "mailboxes": ("mailboxUsageDetail",),
    "app_credentials": ("applications",),
    "user_consent": ("authorizationPolicy",),
    "sharing_settings": ("sharepointSettings",),
    "accepted_domains": ("domains",),
    "bitlocker_keys": ("bitlockerRecoveryKeys",),
    "laps_credentials": ("deviceLocalCredentials",),
}

#: Calls made on every collection; the fallbacks are made only when needed.
PRIMARY = (
    "subscribedSkus",
    "users",
    "managedDevices",
    "roleDefinitions",
    "roleAssignments",
    "roleAssignmentScheduleInstances",
    "roleEligibilityScheduleInstances",
    "userRegistrationDetails",
    "securityDefaults",
    "conditionalAccessPolicies",
    "secureScores",
    "applications",
    "authorizationPolicy",
    "sharepointSettings",
    "domains",
    "bitlockerRecoveryKeys",
    "deviceLocalCredentials",
)
FALLBACK_USERS = ("users_basic", "activeUserDetail")
#: Reports fetched as CSV after the collections, one GET each.
REPORTS = ("mailboxUsageDetail",)


def group_members(group_id: str) -> Endpoint:
    """The transitiveMembers call for one group, keyed by its id."""
    base = ENDPOINTS["transitiveMembers"]
    return Endpoint(
        key=f"transitiveMembers:{group_id}",
        path=base.path.replace("{id}", group_id),
        select=base.select,
        top=base.top,
        permission=base.permission,
        docs=base.docs,
        datasets=base.datasets,
    )


def permissions() -> tuple[str, ...]:
    """Every application permission a full collection needs, sorted."""
    out: set[str] = set()
    for e in ENDPOINTS.values():
        out |= {p.strip() for p in e.permission.split(",")}
    return tuple(sorted(out))


def permission_datasets() -> dict[str, list[str]]:
    """Each application permission, and the datasets whose calls need it."""
    out: dict[str, list[str]] = {}
    for dataset, keys in DATASETS.items():
        if dataset == "users":
            keys = (*keys, *FALLBACK_USERS)
        for k in keys:
            for p in ENDPOINTS[k].permission.split(","):
                names = out.setdefault(p.strip(), [])
                if dataset not in names:
                    names.append(dataset)
    return dict(sorted(out.items()))
