"""Layer 3 evaluators: tenant settings reviewed each quarter.

Secure Score against comparable tenants, app registration credentials,
user consent to apps, and SharePoint/OneDrive external sharing.
"""

from __future__ import annotations

import pandas as pd

from healthcheck.rules import (
    Outcome,
    RuleContext,
    evaluates,
    failed,
    msg,
    not_assessed,
    passed,
)
from healthcheck.rules.identity import licensed


def _points(value: float) -> float:
    return round(float(value), 1)


@evaluates("REV-13")
def secure_score(ctx: RuleContext) -> Outcome:
    """The latest Secure Score is at least the average of comparable tenants.

    Comparable means tenants of a similar seat count (Graph's ``TotalSeats``
    basis), else all tenants. The 90 days of history Graph keeps become the
    trend the report draws (``measured["trend"]``).
    """
    scores = ctx.frame("secure_scores").dropna(subset=["date", "current_score"])
    scores = scores[scores["date"] <= pd.Timestamp(ctx.as_of)].sort_values("date")
    if scores.empty:
        return not_assessed(msg("rules.REV-13.none_before", as_of=ctx.as_of))
    latest = scores.iloc[-1]
    window = scores[scores["date"] > latest["date"] - pd.Timedelta(days=90)]
    trend = [
        [d.date().isoformat(), _points(c), _points(m)]
        for d, c, m in zip(
            window["date"], window["current_score"], window["max_score"], strict=True
        )
    ]
    first = window.iloc[0]
    change = _points(latest["current_score"] - first["current_score"])
    current, most = _points(latest["current_score"]), _points(latest["max_score"])
    percent = round(100 * current / most) if most else None
    basis, average = None, None
    for column, name in (
        ("similar_size_average", "similar"),
        ("all_tenants_average", "all"),
    ):
        if column in scores.columns and pd.notna(latest[column]):
            basis, average = name, _points(latest[column])
            break
    measured = dict(
        current=current,
        max=most,
        percent=percent,
        latest=latest["date"].date().isoformat(),
        since=first["date"].date().isoformat(),
        change=change,
        all_tenants_average=_average(latest, "all_tenants_average"),
        similar_size_average=_average(latest, "similar_size_average"),
        trend=trend,
    )
    trend_note = msg(
        "rules.REV-13.trend",
        change=f"{change:+g}",
        since=first["date"].date(),
    )
    if average is None:
        return not_assessed(msg("rules.REV-13.no_average", current=current, max=most))
    said = dict(
        current=current,
        max=most,
        average=average,
        basis=msg(f"rules.REV-13.basis_{basis}"),
        note=trend_note,
    )
    if current >= average:
        return passed(msg("rules.REV-13.pass", **said), **measured)
    return failed(
        msg("rules.REV-13.fail", **said),
        [f"Secure Score {current:g} of {most:g}, comparable average {average:g}"],
        score=min(current / average, 0.999) if average else 0.0,
        **measured,
    )


def _average(row: pd.Series, column: str) -> float | None:
    if column not in row.index or pd.isna(row[column]):
        return None
    return _points(row[column])


@evaluates("REV-14")
def app_credentials(ctx: RuleContext) -> Outcome:
    """App secrets and certificates: none expired, expiring soon, or too long-lived.

    The population is the credentials whose end date is known. An expired
    one is left behind by an app nobody maintains; one expiring within
    ``expiry_days`` stops an integration soon; one valid for longer than
    ``max_validity_days`` outlives the people who know where it is kept.
    """
    creds = ctx.frame("app_credentials")
    days = int(ctx.params["expiry_days"])
    longest = int(ctx.params["max_validity_days"])
    today = pd.Timestamp(ctx.as_of)
    known = creds[creds["end"].notna()]
    expired = known["end"] < today
    soon = ~expired & (known["end"] <= today + pd.Timedelta(days=days))
    lifetime = known["end"] - known["start"]
    too_long = known["start"].notna() & (lifetime > pd.Timedelta(days=longest))
    bad = expired | soon | too_long
    lines = []
    for (_, row), e, s, t in zip(
        known.iterrows(), expired, soon, too_long, strict=True
    ):
        what = [
            w
            for w, on in (
                (f"expired {row['end'].date()}", e),
                (f"expires {row['end'].date()}", s),
                (f"valid {(row['end'] - row['start']).days} days", t),
            )
            if on
        ]
        if what:
            label = (
                row["name"] if pd.notna(row["name"]) and row["name"] else row["key_id"]
            )
            lines.append(
                f"{row['app'] or row['app_id']}: {row['kind']} '{label}', "
                + ", ".join(what)
            )
    measured = dict(
        credentials=len(known),
        unknown_end=int(len(creds) - len(known)),
        expired=int(expired.sum()),
        expiring=int(soon.sum()),
        too_long=int(too_long.sum()),
        apps=int(known["app_id"].nunique()),
    )
    if known.empty:
        return not_assessed(msg("rules.REV-14.no_dates", count=len(creds)))
    if not bad.any():
        return passed(
            msg("rules.REV-14.pass", count=len(known), days=days, max=longest),
            population=len(known),
            **measured,
        )
    return failed(
        msg(
            "rules.REV-14.fail",
            count=int(bad.sum()),
            total=len(known),
            expired=int(expired.sum()),
            expiring=int(soon.sum()),
            too_long=int(too_long.sum()),
            days=days,
            max=longest,
        ),
        lines,
        population=len(known),
        affected_count=int(bad.sum()),
        **measured,
    )


