"""The dns collector against a DNS server on 127.0.0.1, never the internet.

The server is a few lines of dnspython's message API over a UDP socket on a
free loopback port: it answers from a zone dict, says NXDOMAIN for names it
lacks, and can be told to stay silent (a timeout) or to answer SERVFAIL.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dns.flags
import dns.message
import dns.rcode
import dns.rrset
import pytest
from healthcheck_collectors.dns import DnsCollector

from healthcheck import pipeline
from healthcheck.config import CollectContext, load_engagement
from healthcheck.errors import ConfigError
from tests.test_collector_graph import findings_by_id, rows_of

ZONE: dict[tuple[str, str], list[str]] = {
    ("contoso.example", "TXT"): [
        '"v=spf1 include:spf.protection.outlook.com -all"',
        '"MS=ms12345678"',
    ],
    ("contoso.example", "MX"): ["0 contoso-example.mail.protection.outlook.com."],
    ("_dmarc.contoso.example", "TXT"): [
        '"v=DMARC1; p=reject; rua=mailto:d@contoso.example"'
    ],
    ("selector1._domainkey.contoso.example", "CNAME"): [
        "selector1-contoso-example._domainkey.contoso.onmicrosoft.com."
    ],
    # A second domain that forgot DKIM and left DMARC at p=none; its SPF is
    # split into two strings, as long records are.
    ("contoso-group.example", "TXT"): [
        '"v=spf1 include:spf.protection.outlook.com" " ~all"'
    ],
    ("contoso-group.example", "MX"): [
        "0 contoso-group-example.mail.protection.outlook.com."
    ],
    ("_dmarc.contoso-group.example", "TXT"): ['"v=DMARC1; p=none"'],
    # A parked domain: nothing sends from it.
    ("parked.example", "TXT"): ['"v=spf1 -all"'],
    ("_dmarc.parked.example", "TXT"): ['"v=DMARC1; p=reject"'],
}


class FakeDns:
    """A UDP DNS server on 127.0.0.1 answering from ``zone``."""

    def __init__(self, zone: dict[tuple[str, str], list[str]]) -> None:
        self.zone = zone
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.silent: set[str] = set()
        self.servfail: set[str] = set()
        self.asked: list[tuple[str, str]] = []
        self._stop = False
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def __enter__(self) -> FakeDns:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop = True
        self.sock.close()

    def _serve(self) -> None:
        while not self._stop:
            try:
                data, peer = self.sock.recvfrom(4096)
            except OSError:
                return
            query = dns.message.from_wire(data)
            q = query.question[0]
            name = q.name.to_text().rstrip(".").lower()
            kind = dns.rdatatype.to_text(q.rdtype)
            self.asked.append((name, kind))
            if any(name == d or name.endswith("." + d) for d in self.silent):
                continue  # a timeout
            resp = dns.message.make_response(query)
            resp.flags |= dns.flags.AA
            if any(name == d or name.endswith("." + d) for d in self.servfail):
                resp.set_rcode(dns.rcode.SERVFAIL)
            elif (name, kind) in self.zone:
                resp.answer.append(
                    dns.rrset.from_text_list(
                        q.name, 300, "IN", kind, self.zone[(name, kind)]
                    )
                )
            elif not any(n == name for n, _ in self.zone):
                resp.set_rcode(dns.rcode.NXDOMAIN)
            self.sock.sendto(resp.to_wire(), peer)


@pytest.fixture
def server() -> Iterator[FakeDns]:
    with FakeDns(ZONE) as s:
        yield s


def engagement(
    tmp_path: Path, dns_yaml: str, exports: dict[str, str] | None = None
) -> Path:
    root = tmp_path / "eng"
    (root / "exports").mkdir(parents=True)
    (root / "client.yaml").write_text(
        "client:\n  name: Contoso Oy\nperiod: 2026-Q4\nas_of: 2026-11-20\n" + dns_yaml
    )
    for name, text in (exports or {}).items():
        (root / "exports" / name).write_text(text)
    return root


def section(server: FakeDns, domains: str, extra: str = "") -> str:
    return (
        f"dns:\n  domains: {domains}\n  nameservers: [127.0.0.1]\n"
        f"  port: {server.port}\n  timeout: 0.5\n{extra}"
    )


ACCEPTED = (
    '"Name","DomainName","DomainType","Default"\n'
    '"contoso.example","contoso.example","Authoritative","True"\n'
    '"contoso-group.example","contoso-group.example","Authoritative","False"\n'
    '"contoso.onmicrosoft.com","contoso.onmicrosoft.com","Authoritative","False"\n'
)


def test_accepted_domains_and_listed_ones_are_looked_up_and_judged(
    server: FakeDns, tmp_path: Path
) -> None:
    root = engagement(
        tmp_path,
        section(server, "[parked.example]"),
        {"domains.csv": ACCEPTED},
    )
    ev = pipeline.collect(root, tmp_path / "ev")
    rows = {r["domain"]: r for r in rows_of(ev, "mail_dns")}
    # The onmicrosoft.com domain is Microsoft's: never asked.
    assert set(rows) == {"contoso.example", "contoso-group.example", "parked.example"}
    assert not any("onmicrosoft" in n for n, _ in server.asked)
    assert rows["contoso.example"]["dkim_selectors"] == "selector1"
    assert rows["contoso-group.example"]["spf"] == (
        "v=spf1 include:spf.protection.outlook.com ~all"
    )
    f = findings_by_id(ev)["FND-13"]
    assert f.status.value == "fail"
    assert f.affected == ("contoso-group.example",)
    assert "p=none" in f.detail and "no DKIM selector" in f.detail
    assert f.population == 3


def test_a_silent_or_failing_server_leaves_the_domain_unjudged(
    server: FakeDns, tmp_path: Path
) -> None:
    server.silent = {"contoso-group.example"}
    server.servfail = {"parked.example"}
    root = engagement(
        tmp_path,
        section(server, "[contoso.example, contoso-group.example, parked.example]"),
    )
    ev = pipeline.collect(root, tmp_path / "ev")
    rows = {r["domain"]: r for r in rows_of(ev, "mail_dns")}
    assert "timed out" in rows["contoso-group.example"]["error"]
    assert "server failure" in rows["parked.example"]["error"]
    f = findings_by_id(ev)["FND-13"]
    assert f.status.value == "pass"
    assert f.population == 1
    assert "2 domains not judged" in f.detail


def test_without_a_dns_section_nothing_is_looked_up(tmp_path: Path) -> None:
    root = engagement(tmp_path, "", {"domains.csv": ACCEPTED})
    ev = pipeline.collect(root, tmp_path / "ev")
    f = findings_by_id(ev)["FND-13"]
    assert f.status.value == "not_assessed"
    assert "mail domain DNS records" in f.reason


def test_no_domain_at_all_is_missing_with_the_fix(
    server: FakeDns, tmp_path: Path
) -> None:
    # Some other evidence, so the run has something to assess at all.
    policy = {"outbound.csv": '"Name","AutoForwardingMode"\n"Default","Off"\n'}
    root = engagement(tmp_path, section(server, "[]"), policy)
    ev = pipeline.collect(root, tmp_path / "ev")
    f = findings_by_id(ev)["FND-13"]
    assert f.status.value == "not_assessed"
    assert "dns.domains" in f.reason


@pytest.mark.parametrize(
    ("yaml", "key"),
    [
        ("dns:\n  nameservers: [dns.example]\n", "dns.nameservers"),
        ("dns:\n  port: 70000\n", "dns.port"),
        ("dns:\n  timeout: 0\n", "dns.timeout"),
        ("dns:\n  domain: [x.example]\n", "dns.domain"),
        ("dns:\n  domains: x.example\n", "dns.domains"),
    ],
)
def test_a_bad_dns_section_names_the_key(tmp_path: Path, yaml: str, key: str) -> None:
    root = engagement(tmp_path, yaml)
    ctx: Any = CollectContext(
        engagement=load_engagement(root),
        collected_at=__import__("datetime").datetime(2026, 11, 20),
    )
    with pytest.raises(ConfigError, match=f"key '{key}'"):
        list(DnsCollector().collect(ctx))
