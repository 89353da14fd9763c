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

from healthcheck import zones
from healthcheck.errors import ConfigError
from healthcheck.i18n import LANGUAGES
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
    "emergency_accounts",
    "timezone",
    "licence_prices",
    "branding",
    "report",
}

#: Sections validated by the module that owns them (a collector, the engine,
#: the cost model); here they are only carried, and saved with the evidence.
#: They must never hold a secret: name an environment variable instead.
SECTIONS: dict[str, str] = {
    "column_mappings": "exports collector: date order and unknown vendors' columns",
    "graph": "graph collector: tenant, app registration, auth mode, cloud endpoints",
    "rules": "engine: per-rule parameter overrides and accepted risks",
    "dns": "dns collector: mail domains to check, resolver, port and timeout",
}

_KNOWN_KEYS = _CORE_KEYS | set(SECTIONS)
_PERIOD = re.compile(r"^\d{4}-(Q[1-4]|H[12]|\d{2})$")
_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")

#: Report languages: those with a locale. A tuple, so an unhashable YAML
#: value (a list) is simply not one of them.
REPORT_LANGUAGES = tuple(LANGUAGES)
#: Brand file keys and the file types each accepts, with their magic bytes.
_IMAGE_TYPES: dict[str, tuple[bytes, ...]] = {
    ".png": (b"\x89PNG",),
    ".jpg": (b"\xff\xd8",),
    ".jpeg": (b"\xff\xd8",),
    ".svg": (b"<",),
}
_FONT_TYPES: dict[str, tuple[bytes, ...]] = {
    ".ttf": (b"\x00\x01\x00\x00", b"true"),
    ".otf": (b"OTTO",),
    ".woff": (b"wOFF",),
    ".woff2": (b"wOF2",),
}
BRAND_FILES: dict[str, dict[str, tuple[bytes, ...]]] = {
    "logo": _IMAGE_TYPES,
    "client_logo": _IMAGE_TYPES,
    "font": _FONT_TYPES,
    "font_bold": _FONT_TYPES,
}
#: A brand file larger than this is refused: it would bloat every PDF.
MAX_BRAND_FILE = 4 * 1024 * 1024
_BRAND_TEXTS = ("company", "contact", "footer", "confidentiality")
_COLOUR_KEYS = {"primary": "#0f2a4a", "accent": "#c2410c"}


class _Loader(yaml.SafeLoader):
    """SafeLoader that leaves dates as text, so a bad date is our error message."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


@dataclass(frozen=True, kw_only=True, slots=True)
class Branding:
    """The consultant's look: names, colours and brand files.

    ``files`` maps a key of ``BRAND_FILES`` to its path as written in
    ``client.yaml``, relative to the engagement folder. The renderer gets
    the copies saved with the evidence, never these paths.
    """

    company: str = ""
    contact: str = ""
    footer: str = ""
    confidentiality: str = ""
    primary: str = _COLOUR_KEYS["primary"]
    accent: str = _COLOUR_KEYS["accent"]
    files: Mapping[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The ``client.yaml`` form."""
        out: dict[str, Any] = {k: getattr(self, k) for k in _BRAND_TEXTS}
        out["colours"] = {"primary": self.primary, "accent": self.accent}
        return {**out, **self.files}

    @classmethod
    def from_dict(cls, raw: Any, where: str) -> Branding:
        """Validate the ``branding`` section (file existence is checked later)."""
        if raw is None:
            return cls()
        if not isinstance(raw, Mapping):
            raise ConfigError(f"{where}: key 'branding': expected a mapping")
        known = {*_BRAND_TEXTS, "colours", *BRAND_FILES}
        _no_unknown(raw, known, where, "branding")
        texts = {}
        for key in _BRAND_TEXTS:
            value = raw.get(key) or ""
            if not isinstance(value, str):
                raise ConfigError(f"{where}: key 'branding.{key}': expected text")
            texts[key] = value.strip()
        colours = raw.get("colours") or {}
        if not isinstance(colours, Mapping):
            raise ConfigError(
                f"{where}: key 'branding.colours': expected primary and accent"
            )
        _no_unknown(colours, set(_COLOUR_KEYS), where, "branding.colours")
        chosen = {}
        for key, default in _COLOUR_KEYS.items():
            value = colours.get(key, default)
            if not isinstance(value, str) or not _COLOUR.match(value):
                raise ConfigError(
                    f"{where}: key 'branding.colours.{key}': expected a colour "
                    f"like #0f2a4a, got {value!r}"
                )
            chosen[key] = value.lower()
        files = {}
        for key, types in BRAND_FILES.items():
            value = raw.get(key)
            if value is None or value == "":
                continue
            if not isinstance(value, str):
                raise ConfigError(
                    f"{where}: key 'branding.{key}': expected a file path"
                )
            if "://" in value:
                raise ConfigError(
                    f"{where}: key 'branding.{key}': expected a local file, "
                    f"got a URL {value!r}"
                )
            if Path(value).suffix.lower() not in types:
                raise ConfigError(
                    f"{where}: key 'branding.{key}': expected a "
                    f"{', '.join(types)} file, got {value!r}"
                )
            files[key] = value
        return cls(
            **texts, primary=chosen["primary"], accent=chosen["accent"], files=files
        )


