"""The workbook: sheets, types, formats, totals, languages and hostile text."""

from __future__ import annotations

import dataclasses
import json
import re
import time
import zipfile
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from openpyxl.worksheet.worksheet import Worksheet

from healthcheck import compare
from healthcheck.model import Acceptance, Assessment, ObjectTable, Severity, Status
from healthcheck.report import jsonout, xlsx
from healthcheck.report.context import as_noun
from tests.conftest import locale_keys

FIXED = ("Summary", "Actions", "Findings", "Waste")
TAIL = ("Sources", "Rejected rows")


@pytest.fixture(scope="module")
def sample(sample_run: Path) -> Assessment:
    return jsonout.read(sample_run / "assessment.json")


def _write(a: Assessment, tmp_path: Path, lang: str = "en") -> openpyxl.Workbook:
    path = xlsx.write(a, tmp_path / f"findings-{lang}.xlsx", lang=lang)
    return openpyxl.load_workbook(path)


@pytest.fixture(scope="module")
def book(sample: Assessment, tmp_path_factory: pytest.TempPathFactory):
    return _write(sample, tmp_path_factory.mktemp("xlsx"))


@pytest.fixture(scope="module")
def book_fi(sample: Assessment, tmp_path_factory: pytest.TempPathFactory):
    return _write(sample, tmp_path_factory.mktemp("xlsx-fi"), "fi")


def _header(ws: Worksheet) -> list[Any]:
    return [c.value for c in ws[1]]


def _column(ws: Worksheet, header: str) -> int:
    return _header(ws).index(header) + 1


def _body(ws: Worksheet) -> list[tuple[Any, ...]]:
    """Rows inside the autofilter (the totals row, if any, is below it)."""
    last = int(re.search(r"(\d+)$", ws.auto_filter.ref).group(1))
    return list(ws.iter_rows(min_row=2, max_row=last))


def _linked(cell: Any) -> str:
    """The sheet an internal hyperlink points to."""
    assert cell.hyperlink is not None and not cell.hyperlink.target
    m = re.fullmatch(r"'(.*)'!A1", cell.hyperlink.location)
    assert m, cell.hyperlink.location
    return m.group(1).replace("''", "'")


# Sheets ----------------------------------------------------------------------


def test_sheets_in_order_with_one_per_list(sample: Assessment, book) -> None:
    names = book.sheetnames
    assert tuple(names[:4]) == FIXED and tuple(names[-2:]) == TAIL
    listed = [
        f
        for f in sample.findings
        if f.status in (Status.FAIL, Status.ACCEPTED) and f.affected
    ]
    with_users = [i for i in sample.waste.items if i.users]
    assert len(names) == 6 + len(listed) + len(with_users)
    assert all(len(n) <= 31 and not re.search(r"[\[\]:*?/\\]", n) for n in names)
    assert len({n.casefold() for n in names}) == len(names)
    # The accepted risk's objects are listed too.
    assert any(n.startswith("REV-09 ") for n in names)


def test_list_sheets_freeze_filter_and_size_columns(book) -> None:
    for ws in book.worksheets[1:]:
        assert ws.freeze_panes == "A2", ws.title
        ref = ws.auto_filter.ref
        assert ref and ref.startswith("A1:"), ws.title
        header = ws[1]
        assert all(c.font.b for c in header), ws.title
        for c in header:
            width = ws.column_dimensions[c.column_letter].width
            assert xlsx.MIN_WIDTH <= width <= xlsx.MAX_WIDTH + 10, (ws.title, c.value)
    findings = book["Findings"]
    # Widths follow content: the rule id column is narrow, the detail wide.
    assert findings.column_dimensions["A"].width < 12
    assert findings.column_dimensions["I"].width >= 40


