"""Run the book: engagements in parallel processes, each failure its own.

- Clients run in parallel; one client's quarters run in period order,
  because each quarter's history and comparison read the report of the one
  before it.
- At most ``jobs`` engagements run at once, in worker processes forked from
  a server that loaded the code once. The pool of workers is replaced after
  :data:`TASKS_PER_WORKER` engagements per worker (the old pool finishes
  what it holds), so memory stays bounded by ``jobs`` engagements whatever
  the size of the book; the parent keeps a few numbers per engagement.
  (Not ``max_tasks_per_child``: with CPython 3.11.7 a pool that replaces
  its workers that way hung here once they had all retired.)
- A failed engagement is one line, and the book goes on. A worker that dies
  (killed, out of memory) breaks the pool: the engagements it had in hand are
  run again one at a time, each alone in a new worker, so only the one that
  kills its worker is reported failed.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from healthcheck import refdata
from healthcheck.config import load_engagement
from healthcheck.errors import HealthcheckError
from healthcheck.portfolio import state
from healthcheck.portfolio import task as tasks
from healthcheck.portfolio.book import Engagement
from healthcheck.portfolio.failure import one_line

#: Engagements per worker before the pool is replaced (bounds memory).
TASKS_PER_WORKER = 20

WRITTEN, UP_TO_DATE, FAILED = "written", "up to date", "failed"

#: An engagement to run: where, its inputs' fingerprint, last quarter's file.
_Task = tuple[Engagement, str, Path | None]


@dataclass(frozen=True, kw_only=True, slots=True)
class Outcome:
    """How one engagement went."""

    engagement: Engagement
    status: str
    error: str = ""
    seconds: float = 0.0
    #: CPU seconds the worker spent on it.
    cpu: float = 0.0
    grade: str | None = None
    score: float | None = None
    warnings: tuple[str, ...] = ()
    #: Its place among the engagements settled so far, and how many there are.
    index: int = 0
    total: int = 0


def default_jobs() -> int:
    """The CPUs this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # macOS
        return max(1, os.cpu_count() or 1)


def _pool(jobs: int) -> ProcessPoolExecutor:
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["healthcheck.portfolio.worker"])
    return ProcessPoolExecutor(max_workers=jobs, mp_context=ctx)


def previous_of(
    eng: Engagement, before: Engagement | None, out_dir: Path
) -> tuple[Path | None, Path | None]:
    """Last quarter's assessment for ``eng``: the book's, unless client.yaml names one.

    Returns the file to give ``run`` (None when client.yaml's is used, or there
    is none) and the file the report depends on either way (for resuming).

    Raises:
        ConfigError: the engagement's ``client.yaml`` is missing or invalid.
    """
    config = load_engagement(eng.root).config
    if config.report.previous:
        named = eng.root / config.report.previous
        return None, named / "assessment.json" if named.is_dir() else named
    if before is None:
        return None, None
    found = before.out(out_dir) / "assessment.json"
    return (found, found) if found.is_file() else (None, None)


