"""The dns collector: SPF, DMARC, DKIM and MX records of the client's mail domains.

It runs when ``client.yaml`` has a ``dns`` section (``dns: {}`` uses the
system resolver), after the other collectors, and looks up every accepted
domain that Graph (``/domains``) or an export (``Get-AcceptedDomain``) gave,
plus the domains the section lists::

    dns:
      domains: [contoso.example]      # optional: more domains to check
      nameservers: [192.0.2.53]       # optional: the resolver to ask
      port: 53
      timeout: 5                      # seconds per domain and record type
      dkim_selectors: [google]        # besides Microsoft 365's selector1/2

The answers become the ``mail_dns`` dataset, saved with the evidence, so a
rebuilt report judges the same records. A lookup that fails (a timeout, a
server failure) is kept as the domain's ``error``: FND-13 then leaves that
domain out rather than failing it. ``*.onmicrosoft.com`` domains are
Microsoft's and are not looked up.

dnspython does the lookups: it parses TXT, CNAME and MX answers and tells
"no such record" from "no answer" from "server failed", which a hand-made
resolver would get wrong.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import dns.exception
import dns.resolver
import pandas as pd

from healthcheck import datasets
from healthcheck.config import CONFIG_NAME, CollectContext
from healthcheck.errors import ConfigError
from healthcheck.model import CollectorRun, RunStatus, SourceFile

SECTION = "dns"
#: Microsoft 365 publishes DKIM under these two selectors:
#: https://learn.microsoft.com/defender-office-365/email-authentication-dkim-configure
M365_SELECTORS = ("selector1", "selector2")
_KEYS = {"domains", "nameservers", "port", "timeout", "dkim_selectors"}


class DnsCollector:
    """Looks up mail DNS records with dnspython."""

    name = "dns"
    title = "DNS: SPF, DKIM, DMARC and MX of the mail domains (dnspython)"
    provides = ("mail_dns",)
    permissions: tuple[str, ...] = ()
    #: Runs after these arrive from the other collectors (when they do).
    needs = ("accepted_domains",)

    def applies(self, ctx: CollectContext) -> bool:
        """True when client.yaml has a ``dns`` section."""
        return ctx.engagement.config.section(SECTION) is not None

    def collect(self, ctx: CollectContext) -> Iterator[CollectorRun]:
        """Look every domain up; one run for ``mail_dns``."""
        where = str(ctx.engagement.root / CONFIG_NAME)
        cfg = _settings(ctx.engagement.config.section(SECTION), where)
        domains = _domains(cfg, ctx.delivered.get("accepted_domains"))
        if not domains:
            yield CollectorRun(
                collector=self.name,
                dataset_name="mail_dns",
                status=RunStatus.MISSING,
                reason="no mail domain to look up: neither Graph nor an "
                "accepted-domains export gave one, and client.yaml's "
                "dns.domains lists none",
            )
            return
        resolver = _resolver(cfg)
        selectors = list(dict.fromkeys([*M365_SELECTORS, *cfg["dkim_selectors"]]))
        rows = [lookup(resolver, d, selectors) for d in domains]
        server = ",".join(cfg["nameservers"]) or "system resolver"
        ds = datasets.build(
            "mail_dns",
            pd.DataFrame(rows),
            collector=self.name,
            collected_at=ctx.collected_at,
            origin=[(f"dns:{server}", n + 1) for n in range(len(rows))],
            sources=[
                SourceFile(
                    path=f"dns:{server}",
                    format="dns",
                    sha256=hashlib.sha256(
                        json.dumps(rows, sort_keys=True).encode()
                    ).hexdigest(),
                    rows_read=len(rows),
                    rows_rejected=0,
                )
            ],
        )
        yield CollectorRun(
            collector=self.name,
            dataset_name="mail_dns",
            status=RunStatus.OK,
            dataset=ds,
        )


def _settings(raw: Any, where: str) -> dict[str, Any]:
    """The validated ``dns`` section; a mistake names the key."""
    if raw is None:
        raw = {}
    if not isinstance(raw, Mapping):
        raise ConfigError(f"{where}: key 'dns': expected a mapping (or {{}})")
    unknown = sorted(str(k) for k in raw if k not in _KEYS)
    if unknown:
        raise ConfigError(
            f"{where}: key 'dns.{unknown[0]}': unknown setting",
            hint="known: " + ", ".join(sorted(_KEYS)),
        )

    def names(key: str) -> list[str]:
        value = raw.get(key, [])
        if not isinstance(value, list) or not all(
            isinstance(v, str) and v.strip() for v in value
        ):
            raise ConfigError(f"{where}: key 'dns.{key}': expected a list of names")
        return [v.strip().lower().rstrip(".") for v in value]

    servers = names("nameservers")
    for s in servers:
        try:
            ipaddress.ip_address(s)
        except ValueError:
            raise ConfigError(
                f"{where}: key 'dns.nameservers': expected IP addresses, got {s!r}"
            ) from None
    port, timeout = raw.get("port", 53), raw.get("timeout", 5)
    if not isinstance(port, int) or isinstance(port, bool) or not 0 < port < 65536:
        raise ConfigError(f"{where}: key 'dns.port': expected 1-65535, got {port!r}")
    if (
        not isinstance(timeout, int | float)
        or isinstance(timeout, bool)
        or timeout <= 0
    ):
        raise ConfigError(
            f"{where}: key 'dns.timeout': expected seconds above 0, got {timeout!r}"
        )
    return {
        "domains": names("domains"),
        "nameservers": servers,
        "port": port,
        "timeout": float(timeout),
        "dkim_selectors": names("dkim_selectors"),
    }


def _domains(cfg: Mapping[str, Any], accepted: pd.DataFrame | None) -> list[str]:
    """client.yaml's domains, then the accepted mail domains; no onmicrosoft.com."""
    found = list(cfg["domains"])
    if accepted is not None and not accepted.empty:
        mail = accepted
        if "email" in accepted.columns:
            mail = accepted[~accepted["email"].eq(False)]
        found += [str(d).strip().lower() for d in mail["domain"]]
    out = [d for d in dict.fromkeys(found) if d and not d.endswith(".onmicrosoft.com")]
    return sorted(out)