@dataclass(frozen=True, kw_only=True, slots=True)
class ReportSettings:
    """The ``report`` section: language, and last quarter to compare with."""

    language: str = "en"
    #: An earlier ``assessment.json`` (or its folder), relative to the
    #: engagement folder.
    previous: str = ""

    def to_dict(self) -> dict[str, Any]:
        """The ``client.yaml`` form."""
        return {"language": self.language, "previous": self.previous}

    @classmethod
    def from_dict(cls, raw: Any, where: str) -> ReportSettings:
        """Validate the ``report`` section."""
        if raw is None:
            return cls()
        if not isinstance(raw, Mapping):
            raise ConfigError(f"{where}: key 'report': expected a mapping")
        _no_unknown(raw, {"language", "previous"}, where, "report")
        lang = raw.get("language") or "en"
        if lang not in REPORT_LANGUAGES:
            raise ConfigError(
                f"{where}: key 'report.language': expected one of "
                f"{', '.join(REPORT_LANGUAGES)}, got {lang!r}"
            )
        previous = raw.get("previous") or ""
        if not isinstance(previous, str):
            raise ConfigError(
                f"{where}: key 'report.previous': expected a path to an "
                "earlier assessment.json"
            )
        return cls(language=lang, previous=previous)


def _no_unknown(raw: Mapping[str, Any], known: set[str], where: str, at: str) -> None:
    for key in raw:
        if key not in known:
            close = difflib.get_close_matches(str(key), known, n=1)
            hint = (
                f"did you mean '{close[0]}'?"
                if close
                else ("known keys: " + ", ".join(sorted(known)))
            )
            raise ConfigError(f"{where}: key '{at}.{key}': unknown key", hint=hint)


def _inside(root: Path, rel: str, key: str, where: str) -> Path:
    """``root / rel`` if it resolves inside ``root``, symbolic links followed.

    A brand file is copied into the evidence and the report: a path or a link
    that leads out of the engagement folder could carry any file the
    consultant can read (``../../.ssh/id_rsa`` renamed ``.png``) into it.
    """
    path = root / rel
    if not path.resolve().is_relative_to(root.resolve()):
        raise ConfigError(
            f"{where}: key 'branding.{key}': {rel} leads outside the engagement folder",
            hint="copy the file into the engagement folder, not a link to it",
        )
    return path


def check_brand_file(path: Path, key: str, where: str) -> Path:
    """``path`` if it is a readable brand file of the type its name says.

    Raises:
        ConfigError: missing, too large, or not what its suffix claims.
    """
    label = f"{where}: key 'branding.{key}'"
    if not path.is_file():
        raise ConfigError(f"{label}: file not found: {path}")
    size = path.stat().st_size
    if size > MAX_BRAND_FILE:
        raise ConfigError(
            f"{label}: {path} is {size // 1024} KiB; brand files may be at most "
            f"{MAX_BRAND_FILE // (1024 * 1024)} MiB"
        )
    head = path.read_bytes()[:512].lstrip(b"\xef\xbb\xbf \t\r\n")
    magic = BRAND_FILES[key][path.suffix.lower()]
    if not head.startswith(magic):
        raise ConfigError(
            f"{label}: {path} is not a {path.suffix.lower()} file by its content"
        )
    return path


