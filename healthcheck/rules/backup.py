"""Backups beyond "it succeeded": a copy off site, Microsoft 365 data, a tested restore.

Each reads the backup export where it shows the answer (the generic list's
off-site, immutable and restore-test columns, Veeam's backup copy jobs, jobs
that name Microsoft 365 workloads) and otherwise the interview question named
by the rule's ``question`` parameter. The detail says which it used.
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
from healthcheck.rules.interview import interview_answer


def _jobs(ctx: RuleContext) -> pd.DataFrame | None:
    return ctx.frame("backup_jobs") if ctx.has("backup_jobs") else None


def _from_interview(ctx: RuleContext, no_data_key: str) -> Outcome:
    """The interview's answer, or not assessed naming both missing sources."""
    if not ctx.has("interview_answers"):
        return not_assessed(msg(no_data_key))
    return interview_answer(ctx)


def _known(jobs: pd.DataFrame, column: str) -> pd.Series:
    if column not in jobs.columns:
        return pd.Series(False, index=jobs.index)
    return jobs[column].notna()


@evaluates("FND-17")
def backup_offsite_copy(ctx: RuleContext) -> Outcome:
    """Backup jobs without a copy off site or an immutable one (3-2-1).

    Judged from the jobs whose export says either way; a Veeam backup copy
    job is itself the second copy. Without such columns, the interview.
    """
    jobs = _jobs(ctx)
    if jobs is not None:
        known = _known(jobs, "offsite_copy") | _known(jobs, "immutable")
        judged = jobs[known]
        if not judged.empty:
            safe = pd.Series(False, index=judged.index)
            for column in ("offsite_copy", "immutable"):
                if column in judged.columns:
                    safe |= judged[column].eq(True).fillna(False).astype(bool)
            bare = judged[~safe]
            n = len(judged)
            if bare.empty:
                return passed(
                    msg("rules.FND-17.pass", count=n),
                    population=n,
                    jobs=n,
                    without_copy=0,
                    source="backup_jobs",
                )
            return failed(
                msg(
                    "rules.FND-17.fail",
                    count=len(bare),
                    total=n,
                    jobs=sorted(str(j) for j in bare["job"]),
                ),
                bare["job"],
                population=n,
                jobs=n,
                without_copy=len(bare),
                source="backup_jobs",
            )
    return _from_interview(ctx, "rules.FND-17.no_data")


@evaluates("FND-18")
def m365_backed_up(ctx: RuleContext) -> Outcome:
    """Mail, OneDrive and SharePoint each backed up by a job, else the interview.

    Jobs are read first: a job for Microsoft 365 as a whole, or one per
    workload. When no job names Microsoft 365 at all, the export may simply
    come from another product, so the interview answers; without it the rule
    is not assessed. Only a Microsoft 365 backup that leaves a workload out
    fails from the export alone.
    """
    jobs = _jobs(ctx)
    seen: set[str] = set()
    if jobs is not None:
        ok = jobs[jobs["last_result"].isin(("success", "warning"))]
        seen = facts.m365_workloads(pd.concat([ok["job"], ok["system"]]))
    workloads = facts.M365_WORKLOADS
    total = len(workloads)
    if seen == set(workloads):
        return passed(
            msg("rules.FND-18.pass"), population=total, workloads=sorted(seen)
        )
    if not seen:
        return _from_interview(ctx, "rules.FND-18.no_data")
    lacking = [msg(f"rules.FND-18.workload.{w}") for w in workloads if w not in seen]
    return failed(
        msg("rules.FND-18.fail", count=len(lacking), workloads=joined(lacking, ", ")),
        [w for w in workloads if w not in seen],
        population=total,
        workloads=sorted(seen),
    )


@evaluates("DOC-08")
def restore_tested(ctx: RuleContext) -> Outcome:
    """The newest restore test within ``max_review_age_days``, else the interview."""
    jobs = _jobs(ctx)
    limit = int(ctx.params["max_review_age_days"])
    if jobs is not None and "last_restore_test" in jobs.columns:
        tested = pd.to_datetime(jobs["last_restore_test"]).dropna()
        if not tested.empty:
            newest = tested.max()
            age = (pd.Timestamp(ctx.as_of) - newest).days
            job = str(jobs.loc[tested.idxmax(), "job"])
            if age <= limit:
                return passed(
                    msg("rules.DOC-08.pass", job=job, tested=newest.date(), age=age),
                    tested=newest.date().isoformat(),
                    age_days=age,
                    source="backup_jobs",
                )
            return failed(
                msg(
                    "rules.DOC-08.fail",
                    job=job,
                    tested=newest.date(),
                    age=age,
                    limit=limit,
                ),
                tested=newest.date().isoformat(),
                age_days=age,
                source="backup_jobs",
            )
    return _from_interview(ctx, "rules.DOC-08.no_data")
