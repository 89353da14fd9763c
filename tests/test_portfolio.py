"""The MSP's book: portfolio runs, history across quarters, the agreed plan.

Books are generated in tmp_path from copies of the sample engagement,
varied so that grades differ (``benchmarks/book.py``).
"""

from __future__ import annotations

import json
import os
import shutil
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from benchmarks.book import make_book
from healthcheck import history, plan
from healthcheck.cli import main
from healthcheck.errors import InputError
from healthcheck.model import AgreedStatus, Assessment, HistoryEntry, Status
from healthcheck.portfolio import book as books
from healthcheck.portfolio import state
from healthcheck.report import html, jsonout
from healthcheck.report.context import ReportOptions
from tests.conftest import ROOT, pdf_pages

OLD_SCHEMA = ROOT / "tests" / "data" / "old_schema" / "assessment-1.2.json"


def fill_plan(findings_xlsx: Path, dest: Path, agreed: dict[str, tuple]) -> Path:
    """Last quarter's workbook with Owner and Due date filled in, as plan.xlsx."""
    wb = openpyxl.load_workbook(findings_xlsx)
    ws = wb["Actions"]
    header = [c.value for c in ws[1]]
    rule, owner, due = (header.index(h) + 1 for h in ("Rule", "Owner", "Due date"))
    rows = {ws.cell(row=r, column=rule).value: r for r in range(2, ws.max_row + 1)}
    for rule_id, (who, when) in agreed.items():
        r = rows.get(rule_id)
        if r is None:  # agreed then, passing now: not in this quarter's list
            r = ws.max_row + 1
            ws.cell(row=r, column=rule, value=rule_id)
        ws.cell(row=r, column=owner, value=who)
        ws.cell(row=r, column=due, value=when)
    wb.save(dest)
    return dest


def _portfolio(runner: CliRunner, root: Path, out: Path, *extra: str):
    return runner.invoke(
        main, ["portfolio", str(root), "--out", str(out), "--jobs", "2", *extra]
    )


def _sheet(path: Path, title: str) -> list[list[object]]:
    wb = openpyxl.load_workbook(path)
    return [[c.value for c in row] for row in wb[title].iter_rows()]


@pytest.fixture(scope="module")
def book_run(tmp_path_factory: pytest.TempPathFactory, sample_run: Path):
    """A book of four clients run once: client-002 broken, client-001 with two
    quarters and last quarter's plan in its second."""
    root = tmp_path_factory.mktemp("book")
    make_book(root, 4, broken=[2])
    make_book(root / "_two", 1, periods=("2026-Q4", "2027-Q1"))
    shutil.rmtree(root / "client-001")
    (root / "_two" / "client-000").rename(root / "client-001")
    (root / "_two").rmdir()
    second = root / "client-001" / "2027-Q1"
    fill_plan(
        sample_run / "findings.xlsx",
        second / "plan.xlsx",
        {
            "REV-04": ("Mikko", datetime(2026, 10, 31)),  # still failing, due passed
            "FND-07": ("Liisa", datetime(2026, 12, 31)),  # still failing, due later
            "DOC-01": ("Jussi", datetime(2026, 10, 1)),  # passes now
        },
    )
    out = tmp_path_factory.mktemp("book-out") / "out"
    result = _portfolio(CliRunner(), root, out)
    return root, out, result


def test_a_broken_client_is_listed_and_the_others_are_written(book_run) -> None:
    root, out, result = book_run
    assert result.exit_code == 1, result.output
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, result.stderr
    assert errors[0].startswith("error: client-002/2026-Q4: ")
    assert "interview.xlsx" in errors[0] and "Traceback" not in result.output
    assert not (out / "client-002" / "2026-Q4").exists()
    written = [
        "client-000/2026-Q4",
        "client-001/2026-Q4",
        "client-001/2027-Q1",
        "client-003/2026-Q4",
    ]
    for key in written:
        folder = out / key
        for name in ("report.pdf", "findings.xlsx", "assessment.json"):
            assert (folder / name).is_file(), (key, name)
        assert (folder / "evidence" / "manifest.json").is_file()
        # Published like `run`: a link to a generation folder.
        assert folder.is_symlink()
        assert f"{key}: written" in result.stderr
    grades = {
        json.loads((out / k / "assessment.json").read_text())["overall"]["grade"]
        for k in written
    }
    assert len(grades) >= 2, grades  # the book varies its clients
    failed = _sheet(out / "portfolio.xlsx", "Failed runs")
    assert failed[0] == ["Client folder", "Period", "Error"]
    assert [r[:2] for r in failed[1:]] == [["client-002", "2026-Q4"]]
    assert "interview.xlsx" in failed[1][2]
    assert "client-002" in " ".join(pdf_pages(out / "portfolio.pdf"))


