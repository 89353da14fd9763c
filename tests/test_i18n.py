"""Translated assessment texts: keys, placeholders, Finnish catalogue, rendering.

Finding sentences are rendered from ``healthcheck/locales/<lang>/rules.toml``.
These tests walk what the rules really produce (on the sample engagement and
on every case of ``tests/test_rules.py``) and check that each key exists in
English and Finnish with the same placeholders, that the English ``detail``
is exactly what the English locale renders, and that the Finnish sentence is
different and fully filled in.
"""

from __future__ import annotations

import json
import re
import shutil
import string
import tomllib
from collections.abc import Iterator, Mapping
from datetime import date
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

import tests.test_cost as cost_tests
import tests.test_rules as rule_tests
from healthcheck import engine, evidence, pipeline
from healthcheck.datasets import SCHEMAS
from healthcheck.i18n import Translator
from healthcheck.init import load_questions
from healthcheck.model import Finding, Status, Waste, msg
from tests.conftest import ROOT, SAMPLE

EN, FI = Translator("en"), Translator("fi")
#: Locale files whose English is the source of assessment texts.
SOURCE_FILES = ("rules.toml", "cost.toml", "collect.toml")
UNFILLED = re.compile(r"\{[A-Za-z_]*\}")


def _flat(lang: str, name: str) -> dict[str, Any]:
    path = resources.files("healthcheck") / "locales" / lang / name
    out: dict[str, Any] = {}

    def walk(table: Mapping[str, Any], prefix: str) -> None:
        for key, value in table.items():
            if isinstance(value, dict) and not set(value) <= {"one", "other"}:
                walk(value, f"{prefix}{key}.")
            else:
                out[f"{prefix}{key}"] = value

    walk(tomllib.loads(path.read_text("utf-8")), "")
    return out


def _placeholders(text: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(text) if f is not None}


def _forms(value: Any) -> dict[str, str]:
    return dict(value) if isinstance(value, dict) else {"": value}


# ----------------------------------------------------------- what rules produce


@cache
def _sample_findings() -> tuple[Finding, ...]:
    import tempfile

    out = Path(tempfile.mkdtemp()) / "evidence"
    pipeline.collect(SAMPLE, out)
    return pipeline.assess(evidence.load(out)).findings


@cache
def _case_findings() -> tuple[Finding, ...]:
    found: list[Finding] = []
    for c in rule_tests.CASES:
        found += rule_tests.run(c["data"], **c["run"]).values()
    # The engine's own reasons: a missing dataset, an empty one, a missing
    # column, accepted and expired risks.
    found += rule_tests.run({}).values()
    found += rule_tests.run({}, missing_reasons={"devices": "no file"}).values()
    # Optional columns left out: a missing-column reason, with and without
    # a column description.
    users = {
        "users": [rule_tests.user("a@x.fi")],
        "licence_assignments": [rule_tests.assign("a@x.fi", "SPB")],
    }
    found += rule_tests.run(users).values()
    found += rule_tests.run({"devices": [rule_tests.device("pc-1")]}).values()
    empty = rule_tests.frame("devices", [rule_tests.device("pc-1")]).iloc[0:0]
    found += engine.evaluate(
        {"devices": empty}, as_of=rule_tests.AS_OF, now=rule_tests.NOW
    )
    return tuple(found)


def _all_findings() -> tuple[Finding, ...]:
    return _sample_findings() + _case_findings()


def _keys(params: Any) -> Iterator[tuple[str, bool]]:
    """(key, has a default) of every nested message in ``params``."""
    if isinstance(params, Mapping):
        if "key" in params:
            yield str(params["key"]), "default" in params
        for value in params.values():
            yield from _keys(value)
    elif isinstance(params, list):
        for value in params:
            yield from _keys(value)


def _used_keys(findings: tuple[Finding, ...]) -> set[tuple[str, bool]]:
    out: set[tuple[str, bool]] = set()
    for f in findings:
        for key, params in (
            (f.detail_key, f.detail_params),
            (f.reason_key, f.reason_params),
        ):
            if key:
                out.add((key, False))
                out |= set(_keys(dict(params)))
    return out


