"""The portfolio step: what the book's ``assessment.json`` files say, together.

It reads nothing else, so it runs as well over results collected from runs
elsewhere (a CI matrix, Kubernetes Jobs) as over a ``portfolio`` run's own.
Each file is read, reduced to a :class:`Row` and let go: memory grows with
the number of engagements by a few numbers each, not by their findings.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from healthcheck.compare import renamed_ids
from healthcheck.errors import HealthcheckError
from healthcheck.model import AgreedStatus, Assessment, Severity, Status
from healthcheck.portfolio.book import period_key

ASSESSMENT = "assessment.json"


@dataclass(frozen=True, kw_only=True, slots=True)
class Overdue:
    """An agreed action still open after its due date."""

    rule_id: str
    title: str
    owner: str
    due: str


@dataclass(frozen=True, kw_only=True, slots=True)
class Row:
    """One client's quarter, in the numbers the MSP's meeting uses."""

    client: str
    name: str
    period: str
    as_of: str
    grade: str | None
    score: float | None
    coverage: float
    currency: str
    annual_waste: Decimal | None
    waste_seats: int
    open_critical: int
    overdue: tuple[Overdue, ...]
    previous_period: str | None
    previous_score: float | None
    previous_grade: str | None
    #: rule id -> (title, severity) of every failing finding.
    failing: dict[str, tuple[str, str]] = field(default_factory=dict)

    @property
    def change(self) -> float | None:
        """Overall score change since the previous quarter, or None."""
        if self.score is None or self.previous_score is None:
            return None
        return self.score - self.previous_score


@dataclass(frozen=True, kw_only=True, slots=True)
class Failure:
    """An engagement whose run failed, or whose result cannot be read."""

    client: str
    period: str
    error: str


@dataclass(kw_only=True)
class Portfolio:
    """Every row of the book, and the failures."""

    rows: list[Row] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)

    def latest(self) -> list[Row]:
        """Each client's latest quarter, by client folder."""
        best: dict[str, Row] = {}
        for r in self.rows:
            if r.client not in best or period_key(r.period) > period_key(
                best[r.client].period
            ):
                best[r.client] = r
        return [best[c] for c in sorted(best)]

    def grade_counts(self) -> dict[str, int]:
        """Latest grades: A-F and "–" for no grade."""
        counts = Counter(r.grade or "–" for r in self.latest())
        return {g: counts.get(g, 0) for g in ("A", "B", "C", "D", "E", "F", "–")}

    def waste_totals(self) -> dict[str, Decimal]:
        """Recoverable annual waste of the latest quarters, per currency."""
        out: dict[str, Decimal] = {}
        for r in self.latest():
            if r.annual_waste is not None:
                out[r.currency] = out.get(r.currency, Decimal("0.00")) + r.annual_waste
        return dict(sorted(out.items()))

    def recurring(self) -> list[tuple[str, str, str, int]]:
        """Rules failing in the latest quarters: (id, title, severity, clients).

        The most common first, then the most severe.
        """
        seen: Counter[str] = Counter()
        info: dict[str, tuple[str, str]] = {}
        for r in self.latest():
            for rule, (title, sev) in r.failing.items():
                seen[rule] += 1
                info[rule] = (title, sev)
        return sorted(
            ((rule, *info[rule], n) for rule, n in seen.items()),
            key=lambda x: (-x[3], Severity(x[2]).rank, x[0]),
        )

    def slipping(self) -> list[Row]:
        """Latest quarters whose overall score fell, the steepest first."""
        down = [r for r in self.latest() if r.change is not None and r.change < 0]
        return sorted(down, key=lambda r: (r.change, r.client))

    def improving(self) -> list[Row]:
        """Latest quarters whose overall score rose, the steepest first."""
        up = [r for r in self.latest() if r.change is not None and r.change > 0]
        return sorted(up, key=lambda r: (-(r.change or 0), r.client))


def row_of(client: str, a: Assessment) -> Row:
    """The numbers of one assessment."""
    titles = {f.rule_id: f.title for f in a.findings}
    before = a.history[-1] if a.history else None
    aliases = renamed_ids()
    return Row(
        client=client,
        name=a.client_name,
        period=a.period,
        as_of=a.as_of.isoformat(),
        grade=a.overall.grade,
        score=a.overall.score,
        coverage=a.overall.coverage,
        currency=a.waste.currency,
        annual_waste=a.waste.annual_total if a.waste.assessed else None,
        waste_seats=sum(i.count for i in a.waste.items),
        open_critical=sum(
            1
            for f in a.findings
            if f.status is Status.FAIL and f.severity is Severity.CRITICAL
        ),
        overdue=tuple(
            Overdue(
                rule_id=x.rule_id,
                title=titles.get(x.rule_id, x.rule_id),
                owner=x.owner,
                due=x.due.isoformat() if x.due else "",
            )
            for x in a.agreed_actions
            if x.status is AgreedStatus.OVERDUE
        ),
        previous_period=before.period if before else None,
        previous_score=before.score if before else None,
        previous_grade=before.grade if before else None,
        failing={
            aliases.get(f.rule_id, f.rule_id): (f.title, f.severity.value)
            for f in a.findings
            if f.status is Status.FAIL
        },
    )


def read(results: str | Path, failures: list[Failure] | None = None) -> Portfolio:
    """Every ``<client>/<period>/assessment.json`` under ``results``.

    A file that cannot be read is a failure of its own, not the book's.
    """
    results = Path(results)
    book = Portfolio(failures=list(failures or ()))
    failed = {(f.client, f.period) for f in book.failures}
    for client in sorted(p for p in results.iterdir() if _visible_dir(p)):
        for period in sorted(
            (p for p in client.iterdir() if _visible_dir(p)),
            key=lambda p: period_key(p.name),
        ):
            path = period / ASSESSMENT
            if not path.is_file():
                if (client.name, period.name) not in failed:
                    book.failures.append(
                        Failure(
                            client=client.name,
                            period=period.name,
                            error=f"{path}: no assessment.json",
                        )
                    )
                continue
            try:
                a = Assessment.from_dict(json.loads(path.read_text("utf-8")))
            except (ValueError, KeyError, TypeError) as exc:
                book.failures.append(
                    Failure(
                        client=client.name,
                        period=period.name,
                        error=f"{path}: not an assessment.json this version can "
                        f"read ({type(exc).__name__})",
                    )
                )
                continue
            book.rows.append(row_of(client.name, a))
    if not book.rows and not book.failures:
        raise HealthcheckError(
            f"{results}: no <client>/<period>/assessment.json found",
            hint="give the folder the per-client runs were collected into",
        )
    return book


def _visible_dir(p: Path) -> bool:
    return p.is_dir() and not p.name.startswith(".")
