"""Graph collection: HTTP requests and wall time against their lower bounds.

Usage::

    .venv/bin/python benchmarks/bench_graph.py [--users 50000] [--devices 40000]
        [--latency 0.05] [--throttle-every 7] [--mode outer --mode inner]
        [--small] [--check]

Starts the test suite's fake tenant (tests/fake_tenant: real HTTPS on
127.0.0.1) in its own process and runs the Graph collector once per mode,
end to end (sign-in, every endpoint, mapping, canonical validation), each
against a fresh tenant. The tenant is the hard case: every collection
filled, every ``--servers``-th device a server, ``--admins`` role
assignments (a long list at Graph's default page size), ``--latency``
seconds added to every HTTP request, and throttling. The modes:

- ``calm``: no throttling;
- ``outer``: every Nth HTTP request to Graph gets 429 for the whole request;
- ``inner-all``: every Nth HTTP request gets 200, with an inner 429 (and its
  own Retry-After) for every request inside its batch;
- ``inner``: every Nth Graph request (a request inside a batch counts on its
  own) gets an inner 429, so one part of a batch is refused and the others
  are not: the case where cursors drift apart if the client lets them.

Once the tenant has sent a 429, it refuses every request that arrives before
the Retry-After has passed (Graph throttles per app and tenant) and counts
it as a request inside an active Retry-After.

It prints, per mode:

- the paging lower bound: the fewest HTTP requests that fetch every page at
  the largest ``$top`` (the deepest collection's pages: with JSON ``$batch``
  the others ride along), and the pages in all;
- the fewest HTTP requests any client needs under that mode's throttling:
  for ``outer`` and ``inner-all`` the smallest R with R - R // N >= the
  paging bound, as the refused requests count too; for ``inner`` the longest
  chain of one collection's pages plus the refusals it drew (its pages follow
  one another, so a refused page delays its own collection by a request);
- HTTP requests sent, as ratios to both, and the goal: at most 1.05 x the
  fewest possible + 3;
- requests inside an active Retry-After (the goal: none);
- wall time, as a ratio to the critical-path floor (the fewest possible
  requests x latency, plus the pauses the client had to make).

``--small`` is a size CI runs (tests/test_graph_throttling.py), with small
pages so that a small tenant still needs many requests; it implies
``--check``, which exits 1 when a mode misses a goal. It is not a test
otherwise: timings belong here, never in the suite.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from datetime import datetime
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from healthcheck_collectors.graph import GraphCollector  # noqa: E402
from healthcheck_collectors.graph.endpoints import ENDPOINTS, PRIMARY  # noqa: E402

from healthcheck.config import CollectContext, load_engagement  # noqa: E402
from tests.fake_tenant import (  # noqa: E402
    CLIENT_ID,
    TENANT_ID,
    FakeTenant,
    build_tenant,
    fewest_requests,
    page_count,
)

SECRET_ENV = "HC_BENCH_GRAPH_SECRET"
MODES = ("calm", "outer", "inner-all", "inner")
#: The goal: HTTP requests <= SLOPE x the fewest possible + SLACK.
SLOPE, SLACK = 1.05, 3


def lower_bound(
    tenant_items: Mapping[str, Sequence[object]], page_size: int | None = None
) -> dict[str, int]:
    """Pages each primary endpoint needs at its largest ``$top``."""
    return {
        key: page_count(key, len(tenant_items[key]), ENDPOINTS[key].top, page_size)
        for key in PRIMARY
    }


def faults_for(mode: str, every: int, retry_after: str) -> dict[str, Any]:
    """The fake tenant's faults for a mode."""
    if mode == "calm":
        return {}
    if mode == "inner":
        return {"throttle_every_request": every, "retry_after": retry_after}
    return {
        "throttle_every": every,
        "throttle_inside_batch": mode == "inner-all",
        "retry_after": retry_after,
    }


def _serve(conn: Connection, shape: dict[str, Any], faults: dict[str, Any]) -> None:
    """Child process: run the fake tenant until told to stop; send counters back.

    The tenant runs in its own process, as Graph runs on its own servers, so
    its CPU time is not charged to the collector's.
    """
    tenant = build_tenant(
        users=shape["users"],
        devices=shape["devices"],
        servers=shape["servers"],
        admins=shape["admins"],
    )
    with (
        tempfile.TemporaryDirectory() as tmp,
        FakeTenant(
            Path(tmp) / "certs", tenant, client_secret="bench-secret-value"
        ) as fake,
    ):
        fake.faults.latency = shape["latency"]
        fake.faults.page_size = shape["page_size"]
        for name, value in faults.items():
            setattr(fake.faults, name, value)
        conn.send(
            (
                fake.url,
                fake.ca_bundle.read_text(),
                lower_bound(tenant.items, shape["page_size"]),
            )
        )
        conn.recv()
        conn.send(
            {
                "http": fake.http_requests,
                "graph_http": fake.graph_http_requests,
                "graph": fake.graph_requests,
                "by_resource": dict(fake.by_resource),
                "refused": sum(a.throttled for a in fake.arrivals),
                "inside": fake.inside_retry_after,
            }
        )