def test_every_finding_of_the_sample_and_the_rule_cases_has_a_key() -> None:
    for f in _all_findings():
        if f.detail:
            assert f.detail_key, (f.rule_id, f.detail)
        if f.reason:
            assert f.reason_key, (f.rule_id, f.reason)
    statuses = {f.status for f in _sample_findings()}
    assert statuses == {Status.PASS, Status.FAIL, Status.NOT_ASSESSED, Status.ACCEPTED}


def test_every_key_the_rules_use_exists_in_english_and_finnish() -> None:
    used = _used_keys(_all_findings())
    assert len(used) > 60  # every rule's pass and fail, and the engine's reasons
    for key, has_default in sorted(used):
        # A nested message with a default takes its English from the code
        # (a dataset title from its schema); only other languages list it.
        assert has_default or EN.has(key), f"no English text for {key}"
        assert FI.has(key), f"no Finnish text for {key}"


def test_every_key_in_the_code_exists_in_english_and_finnish() -> None:
    """A static scan, for sentences no test case reaches."""
    sources = sorted((ROOT / "healthcheck" / "rules").glob("*.py")) + [
        ROOT / "healthcheck" / "engine.py",
        ROOT / "healthcheck" / "cost.py",
        ROOT / "healthcheck" / "pipeline.py",
        ROOT / "healthcheck" / "evidence.py",
        *sorted((ROOT / "collectors").glob("*/__init__.py")),
    ]
    plain = re.compile(r'msg\(\s*"([a-z][\w.-]+)"')
    prefix = re.compile(r'msg\(\s*f"([a-z][\w.-]+\.)\{')
    en_keys = {k for name in SOURCE_FILES for k in _flat("en", name)}
    found = 0
    for path in sources:
        text = path.read_text("utf-8")
        for key in plain.findall(text):
            found += 1
            assert EN.has(key), f"{path.name}: no English text for {key}"
            assert FI.has(key), f"{path.name}: no Finnish text for {key}"
        for start in prefix.findall(text):
            assert any(k.startswith(start) for k in en_keys), (path.name, start)
    assert found > 60


def test_finnish_has_every_english_key_with_the_same_placeholders() -> None:
    for name in SOURCE_FILES:
        en, fi = _flat("en", name), _flat("fi", name)
        assert en, name
        for key, value in en.items():
            assert key in fi, f"{name}: {key} has no Finnish text"
            want = set().union(*map(_placeholders, _forms(value).values()))
            for form, text in _forms(fi[key]).items():
                assert text.strip(), (key, form)
                assert _placeholders(text) == want, (key, form, text)
            if isinstance(fi[key], dict):
                # CLDR Finnish has exactly two forms: 1 laite, 4 laitetta.
                assert set(fi[key]) == {"one", "other"}, key


def test_finnish_keys_are_english_keys_or_catalogue_texts() -> None:
    """No stale Finnish key: each is an English key, or a text whose English
    lives in the catalogue, a dataset schema or interview.toml."""
    en = {k for name in SOURCE_FILES for k in _flat("en", name)}
    ids = {r.id for r in engine.load_catalog()}
    questions = {q.id for q in load_questions()}
    for name in SOURCE_FILES:
        for key in _flat("fi", name):
            if key in en:
                continue
            parts = key.split(".")
            if parts[0] == "rules":
                assert parts[1] in ids and parts[2] in (
                    "title",
                    "rationale",
                    "remediation",
                ), key
            elif parts[0] == "datasets":
                assert parts[1] in SCHEMAS, key
                if parts[2] == "columns":
                    SCHEMAS[parts[1]].column(parts[3])  # raises if unknown
                else:
                    assert parts[2:] == ["title"], key
            elif key == "interview.instructions":
                continue
            elif parts[0] == "interview":
                assert parts[1] in questions and parts[2] in ("text", "help"), key
            else:
                raise AssertionError(f"{name}: unexpected Finnish key {key}")


def _steps(text: str) -> list[str]:
    return [line for line in text.splitlines() if re.match(r"\s*\d+\.", line)]


