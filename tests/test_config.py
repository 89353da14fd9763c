"""client.yaml validation: every message names the file and the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from healthcheck.config import load_engagement
from healthcheck.errors import ConfigError

GOOD = "client:\n  name: Test Oy\nperiod: 2026-Q4\n"


def _load(tmp_path: Path, text: str):
    (tmp_path / "client.yaml").write_text(text, encoding="utf-8")
    return load_engagement(tmp_path)


def test_minimal_config_has_defaults(tmp_path: Path) -> None:
    cfg = _load(tmp_path, GOOD).config
    assert (cfg.client_name, cfg.period, cfg.currency, cfg.inactive_days) == (
        "Test Oy",
        "2026-Q4",
        "EUR",
        90,
    )
    assert cfg.as_of is None and dict(cfg.licence_prices) == {}


def test_prices_are_exact_decimals(tmp_path: Path) -> None:
    cfg = _load(tmp_path, GOOD + "licence_prices:\n  spb: 20.6\n  X: 0.1\n").config
    assert str(cfg.licence_prices["SPB"]) == "20.60"
    assert str(cfg.licence_prices["X"]) == "0.10"


@pytest.mark.parametrize(
    "extra,needle",
    [
        ("inactve_days: 30\n", "did you mean 'inactive_days'"),
        ("inactive_days: soon\n", "'inactive_days'"),
        ("currency: euro\n", "'currency'"),
        ("as_of: 2026-13-01\n", "'as_of'"),
        ("licence_prices:\n  SPB: cheap\n", "'licence_prices.SPB'"),
        ("licence_prices:\n  SPB: -1\n", "'licence_prices.SPB'"),
    ],
)
def test_bad_values_name_the_key(tmp_path: Path, extra: str, needle: str) -> None:
    with pytest.raises(ConfigError) as err:
        _load(tmp_path, GOOD + extra)
    assert needle in str(err.value)
    assert "client.yaml" in str(err.value)


def test_bad_period_and_missing_name(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="'period'"):
        _load(tmp_path, "client:\n  name: X\nperiod: Q4\n")
    with pytest.raises(ConfigError, match="'client.name'"):
        _load(tmp_path, "period: 2026-Q4\n")


def test_yaml_syntax_error_gives_line(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"client.yaml, line \d"):
        _load(tmp_path, GOOD + "licence_prices: [\n")
