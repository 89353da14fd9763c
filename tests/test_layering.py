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
        # Microsoft's rules for when a mailbox needs a licence: reference
        # knowledge like facts and skus, shared with the waste model.
        "healthcheck.mailbox_licences",
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


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _all_imports(path: Path) -> set[str]:
    """Every module ``path`` imports, relative imports resolved, at any depth.

    Imports inside functions and under ``if TYPE_CHECKING:`` count: either
    kind still ties the two modules together.
    """
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*up, *([node.module] if node.module else [])])
            out.add(base)
            out |= {f"{base}.{a.name}" for a in node.names}
    return out


def _core_graph() -> dict[str, set[str]]:
    """healthcheck module -> the healthcheck modules it imports.

    A package importing its own submodules (``healthcheck.rules`` loading
    its evaluators) is how a package is assembled, not a circle between
    ideas, so those edges are left out.
    """
    files = {_module_name(p): p for p in _files("healthcheck")}
    graph: dict[str, set[str]] = {}
    for name, path in files.items():
        graph[name] = {
            m
            for m in _all_imports(path)
            if m in files and m != name and not m.startswith(name + ".")
        }
    return graph


def test_model_and_messages_never_import_i18n() -> None:
    # i18n renders the model; the model stores messages. The dependency runs
    # i18n -> model -> messages, never back (CollectorRun.because is given
    # the English renderer instead of importing it).
    for module in ("healthcheck/model.py", "healthcheck/messages.py"):
        bad = {
            m for m in _all_imports(ROOT / module) if m.startswith("healthcheck.i18n")
        }
        assert not bad, f"{module} imports {bad}"
    messages = _all_imports(ROOT / "healthcheck/messages.py")
    assert not {m for m in messages if m.startswith("healthcheck.")}


def test_core_modules_import_each_other_one_way() -> None:
    graph = _core_graph()
    assert "healthcheck.i18n" in graph["healthcheck.report.xlsx.base"]  # sanity
    state: dict[str, int] = {}  # 1 on the current path, 2 done

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for dep in sorted(graph[node]):
            if state.get(dep) == 1:
                circle = [*path[path.index(dep) :], dep]
                raise AssertionError("import circle: " + " -> ".join(circle))
            if dep not in state:
                visit(dep, [*path, dep])
        state[node] = 2

    for start in sorted(graph):
        if start not in state:
            visit(start, [start])