def test_every_rule_has_finnish_title_rationale_and_remediation() -> None:
    for rule in engine.load_catalog():
        for field in ("title", "rationale", "remediation"):
            key = f"rules.{rule.id}.{field}"
            assert FI.has(key), f"no Finnish {field} for {rule.id}"
            text = FI.rule(rule.id, field, "")
            assert text.strip() and text != getattr(rule, field), key
            assert not UNFILLED.search(text), key
        # Same steps, same numbering: the report lists them one by one.
        fi_steps = _steps(FI.rule(rule.id, "remediation", ""))
        assert len(fi_steps) == len(_steps(rule.remediation)), rule.id
        assert len(FI.rule(rule.id, "title", "")) <= 120, rule.id
    # English is never duplicated into the locale: the catalogue is its source.
    assert not any(
        k.endswith((".title", ".rationale")) for k in _flat("en", "rules.toml")
    )
    assert EN.rule("FND-01", "title", "from the catalogue") == "from the catalogue"


def test_every_interview_question_and_dataset_has_finnish_text() -> None:
    for q in load_questions():
        for field in ("text", "help"):
            text = FI.t(f"interview.{q.id}.{field}", "")
            assert text and text != getattr(q, field), (q.id, field)
    for name in SCHEMAS:
        assert FI.has(f"datasets.{name}.title"), name
    for rule in engine.load_catalog():
        for req in rule.requires:
            name, _, column = req.partition(".")
            if column and SCHEMAS[name].column(column).description:
                assert FI.has(f"datasets.{name}.columns.{column}"), req


# ------------------------------------------------------------------- rendering


def test_english_detail_is_rendered_from_the_english_locale() -> None:
    """The single source: what the assessment says is what the locale says."""
    for f in _all_findings():
        d = f.to_dict()
        assert EN.detail(d) == f.detail, f.rule_id
        assert EN.reason(d) == f.reason, f.rule_id


def test_finnish_findings_differ_from_english_and_are_filled_in() -> None:
    for f in _all_findings():
        d = f.to_dict()
        for english, finnish in ((f.detail, FI.detail(d)), (f.reason, FI.reason(d))):
            if not english:
                assert finnish == ""
                continue
            assert finnish != english, (f.rule_id, english)
            assert not UNFILLED.search(finnish), (f.rule_id, finnish)
            assert "{" not in finnish and "}" not in finnish, finnish


def test_dynamic_words_are_translated_too() -> None:
    by_id = {f.rule_id: f.to_dict() for f in _sample_findings()}
    backups = FI.detail(by_id["FND-04"])
    # The sample's warning job is a success now, listed in the note.
    assert "(epäonnistui)" in backups and "varoitukseen" in backups
    assert "(failed)" not in backups and "warning" not in backups
    assert "Vastaus 'Osittain'." in FI.detail(by_id["DOC-02"])
    # An expired acceptance keeps the rule's own sentence, in Finnish, and the
    # client's reason in the client's words.
    expired = FI.detail(by_id["FND-03"])
    assert expired.startswith("10 laitetta käyttää käyttöjärjestelmää")
    assert "tuki päättyi 14.10.2025" in expired
    assert "Riskin hyväksyntä päättyi 31.10.2026" in expired
    assert FI.reason(by_id["REV-09"]).startswith("Hyväksytty riski 28.2.2027 asti: ")


def test_missing_evidence_reasons_name_the_dataset_in_finnish() -> None:
    found = rule_tests.run({})
    reason = FI.reason(found["FND-04"].to_dict())
    assert reason == "Tietoja ei saatu (varmuuskopiointityöt): niitä ei kerätty."
    given = rule_tests.run({}, missing_reasons={"backup_jobs": "no file"})["FND-04"]
    # A collector's own reason is its text; the sentence around it is Finnish.
    assert (
        FI.reason(given.to_dict())
        == "Tietoja ei saatu (varmuuskopiointityöt): no file."
    )
    # A missing column: the column's description comes from the Finnish locale.
    data = {
        "users": [rule_tests.user("a@x.fi")],
        "licence_assignments": [rule_tests.assign("a@x.fi", "SPB")],
    }
    finding = rule_tests.run(data)["REV-02"]
    text = FI.reason(finding.to_dict())
    assert text.startswith(
        "Aineistossa (käyttäjätilit) ei ole saraketta 'last_activity'"
    )
    assert "viimeisin kirjautuminen" in text