def test_the_portfolio_workbook_has_a_row_per_client_and_period(book_run) -> None:
    _, out, _ = book_run
    rows = _sheet(out / "portfolio.xlsx", "Clients")
    header = rows[0]
    assert header[:5] == [
        "Client folder",
        "Client",
        "Period",
        "Assessment date",
        "Grade",
    ]
    got = {(r[0], r[2]): dict(zip(header, r, strict=True)) for r in rows[1:]}
    assert set(got) == {
        ("client-000", "2026-Q4"),
        ("client-001", "2026-Q4"),
        ("client-001", "2027-Q1"),
        ("client-003", "2026-Q4"),
    }
    for (client, period), row in got.items():
        data = json.loads((out / client / period / "assessment.json").read_text())
        assert row["Grade"] == data["overall"]["grade"]
        assert row["Score"] == data["overall"]["score"]
        assert row["Annual waste"] == data["waste"]["annual_total"]
        critical = [
            f
            for f in data["findings"]
            if f["status"] == "fail" and f["severity"] == "critical"
        ]
        assert row["Open critical findings"] == len(critical)
    assert got[("client-001", "2027-Q1")]["Overdue actions"] == 1
    assert got[("client-001", "2027-Q1")]["Previous period"] == "2026-Q4"
    assert got[("client-001", "2027-Q1")]["Change since previous"] == 0
    common = _sheet(out / "portfolio.xlsx", "Common findings")
    assert common[1][3] == 3  # the worst gap of the sample is in every client
    overdue = _sheet(out / "portfolio.xlsx", "Overdue actions")
    assert [r[0] for r in overdue[1:]] == ["client-001"]
    assert overdue[1][3] == "REV-04" and overdue[1][5] == "Mikko"
    text = " ".join(pdf_pages(out / "portfolio.pdf"))
    for words in (
        "Grade distribution",
        "Slipping clients",
        "Improving clients",
        "Recoverable licence waste a year",
        "Recurring findings",
        "Overdue actions",
    ):
        assert words in text


def test_the_plan_carries_over_done_overdue_and_open(book_run) -> None:
    _, out, _ = book_run
    a = jsonout.read(out / "client-001" / "2027-Q1" / "assessment.json")
    got = {x.rule_id: x for x in a.agreed_actions}
    assert got["REV-04"].status is AgreedStatus.OVERDUE
    assert got["FND-07"].status is AgreedStatus.OPEN
    assert got["DOC-01"].status is AgreedStatus.DONE
    assert got["REV-04"].owner == "Mikko" and got["REV-04"].due == date(2026, 10, 31)
    assert {x.agreed_in for x in a.agreed_actions} == {"2026-Q4"}
    # Only rows with an owner or a due date were agreed.
    assert len(a.agreed_actions) == 3
    pages = pdf_pages(out / "client-001" / "2027-Q1" / "report.pdf")
    page = next(p for p in pages if p.startswith("What we agreed last quarter"))
    for words in ("Mikko", "overdue", "Liisa", "open", "Jussi", "done"):
        assert words in page
    # The plan is evidence: a rebuilt report judges the same.
    assert (
        out / "client-001" / "2027-Q1" / "evidence" / "plan" / "plan.xlsx"
    ).is_file()


def test_history_runs_across_the_book_quarters(book_run) -> None:
    _, out, _ = book_run
    first = jsonout.read(out / "client-001" / "2026-Q4" / "assessment.json")
    second = jsonout.read(out / "client-001" / "2027-Q1" / "assessment.json")
    # The first quarter's history is the sample's own previous quarter.
    assert [h.period for h in first.history] == ["2026-Q3"]
    assert [h.period for h in second.history] == ["2026-Q3", "2026-Q4"]
    assert second.history[-1].score == first.overall.score
    assert second.history[-1].layers == tuple(
        (s.layer.value, s.score, s.grade) for s in first.layers
    )
    page = next(
        p
        for p in pdf_pages(out / "client-001" / "2027-Q1" / "report.pdf")
        if p.startswith("Change since last quarter")
    )
    assert "Scores over the quarters" in page
    assert "2026-Q3" in page and "2026-Q4" in page and "2027-Q1" in page


