"""The light commands start without the heavy libraries (issue 14).

Timing belongs in ``benchmarks/bench_startup.py``; here is the property that
makes it fast: ``--help`` and ``rules`` never import pandas, numpy,
WeasyPrint or openpyxl.
"""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pytest

HEAVY = ("pandas", "numpy", "weasyprint", "openpyxl")

PROBE = """
import json, runpy, sys
heavy = set(json.loads(sys.argv[2]))
sys.argv = ["healthcheck", *json.loads(sys.argv[1])]
try:
    runpy.run_module("healthcheck", run_name="__main__")
except SystemExit as exc:
    code = exc.code or 0
else:
    code = 0
loaded = sorted({m.split(".")[0] for m in sys.modules} & heavy)
print(json.dumps({"code": code, "loaded": loaded}), file=sys.stderr)
"""


@pytest.mark.parametrize(
    "args",
    [
        ["--help"],
        ["rules"],
        ["rules", "--format", "json"],
        ["rules", "--layer", "review"],
    ],
)
def test_light_commands_do_not_import_heavy_libraries(args: list[str]) -> None:
    out, report = _probe(PROBE, args)
    assert out.strip()
    assert report["loaded"] == []


def _probe(probe: str, args: list[str]) -> tuple[str, dict[str, Any]]:
    """Run ``healthcheck args`` under ``probe``: its output and the probe's report."""
    done = subprocess.run(
        [sys.executable, "-c", probe, json.dumps(args), json.dumps(HEAVY)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    report = json.loads(done.stderr.strip().splitlines()[-1])
    assert report["code"] == 0, done.stderr
    return done.stdout, report


def test_the_listing_is_the_checked_catalogue() -> None:
    from healthcheck import engine

    assert engine.list_catalog() == engine.load_catalog()


def test_the_packaged_listing_is_the_catalogue() -> None:
    """``rules`` prints catalog/listing.json: it must say what the catalogue says."""
    from pathlib import Path

    from healthcheck import engine

    path = Path(engine.__file__).parent / "catalog" / engine.LISTING
    assert path.read_text(encoding="utf-8") == engine.listing_text(), (
        "healthcheck/catalog/listing.json is stale: run python -c "
        "\"from healthcheck import engine; open('healthcheck/catalog/listing.json', "
        "'w', encoding='utf-8').write(engine.listing_text())\""
    )


def test_rules_lists_from_the_listing_without_the_engine() -> None:
    """Table and JSON listings match the catalogue; the engine stays unloaded."""
    from healthcheck import engine

    probe = PROBE.replace(
        "heavy = set(", "heavy = {'healthcheck.engine', 'healthcheck.i18n'} | set("
    )
    probe = probe.replace(
        'm.split(".")[0] for m',
        "(m if m.startswith('healthcheck') else m.split('.')[0]) for m",
    )
    listing = engine.catalog_listing()
    for args in (
        ["rules", "--format", "json"],
        ["rules"],
        ["rules", "--layer", "expert"],
    ):
        out, report = _probe(probe, args)
        assert report["loaded"] == [], report
        if args[-1] == "json":
            assert json.loads(out) == listing
        elif args[-1] == "expert":
            ids = [r["id"] for r in listing if r["layer"] == "expert"]
            assert [line.split()[0] for line in out.splitlines()] == ids
        else:
            assert len(out.splitlines()) == len(listing)
            first = listing[0]
            assert out.splitlines()[0].endswith(first["title"])