def test_findings_sorted_typed_and_linked(sample: Assessment, book) -> None:
    ws = book["Findings"]
    rows = _body(ws)
    assert len(rows) == len(sample.findings)
    by_id = {f.rule_id: f for f in sample.findings}
    order = [
        (by_id[r[0].value].severity.rank, by_id[r[0].value].layer.number) for r in rows
    ]
    assert order == sorted(order)
    assert rows[0][2].value == "critical"
    count_col = _column(ws, "Affected") - 1
    link_col = _column(ws, "Affected objects") - 1
    until_col = _column(ws, "Accepted until") - 1
    for r in rows:
        f = by_id[r[0].value]
        assert r[count_col].value == f.affected_count
        assert r[count_col].data_type == "n"
        if f.status in (Status.FAIL, Status.ACCEPTED) and f.affected:
            target = book[_linked(r[link_col])]
            # Objects found in the datasets carry their evidence columns
            # (tests/test_objects.py); the first column is still the name.
            table = sample.objects_of(f)
            first = table.columns[0] if table else None
            assert (
                _header(target)[0]
                == {
                    None: "Affected object",
                    "name": "Device",
                    "upn": "User principal name",
                    "job": "Backup job",
                }[first]
            )
            objects = [row[0] for row in target.iter_rows(min_row=2, values_only=True)]
            assert list(dict.fromkeys(objects)) == list(f.affected)
        else:
            assert r[link_col].value is None and r[link_col].hyperlink is None
        if f.acceptance:
            cell = r[until_col]
            assert cell.is_date and cell.value.date() == f.acceptance.expires
            assert cell.number_format == "d mmm yyyy"
    # The whole workbook links only inside itself.
    assert all(
        c.hyperlink is None or not c.hyperlink.target
        for ws in book.worksheets
        for row in ws.iter_rows()
        for c in row
    )


def test_waste_totals_equal_the_assessment_exactly(sample: Assessment, book) -> None:
    ws = book["Waste"]
    rows = _body(ws)
    assert len(rows) == len(sample.waste.items)
    monthly, annual = _column(ws, "Monthly cost"), _column(ws, "Annual cost")
    total_row = ws.max_row
    assert total_row == len(rows) + 2  # just below the filtered range
    assert ws.cell(total_row, 1).value == "Total"
    for col, expected in (
        (monthly, sample.waste.monthly_total),
        (annual, sample.waste.annual_total),
    ):
        items = sum((Decimal(str(r[col - 1].value)) for r in rows), Decimal("0"))
        total = Decimal(str(ws.cell(total_row, col).value))
        assert items == total == expected
        assert ws.cell(total_row, col).number_format == '"€"#,##0.00'
    assert all(r[monthly - 1].number_format == '"€"#,##0.00' for r in rows)
    assert ws.cell(total_row, _column(ws, "Seats")).value == sum(
        i.count for i in sample.waste.items
    )


def test_each_waste_line_lists_its_users_summing_to_the_line(
    sample: Assessment, book
) -> None:
    ws = book["Waste"]
    link = _column(ws, "Users")
    for r, item in zip(_body(ws), sample.waste.items, strict=True):
        if not item.users:
            assert r[link - 1].value is None
            continue
        users = book[_linked(r[link - 1])]
        assert _header(users) == [
            "User",
            "Seats",
            "Monthly cost",
            "Annual cost",
            "Evidence",
        ]
        body = _body(users)
        assert [c[0].value for c in body] == list(item.users)
        assert [c[4].value or "" for c in body] == [
            item.user_details.get(u, "") for u in item.users
        ]
        monthly = sum((Decimal(str(c[2].value)) for c in body), Decimal("0"))
        annual = sum((Decimal(str(c[3].value)) for c in body), Decimal("0"))
        total = users.max_row
        assert monthly == Decimal(str(users.cell(total, 3).value)) == item.monthly_cost
        assert annual == Decimal(str(users.cell(total, 4).value)) == item.annual_cost
        assert body[0][2].number_format == '"€"#,##0.00'


