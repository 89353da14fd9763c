"""The engagement folder and its ``client.yaml``.

An engagement folder holds one client's quarter: ``client.yaml``, an
``exports/`` folder of files the client's admins handed over, and the
interview workbook. Validation is by hand (no schema library) and every
message names the file and the key.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml

from healthcheck.errors import ConfigError
from healthcheck.prices import TERMS, ClientPrices, LicencePrice, prices_to_json

CONFIG_NAME = "client.yaml"
INTERVIEW_NAME = "interview.xlsx"
EXPORTS_DIR = "exports"

_CORE_KEYS = {
    "client",
    "period",
    "as_of",
    "currency",
    "inactive_days",
    "licence_prices",
}

#: Sections validated by the module that owns them (a collector, the engine,
#: the cost model); here they are only carried, and saved with the evidence.
#: They must never hold a secret: name an environment variable instead.
SECTIONS: dict[str, str] = {
    "column_mappings": "exports collector: date order and unknown vendors' columns",
    "graph": "graph collector: tenant, app registration, auth mode, cloud endpoints",
    "rules": "engine: per-rule parameter overrides and accepted risks",
}

_KNOWN_KEYS = _CORE_KEYS | set(SECTIONS)
_PERIOD = re.compile(r"^\d{4}-(Q[1-4]|H[12]|\d{2})$")


class _Loader(yaml.SafeLoader):
    """SafeLoader that leaves dates as text, so a bad date is our error message."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


@dataclass(frozen=True, kw_only=True, slots=True)
class ClientConfig:
    """Validated engagement settings."""

    client_name: str
    period: str
    currency: str = "EUR"
    inactive_days: int = 90
    as_of: date | None = None
    licence_prices: Mapping[str, Decimal] = field(default_factory=dict)
    extra: Mapping[str, Any] = field(default_factory=dict)

    def section(self, name: str) -> Any:
        """A section listed in ``SECTIONS``, as parsed (None when absent)."""
        if name not in SECTIONS:
            raise KeyError(f"{name} is not a registered config section")
        return self.extra.get(name)

    def to_dict(self) -> dict[str, Any]:
        """JSON form, saved with the evidence so a report rebuilds offline."""
        return {
            "client": {"name": self.client_name},
            "period": self.period,
            "currency": self.currency,
            "inactive_days": self.inactive_days,
            "as_of": self.as_of.isoformat() if self.as_of else None,
            "licence_prices": prices_to_json(self.licence_prices),
            **{k: v for k, v in self.extra.items()},
        }

    @classmethod
    def from_dict(
        cls, data: Mapping[str, Any], *, where: str = CONFIG_NAME
    ) -> ClientConfig:
        """Validate a parsed ``client.yaml`` (or its saved JSON form)."""
        if not isinstance(data, Mapping):
            raise ConfigError(
                f"{where}: expected a mapping of settings at the top level"
            )
        for key in data:
            if key not in _KNOWN_KEYS:
                close = difflib.get_close_matches(str(key), _KNOWN_KEYS, n=1)
                hint = (
                    f"did you mean '{close[0]}'?"
                    if close
                    else "known keys: " + ", ".join(sorted(_KNOWN_KEYS))
                )
                raise ConfigError(f"{where}: unknown key '{key}'", hint=hint)
        client = data.get("client")
        name = client.get("name") if isinstance(client, Mapping) else None
        if not isinstance(name, str) or not name.strip():
            raise ConfigError(
                f"{where}: key 'client.name': expected the client's name",
                hint="client:\n  name: Example Oy",
            )
        period = data.get("period")
        if not isinstance(period, str) or not _PERIOD.match(period):
            raise ConfigError(
                f"{where}: key 'period': expected a period like 2026-Q4, got {period!r}"
            )
        currency = data.get("currency", "EUR")
        if not isinstance(currency, str) or not re.fullmatch(r"[A-Z]{3}", currency):
            raise ConfigError(
                f"{where}: key 'currency': expected an ISO 4217 code like EUR, "
                f"got {currency!r}"
            )
        days = data.get("inactive_days", 90)
        if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= 3650:
            raise ConfigError(
                f"{where}: key 'inactive_days': expected a whole number of days "
                f"from 1 to 3650, got {days!r}"
            )
        as_of = data.get("as_of")
        if isinstance(as_of, str):
            try:
                as_of = date.fromisoformat(as_of)
            except ValueError:
                as_of = "bad"
        if as_of is not None and not isinstance(as_of, date):
            raise ConfigError(
                f"{where}: key 'as_of': expected a date like 2026-11-20, "
                f"got {data.get('as_of')!r}"
            )
        prices = _licence_prices(data.get("licence_prices"), where)
        return cls(
            extra={k: data[k] for k in SECTIONS if k in data},
            client_name=name.strip(),
            period=period,
            currency=currency,
            inactive_days=days,
            as_of=as_of,
            licence_prices=prices,
        )