def _collect(
    shape: dict[str, Any], faults: dict[str, Any]
) -> tuple[dict[str, int], dict[str, Any], GraphCollector, float]:
    """One collection against a fresh tenant: (bound, counters, collector, wall)."""
    parent, child = multiprocessing.Pipe()
    server = multiprocessing.Process(target=_serve, args=(child, shape, faults))
    server.start()
    try:
        url, ca_pem, bound = parent.recv()
        with tempfile.TemporaryDirectory() as tmp_name:
            tmp = Path(tmp_name)
            (tmp / "ca.pem").write_text(ca_pem)
            eng = tmp / "eng"
            eng.mkdir()
            (eng / "client.yaml").write_text(
                "client:\n  name: Bench Oy\nperiod: 2026-Q4\ngraph:\n"
                f"  tenant_id: {TENANT_ID}\n  client_id: {CLIENT_ID}\n"
                f"  client_secret_env: {SECRET_ENV}\n"
                f"  authority: {url}\n  graph_endpoint: {url}\n"
                f"  ca_bundle: {tmp / 'ca.pem'}\n",
                encoding="utf-8",
            )
            ctx = CollectContext(
                engagement=load_engagement(eng), collected_at=datetime(2026, 11, 20)
            )
            collector = GraphCollector()
            start = time.perf_counter()
            runs = list(collector.collect(ctx))
            wall = time.perf_counter() - start
        parent.send("stop")
        counts = parent.recv()
    finally:
        server.join(timeout=30)
        if server.is_alive():
            server.terminate()
    failed = [(r.dataset_name, r.reason) for r in runs if r.status.value != "ok"]
    if failed:
        raise SystemExit(f"collection failed: {failed}")
    return bound, counts, collector, wall


def _describe(mode: str, every: int, retry_after: str) -> str:
    what = {
        "calm": "no throttling",
        "outer": f"every {every}th HTTP request gets 429 for the whole request",
        "inner-all": f"every {every}th HTTP request gets an inner 429 for each "
        "request in its batch",
        "inner": f"every {every}th Graph request gets an inner 429 of its own",
    }[mode]
    return what + ("" if mode == "calm" else f" (Retry-After {retry_after} s)")


def report(
    mode: str, args: argparse.Namespace, shape: dict[str, Any], first: bool
) -> bool:
    """Collect once in ``mode``, print its figures; True when it meets the goals."""
    bound, counts, collector, wall = _collect(
        shape, faults_for(mode, args.throttle_every, args.retry_after)
    )
    pages, depth = sum(bound.values()), max(bound.values())
    if first:
        print(
            f"tenant: {shape['users']:,} users, {shape['devices']:,} devices "
            f"(every {shape['servers']}th a server), {shape['admins']} role "
            f"assignments; pages of at most {shape['page_size'] or 'the $top'} "
            f"items; latency {shape['latency'] * 1000:.0f} ms per HTTP request"
        )
        print(
            f"paging lower bound: {depth} HTTP requests (the deepest collection's "
            f"pages at the largest $top; {pages} pages in all)"
        )
    if mode == "inner":
        # Each collection's pages follow one another: a refused page costs
        # its own collection one request more, whatever the client does.
        fewest = max(counts["by_resource"].get(k, 0) for k in PRIMARY)
    elif mode == "calm":
        fewest = depth
    else:
        fewest = fewest_requests(depth, args.throttle_every)
    sent = counts["graph_http"]
    goal = SLOPE * fewest + SLACK
    stats = collector.stats
    print(f"\n{mode}: {_describe(mode, args.throttle_every, args.retry_after)}")
    print(
        f"  HTTP requests to Graph: {sent}; ratio {sent / depth:.2f} of the paging "
        f"lower bound, {sent / fewest:.2f} of the fewest possible under this "
        f"throttling ({fewest}); goal <= {SLOPE} x {fewest} + {SLACK} = {goal:.1f}: "
        + ("met" if sent <= goal else "MISSED")
    )
    print(
        f"  Graph requests served: {counts['graph']} "
        f"(ratio {counts['graph'] / pages:.2f} of the {pages} pages); "
        f"refused with 429: {counts['refused']} HTTP requests, "
        f"{stats.throttled} Graph requests; client paused {stats.paused:.1f} s"
    )
    print(f"  requests inside an active Retry-After: {counts['inside']}")
    floor = fewest * args.latency + stats.paused
    print(
        f"  wall time: {wall:.2f} s, of which fetching {collector.fetch_seconds:.2f} s"
        f" and mapping + validation {wall - collector.fetch_seconds:.2f} s"
        + (
            f"; fetching {collector.fetch_seconds / floor:.2f} of the critical-path "
            f"floor ({floor:.2f} s: fewest requests x latency + pauses)"
            if floor > 0
            else ""
        )
    )
    return sent <= goal and counts["inside"] == 0


def main() -> None:
    """Run the benchmark and print the ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50_000)
    parser.add_argument("--devices", type=int, default=40_000)
    parser.add_argument("--servers", type=int, default=10, help="every Nth device")
    parser.add_argument("--admins", type=int, default=500)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--page-size", type=int, default=None)
    parser.add_argument("--throttle-every", type=int, default=7)
    # Graph sends whole seconds; a fraction keeps the benchmark short.
    parser.add_argument("--retry-after", default="0.2")
    parser.add_argument("--mode", choices=MODES, action="append")
    parser.add_argument("--small", action="store_true", help="a size CI runs")
    parser.add_argument("--check", action="store_true", help="exit 1 on a miss")
    args = parser.parse_args()
    if args.small:
        args.users, args.devices, args.admins = 1000, 800, 40
        args.page_size, args.latency, args.retry_after = 25, 0.0, "0.1"
        args.check = True
    shape = {
        "users": args.users,
        "devices": args.devices,
        "servers": args.servers,
        "admins": args.admins,
        "latency": args.latency,
        "page_size": args.page_size,
    }
    os.environ[SECRET_ENV] = "bench-secret-value"
    modes = args.mode or ["outer", "inner"]
    met = [report(m, args, shape, first=n == 0) for n, m in enumerate(modes)]
    if args.check and not all(met):
        raise SystemExit(1)


if __name__ == "__main__":
    main()
