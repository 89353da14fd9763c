"""The PDF as a reader gets it: pages rendered, text read back, nothing fetched."""

from __future__ import annotations

import dataclasses
import re
import shutil
import zlib
from pathlib import Path

import openpyxl
import pypdfium2
import pytest

from healthcheck import actions, engine, pipeline, scoring
from healthcheck.config import ClientConfig
from healthcheck.model import Overall, WasteCategory
from healthcheck.report import context, html, jsonout, pdf, xlsx
from tests.conftest import ROOT, SAMPLE, Listener, locale_keys, pdf_pages, write_csv
from tests.test_exports import USERS_HEADER, _engagement, _user_row

DEJAVU_SERIF = Path("/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf")
PNG_1PX = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010802000000907753de"
    "0000000c4944415408d763f8cfc0000003010100c9fe92ef0000000049454e44ae426082"
)


def _texts(body: bytes | Path) -> list[str]:
    return [re.sub(r"\s+", " ", page) for page in pdf_pages(body)]


def _catalog_text(body: bytes) -> bytes:
    """The PDF's bytes with its compressed object streams inflated."""
    out = [body]
    for m in re.finditer(rb"stream\r?\n(.*?)endstream", body, re.S):
        try:
            out.append(zlib.decompress(m.group(1)))
        except zlib.error:
            pass
    return b"".join(out)


def _flat(text: str) -> str:
    """Text with every kind of space (CLDR uses no-break ones) made plain."""
    return re.sub(r"[\s\u00a0\u202f]+", " ", text)