def test_from_results_reads_only_assessment_files(book_run, tmp_path: Path) -> None:
    _, out, _ = book_run
    collected = tmp_path / "collected"
    for src in out.glob("*/*/assessment.json"):
        dest = collected / src.parent.parent.name / src.parent.name / src.name
        dest.parent.mkdir(parents=True)
        shutil.copyfile(src, dest)
    dest = tmp_path / "portfolio"
    result = CliRunner().invoke(
        main,
        [
            "portfolio",
            str(collected),
            "--out",
            str(dest),
            "--from-results",
            "--language",
            "fi",
        ],
    )
    assert result.exit_code == 0, result.output
    rows = _sheet(dest / "portfolio.xlsx", "Asiakkaat")
    assert len(rows) == 5 and rows[0][0] == "Asiakaskansio"
    assert "Arvosanojen jakauma" in " ".join(pdf_pages(dest / "portfolio.pdf"))


def test_resuming_runs_only_what_changed(tmp_path: Path) -> None:
    root = tmp_path / "book"
    make_book(root, 2, periods=("2026-Q4", "2027-Q1"))
    out = tmp_path / "out"
    runner = CliRunner()
    first = _portfolio(runner, root, out)
    assert first.exit_code == 0, first.output
    assert first.stdout.startswith("4 written, 0 up to date, 0 failed")
    links = {p: os.readlink(p) for p in out.glob("*/*") if p.is_symlink()}
    assert len(links) == 4

    again = _portfolio(runner, root, out)
    assert again.exit_code == 0, again.output
    assert again.stdout.startswith("0 written, 4 up to date, 0 failed")
    assert "up to date" in again.stdout and "portfolio.pdf" in again.stdout
    assert {p: os.readlink(p) for p in links} == links  # nothing republished

    # An export of client-000's first quarter changes: that quarter runs, and
    # so does the next, whose history and comparison read it.
    jobs = root / "client-000" / "2026-Q4" / "exports" / "backup_jobs.csv"
    jobs.write_text(jobs.read_text(encoding="utf-8").replace("Failed", "Success"))
    third = _portfolio(runner, root, out)
    assert third.exit_code == 0, third.output
    assert third.stdout.startswith("2 written, 2 up to date, 0 failed")
    assert "client-000/2026-Q4: written" in third.stderr
    assert "client-000/2027-Q1: written" in third.stderr
    assert "client-001/2026-Q4: up to date" in third.stderr
    assert "wrote" in third.stdout  # the portfolio outputs follow the change


def test_a_fingerprint_changes_with_tool_or_reference_data(tmp_path: Path) -> None:
    root = tmp_path / "book"
    make_book(root, 1)
    eng = books.discover(root)[0][0]
    tables = [{"name": "skus", "table_date": "2026-10-01", "sha256": "a" * 64}]
    base = state.fingerprint(eng, None, state.tool_versions(tables))
    assert base == state.fingerprint(eng, None, state.tool_versions(tables))
    newer = [dict(tables[0], table_date="2026-11-01")]
    assert base != state.fingerprint(eng, None, state.tool_versions(newer))
    other_tool = dict(state.tool_versions(tables), tool="9.9.9")
    assert base != state.fingerprint(eng, None, other_tool)
    (eng.root / "client.yaml").write_text(
        (eng.root / "client.yaml").read_text() + "# edited\n"
    )
    assert base != state.fingerprint(eng, None, state.tool_versions(tables))


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    runner = CliRunner()
    assert _portfolio(runner, tmp_path / "nope", tmp_path / "o").exit_code == 2
    (tmp_path / "empty").mkdir()
    got = _portfolio(runner, tmp_path / "empty", tmp_path / "o")
    assert got.exit_code == 2 and "no engagement folders" in got.output
    make_book(tmp_path / "b", 1)
    inside = _portfolio(runner, tmp_path / "b", tmp_path / "b" / "out")
    assert inside.exit_code == 2 and "inside ROOT" in inside.output
    bad_jobs = runner.invoke(
        main,
        ["portfolio", str(tmp_path / "b"), "--out", str(tmp_path / "o"), "--jobs", "0"],
    )
    assert bad_jobs.exit_code == 2