def test_summary_numbers_dates_and_sources(sample: Assessment, book) -> None:
    ws = book["Summary"]
    cells = {row[0].value: row[1] for row in ws.iter_rows(min_row=2) if row[0].value}
    assert cells["Client"].value == sample.client_name
    assert cells["Period"].value == sample.period
    as_of = cells["Assessment date"]
    assert as_of.is_date and as_of.value.date() == sample.as_of
    assert as_of.number_format == "d mmm yyyy"
    generated = cells[f"Generated ({sample.timezone})"]
    assert generated.is_date and isinstance(generated.value, datetime)
    assert cells["Overall score"].value == pytest.approx(sample.overall.score)
    assert cells["Overall score"].data_type == "n"
    assert cells["Evidence coverage"].number_format == "0%"
    assert cells["Evidence coverage"].value == pytest.approx(sample.overall.coverage)
    for label, expected in (
        ("Monthly total", sample.waste.monthly_total),
        ("Annual total", sample.waste.annual_total),
    ):
        assert Decimal(str(cells[label].value)) == expected
        assert cells[label].number_format == '"€"#,##0.00'
    # Per layer: grade, numeric score and coverage, status.
    layers = {
        r[0].value: r
        for r in ws.iter_rows()
        if isinstance(r[0].value, str) and r[0].value[:2] in ("1.", "2.", "3.", "4.")
    }
    assert len(layers) == 4
    for s in sample.layers:
        row = layers[f"{s.layer.number}. {s.layer.label}"]
        assert row[1].value == s.status.value
        assert row[2].value == (s.grade or None)
        assert row[3].value == pytest.approx(s.score)
        assert row[4].value == pytest.approx(s.coverage)
        assert row[4].number_format == "0%"
    # Every run of a collector that applies is listed with its status and
    # reason; Graph and DNS, with no input in this exports-only engagement
    # (no graph: or dns: section), are not.
    runs = [
        (r[0].value, r[1].value, r[2].value)
        for r in ws.iter_rows()
        if isinstance(r[1].value, str)
        and r[1].value.split(":")[0] in ("collected", "missing", "failed")
    ]
    applying = [
        r for r in sample.collector_runs if r["collector"] not in ("graph", "dns")
    ]
    assert len(applying) < len(sample.collector_runs)
    assert len(runs) == len(applying)
    for (dataset, status, collector), run in zip(runs, applying, strict=True):
        # Named in words: "managed devices", not "devices".
        assert collector == run["collector"]
        assert dataset.replace(" ", "_") == run["dataset"] or dataset in {
            as_noun(str(src.get("dataset_title", ""))) for src in sample.sources
        }
        if run["reason"]:
            assert status.endswith(": " + run["reason"])
    # No comparison on this assessment: no changes section.
    assert not any(
        isinstance(c.value, str) and c.value.startswith("Changes since")
        for r in ws.iter_rows()
        for c in r
    )


def test_sources_and_rejected_rows(sample: Assessment, book) -> None:
    sources = book["Sources"]
    assert len(_body(sources)) == len(sample.sources)
    assert _body(sources)[0][3].data_type == "n"
    rejected = book["Rejected rows"]
    assert _header(rejected) == ["Dataset", "File", "Row", "Column", "Reason"]
    assert len(_body(rejected)) == len(sample.rejected)


# Language --------------------------------------------------------------------


def test_finnish_labels_and_formats(sample: Assessment, book_fi) -> None:
    names = book_fi.sheetnames
    assert names[:4] == ["Yhteenveto", "Toimenpiteet", "Havainnot", "Lisenssihukka"]
    assert names[-2:] == ["Lähteet", "Hylätyt rivit"]
    assert any(n.startswith("Käyttämätön ") for n in names)
    findings = book_fi["Havainnot"]
    assert _header(findings)[:4] == ["Sääntö", "Taso", "Vakavuus", "Tila"]
    first = _body(findings)[0]
    assert first[2].value == "kriittinen" and first[3].value == "puute"
    assert first[1].value in {
        "Automatisoitu perusta",
        "Dokumentoidut prosessit",
        "Säännöllinen katselmointi",
        "Asiantuntija tarvittaessa",
    }
    waste = book_fi["Lisenssihukka"]
    total_row = waste.max_row
    assert waste.cell(total_row, 1).value == "Yhteensä"
    # Finnish puts the symbol after the amount; the cell stays a number.
    money = waste.cell(total_row, _column(waste, "Kustannus / vuosi"))
    assert money.number_format == '#,##0.00 "€"'
    assert Decimal(str(money.value)) == sample.waste.annual_total
    summary = {
        r[0].value: r[1] for r in book_fi["Yhteenveto"].iter_rows() if r[0].value
    }
    assert summary["Arviointipäivä"].number_format == "d.m.yyyy"
    assert summary["Arviointipäivä"].value.date() == sample.as_of
    assert summary["Näytön kattavuus"].number_format == "0 %"
    assert summary["Asiakas"].value == sample.client_name


