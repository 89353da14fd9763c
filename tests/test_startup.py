"""The light commands start without the heavy libraries (issue 14).

Timing belongs in ``benchmarks/bench_startup.py``; here is the property that
makes it fast: ``--help`` and ``rules`` never import pandas, numpy,
WeasyPrint or openpyxl.
"""

from __future__ import annotations

import json
import os
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
    from healthcheck import engine, listing

    assert listing.LISTING_FILE.read_text(encoding="utf-8") == engine.listing_text(), (
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


CLICK = """
import sys
from healthcheck.cli import main
sys.argv[0] = sys.argv[1]
del sys.argv[1]
main(prog_name=sys.argv[0])
"""

LAUNCH = """
import json, sys
from healthcheck import launch
sys.argv = ["healthcheck", *json.loads(sys.argv[1])]
code = 0
try:
    launch.main()
except SystemExit as exc:  # click's standalone mode exits
    code = exc.code or 0
loaded = sorted(m for m in sys.modules if m.split(".")[0] == "click")
print(json.dumps(loaded), file=sys.stderr)
sys.exit(code)
"""


def _run(argv: list[str], columns: str = "") -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "COLUMNS"}
    if columns:
        env["COLUMNS"] = columns
    return subprocess.run(
        [sys.executable, *argv], capture_output=True, text=True, timeout=60, env=env
    )


def _both(args: list[str], columns: str) -> tuple[Any, Any]:
    """``healthcheck args`` through the entry point, and through click alone."""
    fast = _run(["-c", LAUNCH, json.dumps(args)], columns)
    slow = _run(["-c", CLICK, "healthcheck", *args], columns)
    return fast, slow


def test_the_packaged_help_is_what_click_prints() -> None:
    from healthcheck import launch

    assert launch.HELP_FILE.read_text(encoding="utf-8") == launch.click_help(), (
        "healthcheck/cli_help.txt is stale: run python -c "
        '"from healthcheck import launch; launch.write_help()"'
    )


@pytest.mark.parametrize(
    "args",
    [
        ["--help"],
        ["-h"],
        ["rules"],
        ["rules", "--format", "json"],
        ["rules", "--layer", "review"],
        ["rules", "--format=json", "--layer=expert"],
    ],
)
@pytest.mark.parametrize("columns", ["", "200"])
def test_light_answers_are_clicks_own_without_loading_click(
    args: list[str], columns: str
) -> None:
    fast, slow = _both(args, columns)
    assert fast.returncode == slow.returncode == 0, fast.stderr + slow.stderr
    assert fast.stdout == slow.stdout
    assert json.loads(fast.stderr.strip().splitlines()[-1]) == []


@pytest.mark.parametrize(
    ("args", "columns", "code"),
    [
        (["--help"], "60", 0),  # narrower than click's 80: click wraps it
        (["rules", "--layer", "nonsense"], "", 2),  # click explains the mistake
        (["rules", "-v"], "", 0),
        (["rules", "--format", "markdown"], "", 0),
        (["rules", "--layer"], "", 2),
    ],
)
def test_everything_else_goes_to_click(
    args: list[str], columns: str, code: int
) -> None:
    fast, slow = _both(args, columns)
    assert fast.returncode == slow.returncode == code
    assert fast.stdout == slow.stdout
    if code == 0:
        assert json.loads(fast.stderr.strip().splitlines()[-1])  # click loaded


def test_python_dash_m_shows_its_own_program_name() -> None:
    fast = _run(["-m", "healthcheck", "--help"])
    slow = _run(["-c", CLICK, "python -m healthcheck", "--help"])
    assert fast.returncode == slow.returncode == 0
    assert fast.stdout == slow.stdout
    assert fast.stdout.startswith("Usage: python -m healthcheck [OPTIONS]")


def test_the_listing_knows_the_catalogues_layers() -> None:
    from healthcheck import listing
    from healthcheck.model import Layer

    assert listing.LAYERS == tuple(layer.value for layer in Layer)