@pytest.fixture(scope="module")
def finnish(sample_run: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample's evidence rebuilt offline in Finnish."""
    out = tmp_path_factory.mktemp("fi")
    pipeline.report(sample_run / "evidence", out, lang="fi")
    return out


def test_sample_pages_render_and_read_back(sample_run: Path) -> None:
    path = sample_run / "report.pdf"
    doc = pypdfium2.PdfDocument(str(path))
    try:
        # 17 pages since the sample has the issue 13 exports: more findings,
        # and a longer list of sources in the appendix.
        assert 8 <= len(doc) <= 18
        # Render each page as a reader would; none is blank.
        for i in range(len(doc)):
            image = doc[i].render(scale=0.5).to_pil().convert("L")
            low, high = image.getextrema()
            assert low < 128 < high, f"page {i + 1} looks blank"
        # The cover's band is drawn in the brand's primary colour (#123b5c).
        cover = doc[0].render(scale=1).to_pil().convert("RGB")
        colours = {c for _, c in cover.getcolors(1_000_000)}
        assert any(
            abs(r - 0x12) < 6 and abs(g - 0x3B) < 6 and abs(b - 0x5C) < 6
            for r, g, b in colours
        )
    finally:
        doc.close()
    pages = _texts(path)
    cover, summary = pages[0], pages[1]
    assert "Aurora Logistics Oy" in cover and "2026-Q4" in cover
    assert "Prepared by Pohjola IT Advisory Oy" in cover
    assert "Do not distribute" in cover
    # The table of contents gives each section's real page.
    for title in ("Summary", "Change since last quarter", "Licence waste"):
        page = next(i for i, p in enumerate(pages) if p.startswith(f"{title} "))
        assert re.search(rf"{title} \.[ .]*{page + 1}\b", cover), title
    assert summary.startswith("Summary")
    assert "€3,740.40" in summary and "Since 2026-Q3" in summary
    assert "5 new · 4 resolved" in summary
    assert "The five actions that matter most" in summary
    assert summary.count("points") >= 5
    assert "Page 2 of" in summary and "Business ID 1234567-8" in summary


def test_sample_pdf_metadata_and_bookmarks(sample_run: Path) -> None:
    body = (sample_run / "report.pdf").read_bytes()
    doc = pypdfium2.PdfDocument(body)
    try:
        meta = doc.get_metadata_dict()
        marks = [m.get_title() for m in doc.get_toc()]
    finally:
        doc.close()
    assert meta["Title"] == "IT health check 2026-Q4: Aurora Logistics Oy"
    assert meta["Author"] == "Pohjola IT Advisory Oy"
    assert "Aurora Logistics Oy" in meta["Subject"]
    assert "2026-Q4" in meta["Keywords"]
    assert b"/Lang (en)" in _catalog_text(body)
    for title in ("Summary", "Change since last quarter", "Findings by severity"):
        assert title in marks
    assert "1. Automated foundation" in marks
    assert "Aurora Logistics Oy" not in marks  # the cover is not a chapter


def test_sample_change_since_last_quarter(sample_run: Path) -> None:
    # A title hyphenated at a line end ("short-lived") reads back as U+FFFE.
    pages = [p.replace("\ufffe", "-") for p in _texts(sample_run / "report.pdf")]
    # The section may run over two pages (the trend chart opens it).
    first = next(i for i, p in enumerate(pages) if p.startswith("Change since last"))
    end = next(i for i, p in enumerate(pages) if p.startswith("The four layers"))
    change = " ".join(pages[first:end])
    title = {r.id: r.title for r in engine.load_catalog()}
    new = change.split("New findings (5)")[1].split("Resolved findings")[0]
    for rule in ("FND-03", "FND-05", "FND-07", "REV-08", "REV-14"):
        assert title[rule] in new
    # A new finding is stated as the problem in numbers.
    assert "2 servers of 4 have no backup job" in new
    resolved = change.split("Resolved findings (4)")[1].split("Still open")[0]
    for rule in ("DOC-01", "DOC-07", "EXP-05", "REV-11"):
        assert title[rule] in resolved
    assert "€5,722.80" in change and "-€1,982.40" in change


def test_findings_by_severity_with_examples_capped(sample_run: Path) -> None:
    text = " ".join(_texts(sample_run / "report.pdf"))
    section = text.split("Findings by severity")[-1].split("Licence waste")[0]
    assert section.index("critical (") < section.index("high (")
    assert section.index("high (") < section.index("medium (")
    # FND-08 has 16 devices: ten shown, six counted.
    assert "Affected (16):" in section
    assert "and 6 more (all are in the workbook)" in section


def test_appendix_names_sources_times_and_gaps(sample_run: Path) -> None:
    text = " ".join(_texts(sample_run / "report.pdf"))
    appendix = text.split("Appendix: method and evidence")[-1]
    assert "Data sources" in appendix and "active_users.csv" in appendix
    assert re.search(r"\d{1,2} \w+ 2026 \d\d:\d\d", appendix)  # collection time
    assert "What was not assessed, and why" in appendix
    assert "REV-06" in appendix


def test_finnish_report(finnish: Path) -> None:
    pages = [_flat(p) for p in _texts(finnish / "report.pdf")]
    text = " ".join(pages)
    assert pages[1].startswith("Yhteenveto")
    assert pages[2].startswith("Muutos edellisestä neljänneksestä")  # one page
    for word in ("Sisällys", "Toimenpide", "Lisenssihukka", "Kokonaisarvosana"):
        assert word in text
    assert "3 740,40 €" in pages[1]
    assert "20.11.2026" in pages[0]
    assert "Sivu 2 / " in pages[1]
    assert "Muutos edellisestä neljänneksestä" in text
    assert "ei arvioitu" in text
    doc = pypdfium2.PdfDocument(str(finnish / "report.pdf"))
    try:
        assert doc.get_metadata_dict()["Title"].startswith("IT-terveystarkastus")
    finally:
        doc.close()
    assert b"/Lang (fi)" in _catalog_text((finnish / "report.pdf").read_bytes())


def _report_keys() -> set[str]:
    found: set[str] = set()
    sources = list((ROOT / "report_templates").glob("*.html"))
    sources.append(ROOT / "healthcheck" / "report" / "context.py")
    for path in sources:
        found |= set(
            re.findall(r"""["'](report\.[a-z_.]+[a-z_])["']""", path.read_text())
        )
    return found


def test_every_report_text_is_in_both_languages() -> None:
    en, fi = locale_keys("en", "report.toml"), locale_keys("fi", "report.toml")
    assert en == fi
    used = _report_keys() - {"report.css"}
    assert len(used) > 80
    # Keys made from a value: the code has no English of its own for them.
    used |= {
        f"report.waste.{kind}.{c.value}"
        for c in WasteCategory
        for kind in ("category", "action")
    }
    used |= {
        f"report.change.{group}"
        for group in ("new", "resolved", "no_longer_assessed")  # _comparison.html
    }
    assert used <= en, sorted(used - en)


def test_hostile_tenant_text_is_printed_not_run(
    tmp_path: Path, listener: Listener
) -> None:
    url = listener.url
    hostile = [
        f'<img src="{url}/img.png"><script>alert(1)</script>',
        f"<style>body{{background:url({url}/bg.png)}}</style>",
        f'=HYPERLINK("{url}/x","click")',
    ]
    root = _engagement(tmp_path)
    rows = [
        _user_row(
            f"{h}@x.example", blocked="True", licences="Microsoft 365 Business Premium"
        )
        for h in hostile
    ]
    write_csv(root / "exports" / "u.csv", list(USERS_HEADER), rows)
    out = tmp_path / "out"
    pipeline.run(root, out)
    assessment = jsonout.read(out / "assessment.json")
    document = html.render(assessment)
    assert "<script>" not in document and '<img src="http' not in document
    body, fetcher = pdf.html_to_pdf(document)
    assert listener.hits == []
    assert not [u for u in fetcher.refused if "127.0.0.1" in u]
    assert all(u.startswith(html.templates_dir().as_uri()) for u in fetcher.served)
    # The collector lower-cases user names; the text is otherwise intact.
    text = "".join(_texts(body)).replace(" ", "").lower()
    for h in hostile:
        assert h.replace(" ", "").lower() in text, h


def test_only_brand_files_are_served(tmp_path: Path) -> None:
    brand = tmp_path / "brand"
    brand.mkdir()
    logo, secret = brand / "logo.png", brand / "secret.png"
    logo.write_bytes(PNG_1PX)
    secret.write_bytes(PNG_1PX)
    fetcher = pdf.PackagedOnlyFetcher((html.templates_dir(),), [logo])
    assert fetcher.fetch(logo.as_uri()).read() == PNG_1PX
    for url in (
        secret.as_uri(),
        "file:///etc/passwd",
        "file://127.0.0.1" + logo.as_posix(),
        (html.templates_dir() / ".." / "setup.cfg").as_uri(),
    ):
        with pytest.raises(ValueError):
            fetcher.fetch(url)
    assert len(fetcher.refused) == 4


@pytest.mark.skipif(not DEJAVU_SERIF.is_file(), reason="needs DejaVu Serif")
def test_brand_font_and_logos_survive_an_offline_rebuild(tmp_path: Path) -> None:
    root = tmp_path / "client"
    shutil.copytree(SAMPLE, root)
    (root / "brand").mkdir()
    shutil.copy(DEJAVU_SERIF, root / "brand" / "Serif.ttf")
    (root / "brand" / "client.png").write_bytes(PNG_1PX)
    cfg = root / "client.yaml"
    cfg.write_text(
        cfg.read_text()
        .replace(
            "client_logo: branding/aurora-logistics.svg",
            "client_logo: brand/client.png",
        )
        .replace("branding:", "branding:\n  font: brand/Serif.ttf", 1)
    )
    out = tmp_path / "out"
    pipeline.run(root, out)
    shutil.rmtree(root)  # the rebuild must need nothing from the engagement
    again = tmp_path / "again"
    pipeline.report(out / "evidence", again)
    ev = out / "evidence" / "branding"
    assert sorted(p.name for p in ev.iterdir()) == [
        "client_logo.png",
        "font.ttf",
        "logo.svg",
    ]
    doc = pypdfium2.PdfDocument(str(again / "report.pdf"))
    try:
        assert "Pohjola IT Advisory Oy" in doc.get_metadata_dict()["Author"]
    finally:
        doc.close()
    fonts = _catalog_text((again / "report.pdf").read_bytes())
    # The brand font is embedded under the family name the CSS gives it.
    assert re.search(rb"/BaseFont\s*/[A-Z]{6}\+Brand\b", fonts)
    options = context.ReportOptions(
        branding=ClientConfig.from_dict(
            {"client": {"name": "X"}, "period": "2026-Q4"}
        ).branding,
    )
    assert options.brand_files == {}


def test_a_logo_cannot_fetch_what_it_links_to(
    sample_run: Path, tmp_path: Path, listener: Listener
) -> None:
    url = listener.url
    secret = tmp_path / "secret.png"
    secret.write_bytes(PNG_1PX)
    logo = tmp_path / "logo.svg"
    logo.write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" '
        'xmlns:xlink="http://www.w3.org/1999/xlink" width="40" height="20">'
        f'<image xlink:href="{url}/logo.png" width="20" height="20"/>'
        f'<image href="{secret.as_uri()}" x="20" width="20" height="20"/>'
        f'<style>rect {{ fill: url({url}/fill) }}</style><rect width="5" height="5"/>'
        "</svg>"
    )
    assessment = jsonout.read(sample_run / "assessment.json")
    options = context.ReportOptions(brand_files={"logo": logo})
    body, fetcher = pdf.html_to_pdf(html.render(assessment, options), [logo])
    assert body.startswith(b"%PDF")
    assert logo.as_uri() in fetcher.served
    assert listener.hits == []
    assert any(u.startswith(url) for u in fetcher.refused)
    assert secret.as_uri() in fetcher.refused


