"""Finnish in one voice: locale texts, PDF and workbook follow the glossary."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from healthcheck import pipeline
from healthcheck.i18n import Translator
from tests.conftest import ROOT, pdf_pages

GLOSSARY = tomllib.loads(
    (ROOT / "healthcheck" / "locales" / "fi" / "glossary.toml").read_text("utf-8")
)["glossary"]


def _fi_texts() -> dict[str, str]:
    """Every Finnish locale text but the glossary's own, by file and key."""
    out: dict[str, str] = {}

    def walk(table: dict[str, Any], prefix: str) -> None:
        for key, value in table.items():
            if isinstance(value, dict):
                walk(value, f"{prefix}{key}.")
            elif isinstance(value, str):
                out[f"{prefix}{key}"] = value

    for path in sorted((ROOT / "healthcheck" / "locales" / "fi").glob("*.toml")):
        if path.name != "glossary.toml":
            walk(tomllib.loads(path.read_text("utf-8")), f"{path.name}:")
    return out


def _offences(text: str) -> list[str]:
    """Words of ``text`` the glossary says to avoid, outside allowed phrases."""
    found = []
    for name, term in GLOSSARY.items():
        clean = text
        for phrase in term.get("allowed", ()):
            clean = re.sub(phrase, " ", clean, flags=re.IGNORECASE)
        for word in term.get("avoid", ()):
            for m in re.finditer(rf"(?<!\w){re.escape(word)}\w*", clean, re.I):
                found.append(f"{name}: {m.group(0)!r}")
    return found


def test_glossary_terms_are_complete() -> None:
    for required in ("admin", "layer", "confidence_high", "severity_high"):
        assert required in GLOSSARY
    for category in ("unassigned", "disabled_user", "inactive_user", "overlap"):
        assert f"waste_{category}" in GLOSSARY
    for status in ("pass", "fail", "not_assessed", "accepted"):
        assert f"status_{status}" in GLOSSARY
    for name, term in GLOSSARY.items():
        assert term.get("fi") and term.get("en"), name


def test_every_listed_key_says_the_glossary_word() -> None:
    fi = Translator("fi")
    for name, term in GLOSSARY.items():
        for field, keys in (("fi", "keys"), ("short", "short_keys")):
            for key in term.get(keys, ()):
                assert fi.has(key), (name, key)
                got = fi.t(key)
                assert got.casefold() == term[field].casefold(), (name, key, got)


def test_no_synonym_in_any_finnish_locale_text() -> None:
    bad = {k: _offences(v) for k, v in _fi_texts().items()}
    assert not {k: v for k, v in bad.items() if v}


def test_the_check_catches_a_synonym() -> None:
    # The test above can fail: these sentences break the glossary.
    assert _offences("Pyydä ylläpitäjältä lupa.") == ["admin: 'ylläpitäjältä'"]
    assert _offences("Kerroksen pisteet") == ["layer: 'Kerroksen'"]
    assert _offences("Yleisen järjestelmänvalvojan rooli") == []
    assert _offences("Tilin järjestelmänvalvoja") == ["admin: 'järjestelmänvalvoja'"]


@pytest.fixture(scope="module")
def finnish(sample_run: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("glossary-fi")
    pipeline.report(sample_run / "evidence", out, lang="fi")
    return out


def test_finnish_pdf_and_workbook_follow_the_glossary(finnish: Path) -> None:
    pdf = " ".join(pdf_pages(finnish / "report.pdf"))
    assert not _offences(pdf)
    book = openpyxl.load_workbook(finnish / "findings.xlsx", read_only=True)
    cells = " | ".join(
        str(c)
        for ws in book.worksheets
        for row in ws.iter_rows(values_only=True)
        for c in row
        if isinstance(c, str)
    )
    book.close()
    assert not _offences(cells)
    # The fixed words are there, in both.
    for word in ("Taso", "kriittinen", "puute"):
        assert word.casefold() in pdf.casefold() and word.casefold() in cells.casefold()