def test_finnish_numbers_dates_and_plurals_follow_the_locale() -> None:
    fail = msg("rules.FND-01.fail", count=1234, total=2345, days=30).to_dict()
    assert EN.message(fail) == (
        "1,234 devices of 2,345 have not checked in for more than 30 days."
    )
    assert FI.message(fail) == (
        "2\u00a0345 laitteesta 1\u00a0234 ei ole ollut yhteydessä hallintaan "
        "yli 30 päivään."
    )
    one = msg("rules.FND-02.unknown", count=1).to_dict()
    many = msg("rules.FND-02.unknown", count=4).to_dict()
    assert FI.message(one) == (
        " 1 laite jäi arvioimatta, koska sen salauksen tila ei ole tiedossa."
    )
    assert FI.message(msg("rules.FND-08.grace", count=1).to_dict()).endswith(
        "1 laite on lisäajalla."
    )
    assert FI.message(msg("rules.FND-08.grace", count=4).to_dict()).endswith(
        "4 laitetta on lisäajalla."
    )
    assert EN.message(many) == (
        " 4 devices not judged: their encryption state is unknown."
    )
    disk = msg("rules.FND-05.pass", count=3, limit=12.5).to_dict()
    assert "12,5 %" in FI.message(disk) and "12.5 %" in EN.message(disk)
    reviewed = msg(
        "rules.interview.pass", owner="Maria", reviewed=date(2026, 3, 2), note=""
    ).to_dict()
    assert EN.message(reviewed) == "Owned by Maria, last reviewed 2026-03-02."
    assert FI.message(reviewed) == "Vastuuhenkilö Maria, viimeksi tarkistettu 2.3.2026."


def test_detail_params_survive_assessment_json() -> None:
    for f in _sample_findings():
        d = json.loads(json.dumps(f.to_dict()))  # no default=: JSON-safe as is
        back = Finding.from_dict(d)
        assert back == f
        assert FI.detail(back.to_dict()) == FI.detail(f.to_dict())


def test_findings_without_keys_still_render() -> None:
    """An older assessment.json (schema 1.1) has no keys: its English shows."""
    old = _sample_findings()[0].to_dict()
    for key in ("detail_key", "detail_params", "reason_key", "reason_params"):
        old.pop(key)
    assert FI.detail(old) == old["detail"]
    assert Finding.from_dict(old).detail_key == ""


@pytest.mark.parametrize("lang", ["en", "fi"])
def test_unknown_params_do_not_break_a_sentence(lang: str) -> None:
    t = Translator(lang)
    text = t.message(
        {"key": "rules.REV-08.fail", "params": {"count": 2, "roles": ["A", "B"]}}
    )
    assert "A, B" in text


# --------------------------------------------------------------- licence waste


def _wastes() -> list[Waste]:
    """Waste over the cost tests' tenants: client and list prices, every
    category, a tier overlap, and missing licence data."""
    tenant = cost_tests._small_tenant()
    return [
        cost_tests.waste(tenant, prices=cost_tests.SMALL_PRICES),
        cost_tests.waste(tenant, prices={}),  # default list prices
        cost_tests.waste(cost_tests._tenant()),
        cost_tests.waste({}),
        cost_tests.waste({k: v for k, v in tenant.items() if k != "users"}),
        # Blocked accounts' mailboxes: one needs its licence, one lacks a fact.
        cost_tests.waste(
            cost_tests._mailbox_tenant(
                [
                    cost_tests._box("big@x.fi", "Shared", "60", "True", "True"),
                    {"upn": "plain@x.fi", "storage_gb": "1", "has_archive": "0"},
                ]
            )
        ),
        cost_tests.waste(cost_tests._mailbox_tenant(None)),
    ]


def _waste_texts(w: Waste) -> Iterator[tuple[str, dict[str, Any]]]:
    """(English text, its message) of every translatable text of a waste."""
    d = w.to_dict()
    for item in d["items"]:
        yield (
            item["action"],
            {"key": item["action_key"], "params": item["action_params"]},
        )
        if item["price_origin"] == "list":
            yield (
                item["price_note"],
                {
                    "key": item["price_note_key"],
                    "params": item["price_note_params"],
                },
            )
        for e in item["user_evidence"]:
            yield (
                e["evidence"],
                {"key": e["evidence_key"], "params": e["evidence_params"]},
            )
    assert len(d["not_assessed"]) == len(d["not_assessed_messages"])
    yield from zip(d["not_assessed"], d["not_assessed_messages"], strict=True)
    if d["list_price_basis"]:
        yield d["list_price_basis"], {"key": d["list_price_basis_key"], "params": {}}