@dataclass(frozen=True, kw_only=True, slots=True)
class ClientConfig:
    """Validated engagement settings."""

    client_name: str
    period: str
    currency: str = "EUR"
    inactive_days: int = 90
    #: Emergency access (break-glass) accounts: UPNs, or object ids of the
    #: accounts or of the group that excludes them from Conditional Access.
    emergency_accounts: tuple[str, ...] = ()
    as_of: date | None = None
    #: IANA zone the report shows times in; the collecting machine's by default.
    timezone: str = zones.DEFAULT
    licence_prices: Mapping[str, Decimal] = field(default_factory=dict)
    branding: Branding = field(default_factory=Branding)
    report: ReportSettings = field(default_factory=ReportSettings)
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
            **(
                {"emergency_accounts": list(self.emergency_accounts)}
                if self.emergency_accounts
                else {}
            ),
            "as_of": self.as_of.isoformat() if self.as_of else None,
            "timezone": self.timezone,
            "licence_prices": prices_to_json(self.licence_prices),
            "branding": self.branding.to_dict(),
            "report": self.report.to_dict(),
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
        emergency = _emergency_accounts(data.get("emergency_accounts"), where)
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
        zone = data.get("timezone")
        if zone is None:
            zone = zones.machine_zone()
        elif not isinstance(zone, str) or not zones.valid(zone):
            close = zones.suggestions(str(zone))
            raise ConfigError(
                f"{where}: key 'timezone': expected a time zone like "
                f"Europe/Helsinki, got {zone!r}",
                hint=f"did you mean '{close[0]}'?" if close else None,
            )
        return cls(
            extra={k: data[k] for k in SECTIONS if k in data},
            client_name=name.strip(),
            period=period,
            currency=currency,
            inactive_days=days,
            emergency_accounts=emergency,
            as_of=as_of,
            timezone=zone,
            licence_prices=prices,
            branding=Branding.from_dict(data.get("branding"), where),
            report=ReportSettings.from_dict(data.get("report"), where),
        )


_OBJECT_ID = re.compile(r"^[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")


def _emergency_accounts(raw: Any, where: str) -> tuple[str, ...]:
    """``emergency_accounts``: a list of UPNs or object ids (GUIDs)."""
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise ConfigError(
            f"{where}: key 'emergency_accounts': expected a list of accounts",
            hint="emergency_accounts: [bg-admin1@contoso.onmicrosoft.com, ...]",
        )
    out = []
    for n, item in enumerate(raw):
        text = item.strip() if isinstance(item, str) else ""
        if not ("@" in text or _OBJECT_ID.match(text)):
            raise ConfigError(
                f"{where}: key 'emergency_accounts[{n}]': expected a user principal "
                f"name or an object id, got {item!r}"
            )
        out.append(text)
    return tuple(out)


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
        term = value.get("term", "")
        if term not in ("", *TERMS):
            raise ConfigError(
                f"{where}: key '{key}.term': expected {', '.join(TERMS[:-1])} "
                f"or {TERMS[-1]}, got {term!r}"
            )
        if "price" not in value and not term:
            raise ConfigError(
                f"{where}: key '{key}.price': expected a monthly price like 18.50 "
                "(or a term alone, to use the list price with its uplift)"
            )
        note = value.get("note", "")
        if not isinstance(note, str):
            raise ConfigError(f"{where}: key '{key}.note': expected text")
        entries[str(sku).upper()] = LicencePrice(
            price=(
                _money(value["price"], where, f"{key}.price")
                if "price" in value
                else None
            ),
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
    _check_encodable(data, str(cfg_path))
    config = ClientConfig.from_dict(data or {}, where=str(cfg_path))
    for key, rel in config.branding.files.items():
        check_brand_file(_inside(root, rel, key, str(cfg_path)), key, str(cfg_path))
    if config.report.previous and not (root / config.report.previous).exists():
        raise ConfigError(
            f"{cfg_path}: key 'report.previous': not found: "
            f"{root / config.report.previous}",
            hint="name an earlier assessment.json, or the report folder holding it",
        )
    return Engagement(root=root, config=config)


def _check_encodable(node: Any, where: str, at: str = "") -> None:
    r"""Refuse text that cannot be written out again as UTF-8.

    YAML's double-quoted escapes can spell lone UTF-16 surrogates
    (``"\ud83d\ude00"``, JSON's way to write an emoji); no file, PDF or
    workbook can hold them, so they are the config's error, not a crash later.
    """
    if isinstance(node, Mapping):
        for key, value in node.items():
            path = f"{at}.{key}" if at else str(key)
            _check_encodable(key, where, path)
            _check_encodable(value, where, path)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            _check_encodable(value, where, f"{at}[{i}]")
    elif isinstance(node, str):
        try:
            node.encode("utf-8")
        except UnicodeEncodeError as exc:
            # The key path may hold the bad character too: print it escaped.
            shown = at.encode("utf-8", "backslashreplace").decode("utf-8")
            raise ConfigError(
                f"{where}: key '{shown}': text holds a character that is not valid "
                f"Unicode ({node[exc.start]!r} at position {exc.start + 1})",
                hint="write the character itself, or \\U0001F600 for one above "
                "U+FFFF, not a \\ud83d\\ude00 surrogate pair",
            ) from None


@dataclass(frozen=True, kw_only=True, slots=True)
class CollectContext:
    """What a collector is given: the engagement and the time of collection."""

    engagement: Engagement
    collected_at: datetime
    #: Datasets other collectors delivered, for a collector that reads them
    #: (one whose ``needs`` names them runs after the rest): the dns collector
    #: looks up the accepted domains Graph or an export gave.
    delivered: Mapping[str, Any] = field(default_factory=dict)