class _Book:
    """The scheduler's state: each client's queue, what runs, what happened."""

    def __init__(
        self,
        book: list[list[Engagement]],
        out_dir: Path,
        jobs: int,
        report: Callable[[Outcome], None],
    ) -> None:
        self.out_dir = out_dir
        self.jobs = jobs
        self.report = report
        self.queues = {c[0].client: deque(c) for c in book}
        self.total = sum(len(c) for c in book)
        self.before: dict[str, Engagement | None] = dict.fromkeys(self.queues)
        self.versions = state.tool_versions(t.to_dict() for t in refdata.in_use())
        self.outcomes: list[Outcome] = []

    def done(self, outcome: Outcome) -> None:
        outcome = replace(outcome, index=len(self.outcomes) + 1, total=self.total)
        self.outcomes.append(outcome)
        self.report(outcome)

    def next_task(self, client: str) -> _Task | None:
        """The client's next engagement that needs a run; settle the others."""
        queue = self.queues[client]
        while queue:
            eng = queue.popleft()
            before, self.before[client] = self.before[client], eng
            try:
                previous, depends = previous_of(eng, before, self.out_dir)
                digest = state.fingerprint(eng, depends, self.versions)
            except (HealthcheckError, OSError) as exc:
                self.done(Outcome(engagement=eng, status=FAILED, error=one_line(exc)))
                continue
            if state.up_to_date(self.out_dir, eng, digest):
                self.done(Outcome(engagement=eng, status=UP_TO_DATE))
                continue
            return eng, digest, previous
        return None

    def finish(self, task: _Task, res: dict[str, Any]) -> None:
        eng, digest, _ = task
        warnings = tuple(res.get("warnings", ()))
        if not res["ok"]:
            self.done(
                Outcome(
                    engagement=eng,
                    status=FAILED,
                    error=res["error"],
                    seconds=res["seconds"],
                    warnings=warnings,
                )
            )
            return
        state.remember(self.out_dir, eng, digest)
        self.done(
            Outcome(
                engagement=eng,
                status=WRITTEN,
                seconds=res["seconds"],
                cpu=res.get("cpu", 0.0),
                grade=res["grade"],
                score=res["score"],
                warnings=warnings,
            )
        )

    def alone(self, task: _Task) -> None:
        """Run one engagement in a worker of its own (after a worker died)."""
        with _pool(1) as solo:
            try:
                res = solo.submit(tasks.run_one, *_args(task, self.out_dir)).result()
            except BrokenProcessPool:
                res = {
                    "ok": False,
                    "seconds": 0.0,
                    "error": "the worker process running it stopped "
                    "(killed, or out of memory)",
                }
        self.finish(task, res)

    def run(self) -> list[Outcome]:
        pending = deque(t for c in self.queues if (t := self.next_task(c)) is not None)
        if not pending:
            return self.outcomes  # all up to date: no worker to start
        pools: list[ProcessPoolExecutor] = []
        pool: ProcessPoolExecutor | None = None
        given = 0
        # Each running engagement and the pool it runs in.
        running: dict[Future[dict[str, Any]], tuple[_Task, ProcessPoolExecutor]] = {}
        try:
            while pending or running:
                # No more than ``jobs`` at once, whatever the pools hold.
                while pending and len(running) < self.jobs:
                    if pool is None or given >= self.jobs * TASKS_PER_WORKER:
                        if pool is not None:
                            pool.shutdown(wait=False)  # it finishes what it holds
                        pool, given = _pool(self.jobs), 0
                        pools.append(pool)
                    task = pending.popleft()
                    try:
                        fut = pool.submit(tasks.run_one, *_args(task, self.out_dir))
                    except BrokenProcessPool:
                        pending.appendleft(task)
                        pool = None  # its running engagements are settled below
                        continue
                    running[fut] = (task, pool)
                    given += 1
                if not running:
                    continue
                finished, _ = wait(running, return_when=FIRST_COMPLETED)
                for fut in finished:
                    if fut not in running:
                        continue  # settled with its broken pool
                    task, owner = running.pop(fut)
                    try:
                        res = fut.result()
                    except BrokenProcessPool:
                        # Every engagement the dead pool held is a suspect:
                        # each runs alone; the book goes on in a new pool.
                        suspects = [task]
                        for other, (t, p) in list(running.items()):
                            if p is owner:
                                suspects.append(t)
                                del running[other]
                        owner.shutdown(wait=False, cancel_futures=True)
                        if owner is pool:
                            pool = None
                        for t in suspects:
                            self.alone(t)
                            self._follow(t, pending)
                        continue
                    self.finish(task, res)
                    self._follow(task, pending)
        finally:
            for p in pools:
                p.shutdown(wait=True, cancel_futures=True)
        return self.outcomes

    def _follow(self, task: _Task, pending: deque[_Task]) -> None:
        """Queue the next quarter of the client whose quarter just ended."""
        follow = self.next_task(task[0].client)
        if follow is not None:
            pending.append(follow)


def _args(task: _Task, out_dir: Path) -> tuple[str, str, str | None]:
    eng, _, previous = task
    return str(eng.root), str(eng.out(out_dir)), str(previous) if previous else None


def run_book(
    book: list[list[Engagement]],
    out_dir: Path,
    *,
    jobs: int,
    report: Callable[[Outcome], None] = lambda o: None,
) -> list[Outcome]:
    """Run every engagement of ``book`` that is not up to date into ``out_dir``."""
    return _Book(book, out_dir, jobs, report).run()
