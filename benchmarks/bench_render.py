"""Benchmark: rendering the report, against WeasyPrint's own floor.

Prints, for the sample and for the sample inflated to 50,000 affected objects
per failed rule: our whole PDF render (view-model + jinja2 + WeasyPrint), the
floor (WeasyPrint alone on the same HTML), their ratio, and the page count.
Then the sample with long mixed-script names (client and affected objects),
against the sample itself as the floor: the names are clipped for the PDF, so
the ratio stays near 1 (unclipped, "ö😀" x 500 took 30 s against 2.5 s).

Then the hard case: the hard synthetic tenant (``synthetic.py --hard``, by
default 50,000 users and 5,000 servers) collected and assessed, with every
list a finding's sentence holds lengthened to its failing objects (long
failing lists in every list rule, not only FND-04 and FND-07), rendered the
same way; its page count against the sample's (goal: at most 2 more).

    .venv/bin/python benchmarks/bench_render.py [--users N] [--hard-only]
        [path/to/assessment.json]
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import tempfile
import time
from pathlib import Path

import pypdfium2
import weasyprint

from healthcheck import evidence, pipeline
from healthcheck.model import Status
from healthcheck.report import html, jsonout, pdf

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from synthetic import write_tenant  # noqa: E402

from tests.test_report_scale import inflate  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def best_of(fn, runs: int = 3) -> float:
    """The best wall-clock time of ``runs`` calls."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    """Time the sample's report (branding and comparison included) and a 50k one."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("assessment", nargs="?", type=Path)
    parser.add_argument("--users", type=int, default=50_000, help="hard case size")
    parser.add_argument("--hard-only", action="store_true", help="the hard case only")
    args = parser.parse_args()
    if args.assessment:
        sample = jsonout.read(args.assessment)
        options = None
    else:
        out = Path(tempfile.mkdtemp()) / "out"
        pipeline.run(ROOT / "sample_data" / "aurora-logistics", out)
        sample = jsonout.read(out / "assessment.json")
        ev_dir = out / "evidence"
        options = pipeline.report_options(evidence.load(ev_dir), ev_dir, sample)
    if not args.hard_only:
        for label, a in (("sample", sample), ("50k objects", inflate(sample, 50_000))):
            ours, floor, pages = measure(a, options)
            print(
                f"{label:<12} ours {ours:6.2f} s  floor {floor:6.2f} s  "
                f"ratio {ours / floor:5.2f}  pages {pages}"
            )
        main_long_names(sample, options)
    a, hard_options = hard_case(args.users)
    ours, floor, pages = measure(a, hard_options, runs=1 if args.users > 5000 else 3)
    print(
        f"hard {args.users} users ours {ours:6.2f} s  floor {floor:6.2f} s  "
        f"ratio {ours / floor:5.2f}  pages {pages}"
    )
    limit = _pages(sample, options) + 2
    print(f"sample pages {limit - 2}  (goal: hard <= {limit})")


def measure(a, options, runs: int = 3) -> tuple[float, float, int]:
    """Our render and WeasyPrint's alone on the same HTML (best of), and pages."""
    root = html.templates_dir()
    brand = options.brand_files.values() if options else ()
    document = html.render(a, options)
    fetcher = pdf.PackagedOnlyFetcher((root,), brand)
    ours = best_of(lambda: pdf.render_bytes(a, options), runs)
    floor = best_of(
        lambda: weasyprint.HTML(
            string=document, base_url=root.as_uri() + "/", url_fetcher=fetcher
        ).write_pdf(),
        runs,
    )
    return ours, floor, _pages(a, options)


def _pages(a, options) -> int:
    return len(pypdfium2.PdfDocument(pdf.render_bytes(a, options)[0]))


def hard_case(users: int):
    """The hard tenant assessed, every sentence's lists as long as its failures."""
    tmp = Path(tempfile.mkdtemp())
    root = write_tenant(tmp / "tenant", users, hard=True)
    ev_dir = pipeline.collect(root, tmp / "evidence")
    bundle = evidence.load(ev_dir)
    a = pipeline.assess(bundle)
    findings = tuple(
        dataclasses.replace(f, detail_params=_lengthen(f.detail_params, f.affected))
        if f.status is Status.FAIL and len(f.affected) > 10
        else f
        for f in a.findings
    )
    a = dataclasses.replace(a, findings=findings)
    return a, pipeline.report_options(bundle, ev_dir, a)


def _lengthen(value, objects):
    """Each list in a message parameter as long as ``objects``, in the old form.

    The lists are plain (as an assessment saved before lists were bounded
    holds them), so the render-time bound is what keeps the sentences short.
    """
    if isinstance(value, list):
        return [*value, *objects[len(value) :]] if value else value
    if isinstance(value, dict):
        if "items" in value:
            items = list(value["items"])
            out = {k: v for k, v in value.items() if k != "more"}
            return dict(out, items=[*items, *objects[len(items) :]])
        return {k: _lengthen(v, objects) for k, v in value.items()}
    return value


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
