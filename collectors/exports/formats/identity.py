"""Identity exports that Graph v1.0 cannot give: per-user MFA state."""

from __future__ import annotations

from .base import Part, TableFormat, View


def _per_user_mfa(view: View) -> list[Part]:
    part = view.part(
        "per_user_mfa",
        {"upn": "User principal name", "state": "Per-user MFA state"},
    )
    # MSOnline-era exports leave the state empty for a user never enabled.
    state = part.frame["state"].astype("string").str.strip()
    part.frame["state"] = state.mask(state.fillna("").eq(""), "disabled")
    return [part]


# Per-user MFA is in Graph beta only (GET /beta/users/{id}/authentication/
# requirements, perUserMfaState: https://learn.microsoft.com/graph/api/
# authentication-get-requirements?view=graph-rest-beta), one call per user,
# so the admin hands the state over instead: the legacy per-user MFA page's
# bulk-update file ("Username, MFA Status"), or Get-MgBetaUserAuthentication
# Requirement output with the user's UPN added ("UserPrincipalName,
# PerUserMfaState").
PER_USER_MFA = TableFormat(
    id="per_user_mfa",
    title="Entra ID: per-user MFA state",
    reference="https://learn.microsoft.com/entra/identity/authentication/"
    "howto-mfa-userstates",
    headers=("User principal name", "Per-user MFA state"),
    aliases={
        "User principal name": ("Username", "UserPrincipalName", "UPN"),
        "Per-user MFA state": ("MFA Status", "PerUserMfaState", "MFA state"),
    },
    required=("User principal name", "Per-user MFA state"),
    key=("User principal name",),
    datasets=("per_user_mfa",),
    convert=_per_user_mfa,
)
