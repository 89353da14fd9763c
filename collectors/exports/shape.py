"""The JSON shape of saved API responses, checked before a value is used.

A saved response is whatever the consultant's tool wrote: an item may be a
number where the API reference says an object (``"prepaidUnits": 1e30``),
or a list where it says text. The mappers of :mod:`.graph_json` and
:mod:`.arm_json` read every property through these helpers, so such an item
is rejected with its number, the property's path and what was expected,
instead of ending the run with an ``AttributeError``. Only shapes are judged
here: numbers and dates stay text for the canonical validator.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

from healthcheck.model import Rejected

T = TypeVar("T")


class ShapeError(Exception):
    """A property holds another JSON type than the reference says."""

    def __init__(self, path: str, expected: str, value: Any) -> None:
        super().__init__(path)
        self.path, self.expected, self.value = path, expected, value


def shown(value: Any) -> str:
    """A JSON value in a few words, for a message (containers by type only)."""
    if isinstance(value, Mapping):
        return "an object"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, bool) or value is None:
        return {True: "true", False: "false", None: "null"}[value]
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def text(value: Any, path: str = "") -> str:
    """A scalar property as text ("" for null); an object or a list is refused."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, str | int | float):
        return str(value)
    raise ShapeError(path, "text or a number", value)


def obj(value: Any, path: str) -> Mapping[str, Any]:
    """An object property ({} for null or absent)."""
    if value is None:
        return {}
    if isinstance(value, Mapping):
        return value
    raise ShapeError(path, "an object", value)


def whole_list(value: Any, path: str) -> list[Any]:
    """A list property ([] for null or absent)."""
    if value is None:
        return []
    if isinstance(value, list):
        return value
    raise ShapeError(path, "a list", value)


def texts(value: Any, path: str) -> list[str]:
    """A list of scalars, as texts."""
    return [text(v, path) for v in whole_list(value, path)]


def rows(
    items: Iterable[Any], source: str, row: Callable[[Mapping[str, Any]], T]
) -> tuple[list[T], list[int], list[Rejected]]:
    """``row`` of each item: (results, their item numbers, the items rejected).

    Item numbers count from 1 and stand for rows: a JSON file has none. An
    item that is not an object, or for which ``row`` meets a property of the
    wrong shape, is rejected; the others are kept.
    """
    out, numbers, rejected = [], [], []
    for n, item in enumerate(items, start=1):
        try:
            if not isinstance(item, Mapping):
                raise ShapeError("", "an object", item)
            out.append(row(item))
        except ShapeError as exc:
            rejected.append(
                Rejected(
                    source=source,
                    row=n,
                    column=exc.path or None,
                    reason=f"expected {exc.expected}, got {shown(exc.value)}",
                )
            )
            continue
        numbers.append(n)
    return out, numbers, rejected