def _resolver(cfg: Mapping[str, Any]) -> dns.resolver.Resolver:
    if cfg["nameservers"]:
        resolver = dns.resolver.Resolver(configure=False)
        resolver.nameservers = list(cfg["nameservers"])
    else:
        resolver = dns.resolver.Resolver()
    resolver.port = int(cfg["port"])
    resolver.timeout = resolver.lifetime = float(cfg["timeout"])
    return resolver


class _Failed(Exception):
    """A lookup that got no answer at all (not "no such record")."""


def _records(resolver: dns.resolver.Resolver, name: str, kind: str) -> list[Any]:
    """The answer's records; [] when the name or the type does not exist."""
    try:
        return list(resolver.resolve(name, kind, search=False))
    except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
        return []
    except dns.resolver.NoNameservers:
        # Every server answered SERVFAIL or REFUSED (a broken zone, DNSSEC).
        raise _Failed(f"{kind} {name}: server failure") from None
    except dns.exception.Timeout:
        raise _Failed(f"{kind} {name}: timed out") from None
    except dns.exception.DNSException as exc:
        raise _Failed(f"{kind} {name}: {exc}") from None


def _texts(records: Sequence[Any]) -> list[str]:
    # A TXT record may be split into 255-byte strings: join them, as SPF says.
    return [b"".join(r.strings).decode("utf-8", "replace") for r in records]


def lookup(
    resolver: dns.resolver.Resolver, domain: str, selectors: Sequence[str]
) -> dict[str, str]:
    """One domain's ``mail_dns`` row (strings, for the canonical validator)."""
    row = {
        "domain": domain,
        "spf": "",
        "spf_count": "0",
        "dmarc": "",
        "dkim_selectors": "",
        "mx": "",
        "error": "",
    }
    try:
        spf = [
            t
            for t in _texts(_records(resolver, domain, "TXT"))
            if t.lower().startswith("v=spf1")
        ]
        row["spf"], row["spf_count"] = (spf[0] if spf else ""), str(len(spf))
        dmarc = [
            t
            for t in _texts(_records(resolver, f"_dmarc.{domain}", "TXT"))
            if t.lower().startswith("v=dmarc1")
        ]
        row["dmarc"] = dmarc[0] if dmarc else ""
        row["mx"] = ",".join(
            sorted(
                str(r.exchange).rstrip(".") for r in _records(resolver, domain, "MX")
            )
        )
        found = []
        for sel in selectors:
            name = f"{sel}._domainkey.{domain}"
            # Microsoft 365 publishes CNAMEs; other senders a TXT key.
            if _records(resolver, name, "CNAME") or _records(resolver, name, "TXT"):
                found.append(sel)
        row["dkim_selectors"] = ",".join(found)
    except _Failed as exc:
        row["error"] = str(exc)
    return row