def test_default_language_is_english(sample: Assessment, tmp_path: Path) -> None:
    path = xlsx.write(sample, tmp_path / "findings.xlsx")
    assert openpyxl.load_workbook(path).sheetnames[:4] == list(FIXED)


def test_other_currency_symbol(sample: Assessment, tmp_path: Path) -> None:
    a = dataclasses.replace(
        sample, waste=dataclasses.replace(sample.waste, currency="GBP")
    )
    ws = _write(a, tmp_path)["Waste"]
    assert ws.cell(ws.max_row, _column(ws, "Annual cost")).number_format == (
        '"£"#,##0.00'
    )


# Hostile text ----------------------------------------------------------------

HOSTILE = [
    '=HYPERLINK("http://x","y")',
    "+1",
    "-1+1",
    "@SUM(A1)",
    "\t=1+1",
    "\r=1+1",
    "<script>alert(1)</script>",
    "x{background:url(http://127.0.0.1/x.png)}",
    "=cmd|' /C calc'!A0",
]


def _hostile(sample: Assessment) -> Assessment:
    findings = []
    for f in sample.findings:
        if f.status is Status.FAIL and f.affected:
            f = dataclasses.replace(f, affected=(*f.affected, *HOSTILE))
        if f.rule_id == "REV-09":
            f = dataclasses.replace(
                f,
                detail=HOSTILE[0],
                acceptance=Acceptance(reason=HOSTILE[3], expires=date(2027, 2, 28)),
            )
        findings.append(f)
    items = tuple(
        dataclasses.replace(
            i,
            users=(*i.users, *HOSTILE),
            user_details={**i.user_details, **{h: h for h in HOSTILE}},
            price_note=HOSTILE[2],
        )
        if i.users
        else i
        for i in sample.waste.items
    )
    # The evidence columns are written with the same care: each hostile name
    # is an object whose text columns are hostile too.
    objects = {
        kind: dataclasses.replace(
            t,
            rows=(
                *t.rows,
                *(
                    (h, *(h if ty == "text" else None for ty in t.types[1:]))
                    for h in HOSTILE
                ),
            ),
        )
        for kind, t in sample.objects.items()
    }
    return dataclasses.replace(
        sample,
        objects=objects,
        client_name=HOSTILE[0],
        period="-2026-Q4",
        findings=tuple(findings),
        waste=dataclasses.replace(sample.waste, items=items),
        sources=(*sample.sources, {"path": HOSTILE[4], "dataset": "users"}),
        rejected=({"dataset": "users", "source": "+x.csv", "row": 3, "reason": "@"},),
    )


def test_hostile_tenant_text_stays_literal_text(
    sample: Assessment, tmp_path: Path
) -> None:
    path = xlsx.write(_hostile(sample), tmp_path / "findings.xlsx")
    # No cell of any sheet is a formula.
    with zipfile.ZipFile(path) as z:
        sheets = [n for n in z.namelist() if n.startswith("xl/worksheets/sheet")]
        assert sheets
        for name in sheets:
            assert (
                "<f>" not in z.read(name).decode()
                and "<f " not in z.read(name).decode()
            )
    wb = openpyxl.load_workbook(path)
    expected = {h.replace("\r", "\n") for h in HOSTILE}
    seen: dict[str, int] = {}
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                if c.value in expected or c.value in ("-2026-Q4", "+x.csv", "@"):
                    seen[c.value] = seen.get(c.value, 0) + 1
                    assert c.data_type == "s", (ws.title, c.coordinate)
                    formula_like = c.value[0] in "=+-@\t\n"
                    assert c.quotePrefix == formula_like, (ws.title, c.value)
    # Every hostile value was written, as it was, in several places.
    assert set(seen) >= expected | {"-2026-Q4", "+x.csv", "@"}
    assert all(seen[h] >= 3 for h in expected)
    summary = {r[0].value: r[1].value for r in wb["Summary"].iter_rows() if r[0].value}
    assert summary["Client"] == HOSTILE[0]


