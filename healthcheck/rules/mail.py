"""Layer 1 evaluators for mail: forwarding out of the company, and SPF/DKIM/DMARC.

"Outside" is any domain that is not one of the tenant's own: its accepted
domains (Graph ``/domains`` or ``Get-AcceptedDomain``) and the domains the
DNS check looked at, subdomains included. A forward to the company's second
domain stays inside.
"""

from __future__ import annotations

import pandas as pd

from healthcheck import facts
from healthcheck.rules import (
    Outcome,
    RuleContext,
    evaluates,
    failed,
    joined,
    msg,
    not_assessed,
    passed,
)

#: Exchange's AutoForwardingMode values that stop forwarding outside. Since
#: 2020, Automatic means Off: https://learn.microsoft.com/defender-office-365/
#: outbound-spam-policies-external-email-forwarding
_BLOCKING = frozenset({"off", "automatic"})


@evaluates("FND-11")
def auto_forwarding_blocked(ctx: RuleContext) -> Outcome:
    """Outbound spam policies that allow automatic forwarding outside (mode On).

    A custom policy that is switched off applies to nobody and is left out;
    one whose Enabled cell is blank is judged (the default policy, which
    always applies, often has none).
    """
    policies = ctx.frame("outbound_spam_policies")
    if "enabled" in policies.columns:
        live = policies[~policies["enabled"].eq(False).fillna(False).astype(bool)]
    else:
        live = policies
    if live.empty:
        return not_assessed(msg("rules.FND-11.none_live"))
    allowing = live[~live["auto_forwarding"].isin(_BLOCKING)]
    n = len(live)
    if allowing.empty:
        return passed(
            msg("rules.FND-11.pass", count=n), population=n, policies=n, allowing=0
        )
    return failed(
        msg(
            "rules.FND-11.fail",
            count=len(allowing),
            total=n,
            policies=sorted(str(p) for p in allowing["policy"]),
        ),
        allowing["policy"],
        population=n,
        policies=n,
        allowing=len(allowing),
    )


def own_domains(ctx: RuleContext) -> set[str]:
    """The tenant's own domains, lower case, from whichever list arrived."""
    out: set[str] = set()
    for name in ("accepted_domains", "mail_dns"):
        if ctx.has(name):
            out |= {str(d).strip().casefold() for d in ctx.frame(name)["domain"]}
    return {d for d in out if d}


def _addresses(value: object) -> str:
    return value if isinstance(value, str) else ""


@evaluates("FND-12")
def no_external_forwarding(ctx: RuleContext) -> Outcome:
    """Mailboxes that forward to an outside address, by setting or inbox rule.

    ``ForwardingAddress`` names a directory recipient, usually without an
    address: it is judged only when it carries one, and counted otherwise.
    Inbox rules are read when an export of them was given; a disabled rule
    forwards nothing.
    """
    boxes = ctx.frame("mail_forwarding")
    own = own_domains(ctx)
    found: dict[str, list[object]] = {}
    recipients = 0
    for box, smtp, addr in zip(
        boxes["mailbox"],
        boxes["forwarding_smtp"],
        boxes["forwarding_address"],
        strict=True,
    ):
        for cell in (smtp, addr):
            text = _addresses(cell)
            where = facts.outside_domain(text, own) if text else None
            if where:
                found.setdefault(str(box), []).append(
                    msg("rules.FND-12.mailbox_forward", domain=where)
                )
                break
        else:
            if _addresses(addr) and "@" not in _addresses(addr):
                recipients += 1
    rules_read = ctx.has("inbox_rules")
    population = {str(b) for b in boxes["mailbox"]}
    if rules_read:
        rules = ctx.frame("inbox_rules")
        for box, rule, enabled, to in zip(
            rules["mailbox"],
            rules["rule"],
            rules["enabled"],
            rules["forward_to"],
            strict=True,
        ):
            if pd.notna(enabled) and not bool(enabled):
                continue
            where = facts.outside_domain(_addresses(to), own)
            if where:
                found.setdefault(str(box), []).append(
                    msg("rules.FND-12.rule_forward", rule=str(rule), domain=where)
                )
        population |= {str(b) for b in rules["mailbox"]}
    notes = []
    if recipients:
        notes.append(msg("rules.FND-12.recipients", count=recipients))
    if not rules_read:
        notes.append(msg("rules.FND-12.no_rules"))
    note = joined(notes, "")
    n = len(population)
    measured = dict(
        mailboxes=n,
        forwarding_outside=len(found),
        inbox_rules_read=rules_read,
        own_domains=sorted(own),
    )
    if not found:
        return passed(
            msg("rules.FND-12.pass", count=n, note=note), population=n, **measured
        )
    shown = [
        msg("rules.FND-12.box", mailbox=b, how=joined(w, ", "))
        for b, w in sorted(found.items())
    ]
    return failed(
        msg(
            "rules.FND-12.fail",
            count=len(found),
            total=n,
            mailboxes=joined(shown, "; "),
            note=note,
        ),
        list(found),
        population=n,
        **measured,
    )


