"""HTTP to Microsoft Graph: one session, paging, JSON batching, throttling.

Collection runs in rounds. Every collection still being read has a cursor,
the relative URL of its next page. Each round sends the ready cursors'
requests together: one plain GET when a single one is ready, else JSON
``$batch`` requests of up to 20 (https://learn.microsoft.com/graph/json-batching),
several batches in flight at once up to ``concurrency``. So one HTTP request
fetches the next page of users, devices and MFA details at once, and a
round trip is paid per page *depth*, not per page.

Throttling (https://learn.microsoft.com/graph/throttling) is per app and
tenant: once Graph answers 429, every request the client sends before the
``Retry-After`` has passed only earns another 429. So a 429 (or a 503/504)
pauses the *whole client*, whether it came back for the whole request or
for one request inside a batch (each has its own ``Retry-After``:
https://learn.microsoft.com/graph/json-batching); with no ``Retry-After``
the pause is an exponential backoff, capped at ``max_wait``. After the pause
the throttled requests go out again in the same batch as everything else, so
the cursors stay in step and keep sharing requests. A cursor still throttled
after ``max_attempts`` fails its dataset alone, and once the pauses add up
to ``max_total_wait`` a cursor throttled again fails rather than waits. A
broken connection is retried a few times, then the collection stops and
keeps the collections it finished.

Secrets: the bearer token goes only into the ``Authorization`` header of
requests to the Graph endpoint itself. Errors carry Graph's error code and
message and the request path, never headers.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import requests

from .endpoints import Endpoint

log = logging.getLogger(__name__)

#: Statuses Graph asks clients to retry after a pause.
RETRY_STATUSES = frozenset({429, 503, 504})
#: Requests a JSON batch may hold: https://learn.microsoft.com/graph/json-batching
BATCH_LIMIT = 20
_NETWORK_ATTEMPTS = 3


class GraphError(Exception):
    """A Graph call that did not succeed, as Graph explained it."""

    def __init__(self, status: int, code: str, message: str, path: str = "") -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.path = path

    @classmethod
    def from_body(cls, status: int, body: Any, path: str) -> GraphError:
        """Read Graph's ``{"error": {"code", "message"}}`` shape, if it is there."""
        err = body.get("error") if isinstance(body, dict) else None
        if isinstance(err, dict):
            return cls(
                status,
                str(err.get("code", "")),
                str(err.get("message", ""))[:300],
                path,
            )
        return cls(status, "", "unexpected response", path)


class NetworkLost(Exception):
    """The connection to Graph failed repeatedly; the collection stops."""


@dataclass(kw_only=True, slots=True)
class Result:
    """What one call collected: every page's items, or the error that stopped it."""

    endpoint: Endpoint
    items: list[Mapping[str, Any]] = field(default_factory=list)
    pages: int = 0
    error: GraphError | None = None
    sha256: Any = field(default_factory=hashlib.sha256)

    @property
    def ok(self) -> bool:
        """True when every page arrived."""
        return self.error is None


@dataclass(kw_only=True, slots=True)
class Stats:
    """Counters for the benchmark and the log."""

    http_requests: int = 0
    graph_requests: int = 0
    throttled: int = 0
    pages: int = 0
    #: Seconds the whole client paused because Graph asked it to.
    paused: float = 0.0


@dataclass(kw_only=True, slots=True)
class _Cursor:
    result: Result
    url: str
    attempts: int = 0


Progress = Callable[[str, int, int], None]
#: One answer of a round: (cursor, status, lower-cased headers, JSON body).
_Answer = tuple[_Cursor, int, dict[str, str], Any]


def _log_progress(key: str, pages: int, items: int) -> None:
    log.info("graph: %s: %d page(s), %d item(s)", key, pages, items)


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None  # an HTTP-date: rare from Graph; fall back to backoff