def test_control_characters_and_huge_cells_do_not_break_the_workbook(
    sample: Assessment, tmp_path: Path
) -> None:
    f = next(f for f in sample.findings if f.status is Status.FAIL and f.affected)
    bad = ("bell\x07name", "nul\x00", "x" * 40_000)
    a = dataclasses.replace(
        sample,
        findings=tuple(
            # Names alone: the evidence columns were found for other names.
            dataclasses.replace(g, affected=bad, object_kind="") if g is f else g
            for g in sample.findings
        ),
    )
    wb = _write(a, tmp_path)
    link = next(r[-1] for r in _body(wb["Findings"]) if r[0].value == f.rule_id)
    values = [r[0] for r in wb[_linked(link)].iter_rows(min_row=2, values_only=True)]
    assert values[0] == "bell\ufffdname" and values[1] == "nul\ufffd"
    assert len(values[2]) == 32_767 and values[2].endswith("\u2026")


@pytest.mark.parametrize(
    "wanted,taken,expected",
    [
        ("Summary", [], "Summary"),
        ("a/b\\c[d]e:f*g?h", [], "a b c d e f g h"),
        ("'quoted'", [], "quoted"),
        ("History", [], "History 1"),
        ("", [], "1"),
        ("summary", ["Summary"], "summary (2)"),
        ("X", ["X", "x (2)"], "X (3)"),
        (
            "FND-04 Every backup job has succeeded within the last day",
            [],
            "FND-04 Every backup job has\u2026",
        ),
        (
            "FND-04 Every backup job has succeeded within the last day",
            ["FND-04 Every backup job has\u2026"],
            "FND-04 Every backup job\u2026 (2)",
        ),
        (
            "Käyttämätön O365_BUSINESS_ESSENTIALS",
            [],
            "Käyttämätön O365_BUSINESS_ESSE\u2026",
        ),
    ],
)
def test_safe_sheet_names(wanted: str, taken: list[str], expected: str) -> None:
    name = xlsx.safe_sheet_name(wanted, taken)
    assert name == expected
    assert len(name) <= 31


# Comparison ------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, kw_only=True, slots=True)
class _Compared(Assessment):
    """An assessment that carries a comparison, as the pipeline will give one."""

    comparison: Any = None


@pytest.mark.parametrize("how", ["keyword", "attribute"])
def test_changes_since_the_previous_quarter(
    sample: Assessment, tmp_path: Path, how: str
) -> None:
    fixed = next(f for f in sample.findings if f.status is Status.FAIL)
    previous = dataclasses.replace(
        sample,
        period="2026-Q3",
        as_of=date(2026, 8, 20),
        findings=tuple(
            dataclasses.replace(f, status=Status.PASS, affected=())
            if f.rule_id == fixed.rule_id
            else f
            for f in sample.findings
        ),
    )
    c = compare.compare(previous, sample)
    assert [n.rule_id for n in c.new] == [fixed.rule_id]
    if how == "keyword":
        path = xlsx.write(sample, tmp_path / "f.xlsx", comparison=c)
    else:
        fields = {f.name: getattr(sample, f.name) for f in dataclasses.fields(sample)}
        path = xlsx.write(_Compared(**fields, comparison=c), tmp_path / "f.xlsx")
    ws = openpyxl.load_workbook(path)["Summary"]
    texts = [c.value for r in ws.iter_rows() for c in r if isinstance(c.value, str)]
    assert "Changes since 2026-Q3" in texts
    new_row = next(r for r in ws.iter_rows() if r[2].value == "New")
    assert new_row[0].value == fixed.rule_id and new_row[1].value == fixed.title
    assert new_row[3].value == "pass" and new_row[4].value == "fail"
    assert new_row[5].value == len(fixed.affected)
    persisting = [r for r in ws.iter_rows() if r[2].value == "Still open"]
    assert len(persisting) == len(c.persisting)
    overall = next(r for r in ws.iter_rows() if r[0].value == "Overall")
    assert overall[3].data_type == "n" and overall[5].value == pytest.approx(
        round(sample.overall.score - previous.overall.score, 1)
    )
    money = {r[0].value: r[1] for r in ws.iter_rows() if r[0].value}
    assert Decimal(str(money["Annual waste now"].value)) == sample.waste.annual_total
    assert money["Change in annual waste"].value == 0
    assert money["Change in annual waste"].number_format.startswith('+"€"')


