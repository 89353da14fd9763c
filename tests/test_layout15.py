"""Typesetting of issue 15: minus signs, amounts with units, names, waste card."""

from __future__ import annotations

import re
import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from healthcheck import pipeline
from healthcheck.i18n import MINUS, Translator
from healthcheck.report.html import breakable
from tests.conftest import SAMPLE, pdf_pages


def test_finnish_amounts_use_a_real_minus_english_keeps_its_hyphen() -> None:
    fi, en = Translator("fi"), Translator("en")
    assert fi.money(Decimal("-1735.20"), "EUR") == f"{MINUS}1\u00a0735,20\u00a0€"
    assert fi.integer(-3) == f"{MINUS}3" and fi.percent(-0.05).startswith(MINUS)
    assert fi.money(Decimal("3740.40"), "EUR", whole=True) == "3\u00a0740\u00a0€"
    assert en.money(Decimal("-1735.20"), "EUR") == "-€1,735.20"


def test_amounts_stay_with_their_unit() -> None:
    fi = Translator("fi")
    text = fi.t("report.summary.waste_sub", seats=3, monthly="311,70\u00a0€")
    assert "€\u00a0kuukaudessa" in text
    assert "\u00a0vuodessa" in fi.t(
        "report.waste.action_head", category="x", seats=1, annual="1 €"
    )


def test_names_break_only_after_separators() -> None:
    got = str(breakable("usage_active_users_detail.csv"))
    assert got == "usage_<wbr>active_<wbr>users_<wbr>detail.<wbr>csv"
    assert str(breakable("<b>a@b</b>")) == "&lt;b&gt;a@<wbr>b&lt;/<wbr>b&gt;"


@pytest.fixture(scope="module")
def users_only(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample with only the users export: waste is partly assessed."""
    root = tmp_path_factory.mktemp("users-only")
    eng = root / "client"
    shutil.copytree(SAMPLE, eng)
    for f in (eng / "exports").iterdir():
        if f.name != "active_users.csv":
            f.unlink()
    out = root / "report"
    pipeline.run(eng, out)
    return out


def test_waste_card_says_at_least_and_what_was_not_assessed(users_only: Path) -> None:
    summary = re.sub(r"\s+", " ", pdf_pages(users_only / "report.pdf")[1])
    assert re.search(r"at least €[\d,.]+ a year", summary), summary[:400]
    assert "Not assessed: seats bought but not assigned" in summary


def test_full_waste_card_has_no_at_least(sample_run: Path) -> None:
    summary = re.sub(r"\s+", " ", pdf_pages(sample_run / "report.pdf")[1])
    assert "at least" not in summary and "Not assessed:" not in summary