def _tag(record: str, name: str) -> str | None:
    """A DMARC tag's value (``p`` of ``v=DMARC1; p=reject``), lower case."""
    for part in record.split(";"):
        key, _, value = part.partition("=")
        if key.strip().casefold() == name:
            return value.strip().casefold()
    return None


def spf_problem(record: object, count: int) -> str | None:
    """What is wrong with a domain's SPF, as a locale key's last part; None if fine.

    Fine: one record ending in ``-all`` or ``~all``, or handing the policy to
    another domain with ``redirect=`` (that domain's ``all`` then applies).
    """
    if count > 1:
        return "spf_many"
    if not isinstance(record, str) or not record.strip():
        return "spf_none"
    terms = record.casefold().split()
    if any(t.startswith("redirect=") for t in terms):
        return None
    if terms[-1] in ("-all", "~all"):
        return None
    return "spf_weak"


def _parked(record: object, mx: object) -> bool:
    """A domain that sends no mail: ``v=spf1 -all`` alone and no mail exchanger.

    Such a domain has nothing to sign, so DKIM is not asked of it; SPF and
    DMARC reject still protect it from being spoofed.
    """
    if not isinstance(record, str):
        return False
    return record.casefold().split() == ["v=spf1", "-all"] and not (
        isinstance(mx, str) and mx.strip()
    )


@evaluates("FND-13")
def email_authentication(ctx: RuleContext) -> Outcome:
    """Domains without SPF ending in -all/~all, DKIM, or DMARC quarantine/reject.

    DKIM counts as on when Exchange's signing configuration says so (an
    export of ``Get-DkimSigningConfig``, which wins where given) or a DKIM
    selector answered in DNS (``selector1`` and ``selector2``, Microsoft 365's,
    and any ``dns.dkim_selectors`` of client.yaml). The tenant's
    onmicrosoft.com domains are Microsoft's to configure and left out.
    """
    dns = ctx.frame("mail_dns")
    dns = dns[
        ~dns["domain"].astype(str).str.casefold().str.endswith(".onmicrosoft.com")
    ]
    signing: dict[str, bool] = {}
    if ctx.has("dkim_signing"):
        sig = ctx.frame("dkim_signing")
        signing = {
            str(d).casefold(): bool(e)
            for d, e in zip(sig["domain"], sig["enabled"], strict=True)
        }
    errors = dns[dns["error"].notna() & dns["error"].astype(str).str.strip().ne("")]
    judged = dns.drop(errors.index)
    note = (
        msg("rules.FND-13.lookup_failed", count=len(errors), domains=_list(errors))
        if len(errors)
        else ""
    )
    if judged.empty:
        return not_assessed(msg("rules.FND-13.nothing_judged", note=note))
    bad: dict[str, list[object]] = {}
    parked = 0
    for _, row in judged.iterrows():
        domain = str(row["domain"]).casefold()
        what: list[object] = []
        spf = spf_problem(row["spf"], int(row["spf_count"]))
        if spf:
            what.append(msg(f"rules.FND-13.{spf}"))
        dmarc = row["dmarc"] if isinstance(row["dmarc"], str) else ""
        policy = _tag(dmarc, "p") if dmarc else None
        if not dmarc:
            what.append(msg("rules.FND-13.dmarc_none"))
        elif policy not in ("quarantine", "reject"):
            what.append(msg("rules.FND-13.dmarc_weak", policy=policy or "?"))
        if _parked(row["spf"], row["mx"]):
            parked += 1
        elif domain in signing:
            if not signing[domain]:
                what.append(msg("rules.FND-13.dkim_off"))
        elif not (isinstance(row["dkim_selectors"], str) and row["dkim_selectors"]):
            what.append(msg("rules.FND-13.dkim_none"))
        if what:
            bad[domain] = what
    n = len(judged)
    measured = dict(
        domains=n, failing=len(bad), parked=parked, lookup_failed=len(errors)
    )
    if not bad:
        return passed(
            msg("rules.FND-13.pass", count=n, note=note), population=n, **measured
        )
    shown = [
        msg("rules.FND-13.domain", domain=d, what=joined(w, ", "))
        for d, w in sorted(bad.items())
    ]
    return failed(
        msg(
            "rules.FND-13.fail",
            count=len(bad),
            total=n,
            domains=joined(shown, "; "),
            note=note,
        ),
        list(bad),
        population=n,
        **measured,
    )


def _list(frame: pd.DataFrame) -> str:
    return ", ".join(sorted(str(d) for d in frame["domain"]))