# Scale -----------------------------------------------------------------------


def test_fifty_thousand_affected_objects(sample: Assessment, tmp_path: Path) -> None:
    f = next(
        f
        for f in sample.findings
        if f.status is Status.FAIL and f.severity is Severity.CRITICAL and f.affected
    )
    objects = tuple(f"user{i:05d}@big.example" for i in range(50_000))
    # Each with its evidence columns, as a run attaches them.
    table = ObjectTable(
        kind="accounts",
        columns=("upn", "display_name", "enabled", "last_activity", "created"),
        types=("text", "text", "bool", "date", "datetime"),
        rows=tuple(
            (u, f"User {n}", True, "2026-07-15", "2021-08-25T16:33:24")
            for n, u in enumerate(objects)
        ),
    )
    a = dataclasses.replace(
        sample,
        findings=tuple(
            dataclasses.replace(g, affected=objects, object_kind="accounts")
            if g is f
            else g
            for g in sample.findings
        ),
        objects={**sample.objects, "accounts": table},
    )
    start = time.perf_counter()
    path = xlsx.write(a, tmp_path / "big.xlsx")
    assert time.perf_counter() - start < 60
    wb = openpyxl.load_workbook(path, read_only=True)
    sheet = next(n for n in wb.sheetnames if n.startswith(f.rule_id + " "))
    ws = wb[sheet]
    assert ws.max_row == 50_001
    last = list(ws.iter_rows(min_row=50_001, values_only=True))
    assert last == [
        (
            "user49999@big.example",
            "User 49999",
            True,
            datetime(2026, 7, 15),
            datetime(2021, 8, 25, 16, 33, 24),
        )
    ]
    wb.close()


def test_write_replaces_the_file_atomically(sample: Assessment, tmp_path: Path) -> None:
    path = tmp_path / "findings.xlsx"
    path.write_bytes(b"old")
    xlsx.write(sample, path)
    assert [p.name for p in tmp_path.iterdir()] == ["findings.xlsx"]
    assert openpyxl.load_workbook(path).sheetnames[0] == "Summary"


def test_finnish_waste_texts_from_their_keys(
    sample: Assessment, tmp_path: Path
) -> None:
    from healthcheck.model import WasteItem

    names = {f.name for f in dataclasses.fields(WasteItem)}
    if not {"action_key", "user_detail_messages"} <= names:
        pytest.skip("waste lines carry no message keys yet")
    item = next(i for i in sample.waste.items if i.users)
    user = item.users[0]
    keyed = dataclasses.replace(
        item,
        action="Reduce the seat count at the next renewal (annual commitment).",
        action_key="cost.action.unassigned",
        action_params={"when": {"key": "cost.when.annual", "params": {}}},
        user_details={**item.user_details, user: "sign-in blocked"},
        user_detail_messages={user: {"key": "cost.evidence.blocked", "params": {}}},
    )
    a = dataclasses.replace(
        sample,
        waste=dataclasses.replace(
            sample.waste,
            items=tuple(keyed if i is item else i for i in sample.waste.items),
        ),
    )
    en, fi = _write(a, tmp_path), _write(a, tmp_path, "fi")
    row = list(sample.waste.items).index(item) + 2
    assert en["Waste"].cell(row, 8).value == keyed.action
    action = fi["Lisenssihukka"].cell(row, 8).value
    assert action.startswith("Vähennä lisenssimäärää") and "uusimisessa" in action
    users = fi[_linked(fi["Lisenssihukka"].cell(row, 13))]
    assert users.cell(2, 1).value == user
    assert users.cell(2, 5).value == "kirjautuminen estetty"


