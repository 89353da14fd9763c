"""A list-heavy tenant gives a PDF of the sample's length, in bounded sentences.

The hard synthetic tenant (``benchmarks/synthetic.py --hard``) at a size CI
affords still fails its list rules with long lists: dozens of servers without
a backup job (FND-07) and of failing backup jobs (FND-04). No sentence may
name more than ten of them, in any language, and the report may not grow
past the sample's pages + 2; ``benchmarks/bench_render.py`` measures the
same at 50,000 users. Pagination is checked on WeasyPrint's own layout: no
page ends with a heading, and no page holds only a note.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pypdfium2
import pytest
import weasyprint
from weasyprint.formatting_structure import boxes

from healthcheck import evidence, pipeline
from healthcheck.i18n import Translator, english
from healthcheck.messages import MAX_LISTED, msg
from healthcheck.model import Assessment, Status
from healthcheck.report import html, pdf
from healthcheck.report.context import ReportOptions
from tests.test_synthetic_hard import _synthetic

USERS = 800  # 80 servers, 16 of them without a backup job


@pytest.fixture(scope="module")
def heavy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A whole run of the hard synthetic tenant."""
    tmp = tmp_path_factory.mktemp("heavy")
    root = _synthetic().write_tenant(tmp / "eng", USERS, hard=True)
    out = tmp / "out"
    pipeline.run(root, out)
    return out


def _assessment(out: Path) -> Assessment:
    data = json.loads((out / "assessment.json").read_text(encoding="utf-8"))
    return Assessment.from_dict(data)


def _long_lists(value: Any) -> list[int]:
    """Lengths of the lists in a message parameter longer than the bound."""
    if isinstance(value, list):
        own = [len(value)] if len(value) > MAX_LISTED else []
        return own + [n for v in value for n in _long_lists(v)]
    if isinstance(value, dict):
        return [n for v in value.values() for n in _long_lists(v)]
    return []


def test_the_tenant_is_list_heavy(heavy: Path) -> None:
    a = _assessment(heavy)
    long = {f.rule_id for f in a.findings if len(f.affected) > MAX_LISTED}
    assert {"FND-04", "FND-07"} <= long, long


@pytest.mark.parametrize("lang", ["en", "fi"])
def test_no_sentence_names_more_than_ten_objects(heavy: Path, lang: str) -> None:
    a = _assessment(heavy)
    t = Translator(lang)
    for f in a.findings:
        assert not _long_lists(f.detail_params), f.rule_id
        sentence = t.detail(f.to_dict())
        named = [x for x in f.affected if x in sentence]
        assert len(named) <= MAX_LISTED, (f.rule_id, len(named))
        if f.status is Status.FAIL and f.rule_id in ("FND-04", "FND-07"):
            more = len(f.affected) - MAX_LISTED
            assert t.integer(more) in sentence, sentence
            # The workbook has every one of them.
            assert len(f.affected) == f.affected_count > MAX_LISTED


def test_a_long_list_is_bounded_when_stored_and_when_shown() -> None:
    servers = [f"SRV-{n:04d}" for n in range(4_000)]
    m = msg("rules.FND-07.fail", count=4_000, total=5_000, servers=servers)
    assert m.params["servers"] == {"items": servers[:10], "more": 3_990}
    assert english(m).endswith(
        "SRV-0008, SRV-0009 and 3,990 more, listed in the workbook."
    )
    fi = Translator("fi").message(m)
    assert "SRV-0010" not in fi
    assert fi.endswith("SRV-0009 ja 3\xa0990 muuta, lueteltu työkirjassa.")
    # An assessment saved before lists were bounded is still shown bounded.
    old = {"key": "rules.FND-07.fail", "params": dict(m.params, servers=servers)}
    assert Translator("en").message(old) == english(m)
    short = msg("rules.FND-07.fail", count=2, total=5, servers=servers[:2])
    assert english(short).endswith(": SRV-0000, SRV-0001.")


def _pages(body: bytes) -> int:
    doc = pypdfium2.PdfDocument(body)
    try:
        return len(doc)
    finally:
        doc.close()


def _layout(out: Path, lang: str = "en") -> tuple[Assessment, weasyprint.Document]:
    ev_dir = out / "evidence"
    a = _assessment(out)
    opts = pipeline.report_options(evidence.load(ev_dir), ev_dir, a, lang=lang)
    return a, _render(a, opts)


def _render(a: Assessment, opts: ReportOptions) -> weasyprint.Document:
    root = html.templates_dir()
    fetcher = pdf.PackagedOnlyFetcher((root,), opts.brand_files.values())
    return weasyprint.HTML(
        string=html.render(a, opts), base_url=root.as_uri() + "/", url_fetcher=fetcher
    ).render()


def _blocks(page: Any) -> list[tuple[str, str, str]]:
    """A page's blocks of text, in order: (tag, classes, text)."""
    out = []
    for child in page._page_box.children:
        if isinstance(child, boxes.MarginBox):
            continue  # running head and foot
        for b in child.descendants():
            if isinstance(b, boxes.BlockContainerBox) and any(
                isinstance(c, boxes.LineBox) for c in b.children
            ):
                text = "".join(
                    t.text for t in b.descendants() if isinstance(t, boxes.TextBox)
                )
                el = b.element
                classes = (el.get("class") or "") if el is not None else ""
                out.append((b.element_tag, classes, text))
    return out


@pytest.mark.parametrize("lang", ["en", "fi"])
def test_pdf_is_bounded_and_paginated(heavy: Path, sample_run: Path, lang: str) -> None:
    a, doc = _layout(heavy, lang)
    _, sample = _layout(sample_run, lang)
    assert len(doc.pages) <= len(sample.pages) + 2
    failing = [f for f in a.findings if f.status is Status.FAIL and f.affected]
    for report in (doc, sample):
        for n, page in enumerate(report.pages, start=1):
            blocks = _blocks(page)
            assert blocks, f"page {n} is empty"
            tag, _, text = blocks[-1]
            assert tag not in ("h1", "h2", "h3"), f"page {n} ends with {text!r}"
            notes = [b for b in blocks if "small" in b[1].split()]
            assert len(notes) < len(blocks), f"page {n} holds only a note"
    for n, page in enumerate(doc.pages, start=1):
        for _, _, text in _blocks(page):
            for f in failing:
                named = sum(1 for x in f.affected if x in text)
                assert named <= MAX_LISTED, (n, f.rule_id, named, text[:80])


def test_pdf_pages_match_what_is_written(heavy: Path) -> None:
    """The layout checked above is the PDF the run wrote."""
    _, doc = _layout(heavy)
    assert _pages((heavy / "report.pdf").read_bytes()) == len(doc.pages)
