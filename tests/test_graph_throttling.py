"""Throttling against the fake tenant: the whole client pauses, batches stay whole.

Graph's throttling is per app and tenant, so a request sent while a
``Retry-After`` is still running only earns another 429. The fake tenant
records when each request arrived and whether such a wait was still running;
these tests count requests against the paging lower bound and require that
none arrived inside an active ``Retry-After``. Nothing is patched.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from healthcheck_collectors.graph.endpoints import (
    ENDPOINTS,
    PRIMARY,
    REPORTS,
    Endpoint,
)

from healthcheck import pipeline
from tests.conftest import ROOT
from tests.fake_tenant import (
    FakeTenant,
    Tenant,
    build_tenant,
    fewest_requests,
    page_count,
)
from tests.test_collector_graph import (
    ENV,
    SECRET,
    _client,
    rows_of,
    runs_of,
    write_engagement,
)

#: Small pages make many rounds from a small tenant: users and MFA details
#: 16 pages each, devices 12, secure scores 4, role assignments 2.
PAGE = 25
EVERY = 7


@pytest.fixture
def tenant() -> Tenant:
    """Every collection filled, a tenth of the devices servers, a long role list."""
    return build_tenant(users=400, devices=300, servers=10, admins=40)


@pytest.fixture(autouse=True)
def _secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV, SECRET)


def _collect(tmp: Path, tenant: Tenant, **faults: Any) -> tuple[FakeTenant, Path]:
    """Collect from a fresh fake tenant with ``faults``; (tenant, evidence)."""
    with FakeTenant(tmp / "certs", tenant, client_secret=SECRET) as fake:
        fake.faults.page_size = PAGE
        for name, value in faults.items():
            setattr(fake.faults, name, value)
        ev = pipeline.collect(write_engagement(tmp / "eng", fake), tmp / "ev")
    return fake, ev


def _depth(tenant: Tenant) -> int:
    """The paging lower bound on HTTP requests: the deepest collection's pages.

    Every other collection rides in the same batches, so no client can
    fetch everything in fewer requests.
    """
    return max(
        page_count(k, len(tenant.items[k]), ENDPOINTS[k].top, PAGE) for k in PRIMARY
    )


MODES = {
    # every 7th HTTP request: 429 for the whole $batch POST
    "outer": {"throttle_every": EVERY},
    # every 7th HTTP request: 200, with an inner 429 for each request in it
    "inner-all": {"throttle_every": EVERY, "throttle_inside_batch": True},
    # every 7th Graph request: an inner 429 for that one request of its batch
    "inner-one": {"throttle_every_request": EVERY},
}


@pytest.mark.parametrize("mode", ["outer", "inner-all"])
def test_every_7th_request_throttled_costs_only_the_refused_requests(
    tmp_path: Path, tenant: Tenant, mode: str
) -> None:
    calm, calm_ev = _collect(tmp_path / "calm", tenant)
    fake, ev = _collect(
        tmp_path / "throttled", tenant, retry_after="0.3", **MODES[mode]
    )
    depth = _depth(tenant)
    assert depth == 16
    # Unthrottled, the bound is met: the pages, then one GET per CSV report.
    assert calm.graph_http_requests == depth + len(REPORTS)
    # Every dataset complete and the same as without throttling.
    runs = runs_of(ev)
    assert {n for n, r in runs.items() if r["status"] == "ok"} == set(runs)
    for name in runs:
        assert rows_of(ev, name) == rows_of(calm_ev, name), name
    assert sum(1 for r in rows_of(ev, "devices") if r["name"].startswith("SRV-")) == 30
    # Throttling happened, and cost only the requests Graph refused.
    refused = [a for a in fake.arrivals if a.throttled]
    sent = fake.graph_http_requests
    assert len(refused) == sent // EVERY >= 2
    # The reports come after the pages: one more step of the same chain.
    assert sent == fewest_requests(depth + len(REPORTS), EVERY)
    assert sent <= 1.05 * depth + 3
    # None was sent while a Retry-After was still running.
    assert fake.inside_retry_after == 0
    for before, after in zip(fake.arrivals, fake.arrivals[1:], strict=False):
        if before.throttled:
            assert after.at - before.at >= 0.3
    # The refused requests went out again in one batch with the others.
    assert {a.method for a in fake.arrivals[:depth]} == {"POST"}


def test_a_throttled_part_rejoins_the_batch(tmp_path: Path, tenant: Tenant) -> None:
    # Two inner 429s for users, the deepest collection: users needs two
    # rounds more, and nothing else is asked twice.
    fake, ev = _collect(tmp_path, tenant, throttle={"users": 2}, retry_after="0.3")
    assert all(r["status"] == "ok" for r in runs_of(ev).values())
    depth = _depth(tenant)
    assert fake.graph_http_requests == depth + 2 + len(REPORTS)
    assert fake.by_resource["users"] == depth + 2
    assert fake.by_resource["userRegistrationDetails"] == depth
    assert fake.by_resource["managedDevices"] == 12
    assert fake.inside_retry_after == 0


def test_usage_report_fallback_waits_out_the_pause(tmp_path: Path) -> None:
    """The pause outlives one call: the fallback's calls wait for it too."""
    fake, ev = _collect(
        tmp_path,
        build_tenant(users=120, devices=40),
        no_p1=True,
        throttle_every=3,
        retry_after="0.2",
    )
    runs = runs_of(ev)
    assert runs["users"]["status"] == "ok"
    assert "usage report" in runs["users"]["reason"]
    assert fake.by_resource["activeUserDetail"] >= 1
    assert sum(a.throttled for a in fake.arrivals) >= 3
    assert fake.inside_retry_after == 0