def test_incomplete_layer_and_accepted_risks(
    sample: Assessment, tmp_path: Path
) -> None:
    from healthcheck import scoring
    from healthcheck.model import Layer, LayerStatus

    thinned = tuple(
        dataclasses.replace(
            f, status=Status.NOT_ASSESSED, detail="", detail_key="", reason="gone"
        )
        if f.layer is Layer.REVIEW and f.rule_id not in ("REV-01", "REV-09")
        else f
        for f in sample.findings
    )
    layers = scoring.score_layers(thinned)
    a = dataclasses.replace(
        sample,
        findings=thinned,
        layers=layers,
        overall=scoring.overall(layers, thinned),
    )
    review = next(s for s in layers if s.layer is Layer.REVIEW)
    assert review.status is LayerStatus.INCOMPLETE
    wb = _write(a, tmp_path)
    row = next(
        r for r in wb["Summary"].iter_rows() if r[0].value == "3. Regular review"
    )
    assert row[1].value == "incomplete"
    assert row[2].value is None  # no grade
    assert row[3].value == pytest.approx(review.score)
    assert row[4].value == pytest.approx(review.coverage)
    findings = wb["Findings"]
    reason, until = (
        _column(findings, "Accepted risk"),
        _column(findings, "Accepted until"),
    )
    rows = {r[0].value: r for r in _body(findings)}
    assert rows["REV-09"][3].value == "accepted"
    assert rows["REV-09"][reason - 1].value.startswith("separate admin accounts")
    assert rows["REV-09"][until - 1].value.date() == date(2027, 2, 28)
    assert rows["FND-03"][3].value == "fail"
    assert rows["FND-03"][reason - 1].value.startswith("Expired: Windows 10 laptops")
    assert rows["FND-03"][until - 1].value.date() == date(2026, 10, 31)
    assert rows["FND-01"][reason - 1].value is None
    assert rows["FND-01"][until - 1].value is None
    # A not-assessed rule says why.
    assert rows["REV-02"][_column(findings, "Detail") - 1].value == "gone"


def test_finnish_and_english_workbook_texts_have_the_same_keys() -> None:
    en, fi = (locale_keys(lang, "workbook.toml") for lang in ("en", "fi"))
    assert en == fi and len(en) > 100


def test_actions_sheet_ranks_every_failing_finding(sample_run: Path) -> None:
    """All actions, in rank order, with empty Owner and Due date to fill in."""
    book = openpyxl.load_workbook(sample_run / "findings.xlsx")
    ws = book["Actions"]
    header = [c.value for c in ws[1]]
    assert header[:2] == ["#", "Rule"] and header[-2:] == ["Owner", "Due date"]
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref
    data = json.loads((sample_run / "assessment.json").read_text(encoding="utf-8"))
    failing = [f["rule_id"] for f in data["findings"] if f["status"] == "fail"]
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    assert [r[1] for r in rows] == [a["rule_id"] for a in data["actions"]]
    assert sorted(r[1] for r in rows) == sorted(failing)
    assert [r[0] for r in rows] == list(range(1, len(rows) + 1))
    gain = header.index("Overall points gained")
    assert [r[gain] for r in rows] == [a["overall_gain"] for a in data["actions"]]
    assert all(r[-2] is None and r[-1] is None for r in rows)
    # A date typed into Due date is shown as a date.
    assert ws.cell(row=2, column=len(header)).number_format == "d mmm yyyy"