def _money(value: Any, where: str, key: str) -> Decimal:
    try:
        if isinstance(value, bool):
            raise InvalidOperation
        out = Decimal(str(value))
        if not out.is_finite() or out < 0:
            raise InvalidOperation
    except InvalidOperation:
        raise ConfigError(
            f"{where}: key '{key}': expected a monthly price like 20.60, got {value!r}"
        ) from None
    return out.quantize(Decimal("0.01"))


def _licence_prices(raw: Any, where: str) -> ClientPrices:
    """Parse ``licence_prices``: ``SKU: 20.60`` or ``SKU: {price, term, note}``."""
    if raw is None:
        return ClientPrices()
    if not isinstance(raw, Mapping):
        raise ConfigError(
            f"{where}: key 'licence_prices': expected a mapping of SKU part "
            "number to monthly price"
        )
    entries: dict[str, LicencePrice] = {}
    for sku, value in raw.items():
        key = f"licence_prices.{sku}"
        if not isinstance(value, Mapping):
            entries[str(sku).upper()] = LicencePrice(price=_money(value, where, key))
            continue
        unknown = sorted(str(k) for k in value if k not in ("price", "term", "note"))
        if unknown:
            raise ConfigError(
                f"{where}: key '{key}.{unknown[0]}': unknown setting; "
                "expected price, term or note"
            )
        if "price" not in value:
            raise ConfigError(
                f"{where}: key '{key}.price': expected a monthly price like 18.50"
            )
        term = value.get("term", "")
        if term not in ("", *TERMS):
            raise ConfigError(
                f"{where}: key '{key}.term': expected annual or monthly, got {term!r}"
            )
        note = value.get("note", "")
        if not isinstance(note, str):
            raise ConfigError(f"{where}: key '{key}.note': expected text")
        entries[str(sku).upper()] = LicencePrice(
            price=_money(value["price"], where, f"{key}.price"),
            term=term,
            note=note.strip(),
        )
    return ClientPrices(entries)


@dataclass(frozen=True, kw_only=True, slots=True)
class Engagement:
    """A located engagement folder with its validated config."""

    root: Path
    config: ClientConfig

    @property
    def exports_dir(self) -> Path:
        """Folder of dropped export files."""
        return self.root / EXPORTS_DIR

    @property
    def interview_path(self) -> Path:
        """The interview workbook."""
        return self.root / INTERVIEW_NAME


def load_engagement(path: str | Path) -> Engagement:
    """Locate and validate an engagement folder.

    Raises:
        ConfigError: the folder or ``client.yaml`` is missing or invalid.
    """
    root = Path(path)
    if not root.exists():
        raise ConfigError(
            f"{root}: engagement folder not found",
            hint="give the folder that holds client.yaml",
        )
    if not root.is_dir():
        raise ConfigError(f"{root}: expected an engagement folder, got a file")
    cfg_path = root / CONFIG_NAME
    if not cfg_path.is_file():
        raise ConfigError(
            f"{cfg_path}: file not found", hint="an engagement folder needs client.yaml"
        )
    try:
        data = yaml.load(cfg_path.read_text(encoding="utf-8-sig"), Loader=_Loader)  # noqa: S506 - a SafeLoader
    except UnicodeDecodeError:
        raise ConfigError(f"{cfg_path}: expected UTF-8 text") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f", line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or "invalid YAML"
        raise ConfigError(f"{cfg_path}{line}: {problem}") from None
    return Engagement(
        root=root, config=ClientConfig.from_dict(data or {}, where=str(cfg_path))
    )


@dataclass(frozen=True, kw_only=True, slots=True)
class CollectContext:
    """What a collector is given: the engagement and the time of collection."""

    engagement: Engagement
    collected_at: datetime
