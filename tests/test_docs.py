"""Docs as tests: the README's commands and contract match the code."""

from __future__ import annotations

import json
import re
from pathlib import Path

from healthcheck.cli import main
from tests.conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def _commands() -> list[str]:
    return re.findall(r"```sh\n(.+?)\n```", README)


def test_readme_opens_with_the_two_commands() -> None:
    first, second = _commands()[:2]
    assert "pip install" in first and "healthcheck run sample_data/" in first
    assert "'.[test]'" in second and "pytest" in second
    assert README.index(first) < 1000


def test_ci_runs_exactly_the_readme_test_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert _commands()[1] in ci.splitlines()


def test_every_command_is_documented() -> None:
    for name in main.commands:
        assert f"`healthcheck {name}" in README, name


def _keys(data: object, prefix: str = "") -> set[str]:
    out: set[str] = set()
    if isinstance(data, dict):
        for k, v in data.items():
            out.add(prefix + k)
            # Free-form: measured values, and a message's parameters (schema 1.2).
            if k not in ("measured",) and not k.endswith("_params"):
                out |= _keys(v, prefix + k + ".")
    elif isinstance(data, list) and data and isinstance(data[0], dict):
        out |= _keys(data[0], prefix[:-1] + "[].")
    return out


def test_every_assessment_field_is_documented(sample_run: Path) -> None:
    data = json.loads((sample_run / "assessment.json").read_text(encoding="utf-8"))
    section = README[README.index("## assessment.json") :]
    for key in sorted(_keys(data)):
        leaf = key.rsplit(".", 1)[-1].removesuffix("[]")
        dotted = key.replace("[]", "")
        assert f"`{leaf}" in section or f"`{dotted}`" in section, (
            f"{key} is not documented in README"
        )