def test_waste_texts_are_rendered_from_the_locale_in_both_languages() -> None:
    seen: set[str] = set()
    for w in _wastes():
        for english, message in _waste_texts(w):
            assert EN.has(message["key"]) and FI.has(message["key"]), message
            seen.add(message["key"])
            assert EN.message(message) == english
            finnish = FI.message(message)
            assert finnish != english and not UNFILLED.search(finnish), finnish
    # Every action, the three billing terms, list prices and evidence kinds.
    assert {
        "cost.action.unassigned",
        "cost.action.disabled_user",
        "cost.action.inactive_user",
        "cost.action.overlap",
        "cost.price_note.list",
        "cost.evidence.blocked",
        "cost.evidence.last_activity",
        "cost.evidence.included",
        "cost.list_price_basis",
        "cost.not_assessed.per_user",
        "cost.not_assessed.unassigned",
        "cost.mailbox.action_kept",
        "cost.mailbox.action_check",
        "cost.mailbox.evidence",
    } <= seen


def test_waste_in_finnish_reads_finnish() -> None:
    w = cost_tests.waste(cost_tests._small_tenant(), prices={})
    d = w.to_dict()
    listed = next(i for i in d["items"] if i["price_origin"] == "list")
    note = FI.message(
        {"key": listed["price_note_key"], "params": listed["price_note_params"]}
    )
    assert re.fullmatch(r"listahinta \d{1,2}\.\d{1,2}\.\d{4} \(.+\)", note), note
    action = FI.message(
        {"key": listed["action_key"], "params": listed["action_params"]}
    )
    assert action.endswith(
        "heti, jos laskutus on kuukausittainen, tai uusimisessa, jos kyseessä on "
        "vuoden sitoumus."
    )
    assert Waste.from_dict(json.loads(json.dumps(d))) == w


# ----------------------------------------------------------- interview workbook


def test_finnish_interview_workbook_is_read_like_the_english_one(
    tmp_path: Path,
) -> None:
    """Questions, help and instructions in Finnish; the layout the collector
    reads (sheet, headers, ids, answers) unchanged, so a filled-in Finnish
    workbook assesses like an English one."""
    from openpyxl import load_workbook

    from healthcheck.init import HEADERS, INSTRUCTIONS_SHEET, SHEET, create_engagement

    folder = tmp_path / "asiakas"
    create_engagement(folder, client_name="Asiakas Oy", period="2026-Q4", language="fi")
    path = folder / "interview.xlsx"
    wb = load_workbook(path)
    lines = [c.value for c in wb[INSTRUCTIONS_SHEET]["A"] if c.value]
    assert (
        lines[0] == "Haastattelulomake neljännesvuosittaiseen IT-terveystarkastukseen."
    )
    ws = wb[SHEET]
    header = [c.value for c in ws[1]]
    assert header[: len(HEADERS)] == list(HEADERS.values())
    rows = {r[0].value: r for r in ws.iter_rows(min_row=2)}
    questions = {q.id: q for q in load_questions()}
    assert set(rows) == set(questions)
    for qid, row in rows.items():
        assert row[2].value == FI.t(f"interview.{qid}.text")
        assert row[2].value != questions[qid].text
        assert row[7].value == FI.t(f"interview.{qid}.help")
    # Fill in one answer and collect: the run reads the Finnish workbook.
    row = rows["restore_documented"]
    row[3].value, row[4].value, row[5].value = "Yes", "Maria", date(2026, 6, 1)
    wb.save(path)
    for export in (SAMPLE / "exports").iterdir():
        shutil.copy(export, folder / "exports" / export.name)
    out = tmp_path / "evidence"
    pipeline.collect(folder, out)
    answers = evidence.load(out).frames["interview_answers"]
    got = answers.set_index("question_id").loc["restore_documented"]
    assert got["answer"] == "yes" and got["owner"] == "Maria"


# ------------------------------------------------------- collector reasons


def _run(collector: str, reason: str, **keyed: Any) -> dict[str, Any]:
    return {
        "collector": collector,
        "dataset": "patch_status",
        "status": "missing",
        "reason": reason,
        **keyed,
    }


