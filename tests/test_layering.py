"""The one-way data flow, enforced on import statements (no extra dependency)."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.conftest import ROOT


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.add(node.module)
            out |= {f"{node.module}.{a.name}" for a in node.names}
    return out


def _files(folder: str) -> list[Path]:
    return sorted((ROOT / folder).rglob("*.py"))


def test_core_never_imports_collectors() -> None:
    for path in _files("healthcheck"):
        bad = {
            m
            for m in _imports(path)
            if m.startswith(("healthcheck_collectors", "collectors"))
        }
        assert not bad, f"{path} imports {bad}"


def test_collectors_do_not_reach_into_rules_engine_or_reports() -> None:
    forbidden = (
        "healthcheck.rules",
        "healthcheck.engine",
        "healthcheck.report",
        "healthcheck.scoring",
        "healthcheck.cost",
        "healthcheck.pipeline",
    )
    for path in _files("collectors"):
        bad = {m for m in _imports(path) if m.startswith(forbidden)}
        assert not bad, f"{path} imports {bad}"


def test_rules_are_pure() -> None:
    allowed = (
        "healthcheck.rules",
        "healthcheck.model",
        "healthcheck.datasets",
        "healthcheck.facts",
        "healthcheck.skus",
        "pandas",
        "__future__",
        "collections",
        "dataclasses",
        "datetime",
        "typing",
    )
    for path in _files("healthcheck/rules"):
        bad = {
            m
            for m in _imports(path)
            if not m.startswith(allowed) and m != "healthcheck"
        }
        assert not bad, f"{path} imports {bad}"


def test_reports_read_only_the_assessment() -> None:
    forbidden = (
        "healthcheck.datasets",
        "healthcheck.engine",
        "healthcheck.rules",
        "healthcheck.evidence",
        "healthcheck.pipeline",
        "pandas",
    )
    for path in _files("healthcheck/report"):
        bad = {m for m in _imports(path) if m.startswith(forbidden)}
        assert not bad, f"{path} imports {bad}"