def test_pauses_are_bounded_in_total(tmp_path: Path) -> None:
    with FakeTenant(
        tmp_path / "certs", build_tenant(users=40), client_secret=SECRET
    ) as fake:
        fake.faults.page_size = 5
        fake.faults.throttle_every = 2
        fake.faults.retry_after = "0.3"
        client = _client(fake, tmp_path, max_total_wait=0.5)
        start = time.monotonic()
        result = client.collect([ENDPOINTS["users_basic"]])["users_basic"]
        elapsed = time.monotonic() - start
    assert result.error is not None
    assert result.error.code == "throttled"
    assert "the most a collection waits (0.5 s)" in result.error.message
    assert 0 < result.pages < 8
    assert client.stats.paused <= 0.5
    assert elapsed < 3
    assert fake.inside_retry_after == 0


def test_fake_tenant_flags_requests_inside_a_retry_after(tmp_path: Path) -> None:
    """The measure can fail: a client that ignores Retry-After is caught."""
    import requests

    with FakeTenant(tmp_path / "certs", build_tenant(), client_secret=SECRET) as fake:
        fake.faults.throttle = {"subscribedSkus": 1}
        fake.faults.retry_after = "5"
        client = _client(fake, tmp_path)
        client.collect([ENDPOINTS["securityDefaults"]])  # signs in
        token = next(iter(fake.tokens))
        url = f"{fake.url}/v1.0/subscribedSkus"
        headers = {"Authorization": f"Bearer {token}"}
        first = requests.get(
            url, headers=headers, verify=str(fake.ca_bundle), timeout=5
        )
        again = requests.get(
            url, headers=headers, verify=str(fake.ca_bundle), timeout=5
        )
    assert first.status_code == again.status_code == 429
    assert float(again.headers["Retry-After"]) <= 5
    assert [a.inside_retry_after for a in fake.arrivals] == [False, False, True]


def test_bench_graph_small_keeps_working() -> None:
    """The benchmark's hard case, at a size CI can afford, meets its goal."""
    proc = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "bench_graph.py"), "--small"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    out = proc.stdout
    assert out.count("requests inside an active Retry-After: 0") == 2, out
    assert "every 7th HTTP request gets 429 for the whole request" in out
    assert "every 7th Graph request gets an inner 429 of its own" in out
    assert out.count(": met") == 2, out


def test_every_7th_graph_request_throttled_inside_batches(
    tmp_path: Path, tenant: Tenant
) -> None:
    """Inner 429s for single requests: the parts rejoin the next batch."""
    calm, calm_ev = _collect(tmp_path / "calm", tenant)
    fake, ev = _collect(
        tmp_path / "throttled", tenant, retry_after="0.3", **MODES["inner-one"]
    )
    runs = runs_of(ev)
    assert {n for n, r in runs.items() if r["status"] == "ok"} == set(runs)
    for name in runs:
        assert rows_of(ev, name) == rows_of(calm_ev, name), name
    served = fake.graph_requests
    assert served - calm.graph_requests == served // EVERY >= 5
    # A collection's pages follow one another, so no client needs fewer
    # requests than the longest chain of one collection's pages plus its
    # refused requests; each refusal cost its own collection one request,
    # and nothing more.
    chain = max(fake.by_resource[k] for k in PRIMARY)
    assert chain > _depth(tenant)
    assert fake.graph_http_requests == chain + sum(fake.by_resource[k] for k in REPORTS)
    assert fake.inside_retry_after == 0


def test_batches_waiting_their_turn_hold_for_a_429(tmp_path: Path) -> None:
    """More than 20 calls make several batches a round; with one in flight
    at a time, the second waits out the first one's Retry-After."""
    many = [
        Endpoint(
            key=f"skus{i}",
            path="/subscribedSkus",
            permission="LicenseAssignment.Read.All",
            docs="",
            datasets=(),
        )
        for i in range(25)
    ]
    with FakeTenant(tmp_path / "certs", build_tenant(), client_secret=SECRET) as fake:
        client = _client(fake, tmp_path, concurrency=1)
        client.collect([ENDPOINTS["securityDefaults"]])  # signs in
        fake.faults.throttle_every_request = 7
        fake.faults.retry_after = "0.3"
        results = client.collect(many)
    assert all(r.ok and len(r.items) == 3 for r in results.values())
    assert client.stats.throttled >= 3
    assert fake.inside_retry_after == 0
