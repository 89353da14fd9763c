"""Benchmark: rendering the report, against WeasyPrint's own floor.

Prints, for the sample and for the sample inflated to 50,000 affected objects
per failed rule: our whole PDF render (view-model + jinja2 + WeasyPrint), the
floor (WeasyPrint alone on the same HTML), their ratio, and the page count.
Then the sample with long mixed-script names (client and affected objects),
against the sample itself as the floor: the names are clipped for the PDF, so
the ratio stays near 1 (unclipped, "ö😀" x 500 took 30 s against 2.5 s).

    .venv/bin/python benchmarks/bench_render.py [path/to/assessment.json]
"""

from __future__ import annotations

import dataclasses
import sys
import tempfile
import time
from pathlib import Path

import pypdfium2
import weasyprint

from healthcheck import evidence, pipeline
from healthcheck.report import html, jsonout, pdf

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.test_report_scale import inflate  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def best_of(fn, runs: int = 3) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    """Time the sample's report (branding and comparison included) and a 50k one."""
    if len(sys.argv) > 1:
        sample = jsonout.read(sys.argv[1])
        options = None
    else:
        out = Path(tempfile.mkdtemp()) / "out"
        pipeline.run(ROOT / "sample_data" / "aurora-logistics", out)
        sample = jsonout.read(out / "assessment.json")
        ev_dir = out / "evidence"
        options = pipeline.report_options(evidence.load(ev_dir), ev_dir, sample)
    root = html.templates_dir()
    brand = options.brand_files.values() if options else ()
    for label, a in (("sample", sample), ("50k objects", inflate(sample, 50_000))):
        document = html.render(a, options)
        fetcher = pdf.PackagedOnlyFetcher((root,), brand)
        ours = best_of(lambda a=a: pdf.render_bytes(a, options))
        floor = best_of(
            lambda d=document, f=fetcher: weasyprint.HTML(
                string=d, base_url=root.as_uri() + "/", url_fetcher=f
            ).write_pdf()
        )
        pages = len(pypdfium2.PdfDocument(pdf.render_bytes(a, options)[0]))
        print(
            f"{label:<12} ours {ours:6.2f} s  floor {floor:6.2f} s  "
            f"ratio {ours / floor:5.2f}  pages {pages}"
        )
    main_long_names(sample, options)


def long_names(a):
    """``a`` with issue 14's names: emoji between letters, thousands long."""
    name = "Ä" * 4000 + "ö😀" * 2000
    findings = tuple(
        dataclasses.replace(f, affected=tuple("ö😀" * 500 + str(i) for i in range(3)))
        if f.affected
        else f
        for f in a.findings
    )
    return dataclasses.replace(a, client_name=name, findings=findings)


def main_long_names(sample, options) -> None:
    """Print the long-name render time against the sample's."""
    floor = best_of(lambda: pdf.render_bytes(sample, options), runs=2)
    heavy = long_names(sample)
    ours = best_of(lambda: pdf.render_bytes(heavy, options), runs=2)
    print(
        f"{'long names':<12} ours {ours:6.2f} s  floor {floor:6.2f} s  "
        f"ratio {ours / floor:5.2f}  (floor: the sample itself)"
    )


if __name__ == "__main__":
    main()
