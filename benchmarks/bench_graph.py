"""Graph collection: HTTP requests and wall time against their lower bounds.

Usage::

    .venv/bin/python benchmarks/bench_graph.py [--users 50000] [--devices 40000]
        [--latency 0.05]

Starts the test suite's fake tenant (tests/fake_tenant: real HTTPS on
127.0.0.1) with ``--users`` users and ``--devices`` Intune devices, adds
``--latency`` seconds to every HTTP request, and runs the Graph collector
once, end to end (sign-in, every endpoint, mapping, canonical validation).

It prints:

- the lower bound on requests: the pages needed at each endpoint's largest
  ``$top`` (what a client fetching page by page must send);
- HTTP requests sent to Graph (JSON ``$batch`` carries several pages in one)
  and Graph requests served (each page once, plus retries), each as a ratio
  to that bound;
- wall time, as a ratio to two floors: the sequential floor (bound x latency,
  a page-by-page client with a zero-cost server) and the critical-path floor
  (the deepest collection's pages x latency: its pages must follow one
  another through ``@odata.nextLink``, so no client can beat it).

It is not a test: timings belong here, never in the suite.
"""

from __future__ import annotations

import argparse
import math
import multiprocessing
import os
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from datetime import datetime
from multiprocessing.connection import Connection
from pathlib import Path

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
)

SECRET_ENV = "HC_BENCH_GRAPH_SECRET"


def lower_bound(tenant_items: Mapping[str, Sequence[object]]) -> dict[str, int]:
    """Pages each primary endpoint needs at its largest ``$top``."""
    out = {}
    for key in PRIMARY:
        ep = ENDPOINTS[key]
        n = len(tenant_items[key])
        out[key] = 1 if ep.single or not ep.top else max(1, math.ceil(n / ep.top))
    return out


def _serve(conn: Connection, users: int, devices: int, latency: float) -> None:
    """Child process: run the fake tenant until told to stop; send counters back.

    The tenant runs in its own process, as Graph runs on its own servers, so
    its CPU time is not charged to the collector's.
    """
    tenant = build_tenant(users=users, devices=devices)
    with (
        tempfile.TemporaryDirectory() as tmp,
        FakeTenant(
            Path(tmp) / "certs", tenant, client_secret="bench-secret-value"
        ) as fake,
    ):
        fake.faults.latency = latency
        conn.send(
            (
                fake.url,
                fake.ca_bundle.read_text(),
                lower_bound(tenant.items),
            )
        )
        conn.recv()
        conn.send(
            {
                "http": fake.http_requests,
                "graph_http": fake.graph_http_requests,
                "graph": fake.graph_requests,
            }
        )


def main() -> None:
    """Run the benchmark and print the ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50_000)
    parser.add_argument("--devices", type=int, default=40_000)
    parser.add_argument("--latency", type=float, default=0.05)
    args = parser.parse_args()
    os.environ[SECRET_ENV] = "bench-secret-value"
    parent, child = multiprocessing.Pipe()
    server = multiprocessing.Process(
        target=_serve, args=(child, args.users, args.devices, args.latency)
    )
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
    pages = sum(bound.values())
    depth = max(bound.values())
    print(
        f"tenant: {args.users:,} users, {args.devices:,} devices; "
        f"latency {args.latency * 1000:.0f} ms per HTTP request"
    )
    print(
        f"lower bound: {pages} pages at the largest $top "
        f"(deepest collection: {depth} pages)"
    )
    print(
        f"HTTP requests to Graph: {counts['graph_http']} "
        f"(ratio {counts['graph_http'] / pages:.2f} of the bound)"
    )
    print(
        f"Graph requests served:  {counts['graph']} "
        f"(ratio {counts['graph'] / pages:.2f} of the bound)"
    )
    print(
        f"sign-in: {counts['http'] - counts['graph_http']} HTTP requests "
        "(OIDC discovery and token)"
    )
    print(
        f"wall time: {wall:.2f} s, of which fetching {collector.fetch_seconds:.2f} s "
        f"and mapping + validation {wall - collector.fetch_seconds:.2f} s"
    )
    if args.latency > 0:
        floor_seq = pages * args.latency
        floor_path = depth * args.latency
        print(
            f"wall time ratio: {wall / floor_seq:.2f} of the sequential floor "
            f"({floor_seq:.2f} s), {wall / floor_path:.2f} of the critical-path "
            f"floor ({floor_path:.2f} s)"
        )


if __name__ == "__main__":
    main()