def test_collector_reasons_are_messages_with_the_english_of_before() -> None:
    from healthcheck.i18n import english
    from healthcheck.model import CollectorRun, Message, RunStatus

    said = msg(
        "collect.not_recognised",
        dataset=Message("datasets.patch_status.title", default="patch status"),
    )
    run = CollectorRun.because(
        said,
        collector="exports",
        dataset_name="patch_status",
        status=RunStatus.MISSING,
        render=english,
    )
    assert run.reason == "no file in exports/ was recognised as patch status"
    data = run.to_dict()
    assert data["reason_key"] == "collect.not_recognised"
    assert FI.reason(data) == (
        "exports/-kansiosta ei tunnistettu yhtään tiedostoa "
        "(aineisto: päivitysten tila)"
    )
    # A run with a plain reason writes what it always wrote.
    plain = CollectorRun(
        collector="x", dataset_name="users", status=RunStatus.MISSING, reason="gone"
    ).to_dict()
    assert set(plain) == {"collector", "dataset", "status", "reason"}


def test_missing_reasons_join_collectors_in_the_report_language(
    tmp_path: Path,
) -> None:
    keyed = _run(
        "exports",
        "no file in exports/ was recognised as patch status",
        reason_key="collect.not_recognised",
        reason_params={
            "dataset": {
                "key": "datasets.patch_status.title",
                "params": {},
                "default": "patch status",
            }
        },
    )
    old = _run("legacy", "no file")  # evidence from before reasons had keys
    ev = evidence.Evidence(
        config=None,  # type: ignore[arg-type]
        collected_at=None,  # type: ignore[arg-type]
        runs=(keyed, old),
        frames={},
    )
    why = ev.missing_reasons()["patch_status"]
    assert EN.message(why) == (
        "exports: no file in exports/ was recognised as patch status; legacy: no file"
    )
    assert FI.message(why) == (
        "exports: exports/-kansiosta ei tunnistettu yhtään tiedostoa "
        "(aineisto: päivitysten tila); legacy: no file"
    )
    finding = rule_tests.run({}, missing_reasons={"backup_jobs": why})["FND-04"]
    assert finding.reason == (
        "No backup jobs data: exports: no file in exports/ was recognised as "
        "patch status; legacy: no file."
    )
    assert FI.reason(finding.to_dict()).startswith(
        "Tietoja ei saatu (varmuuskopiointityöt): exports: exports/-kansiosta"
    )


def test_sources_table_and_workbook_render_keyed_and_old_reasons(
    tmp_path: Path,
) -> None:
    import dataclasses

    import openpyxl

    from healthcheck.report import context, jsonout, xlsx

    out = tmp_path / "out"
    pipeline.run(SAMPLE, out)
    sample = jsonout.read(out / "assessment.json")
    runs = [dict(r) for r in sample.collector_runs]
    old = [
        {k: r[k] for k in ("collector", "dataset", "status", "reason")} for r in runs
    ]
    assert any(r.get("reason_key") for r in runs)
    for given, finnish in ((runs, True), (old, False)):
        a = dataclasses.replace(sample, collector_runs=tuple(given))
        view = context.build(a, context.ReportOptions(lang="fi"))
        shown = {
            (r["collector"], r["dataset"]): r["reason"] for r in view["runs_missing"]
        }
        # "Nothing here" runs (no Graph settings) stay out of the table either
        # way; datasets are named in words. The sample has every export of
        # issues 11 and 13 but two: inbox rules and the per-user MFA list.
        assert set(shown) == {
            ("exports", "saapuneet-kansion säännöt"),
            ("exports", "käyttäjäkohtainen MFA-tila"),
        }
        book = openpyxl.load_workbook(
            xlsx.write(a, tmp_path / f"fi-{finnish}.xlsx", lang="fi")
        )
        cells = [
            str(c.value)
            for ws in book
            for row in ws.iter_rows()
            for c in row
            if c.value
        ]
        if finnish:
            assert shown[("exports", "saapuneet-kansion säännöt")] == (
                "exports/-kansiosta ei tunnistettu yhtään tiedostoa "
                "(aineisto: saapuneet-kansion säännöt)"
            )
            assert any("exports/-kansiosta ei tunnistettu" in c for c in cells)
            assert not any("was recognised as" in c for c in cells)
        else:
            assert shown[("exports", "saapuneet-kansion säännöt")] == (
                "no file in exports/ was recognised as inbox rules"
            )
            assert any("was recognised as inbox rules" in c for c in cells)