def test_a_clean_quarter_renders_without_findings(sample_run: Path) -> None:
    import dataclasses

    from healthcheck.model import Status

    a = jsonout.read(sample_run / "assessment.json")
    findings = tuple(
        dataclasses.replace(
            f, status=Status.PASS, score=1.0, affected=(), acceptance=None
        )
        for f in a.findings
    )
    layers, overall = scoring.assess(findings)
    clean = dataclasses.replace(
        a,
        findings=findings,
        layers=layers,
        overall=overall,
        actions=actions.rank(findings, layers, overall),
        waste=dataclasses.replace(a.waste, items=()),
    )
    document = html.render(clean, context.ReportOptions(lang="fi"))
    assert "Ei epäonnistuneita tarkistuksia" in document
    assert 'href="#findings"' not in document and 'id="findings"' not in document
    assert "Käyttämättömiä maksullisia lisenssejä ei löytynyt." in document
    assert ">A</div>" in document  # every layer graded A


@pytest.mark.parametrize(
    "text", ['Sivu "1"', "a\\b", "</style><script>x</script>", "x'; } body { y", "é\n€"]
)
def test_css_strings_cannot_break_out(text: str) -> None:
    quoted = context.css_string(text)
    inner = quoted[1:-1]
    assert quoted[0] == quoted[-1] == '"'
    assert not set("\"'<>&\n") & set(inner)
    assert inner.count("\\") == sum(ch in "\\\"'<>&\n" for ch in text)