class GraphClient:
    """A Graph v1.0 client over one ``requests.Session``.

    Args:
        graph_endpoint: e.g. ``https://graph.microsoft.com`` (national clouds
            have their own).
        token: returns a bearer token; called for every request, so it must
            cache (msal does).
        session: the HTTP session, carrying the CA bundle.
        timeout: seconds to connect and to wait for each response.
        max_attempts: tries per page when throttled.
        backoff: first pause in seconds when Graph names none; doubles per try.
        max_wait: the longest such backoff pause. A ``Retry-After`` Graph
            gives is waited in full: sending earlier only earns another 429.
        max_total_wait: the most the client pauses over its lifetime; a
            request throttled after that fails instead of waiting.
        concurrency: batches in flight at once.
        progress: called with (call, pages, items) after each page.
    """

    def __init__(
        self,
        *,
        graph_endpoint: str,
        token: Callable[[], str],
        session: requests.Session,
        timeout: float = 60.0,
        max_attempts: int = 6,
        backoff: float = 1.0,
        max_wait: float = 60.0,
        max_total_wait: float = 900.0,
        concurrency: int = 4,
        progress: Progress | None = None,
    ) -> None:
        self.base = graph_endpoint.rstrip("/") + "/v1.0"
        self._token = token
        self.session = session
        self.timeout = timeout
        self.max_attempts = max_attempts
        self.backoff = backoff
        self.max_wait = max_wait
        self.max_total_wait = max_total_wait
        self.concurrency = max(1, concurrency)
        self.progress = progress or _log_progress
        self.stats = Stats()
        self._lock = threading.Lock()
        #: monotonic time before which no request may go out (a pause).
        self._resume_at = 0.0

    # --- one HTTP request ----------------------------------------------------

    def _send(self, method: str, url: str, body: Any = None) -> requests.Response:
        """Send once, after any pause; retry only a broken connection (bounded)."""
        self._hold()
        for attempt in range(_NETWORK_ATTEMPTS):
            headers = {
                "Authorization": f"Bearer {self._token()}",
                "Accept": "application/json",
            }
            try:
                resp = self.session.request(
                    method, url, headers=headers, json=body, timeout=self.timeout
                )
            except (
                requests.ConnectionError,
                requests.Timeout,
                requests.exceptions.ChunkedEncodingError,
            ) as exc:
                if attempt + 1 == _NETWORK_ATTEMPTS:
                    what = (
                        f"no answer within {self.timeout:g} s"
                        if isinstance(exc, requests.Timeout)
                        else "the connection failed"
                    )
                    raise NetworkLost(
                        f"{what} ({type(exc).__name__}) from {self.base}, "
                        f"{_NETWORK_ATTEMPTS} tries"
                    ) from None
                # A short pause: a blip recovers fast, a lost network will not.
                time.sleep(min(0.5 * 2**attempt, self.max_wait))
                continue
            with self._lock:
                self.stats.http_requests += 1
            return resp
        raise AssertionError("unreachable")  # pragma: no cover

    def _wait(self, attempt: int, retry_after: str | None) -> float:
        """Graph's ``Retry-After``, else a bounded exponential backoff."""
        given = _retry_after(retry_after)
        if given is not None:
            return given
        return min(self.backoff * 2**attempt, self.max_wait)

    def _hold(self) -> None:
        """Sleep until the client's pause, if any, has passed."""
        while (delay := self._resume_at - time.monotonic()) > 0:
            time.sleep(delay)

    def _pause(self, seconds: float) -> bool:
        """Pause every request for ``seconds`` from now.

        Returns False, pausing nothing, when that would take the pauses past
        ``max_total_wait``: the caller then fails the throttled request.
        """
        with self._lock:
            now = time.monotonic()
            until = now + seconds
            extra = until - max(self._resume_at, now)
            if extra <= 0:
                return True  # an earlier, longer pause already covers it
            if self.stats.paused + extra > self.max_total_wait:
                return False
            self.stats.paused += extra
            self._resume_at = until
            return True

    def _spent(self) -> str:
        return (
            f"still throttled after pausing {self.stats.paused:.0f} s in all, "
            f"the most a collection waits ({self.max_total_wait:g} s)"
        )

    def _relative(self, link: str) -> str | None:
        """A nextLink as a path under the version root, or None if it is elsewhere.

        The token must never be sent to another host, so a link outside the
        configured endpoint is refused rather than followed.
        """
        if link.startswith(self.base + "/"):
            return link[len(self.base) :]
        return None

    # --- collection rounds ---------------------------------------------------

    def collect(self, endpoints: Iterable[Endpoint]) -> dict[str, Result]:
        """Read every page of every endpoint; a failure stays with its endpoint.

        A lost connection does not raise: the calls still unfinished get an
        error that says so, and the finished ones keep their pages.

        Raises:
            AuthFailed: a token renewal failed mid-collection.
        """
        cursors = [_Cursor(result=Result(endpoint=e), url=e.url()) for e in endpoints]
        results = {c.result.endpoint.key: c.result for c in cursors}
        active = list(cursors)
        with ThreadPoolExecutor(max_workers=self.concurrency) as pool:
            while active:
                # Every unfinished cursor rides in every round: after a pause,
                # the throttled ones go out again together with the others.
                chunks = [
                    active[i : i + BATCH_LIMIT]
                    for i in range(0, len(active), BATCH_LIMIT)
                ]
                futures = [pool.submit(self._round, chunk) for chunk in chunks]
                lost: NetworkLost | None = None
                retry: list[tuple[_Cursor, int, float]] = []
                for fut in futures:
                    try:
                        for cursor, status, headers, body in fut.result():
                            wait = self._apply(cursor, status, headers, body)
                            if wait is not None:
                                retry.append((cursor, status, wait))
                    except NetworkLost as exc:
                        lost = exc
                if lost is not None:
                    for c in active:
                        # Calls that finished in this round keep their pages.
                        if c.result.error is None and c.url:
                            c.result.error = GraphError(
                                0,
                                "networkLost",
                                f"stopped after {c.result.pages} page(s): {lost}",
                                c.result.endpoint.path,
                            )
                    break
                if retry:
                    self._throttled(retry)
                active = [c for c in active if c.result.error is None and c.url]
        return results

    def _throttled(self, retry: list[tuple[_Cursor, int, float]]) -> None:
        """Pause for the longest wait asked; fail them all if no pause is left."""
        wait = max(w for _, _, w in retry)
        for c, status, _ in retry:
            log.info(
                "graph: %s: %d, retrying in %.1f s", c.result.endpoint.key, status, wait
            )
        if self._pause(wait):
            return
        for c, status, _ in retry:
            c.result.error = GraphError(
                status,
                "throttled",
                self._spent(),
                c.result.endpoint.path,
            )

    def _round(self, chunk: list[_Cursor]) -> list[_Answer]:
        """Send one request for the chunk; return (cursor, status, headers, body).

        A Retry-After in the answer starts the pause at once, not after the
        round: batches of this round still waiting for a worker then wait it
        out too. The round's end may lengthen the pause (a backoff), never
        shorten it.
        """
        answers = self._ask(chunk)
        given = [
            _retry_after(h.get("retry-after"))
            for _, status, h, _ in answers
            if status in RETRY_STATUSES
        ]
        waits = [w for w in given if w is not None]
        if waits:
            self._pause(max(waits))
        return answers

    def _ask(self, chunk: list[_Cursor]) -> list[_Answer]:
        """One GET for a single cursor, else one ``$batch`` for them all."""
        if len(chunk) == 1:
            c = chunk[0]
            resp = self._send("GET", self.base + c.url)
            with self._lock:
                self.stats.graph_requests += 1
            return [(c, resp.status_code, _lower(resp.headers), _json(resp))]
        payload = {
            "requests": [
                {"id": str(n), "method": "GET", "url": c.url}
                for n, c in enumerate(chunk)
            ]
        }
        resp = self._send("POST", self.base + "/$batch", payload)
        with self._lock:
            self.stats.graph_requests += len(chunk)
        body = _json(resp)
        if resp.status_code != 200:
            # The batch itself was refused (throttled, or worse): every
            # request in it gets that status and the batch's Retry-After.
            return [(c, resp.status_code, _lower(resp.headers), body) for c in chunk]
        answers = {
            str(r.get("id")): r
            for r in (body.get("responses", []) if isinstance(body, dict) else [])
            if isinstance(r, dict)
        }
        out: list[_Answer] = []
        for n, c in enumerate(chunk):
            r = answers.get(str(n))
            if r is None:
                # Graph dropped this one: retry it like a 503.
                out.append((c, 503, {}, None))
                continue
            headers = _lower(r.get("headers") or {})
            out.append((c, int(r.get("status", 0)), headers, r.get("body")))
        return out

    def _apply(
        self, c: _Cursor, status: int, headers: dict[str, str], body: Any
    ) -> float | None:
        """Take one answer into its cursor; the wait it asks for, if a retry."""
        res = c.result
        ep = res.endpoint
        if status == 200 and isinstance(body, dict):
            items = [body] if ep.single else body.get("value")
            if not isinstance(items, list):
                res.error = GraphError(200, "", "a page without 'value'", ep.path)
                return None
            res.items.extend(items)
            res.pages += 1
            res.sha256.update(
                json.dumps(items, sort_keys=True, separators=(",", ":")).encode()
            )
            self.stats.pages += 1
            self.progress(ep.key, res.pages, len(res.items))
            link = None if ep.single else body.get("@odata.nextLink")
            if link:
                rel = self._relative(str(link))
                if rel is None:
                    res.error = GraphError(
                        200, "", "a nextLink outside the Graph endpoint", ep.path
                    )
                    return None
                c.url, c.attempts = rel, 0
            else:
                c.url = ""
            return None
        if status in RETRY_STATUSES:
            with self._lock:
                self.stats.throttled += 1
            c.attempts += 1
            if c.attempts >= self.max_attempts:
                res.error = GraphError(
                    status,
                    "throttled",
                    f"still throttled after {c.attempts} attempts",
                    ep.path,
                )
                return None
            return self._wait(c.attempts - 1, headers.get("retry-after"))
        res.error = GraphError.from_body(status, body, ep.path)
        return None

    # --- reports served as CSV -------------------------------------------------

    def get_text(self, endpoint: Endpoint) -> tuple[str, str]:
        """GET a report that answers with CSV; return (text, sha256).

        Graph answers with a 302 to a short-lived, pre-authenticated download
        URL; requests follows it and drops the Authorization header when the
        host changes.

        Raises:
            GraphError: Graph refused, or kept throttling.
            NetworkLost: the connection failed repeatedly.
        """
        for attempt in range(self.max_attempts):
            resp = self._send("GET", self.base + endpoint.url())
            with self._lock:
                self.stats.graph_requests += 1
            if resp.status_code == 200:
                data = resp.content
                self.progress(endpoint.key, 1, data.count(b"\n"))
                return data.decode("utf-8-sig"), hashlib.sha256(data).hexdigest()
            if resp.status_code not in RETRY_STATUSES:
                raise GraphError.from_body(resp.status_code, _json(resp), endpoint.path)
            with self._lock:
                self.stats.throttled += 1
            wait = self._wait(attempt, resp.headers.get("Retry-After"))
            # The next _send waits out this pause, as every request does.
            if attempt + 1 < self.max_attempts and self._pause(wait):
                continue
            why = (
                f"still throttled after {attempt + 1} attempts"
                if attempt + 1 == self.max_attempts
                else self._spent()
            )
            raise GraphError(resp.status_code, "throttled", why, endpoint.path)
        raise AssertionError("unreachable")  # pragma: no cover


def _lower(headers: Any) -> dict[str, str]:
    return {str(k).lower(): str(v) for k, v in dict(headers).items()}


def _json(resp: requests.Response) -> Any:
    try:
        return resp.json()
    except ValueError:
        return None
