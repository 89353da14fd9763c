"""Report language: translated texts and locale-correct numbers, money and dates.

The assessment itself is language-neutral (English texts plus the keys and
parameters they were made from); a report is rendered in a language chosen
at render time, so the same evidence gives an English and a Finnish PDF.

Texts live in ``healthcheck/locales/<lang>/*.toml``; every file of a language
is merged into one dotted key space (``report.summary``, ``rules.FND-01.title``).
A value is either a string or a table of CLDR plural forms (``one``,
``other``) chosen by the ``count`` parameter. Parameters are formatted for the
locale before they are put in: an int gets grouping, a float two decimals at
most, a date the locale's medium date. A key missing in a language falls back
to English, then to the caller's default: a report is never blank because a
translation lags.

Number, money and date formatting come from Babel (CLDR data): the grouping
character, decimal comma and currency position of Finnish are CLDR's, not ours.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from importlib import resources
from typing import Any

from babel import Locale
from babel.dates import format_date, format_datetime
from babel.numbers import format_currency, format_decimal, format_percent

from healthcheck import zones
from healthcheck.errors import ConfigError
from healthcheck.messages import MAX_LISTED
from healthcheck.model import Waste

#: Languages a report can be rendered in, with the CLDR locale each uses.
LANGUAGES: dict[str, str] = {"en": "en_GB", "fi": "fi_FI"}
DEFAULT_LANGUAGE = "en"


@cache
def _messages(lang: str) -> Mapping[str, Any]:
    """All texts of one language, flattened to dotted keys."""
    out: dict[str, Any] = {}
    folder = resources.files("healthcheck") / "locales" / lang
    if not folder.is_dir():
        return out
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".toml"):
            _flatten(tomllib.loads(entry.read_text(encoding="utf-8")), "", out)
    return out


def _flatten(table: Mapping[str, Any], prefix: str, out: dict[str, Any]) -> None:
    for key, value in table.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, dict) and not _is_plural(value):
            _flatten(value, dotted + ".", out)
        else:
            out[dotted] = value


def _is_plural(value: Mapping[str, Any]) -> bool:
    return bool(value) and set(value) <= {"zero", "one", "two", "few", "many", "other"}


def check_language(lang: str, where: str = "language") -> str:
    """``lang`` if it is a supported report language, else a ConfigError."""
    if lang not in LANGUAGES:
        raise ConfigError(
            f"{where}: unknown report language {lang!r}; "
            f"expected one of {', '.join(LANGUAGES)}"
        )
    return lang


#: ``date`` under another name: inside Translator, ``date`` is a method.
Day = date


@cache
def _english() -> Translator:
    return Translator(DEFAULT_LANGUAGE)


def english(message: Any) -> str:
    """The English text of a message, from ``healthcheck/locales/en``.

    This is how the assessment's English sentences are made, so each exists
    once, in the locale file. ``message`` is a
    :class:`healthcheck.messages.Message` or its ``to_dict()`` form.

    Raises:
        LookupError: the key has no English text and the message no default:
            a developer error, which the tests catch.
    """
    data = message.to_dict() if hasattr(message, "to_dict") else dict(message)
    if data.get("default") is None and not _english().has(str(data["key"])):
        raise LookupError(f"no English text for {data['key']!r} in locales/en")
    return _english().message(data)


#: The minus sign, and the languages that set negative numbers with it.
MINUS = "\u2212"
REAL_MINUS = frozenset({"fi"})


class Translator:
    """Texts and formats of one report language."""

    def __init__(self, lang: str = DEFAULT_LANGUAGE) -> None:
        self.lang = check_language(lang)
        self.locale = Locale.parse(LANGUAGES[lang])

    def __repr__(self) -> str:
        return f"Translator({self.lang!r})"

    def has(self, key: str) -> bool:
        """True when this language (not the English fallback) has ``key``."""
        return key in _messages(self.lang)

    def t(self, key: str, default: str | None = None, /, **params: Any) -> str:
        """The text of ``key`` with ``params`` filled in, in this language.

        Falls back to English, then to ``default`` (formatted the same way),
        then to the key itself, so a gap shows rather than breaks.
        """
        raw = _messages(self.lang).get(key)
        if raw is None:
            raw = _messages(DEFAULT_LANGUAGE).get(key)
        if raw is None:
            raw = default if default is not None else key
        if isinstance(raw, dict):
            raw = self._plural(raw, params.get("count"))
        if not params:
            return str(raw)
        shown = {k: self.value(v) for k, v in params.items()}
        try:
            return str(raw).format_map(shown)
        except (KeyError, IndexError, ValueError):
            return str(raw)

    def _plural(self, forms: Mapping[str, str], count: Any) -> str:
        form = "other"
        if isinstance(count, int | float | Decimal):
            number: float | Decimal = -count if count < 0 else count
            form = self.locale.plural_form(number)
        return forms.get(form) or forms.get("other") or next(iter(forms.values()))

    # Formats -----------------------------------------------------------------

    def value(self, value: Any) -> str:
        """A parameter as text: numbers and dates for the locale, else str().

        The JSON-safe forms of :class:`healthcheck.messages.Message` parameters
        are understood too: a list is joined with ", ", ``{"items": [...],
        "sep": "; "}`` with ``sep`` (and ``"more": n`` counted after the
        items), ``{"date": "2026-11-20"}`` is a
        :meth:`short_date`, and ``{"key": ..., "params": {...}}`` is a nested
        message rendered in this language.
        """
        if isinstance(value, bool):
            return str(value)
        if isinstance(value, list | tuple):
            return self.items(value)
        if isinstance(value, Mapping):
            return self._nested(value)
        if isinstance(value, int):
            return self.integer(value)
        if isinstance(value, float | Decimal):
            return self.number(value)
        if isinstance(value, datetime):
            return self.datetime(value)
        if isinstance(value, date):
            return self.date(value)
        return str(value)

    def _nested(self, value: Mapping[str, Any]) -> str:
        if "key" in value:
            return self.message(value)
        if "date" in value:
            return self.short_date(str(value["date"]))
        if "items" in value:
            more = value.get("more")
            return self.items(
                value.get("items") or [],
                str(value.get("sep", ", ")),
                more if isinstance(more, int) and not isinstance(more, bool) else 0,
            )
        return str(value)

    def items(self, items: Any, sep: str = ", ", more: int = 0) -> str:
        """A list as text, naming at most ``MAX_LISTED`` items.

        The rest, and ``more`` items already left out when the list was
        stored, are counted: "a, b, ... and 4,990 more, listed in the
        workbook". An assessment saved before lists were bounded still reads
        as a bounded sentence.
        """
        items = list(items)
        more += max(len(items) - MAX_LISTED, 0)
        text = sep.join(self.value(v) for v in items[:MAX_LISTED])
        if more <= 0:
            return text
        return self.t("common.list.more", items=text, count=more)

    def message(self, message: Any) -> str:
        """A message (a Message, or its ``key``/``params`` dict) in this language."""
        if hasattr(message, "to_dict"):
            message = message.to_dict()
        params = dict(message.get("params") or {})
        return self.t(str(message["key"]), message.get("default"), **params)

    def waste_not_assessed(self, waste: Waste) -> list[str]:
        """Why licence waste (or part of it) was not assessed, in this language."""
        messages = waste.not_assessed_messages
        return [self.message(m) for m in messages] or list(waste.not_assessed)

    def list_price_basis(self, waste: Waste) -> str:
        """What the list prices used for waste are, in this language."""
        key = waste.list_price_basis_key
        return self.t(key, waste.list_price_basis) if key else waste.list_price_basis

    def _minus(self, text: str) -> str:
        """Finnish typesetting writes a negative number with a real minus (U+2212).

        Babel gives a hyphen-minus; English keeps it, as English style does.
        """
        return text.replace("-", MINUS) if self.lang in REAL_MINUS else text

    def integer(self, value: int) -> str:
        """A whole number with the locale's grouping (12,345; 12 345)."""
        return self._minus(format_decimal(value, format="#,##0", locale=self.locale))

    def number(self, value: float | Decimal, digits: int = 2) -> str:
        """Up to ``digits`` decimals, trailing zeros dropped (1.5, 1 234,5)."""
        pattern = "#,##0" + ("." + "#" * digits if digits else "")
        return self._minus(format_decimal(value, format=pattern, locale=self.locale))

    def money(self, amount: float | Decimal, currency: str, whole: bool = False) -> str:
        """``amount`` in ``currency`` in the locale's way (€1,234.50, 1 234,50 €)."""
        if whole:
            pattern = self.locale.currency_formats["standard"].pattern
            return self._minus(
                format_currency(
                    round(amount),
                    currency,
                    format=pattern.replace(".00", ""),
                    locale=self.locale,
                    currency_digits=False,
                )
            )
        return self._minus(format_currency(amount, currency, locale=self.locale))

    def percent(self, fraction: float, digits: int = 0) -> str:
        """A fraction (0.95) as a percentage (95 %, 95 %)."""
        pattern = self.locale.percent_formats[None].pattern
        if digits:
            pattern = pattern.replace("#,##0", "#,##0." + "0" * digits, 1)
        return self._minus(format_percent(fraction, format=pattern, locale=self.locale))

    def date(self, value: date | str) -> str:
        """A date as the locale writes it (20 November 2026; 20.11.2026)."""
        if isinstance(value, str):
            value = date.fromisoformat(value[:10])
        pattern = "long" if self.lang == "en" else "d.M.yyyy"
        return format_date(value, format=pattern, locale=self.locale)

    def short_date(self, value: Day | str) -> str:
        """A date in figures: ISO in English (2026-11-20), 20.11.2026 in Finnish.

        This is how finding sentences show dates: the English assessment has
        always written them the ISO way.
        """
        if isinstance(value, str):
            value = date.fromisoformat(value[:10])
        if self.lang == DEFAULT_LANGUAGE:
            return value.isoformat()
        return format_date(value, format="d.M.yyyy", locale=self.locale)

    def datetime(self, value: datetime | str, zone: str | None = None) -> str:
        """A time stamp to the minute, as the locale writes it.

        With ``zone`` (an IANA name), a UTC time is shown in that zone and
        followed by the zone's abbreviation (EET, EEST, UTC).
        """
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        pattern = "d MMMM yyyy HH:mm" if self.lang == "en" else "d.M.yyyy 'klo' H.mm"
        if zone is None:
            return format_datetime(value, format=pattern, locale=self.locale)
        shown = zones.local_naive(value, zone)
        text = format_datetime(shown, format=pattern, locale=self.locale)
        return f"{text}\u00a0{zones.abbreviation(value, zone)}"

    # Catalogue texts ---------------------------------------------------------

    def rule(self, rule_id: str, field: str, default: str = "") -> str:
        """A catalogue text (title, rationale, remediation, action) of a rule."""
        return self.t(f"rules.{rule_id}.{field}", default)

    def detail(self, finding: Mapping[str, Any]) -> str:
        """A finding's detail sentence in this language.

        A finding carries its English ``detail`` and, where the rule provides
        them, ``detail_key`` and ``detail_params``: the sentence is rebuilt from
        those, so the assessment need not be re-evaluated to change language.
        """
        return self._keyed(finding, "detail")

    def reason(self, finding: Mapping[str, Any]) -> str:
        """A finding's ``reason`` (why not assessed, or accepted) in this language.

        Like :meth:`detail`, from ``reason_key`` and ``reason_params``.
        """
        return self._keyed(finding, "reason")

    def _keyed(self, finding: Mapping[str, Any], field: str) -> str:
        key = finding.get(f"{field}_key") or ""
        english = str(finding.get(field) or "")
        if not key or self.lang == DEFAULT_LANGUAGE and not self.has(key):
            return english
        params = dict(finding.get(f"{field}_params") or {})
        return self.t(key, english, **params)
