"""The light commands start without the heavy libraries (issue 14).

Timing belongs in ``benchmarks/bench_startup.py``; here is the property that
makes it fast: ``--help`` and ``rules`` never import pandas, numpy,
WeasyPrint or openpyxl.
"""

from __future__ import annotations

import json
import subprocess
import sys

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
    done = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(args), json.dumps(HEAVY)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    report = json.loads(done.stderr.strip().splitlines()[-1])
    assert report["code"] == 0, done.stderr
    assert done.stdout.strip()
    assert report["loaded"] == []


def test_the_listing_is_the_checked_catalogue() -> None:
    from healthcheck import engine

    assert engine.list_catalog() == engine.load_catalog()