#: permissionGrantPoliciesAssigned values for user consent
#: (https://learn.microsoft.com/entra/identity/enterprise-apps/configure-user-consent):
#: "legacy" lets users consent to any app for any delegated permission;
#: "low" only to verified publishers' apps for low-impact permissions.
_SELF = "managepermissiongrantsforself."
_ANY_APP = "microsoft-user-default-legacy"
_LOW = "microsoft-user-default-low"


@evaluates("REV-15")
def user_consent(ctx: RuleContext) -> Outcome:
    """Users cannot consent to any app on their own (at most low-impact ones)."""
    cells = ctx.frame("user_consent")["consent_policies"].dropna().astype(str)
    assigned = [p.strip() for c in cells for p in c.split(",") if p.strip()]
    own = [p[len(_SELF) :] for p in assigned if p.casefold().startswith(_SELF)]
    measured = dict(consent_policies=assigned)
    if any(p.casefold() == _ANY_APP for p in own):
        return failed(
            msg("rules.REV-15.any_app"),
            ["users may consent to any app"],
            **measured,
        )
    if not own:
        return passed(msg("rules.REV-15.none"), **measured)
    low = [p for p in own if p.casefold() == _LOW]
    if low and not bool(ctx.params["allow_low_impact"]):
        return failed(
            msg("rules.REV-15.low_not_allowed"),
            ["users may consent to low-impact apps of verified publishers"],
            **measured,
        )
    custom = sorted(p for p in own if p.casefold() != _LOW)
    note = msg("rules.REV-15.custom", policies=custom) if custom else ""
    return passed(msg("rules.REV-15.low", note=note), **measured)


#: Service plans that bring SharePoint Online (OneDrive rides on it).
SHAREPOINT_PLANS = (
    "SHAREPOINTSTANDARD",
    "SHAREPOINTENTERPRISE",
    "SHAREPOINTDESKLESS",
    "SHAREPOINTENTERPRISE_EDU",
    "SHAREPOINTENTERPRISE_GOV",
    "SHAREPOINTENTERPRISE_MIDMARKET",
    "SHAREPOINTLITE",
)
SHAREPOINT = "SharePoint Online"


@evaluates("REV-16")
def external_sharing(ctx: RuleContext) -> Outcome:
    """No "Anyone" links, and guests cannot share what they do not own."""
    if all(licensed(ctx, p) is False for p in SHAREPOINT_PLANS):
        return not_assessed(msg("rules.REV-16.no_licence", licence=SHAREPOINT))
    row = ctx.frame("sharing_settings").iloc[0]
    level = str(row["sharing"])
    resharing = row["guest_resharing"]
    domains = row["domain_restriction"] if pd.notna(row["domain_restriction"]) else ""
    measured = dict(
        sharing=level,
        guest_resharing=None if pd.isna(resharing) else bool(resharing),
        domain_restriction=str(domains),
    )
    said = dict(level=msg(f"rules.REV-16.level_{level}"))
    reshare = level in ("anyone", "guests") and pd.notna(resharing) and bool(resharing)
    lines = ["anyone links allowed"] if level == "anyone" else []
    if reshare:
        lines.append("guests may share items they do not own")
    if level == "anyone":
        note = msg("rules.REV-16.also_resharing") if reshare else ""
        return failed(msg("rules.REV-16.anyone", note=note), lines, **measured)
    if reshare:
        return failed(msg("rules.REV-16.resharing", **said), lines, **measured)
    return passed(msg("rules.REV-16.pass", **said), **measured)
