#!/usr/bin/env python3
"""Make the sample's previous quarter: ``sample_data/aurora-logistics/previous/``.

Aurora Logistics Oy's 2026-Q3 assessment is this quarter's, assessed from the
sample's evidence and then changed the way a quarter changes a tenant:

- FND-05, FND-07, REV-08 and REV-14 passed then: they are new failures this
  quarter (REV-14's app secret was not yet within 30 days of expiry);
- DOC-01, DOC-07, EXP-05 and REV-11 failed then: they are resolved this
  quarter (legacy authentication was blocked on 2026-09-15);
- FND-03 was an accepted risk then (its acceptance ran to 2026-10-31);
- REV-05 had four more accounts without MFA; FND-16 failed every Windows
  device (the laptops' LAPS policy came on 2026-11-03); waste lines had one
  more seat.

The other rules of issue 13 stood as now: the domain controller's updates
had failed since April, Eero Lehtonen's forwarding began with his leave in
July, and the MFA policy was already report-only.

Layers and the overall grade are scored again from the changed findings, so
the file is a consistent ``assessment.json``. The output is deterministic
(fixed dates, no clock), so re-running the script rewrites the same bytes.

Usage::

    python scripts/make_previous_quarter.py [--sample DIR]
"""

from __future__ import annotations

import argparse
import dataclasses
import shutil
import tempfile
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import yaml

from healthcheck import actions, evidence, pipeline, scoring
from healthcheck.model import Assessment, Finding, Status
from healthcheck.report import jsonout

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SAMPLE = REPO_ROOT / "sample_data" / "aurora-logistics"
PERIOD = "2026-Q3"
AS_OF = date(2026, 8, 20)
GENERATED_AT = datetime(2026, 8, 21, 7, 30)

#: Failing now, passed then.
PASSED_THEN = ("FND-05", "FND-07", "REV-08", "REV-14")
#: Passing now, failed then: detail and affected objects of the time.
FAILED_THEN: dict[str, tuple[str, tuple[str, ...]]] = {
    "DOC-01": (
        "Answered 'No': onboarding was done from memory.",
        (),
    ),
    "DOC-07": (
        "3 of 66 user devices have no primary user.",
        ("AUR-LT-041", "AUR-LT-042", "AUR-IP-019"),
    ),
    "EXP-05": (
        "Answered 'No': no external review since 2024.",
        (),
    ),
    "REV-11": (
        "Legacy authentication is not blocked: no policy blocks "
        "exchangeActiveSync, other.",
        (
            "client app type 'exchangeActiveSync' is not blocked",
            "client app type 'other' is not blocked",
        ),
    ),
}
#: Failed then as a yes/no rule, without a population to share.
YES_NO_THEN = ("REV-11",)
MORE_WITHOUT_MFA = (
    "mikko.heikkinen@aurora-logistics.example",
    "paula.lehtinen@aurora-logistics.example",
    "sami.koivisto@aurora-logistics.example",
    "tuula.mattila@aurora-logistics.example",
)


def current_assessment(sample: Path) -> tuple[Assessment, tuple[str, ...]]:
    """This quarter, from a copy of the sample without its ``previous``.

    Also returns the Windows devices with an Entra device id: FND-16's
    population, all without a LAPS backup in 2026-Q3.
    """
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "engagement"
        shutil.copytree(sample, copy, ignore=shutil.ignore_patterns("previous"))
        cfg_path = copy / "client.yaml"
        data = yaml.safe_load(cfg_path.read_text(encoding="utf-8"))
        data.get("report", {}).pop("previous", None)
        cfg_path.write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")
        ev_dir = pipeline.collect(copy, Path(tmp) / "evidence")
        bundle = evidence.load(ev_dir)
        devices = bundle.frames["devices"]
        windows = devices[
            devices["os"].astype(str).str.contains("windows", case=False)
            & devices["entra_device_id"].notna()
        ]
        names = tuple(sorted(str(n) for n in windows["name"]))
        current = pipeline.assess(bundle, generated_at=GENERATED_AT)
        # Sources named relative to the engagement: the temporary folder's
        # name would change the file's bytes at every run.
        prefix = f"{copy}/"
        sources = tuple(
            dict(s, path=str(s["path"]).removeprefix(prefix)) for s in current.sources
        )
        return dataclasses.replace(current, sources=sources), names


def then(f: Finding, windows: tuple[str, ...] = ()) -> Finding:
    """One finding as it stood in 2026-Q3.

    A changed finding's detail is plain text of the time: its locale key,
    which renders this quarter's text, is dropped.
    """
    plain = {"detail_key": "", "detail_params": {}}
    if f.rule_id in PASSED_THEN:
        return dataclasses.replace(
            f,
            status=Status.PASS,
            detail="No problem found.",
            affected=(),
            count=None,
            score=1.0,
            **plain,
        )
    if f.rule_id in FAILED_THEN:
        detail, affected = FAILED_THEN[f.rule_id]
        population = None if f.rule_id in YES_NO_THEN else f.population
        return dataclasses.replace(
            f,
            status=Status.FAIL,
            detail=detail,
            affected=affected,
            count=None,
            population=population,
            score=_share(population, len(affected)),
            **plain,
        )
    if f.rule_id == "FND-16" and f.status is Status.FAIL and windows:
        return dataclasses.replace(
            f,
            affected=windows,
            count=None,
            detail=f"{len(windows)} Windows devices of {len(windows)} are not "
            "managed by Windows LAPS: no LAPS policy is assigned.",
            score=_share(f.population, len(windows)),
            **plain,
        )
    if f.rule_id == "FND-03" and f.acceptance is not None:
        return dataclasses.replace(
            f,
            status=Status.ACCEPTED,
            acceptance=dataclasses.replace(f.acceptance, expired=False),
            reason=f"Accepted until {f.acceptance.expires}: {f.acceptance.reason}",
        )
    if f.rule_id == "REV-05" and f.status is Status.FAIL:
        affected = tuple(sorted({*f.affected, *MORE_WITHOUT_MFA}))
        return dataclasses.replace(
            f,
            affected=affected,
            detail=f"{len(affected)} enabled accounts have not registered MFA.",
            score=_share(f.population, len(affected)),
            **plain,
        )
    return f


def _share(population: int | None, failing: int) -> float:
    """A failing finding's score as the scoring method computes it."""
    if not population:
        return 0.0
    return min(max((population - failing) / population, 0.0), 0.999)


def previous_quarter(current: Assessment, windows: tuple[str, ...] = ()) -> Assessment:
    """The modified copy: findings, waste, scores and dates of 2026-Q3."""
    findings = tuple(then(f, windows) for f in current.findings)
    layers, overall = scoring.assess(findings)
    items = []
    for i in current.waste.items:
        count = i.count + 1
        monthly = (i.unit_price * count).quantize(Decimal("0.01"))
        items.append(
            dataclasses.replace(
                i, count=count, monthly_cost=monthly, annual_cost=monthly * 12
            )
        )
    return dataclasses.replace(
        current,
        period=PERIOD,
        as_of=AS_OF,
        generated_at=GENERATED_AT,
        findings=findings,
        layers=layers,
        overall=overall,
        actions=actions.rank(findings, layers, overall),
        waste=dataclasses.replace(current.waste, items=tuple(items)),
    )


def main() -> None:
    """Write ``previous/assessment.json`` into the sample folder."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sample", type=Path, default=DEFAULT_SAMPLE)
    sample: Path = parser.parse_args().sample
    out = sample / "previous" / "assessment.json"
    jsonout.write(previous_quarter(*current_assessment(sample)), out)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