def test_finnish_waste_notes_come_from_their_keys(tmp_path: Path) -> None:
    """List-price basis and waste not assessed are translated in PDF and workbook."""
    eng = tmp_path / "eng"
    shutil.copytree(SAMPLE, eng)
    (eng / "exports" / "subscribedSkus.json").unlink()
    text = (eng / "client.yaml").read_text("utf-8")
    start = text.index("licence_prices:")
    end = text.index("rules:")
    (eng / "client.yaml").write_text(text[:start] + text[end:], "utf-8")
    pipeline.run(eng, tmp_path / "out")
    a = jsonout.read(tmp_path / "out" / "assessment.json")
    assert a.waste.list_price_basis_key and a.waste.not_assessed_messages
    fi = _flat(html.render(a, context.ReportOptions(lang="fi")))
    en = _flat(html.render(a, context.ReportOptions(lang="en")))
    assert "Microsoftin listahinta" in fi and "Microsoft list price" not in fi
    assert "lisenssitilausten tietoja ei ole" in fi
    assert "Microsoft list price" in en
    # The workbook says the same in the same language.
    xlsx.write(a, tmp_path / "fi.xlsx", lang="fi")
    book = openpyxl.load_workbook(tmp_path / "fi.xlsx")
    cells = " ".join(
        str(c.value) for ws in book for row in ws.iter_rows() for c in row if c.value
    )
    assert "Microsoftin listahinta" in cells and "Microsoft list price" not in cells
    assert "lisenssitilausten tietoja ei ole" in cells