def test_periods_sort_by_the_period_they_spell() -> None:
    names = ["2027-Q1", "2026-11", "2026-H2", "2026-Q3", "notes", "2026-Q4"]
    # H2 and Q3 both start in July: the name decides.
    assert sorted(names, key=books.period_key) == [
        "2026-H2",
        "2026-Q3",
        "2026-Q4",
        "2026-11",
        "2027-Q1",
        "notes",
    ]


def test_history_from_an_old_schema_file(engagement: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = CliRunner().invoke(
        main, ["run", str(engagement), "--out", str(out), "--previous", str(OLD_SCHEMA)]
    )
    assert result.exit_code == 0, result.output
    data = json.loads((out / "assessment.json").read_text())
    assert data["schema_version"] == "2.1"
    old = json.loads(OLD_SCHEMA.read_text())
    assert data["history"] == [
        {
            "period": old["period"],
            "as_of": old["as_of"],
            "score": old["overall"]["score"],
            "grade": old["overall"]["grade"],
            "layers": [
                {"id": s["id"], "score": s["score"], "grade": s["grade"]}
                for s in old["layers"]
            ],
        }
    ]
    # And the next quarter carries both.
    now = jsonout.read(out / "assessment.json")
    assert [h.period for h in history.carried(now)] == [old["period"], now.period]


def _entry(period: str, day: date, score: float) -> HistoryEntry:
    return HistoryEntry(
        period=period,
        as_of=day,
        score=score,
        grade="C",
        layers=(("foundation", score, "C"),),
    )


def test_history_keeps_eight_quarters_and_one_entry_per_period(
    sample_run: Path,
) -> None:
    a = jsonout.read(sample_run / "assessment.json")
    earlier = tuple(
        _entry(
            f"{2024 + i // 4}-Q{i % 4 + 1}", date(2024 + i // 4, i % 4 * 3 + 1, 15), i
        )
        for i in range(8)
    )
    import dataclasses

    prev = dataclasses.replace(a, history=earlier)
    got = history.carried(prev)
    assert len(got) == history.MAX_HISTORY == 8
    assert got[0].period == "2024-Q2"  # the oldest fell off
    assert got[-1] == HistoryEntry.of(prev)
    # A quarter assessed again keeps its latest entry only.
    again = dataclasses.replace(prev, history=(*earlier[-2:], HistoryEntry.of(a)))
    assert [h.period for h in history.carried(again)].count(a.period) == 1
    assert history.carried(None) == ()


def test_trend_chart_draws_every_quarter_and_gaps(sample_run: Path) -> None:
    a = jsonout.read(sample_run / "assessment.json")
    import dataclasses

    quarters = (
        _entry("2026-Q1", date(2026, 2, 1), 40.0),
        HistoryEntry(
            period="2026-Q2", as_of=date(2026, 5, 1), score=None, grade=None, layers=()
        ),
        *a.history,
    )
    doc = html.render(dataclasses.replace(a, history=quarters), ReportOptions())
    chart = doc.split('class="chart trend"')[1].split("</svg>")[0]
    for period in ("2026-Q1", "2026-Q2", "2026-Q3", a.period):
        assert f">{period}<" in chart
    # The overall line breaks at the quarter without a score: two segments;
    # foundation has 1 + 2 points around the gap, the other layers one run.
    assert chart.count("<polyline") == 2 + 2 + 1 + 1 + 1
    assert "Scores over the quarters" in doc
    # No history, no chart.
    plain = html.render(dataclasses.replace(a, history=()), ReportOptions())
    assert 'class="chart trend"' not in plain


def test_carry_over_statuses(sample_run: Path) -> None:
    a = jsonout.read(sample_run / "assessment.json")
    by_status = {}
    for f in a.findings:
        by_status.setdefault(f.status, f.rule_id)
    items = [
        plan.PlanItem(rule_id=by_status[Status.FAIL], owner="A", due=a.as_of, row=2),
        plan.PlanItem(
            rule_id=by_status[Status.NOT_ASSESSED], owner="B", due=None, row=3
        ),
        plan.PlanItem(rule_id=by_status[Status.ACCEPTED], owner="C", due=None, row=4),
        plan.PlanItem(rule_id="FND-99", owner="D", due=None, row=5),
    ]
    got = [x.status for x in plan.carry_over(items, a.findings, a.as_of)]
    # Due on the assessment day is not yet overdue.
    assert got == [
        AgreedStatus.OPEN,
        AgreedStatus.NOT_ASSESSED,
        AgreedStatus.ACCEPTED,
        AgreedStatus.NOT_ASSESSED,
    ]


def test_a_bad_plan_names_the_file_row_and_column(
    sample_run: Path, tmp_path: Path
) -> None:
    path = fill_plan(
        sample_run / "findings.xlsx",
        tmp_path / "plan.xlsx",
        {"REV-04": ("Mikko", "soon")},
    )
    with pytest.raises(InputError) as err:
        plan.read(path)
    assert "plan.xlsx" in str(err.value) and "column 'Due date'" in str(err.value)
    # REV-04's row of the Actions sheet: its rank, under the header.
    ranks = json.loads((sample_run / "assessment.json").read_text("utf-8"))["actions"]
    row = 1 + next(a["rank"] for a in ranks if a["rule_id"] == "REV-04")
    assert f"row {row}," in str(err.value) and "'soon'" in str(err.value)
    (tmp_path / "junk.xlsx").write_text("no")
    with pytest.raises(InputError, match="not an Excel workbook"):
        plan.read(tmp_path / "junk.xlsx")


def test_a_finnish_plan_is_read_too(sample_run: Path, tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Toimenpiteet"
    ws.append(["#", "Sääntö", "Vastuuhenkilö", "Määräpäivä"])
    ws.append([1, "REV-04", "Mikko", "31.10.2026"])
    ws.append([2, "FND-07", None, None])
    wb.save(tmp_path / "plan.xlsx")
    assert plan.read(tmp_path / "plan.xlsx") == (
        plan.PlanItem(rule_id="REV-04", owner="Mikko", due=date(2026, 10, 31), row=2),
    )


def test_old_assessments_read_without_history(sample_run: Path) -> None:
    a = Assessment.from_dict(json.loads(OLD_SCHEMA.read_text()))
    assert a.history == () and a.agreed_actions == ()


def test_portfolio_texts_are_in_both_languages() -> None:
    from tests.conftest import locale_keys

    en = locale_keys("en", "portfolio.toml")
    assert en == locale_keys("fi", "portfolio.toml")
    used = set()
    import re

    for name in (
        "portfolio.html",
        "_grade_distribution.html",
        "_client_changes.html",
        "_overdue_actions.html",
    ):
        text = (ROOT / "report_templates" / name).read_text()
        used |= set(re.findall(r't\("(portfolio\.[\w.]+)"', text))
    for path in (ROOT / "healthcheck" / "portfolio").glob("*.py"):
        used |= set(
            re.findall(r'"(portfolio\.(?:pdf|col|sheet)\.[\w]+)"', path.read_text())
        )
    assert len(used) > 30
    assert used <= en, sorted(used - en)


def test_the_portfolio_benchmark_runs_at_a_small_size(tmp_path: Path) -> None:
    """Keeps benchmarks/bench_portfolio.py working; its timings are not judged here."""
    from benchmarks.bench_portfolio import measure

    m = measure(2, 2, tmp_path)
    assert m["written"] == 2 and m["up_to_date"] == 2 and m["failed"] == 0
    assert m["single_sum"] > 0 and m["first"] > 0 and m["again"] > 0


def test_a_dying_worker_is_reported_not_hung(tmp_path: Path) -> None:
    """Workers that die (here: they cannot start, since the parent's main
    script, read from stdin, cannot be loaded again) break the pool; each
    engagement is then tried alone, reported failed, and the book ends."""
    import subprocess
    import sys

    make_book(tmp_path / "book", 2)
    script = (
        "import json, sys\n"
        "from pathlib import Path\n"
        "from healthcheck.portfolio import book, runner\n"
        f"got = runner.run_book(book.discover({str(tmp_path / 'book')!r}), "
        f"Path({str(tmp_path / 'out')!r}), jobs=2)\n"
        "print(json.dumps([[o.engagement.key, o.status, o.error] for o in got]))\n"
    )
    done = subprocess.run(
        [sys.executable, "-"],
        input=script,
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    got = json.loads(done.stdout.strip().splitlines()[-1])
    assert sorted(k for k, _, _ in got) == ["client-000/2026-Q4", "client-001/2026-Q4"]
    for _, status, error in got:
        assert status == "failed"
        assert (
            error == "the worker process running it stopped (killed, or out of memory)"
        )
