"""What people see in the PDF, and hostile tenant text (workbook: test_report_xlsx)."""

from __future__ import annotations

import json
from pathlib import Path

import pypdfium2

from healthcheck import pipeline
from healthcheck.report import html, jsonout, pdf
from tests.conftest import Listener, pdf_pages, write_csv
from tests.test_exports import USERS_HEADER, _engagement, _user_row

HOSTILE_NAME = '<img src="http://127.0.0.1:9/x.png"><script>alert(1)</script>'
FORMULA = '=HYPERLINK("http://127.0.0.1:9/","click")'


def test_pdf_has_cover_summary_layers_and_remediation(sample_run: Path) -> None:
    pages = pdf_pages(sample_run / "report.pdf")
    data = json.loads((sample_run / "assessment.json").read_text())
    assert 6 <= len(pages) <= 20
    cover = pages[0]
    assert "Aurora Logistics Oy" in cover and "2026-Q4" in cover
    summary = pages[1]
    assert "Summary" in summary
    for label in (
        "Automated foundation",
        "Documented processes",
        "Regular review",
        "Expert when needed",
    ):
        assert label in summary
    assert f"{data['waste']['annual_total']:,.2f}" in summary
    assert "actions that matter most" in summary
    text = "\n".join(pages)
    for layer in data["layers"]:
        assert f"{layer['number']}. {layer['label']}" in text
    # Every failed rule's remediation is in the report.
    assert "Escrow recovery keys to Entra ID" in text
    assert "Licence waste" in text and "Appendix" in text
    assert "Page 2 of" in summary


def test_pdf_metadata(sample_run: Path) -> None:
    doc = pypdfium2.PdfDocument(str(sample_run / "report.pdf"))
    meta = doc.get_metadata_dict()
    doc.close()
    assert "Aurora Logistics Oy" in meta["Title"]


def test_hostile_tenant_text_stays_text(tmp_path: Path) -> None:
    root = _engagement(tmp_path)
    write_csv(
        root / "exports" / "u.csv",
        list(USERS_HEADER),
        [
            _user_row(
                f"{HOSTILE_NAME}@x.example",
                blocked="True",
                licences="Microsoft 365 Business Premium",
            ),
            _user_row(
                f"{FORMULA}@x.example",
                blocked="True",
                licences="Microsoft 365 Business Premium",
            ),
            _user_row("ok@x.example"),
        ],
    )
    out = tmp_path / "out"
    pipeline.run(root, out)
    assessment = jsonout.read(out / "assessment.json")
    document = html.render(assessment)
    assert "<script>" not in document and "<img" not in document
    assert "&lt;script&gt;" in document
    _, fetcher = pdf.html_to_pdf(document)
    assert [u for u in fetcher.refused if "127.0.0.1" in u] == []
    text = "\n".join(pdf_pages(out / "report.pdf"))
    assert "<script>alert(1)</script>" in text.replace("\r", "").replace("\n", "")
    # The workbook's side is in tests/test_report_xlsx.py.


def test_renderer_fetches_nothing_outside_the_templates(listener: Listener) -> None:
    port = listener.port
    document = f"""<html><head>
      <link rel="stylesheet" href="http://127.0.0.1:{port}/a.css">
      <link rel="stylesheet" href="file:///etc/passwd">
      <style>body {{ background: url(http://127.0.0.1:{port}/bg.png) }}</style>
      <link rel="stylesheet" href="report.css"></head>
      <body><img src="http://127.0.0.1:{port}/i.png"><img src="../../setup.cfg">
      <p>text</p></body></html>"""
    body, fetcher = pdf.html_to_pdf(document)
    assert body.startswith(b"%PDF")
    assert listener.hits == []
    assert any("/etc/passwd" in u for u in fetcher.refused)
    assert any(f"127.0.0.1:{port}" in u for u in fetcher.refused)
    assert not any(u.endswith("report.css") for u in fetcher.refused)


def test_assessment_json_is_laid_out_for_a_reader_and_reads_back(
    sample_run: Path, tmp_path: Path
) -> None:
    """Outer levels one item per line, deeper values compact; nothing lost."""
    text = (sample_run / "assessment.json").read_text(encoding="utf-8")
    a = jsonout.read(sample_run / "assessment.json")
    assert json.loads(text) == a.to_dict()
    # Written a top-level value at a time, it is the text of dumps().
    again = jsonout.write(a, tmp_path / "assessment.json")
    assert again.read_text(encoding="utf-8") == jsonout.dumps(a) == text
    lines = text.splitlines()
    assert lines[0] == "{" and lines[1].startswith('  "schema_version": ')
    # A finding's affected objects: one per line, each a JSON value.
    start = next(i for i, line in enumerate(lines) if line == '      "affected": [')
    assert json.loads(lines[start + 1].rstrip(","))
    # An object table's rows: one compact row per line.
    rows = next(i for i, line in enumerate(lines) if line == '      "rows": [')
    assert isinstance(json.loads(lines[rows + 1].rstrip(",")), list)
