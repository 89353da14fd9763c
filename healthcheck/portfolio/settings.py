"""``portfolio.yaml`` in ROOT: the MSP's own look and language for the portfolio.

The same ``branding`` section as ``client.yaml`` (files relative to ROOT, and
inside it), and ``report.language``. Optional: without it the portfolio is
plain and in English (``--language`` overrides the file).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from healthcheck.config import Branding, check_brand_file
from healthcheck.errors import ConfigError
from healthcheck.i18n import check_language

SETTINGS_NAME = "portfolio.yaml"


@dataclass(frozen=True, kw_only=True, slots=True)
class Settings:
    """Look and language of the portfolio outputs."""

    branding: Branding = field(default_factory=Branding)
    #: Brand file key -> its checked path.
    brand_files: Mapping[str, Path] = field(default_factory=dict)
    language: str = "en"


def load(root: Path, language: str | None = None) -> Settings:
    """Read ``ROOT/portfolio.yaml`` if there is one; ``language`` wins over it.

    Raises:
        ConfigError: the file is not valid, or names a brand file that is
            missing, not what it claims, or outside ROOT.
    """
    path = root / SETTINGS_NAME
    raw: object = {}
    if path.is_file():
        try:
            raw = yaml.safe_load(path.read_text(encoding="utf-8-sig")) or {}
        except (yaml.YAMLError, UnicodeDecodeError) as exc:
            raise ConfigError(
                f"{path}: not valid YAML ({type(exc).__name__})"
            ) from None
    if not isinstance(raw, Mapping):
        raise ConfigError(f"{path}: expected a mapping")
    unknown = sorted(set(raw) - {"branding", "report"})
    if unknown:
        raise ConfigError(
            f"{path}: key '{unknown[0]}': unknown (expected branding, report)"
        )
    branding = Branding.from_dict(raw.get("branding"), where=str(path))
    files = {}
    for key, rel in branding.files.items():
        found = (root / rel).resolve()
        if not found.is_relative_to(root.resolve()):
            raise ConfigError(
                f"{path}: key 'branding.{key}': {rel} leads outside {root}",
                hint="copy the file into the book's folder",
            )
        files[key] = check_brand_file(found, key, str(path))
    report = raw.get("report") or {}
    if not isinstance(report, Mapping):
        raise ConfigError(f"{path}: key 'report': expected a mapping")
    lang = language or str(report.get("language") or "en")
    check_language(lang, "--language" if language else f"{path}: key 'report.language'")
    return Settings(branding=branding, brand_files=files, language=lang)
