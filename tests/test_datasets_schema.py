"""The canonical schemas are data (``healthcheck/datasets/schemas.toml``), validated.

Each case breaks the packaged file in one way and expects a SchemaError that
names the dataset, the column and what is wrong.
"""

from __future__ import annotations

from importlib import resources

import pytest

from healthcheck import datasets
from healthcheck.datasets import SchemaError, parse_schemas


def _packaged() -> str:
    return (
        resources.files("healthcheck.datasets")
        .joinpath("schemas.toml")
        .read_text("utf-8")
    )


def test_packaged_schemas_are_the_ones_in_use() -> None:
    assert parse_schemas(_packaged()) == datasets.SCHEMAS
    assert datasets.schema("users").key == ("upn",)
    answer = datasets.schema("interview_answers").column("answer")
    assert (
        answer.kind == datasets.CHOICE and answer.choices["don't know"] == "dont_know"
    )


_GOOD = """
[[dataset]]
name = "things"
title = "Things"
key = ["id"]

[[dataset.column]]
name = "id"
kind = "text"

[[dataset.column]]
name = "state"
kind = "choice"
choices = { "on" = "on", "off" = "off" }
"""


def test_a_minimal_file_reads() -> None:
    got = parse_schemas(_GOOD)
    assert list(got) == ["things"]
    assert [c.name for c in got["things"].columns] == ["id", "state"]


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('kind = "text"', 'kind = "txet"', r"things\.id: unknown kind 'txet'"),
        (
            'choices = { "on" = "on", "off" = "off" }',
            "",
            r"things\.state: a choice column needs choices",
        ),
        (
            'key = ["id"]',
            'key = ["idd"]',
            r"things: key names unknown columns \['idd'\]",
        ),
        (
            'kind = "text"',
            'kind = "text"\ncolour = "red"',
            r"unknown fields \['colour'\]",
        ),
        ('"on" = "on"', '"On" = "on"', "lower-case spellings"),
        ('kind = "text"', 'kind = "text"\nchoices = { "a" = "a" }', "only a choice"),
        ('title = "Things"', "", "'title' is required"),
        ('name = "state"', 'name = "id"', r"columns repeat: \['id'\]"),
        ("[[dataset]]", "[[datasets]]", "unknown tables"),
        ("[[dataset]]", "[[dataset", "datasets/schemas.toml"),
    ],
)
def test_a_broken_schema_is_a_clear_developer_error(
    old: str, new: str, message: str
) -> None:
    assert old in _GOOD
    with pytest.raises(SchemaError, match=message):
        parse_schemas(_GOOD.replace(old, new, 1))


def test_a_dataset_declared_twice_is_refused() -> None:
    with pytest.raises(SchemaError, match="'things' is declared twice"):
        parse_schemas(_GOOD + _GOOD)
