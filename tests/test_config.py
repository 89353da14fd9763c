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


PNG_1PX = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010802000000907753de"
    "0000000c4944415408d763f8cfc0000003010100c9fe92ef0000000049454e44ae426082"
)


def test_branding_and_report_sections(tmp_path: Path) -> None:
    (tmp_path / "brand").mkdir()
    (tmp_path / "brand" / "logo.png").write_bytes(PNG_1PX)
    (tmp_path / "last.json").write_text("{}")
    cfg = _load(
        tmp_path,
        GOOD
        + "branding:\n  company: Advisory Oy\n  logo: brand/logo.png\n"
        + "  colours: {primary: '#AABBCC'}\n"
        + "report: {language: fi, previous: last.json}\n",
    ).config
    assert cfg.branding.company == "Advisory Oy"
    assert cfg.branding.primary == "#aabbcc" and cfg.branding.accent == "#c2410c"
    assert dict(cfg.branding.files) == {"logo": "brand/logo.png"}
    assert (cfg.report.language, cfg.report.previous) == ("fi", "last.json")
    # The saved form (evidence manifest) reads back the same.
    again = type(cfg).from_dict(cfg.to_dict())
    assert again.branding == cfg.branding and again.report == cfg.report


@pytest.mark.parametrize(
    "extra,needle",
    [
        ("branding:\n  colours: {primary: navy}\n", "'branding.colours.primary'"),
        ("branding:\n  colours: {primary: '#12345'}\n", "'branding.colours.primary'"),
        ("branding:\n  colours: {second: '#123456'}\n", "'branding.colours.second'"),
        ("branding:\n  logo: missing.png\n", "'branding.logo': file not found"),
        ("branding:\n  logo: fake.png\n", "'branding.logo': "),
        ("branding:\n  logo: https://x.example/l.png\n", "expected a local file"),
        ("branding:\n  font: brand.exe\n", "'branding.font'"),
        ("branding:\n  compny: X\n", "did you mean 'company'"),
        ("branding: [a]\n", "'branding'"),
        ("report: {language: sv}\n", "'report.language'"),
        ("report: {previous: nowhere/assessment.json}\n", "'report.previous'"),
        ("report: {lang: fi}\n", "'report.lang'"),
    ],
)
def test_bad_branding_and_report_name_the_key(
    tmp_path: Path, extra: str, needle: str
) -> None:
    (tmp_path / "fake.png").write_text("not a picture")
    with pytest.raises(ConfigError) as err:
        _load(tmp_path, GOOD + extra)
    assert needle in str(err.value)
    assert "client.yaml" in str(err.value)
    assert "\n" not in err.value.message


def test_oversized_brand_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "big.png").write_bytes(PNG_1PX + b"\0" * (5 * 1024 * 1024))
    with pytest.raises(ConfigError, match="at most"):
        _load(tmp_path, GOOD + "branding:\n  logo: big.png\n")


def test_init_template_branding_and_report_validate_when_uncommented(
    tmp_path: Path,
) -> None:
    from healthcheck.init import create_engagement

    root = tmp_path / "eng"
    create_engagement(root, client_name="Test Oy", period="2026-Q4")
    cfg = root / "client.yaml"
    text = cfg.read_text()
    start = text.index("# branding:")
    block = "\n".join(
        line[2:] if line.startswith("# ") and not line.startswith("# The") else line
        for line in text[start:].splitlines()
        if not line.startswith(("# The", "# are copied"))
    )
    cfg.write_text(text[:start] + block + "\n")
    (root / "branding").mkdir()
    for name in ("consultant.svg", "client.png"):
        (root / "branding" / name).write_bytes(
            PNG_1PX if name.endswith(".png") else b"<svg/>"
        )
    for name in ("Brand-Regular.ttf", "Brand-Bold.ttf"):
        (root / "branding" / name).write_bytes(b"\x00\x01\x00\x00" + b"\0" * 64)
    (tmp_path / "2026-Q3" / "report").mkdir(parents=True)
    config = load_engagement(root).config
    assert config.branding.company == "Example Advisory Oy"
    assert set(config.branding.files) == {"logo", "client_logo", "font", "font_bold"}
    assert config.report.language == "en"
    assert config.report.previous == "../2026-Q3/report"


def test_surrogate_escapes_in_client_yaml_are_an_input_error(
    engagement: Path, tmp_path: Path
) -> None:
    """Issue 14 case 9: a JSON-style surrogate pair exits 2 naming client.yaml."""
    from click.testing import CliRunner

    from healthcheck.cli import main

    cfg = engagement / "client.yaml"
    text = cfg.read_text(encoding="utf-8")
    cfg.write_text(
        text.replace("name: Aurora Logistics Oy", 'name: "Aurora \\ud83d\\ude00 Oy"'),
        encoding="utf-8",
    )
    out = tmp_path / "report"
    result = CliRunner().invoke(main, ["run", str(engagement), "--out", str(out), "-q"])
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"error: {cfg}: key 'client.name': ")
    assert "\\ud83d" in lines[0]
    assert not out.exists() or not (out / "report.pdf").exists()


def test_surrogates_in_a_key_are_shown_escaped(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"key 'licence_prices\.A\\udc80B'"):
        _load(tmp_path, GOOD + 'licence_prices:\n  "A\\udc80B": 1.0\n')


@pytest.mark.parametrize("how", ["dotdot", "symlink", "absolute", "linked_dir"])
def test_brand_files_outside_the_engagement_are_refused(
    tmp_path: Path, how: str
) -> None:
    """Issue 14 case 11: a brand file must resolve inside the engagement folder."""
    root = tmp_path / "eng"
    root.mkdir()
    outside = tmp_path / "secret.png"
    outside.write_bytes(PNG_1PX)
    rel = {
        "dotdot": "../secret.png",
        "symlink": "logo.png",
        "absolute": str(outside),
        "linked_dir": "brand/secret.png",
    }[how]
    if how == "symlink":
        (root / "logo.png").symlink_to(outside)
    if how == "linked_dir":
        (root / "brand").symlink_to(tmp_path)
    with pytest.raises(ConfigError, match="leads outside the engagement folder"):
        _load(root, GOOD + f"branding:\n  logo: {rel}\n")


def test_a_link_that_stays_inside_is_fine(tmp_path: Path) -> None:
    (tmp_path / "brand").mkdir()
    (tmp_path / "brand" / "logo.png").write_bytes(PNG_1PX)
    (tmp_path / "logo.png").symlink_to(tmp_path / "brand" / "logo.png")
    cfg = _load(tmp_path, GOOD + "branding:\n  logo: logo.png\n").config
    assert cfg.branding.files == {"logo": "logo.png"}
