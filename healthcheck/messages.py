"""Translatable sentences as data: a locale key and JSON-safe parameters.

The model (:mod:`healthcheck.model`) stores messages and :mod:`healthcheck.i18n`
renders them; both import this module and it imports neither, so the
dependency runs one way: ``i18n -> model -> messages``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

#: Objects a sentence names at most; the rest are counted ("... and 4,990
#: more, listed in the workbook"). A finding's ``affected`` keeps them all,
#: so the workbook lists every one while the PDF stays the same length.
MAX_LISTED = 10


def message_params(params: Mapping[str, Any]) -> dict[str, Any]:
    """``params`` made JSON-safe for a message: see :class:`Message`."""
    return {str(k): _param(v) for k, v in params.items()}


def _param(value: Any) -> Any:
    if isinstance(value, Message):
        return value.to_dict()
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, int | float):
        return value
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime):  # pandas' Timestamp is a datetime too
        return {"date": value.date().isoformat()}
    if isinstance(value, date):
        return {"date": value.isoformat()}
    if isinstance(value, Mapping):
        return {str(k): _param(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = sorted(value) if isinstance(value, set | frozenset) else value
        return listed(items)
    if hasattr(value, "item"):  # a numpy scalar from a pandas frame
        return _param(value.item())
    return str(value)


@dataclass(frozen=True, slots=True)
class Message:
    """A translatable sentence: a key of ``healthcheck/locales`` and its parameters.

    The parameters are JSON-safe, so a message can be stored in
    ``assessment.json`` and rendered in any report language later
    (:meth:`healthcheck.i18n.Translator.t`). A parameter is a string or a number
    (shown as it is, numbers with the locale's grouping), or one of:

    - another message, as ``{"key": ..., "params": {...}}``, optionally with a
      ``"default"`` text for a key only non-English locales have;
    - a date, as ``{"date": "2026-11-20"}``;
    - a list, joined with ", ", or ``{"items": [...], "sep": "; "}``; a list
      longer than :data:`MAX_LISTED` keeps its first items and counts the
      rest, ``{"items": [...], "more": 4990}`` (see :func:`listed`).

    Values that need no translation (device names, SKU names, UPNs) stay as
    they are; a word that does (a backup result) is a message of its own.
    """

    key: str
    params: Mapping[str, Any] = field(default_factory=dict)
    default: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The nested-parameter form."""
        out: dict[str, Any] = {"key": self.key, "params": message_params(self.params)}
        if self.default is not None:
            out["default"] = self.default
        return out


def msg(key: str, /, **params: Any) -> Message:
    """A :class:`Message` with JSON-safe ``params``."""
    return Message(key, message_params(params))


def joined(items: Any, sep: str, *, total: int | None = None) -> dict[str, Any]:
    """A list parameter shown with ``sep`` between items instead of ", "."""
    shown = listed(items, total=total)
    if isinstance(shown, list):
        return {"items": shown, "sep": sep}
    return {**shown, "sep": sep}


def listed(items: Any, *, total: int | None = None) -> list[Any] | dict[str, Any]:
    """A list parameter, bounded: its first :data:`MAX_LISTED` items, the rest counted.

    Every list that goes into a sentence passes here, so no sentence of any
    rule, in any language, names thousands of objects. A short list stays a
    plain list; a long one becomes ``{"items": first ten, "more": rest}``,
    which :meth:`healthcheck.i18n.Translator.value` shows as "a, b, ... and
    4,990 more, listed in the workbook".

    ``total`` is the length of the whole list when ``items`` holds only its
    start: a rule with 50,000 objects to name need not make a sentence part
    for each one only to have all but ten counted.
    """
    items = list(items)
    count = len(items) if total is None else max(total, len(items))
    shown = [_param(v) for v in items[:MAX_LISTED]]
    if count <= MAX_LISTED:
        return shown
    return {"items": shown, "more": count - len(shown)}