def test_no_overall_grade_says_why(sample_run: Path) -> None:
    a = jsonout.read(sample_run / "assessment.json")
    thin = dataclasses.replace(a, overall=Overall(score=None, grade=None, coverage=0.2))
    text = _flat(html.render(thin))
    assert "too little evidence for a grade · evidence coverage 20%" in text
    assert "score – / 100" not in text


def test_hostile_svgs_give_one_line_of_ours_without_paths(
    engagement: Path, tmp_path: Path
) -> None:
    """Issue 14 case 11: the renderer's own multi-line errors are caught."""
    import subprocess
    import sys

    brand = engagement / "branding"
    (brand / "pohjola-it.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg"><rect width="10" height="10"\n'
    )
    (brand / "aurora-logistics.svg").write_text(
        '<!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        '<svg xmlns="http://www.w3.org/2000/svg"><text>&x;</text></svg>'
    )
    out = tmp_path / "report"
    done = subprocess.run(
        [sys.executable, "-m", "healthcheck", "run", engagement, "--out", out, "-q"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stderr.strip().splitlines()
    assert lines == [
        "warning: the PDF renderer could not use brand file client_logo.svg, "
        "logo.svg: left out of the report (check that it opens in a web browser)"
    ]
    assert "root:" not in "\n".join(pdf_pages(out / "report.pdf"))


def test_long_mixed_script_names_are_clipped_in_the_pdf_only(
    sample_run: Path, tmp_path: Path
) -> None:
    """Issue 14 case 8: "ö😀" x 500 took 45 s to render; the PDF now gets 200
    characters of a name (the time is in benchmarks/bench_render.py)."""
    a = jsonout.read(sample_run / "assessment.json")
    name = "Ä" * 4000 + "ö😀" * 2000
    obj = "ö😀" * 500
    failing = next(f for f in a.findings if f.affected)
    findings = tuple(
        dataclasses.replace(f, affected=(obj, *f.affected[1:])) if f is failing else f
        for f in a.findings
    )
    a = dataclasses.replace(a, client_name=name, findings=findings)
    view = context.build(a)
    assert view["client"] == "Ä" * 199 + "…"
    assert all(len(e) <= context.MAX_NAME for e in view_examples(view))
    text = "".join(pdf_pages(pdf.render_bytes(a)[0]))
    assert "Ä" * 199 + "…" in text and "Ä" * 201 not in text
    xlsx.write(a, tmp_path / "findings.xlsx")
    book = openpyxl.load_workbook(tmp_path / "findings.xlsx", read_only=True)
    cells = {
        c
        for ws in book.worksheets
        for row in ws.iter_rows(values_only=True)
        for c in row
        if isinstance(c, str)
    }
    assert name in cells and obj in cells


def view_examples(view: dict) -> list[str]:
    return [
        e
        for group in view["by_severity"]
        for f in group["findings"]
        for e in f["examples"]
    ]
