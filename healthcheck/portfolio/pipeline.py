"""The portfolio's stages: run the book, read the results, write the outputs."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from healthcheck.errors import HealthcheckError
from healthcheck.portfolio import book, runner, settings, state, summary

WORKBOOK = "portfolio.xlsx"
PDF = "portfolio.pdf"


@dataclass(kw_only=True)
class Result:
    """What a portfolio call did."""

    outcomes: list[runner.Outcome] = field(default_factory=list)
    failures: list[summary.Failure] = field(default_factory=list)
    written: list[Path] = field(default_factory=list)
    #: The portfolio outputs, when nothing they are made of changed.
    up_to_date: list[Path] = field(default_factory=list)


def _check_out(root: Path, out: Path) -> None:
    r, o = root.resolve(), out.resolve()
    if o == r or o.is_relative_to(r):
        raise HealthcheckError(
            f"--out {out}: inside ROOT {root}, where it would be taken for a client",
            hint="give a folder outside ROOT",
        )


def run(
    root: str | Path,
    out: str | Path,
    *,
    jobs: int | None = None,
    lang: str | None = None,
    from_results: bool = False,
    progress: Callable[[runner.Outcome], None] = lambda o: None,
) -> Result:
    """Run every engagement of ROOT that changed, then write the portfolio outputs.

    With ``from_results``, ROOT already holds ``<client>/<period>/assessment.json``
    (collected from runs elsewhere) and only the portfolio outputs are written.
    """
    # Absolute: the workers' fork server keeps the folder it started in.
    root, out = Path(root).absolute(), Path(out).absolute()
    look = settings.load(root, lang)  # a bad portfolio.yaml stops before any run
    result = Result()
    results = root
    if not from_results:
        _check_out(root, out)
        engagements = book.discover(root)
        out.mkdir(parents=True, exist_ok=True)
        result.outcomes = runner.run_book(
            engagements, out, jobs=jobs or runner.default_jobs(), report=progress
        )
        result.failures = [
            summary.Failure(
                client=o.engagement.client, period=o.engagement.period, error=o.error
            )
            for o in result.outcomes
            if o.status == runner.FAILED
        ]
        results = out
    elif not root.is_dir():
        raise HealthcheckError(f"{root}: not a folder")
    out.mkdir(parents=True, exist_ok=True)
    digest = state.outputs_digest(
        results,
        result.failures,
        [root / settings.SETTINGS_NAME, *look.brand_files.values()],
        look.language,
    )
    if state.outputs_up_to_date(out, (WORKBOOK, PDF), digest):
        result.up_to_date = [out / WORKBOOK, out / PDF]
        return result
    # The renderers load only when there is something to render.
    from healthcheck.portfolio import pdf, xlsx

    portfolio = summary.read(results, result.failures)
    result.failures = portfolio.failures
    result.written = [
        xlsx.write(portfolio, out / WORKBOOK, look.language),
        pdf.write(portfolio, out / PDF, look),
    ]
    state.remember_outputs(out, digest)
    return result
