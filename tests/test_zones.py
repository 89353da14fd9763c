"""Times show their zone: client.yaml's ``timezone``, else the machine's (issue 15)."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest

from healthcheck import pipeline, zones
from healthcheck.config import ClientConfig
from healthcheck.errors import ConfigError
from healthcheck.i18n import Translator
from healthcheck.model import Assessment
from healthcheck.report import context
from tests.conftest import pdf_pages


def test_zone_defaults_to_the_machine_and_is_validated(monkeypatch) -> None:
    base = {"client": {"name": "A"}, "period": "2026-Q4"}
    monkeypatch.setenv("TZ", "America/New_York")
    assert ClientConfig.from_dict(base).timezone == "America/New_York"
    cfg = ClientConfig.from_dict({**base, "timezone": "Europe/Helsinki"})
    # Saved with the evidence as resolved, so a rebuild elsewhere agrees.
    assert cfg.to_dict()["timezone"] == "Europe/Helsinki"
    with pytest.raises(ConfigError, match="key 'timezone'") as err:
        ClientConfig.from_dict({**base, "timezone": "Europe/Helsinky"})
    assert "Europe/Helsinki" in str(err.value)
    with pytest.raises(ConfigError):
        ClientConfig.from_dict({**base, "timezone": "../../etc/passwd"})


def test_times_are_shown_in_the_zone_with_its_abbreviation() -> None:
    winter = datetime(2026, 12, 2, 4, 57)
    assert Translator("en").datetime(winter, "Europe/Helsinki") == (
        "2 December 2026 06:57\u00a0EET"
    )
    summer = datetime(2026, 7, 2, 4, 57)
    assert Translator("fi").datetime(summer, "Europe/Helsinki") == (
        "2.7.2026 klo 7.57\u00a0EEST"
    )
    assert zones.abbreviation(winter, "UTC") == "UTC"


@pytest.fixture(scope="module")
def helsinki(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import shutil

    from tests.conftest import SAMPLE

    root = tmp_path_factory.mktemp("zones")
    eng = root / "client"
    shutil.copytree(SAMPLE, eng)
    cfg = eng / "client.yaml"
    text = cfg.read_text("utf-8")
    if "timezone:" not in text:
        text = text.replace(
            "currency: EUR\n", "currency: EUR\ntimezone: Europe/Helsinki\n"
        )
    cfg.write_text(text, encoding="utf-8")
    out = root / "report"
    pipeline.run(eng, out)
    return out


def test_report_and_workbook_use_the_engagement_zone(helsinki: Path) -> None:
    data = json.loads((helsinki / "assessment.json").read_text("utf-8"))
    assert data["timezone"] == "Europe/Helsinki"
    a = Assessment.from_dict(data)
    text = "\n".join(pdf_pages(helsinki / "report.pdf"))
    local = zones.local(a.generated_at, "Europe/Helsinki")
    assert f"{local:%H:%M}\u00a0EET" in text or f"{local:%H:%M} EET" in text
    # How the assessment date and the collection relate, in days.
    collected = zones.local(a.generated_at, "Europe/Helsinki").date()
    days = (collected - date(2026, 11, 20)).days
    assert (
        f"20 November 2026: {days} days before the evidence was collected"
        in " ".join(text.split())
    )
    ws = openpyxl.load_workbook(helsinki / "findings.xlsx")["Summary"]
    cells = {r[0].value: r[1].value for r in ws.iter_rows() if r[0].value}
    shown = cells["Generated (Europe/Helsinki)"]
    assert shown == local.replace(tzinfo=None)
    book = openpyxl.load_workbook(helsinki / "findings.xlsx")
    ws = book[next(n for n in book.sheetnames if n.startswith("FND-04 "))]
    assert ws["C1"].value == "Last run (Europe/Helsinki)"
    # 02:30 UTC in November is 04:30 in Helsinki.
    assert ws["C2"].value == datetime(2026, 11, 20, 4, 30)


def test_as_of_note_same_day() -> None:
    t = Translator("en")
    a_dict = {"as_of": date(2026, 12, 2)}

    class A:
        as_of = a_dict["as_of"]
        timezone = "Europe/Helsinki"

    opts = context.ReportOptions(collected={"users": "2026-12-02T04:57:00"})
    note = context._as_of_note(t, A, opts)  # type: ignore[arg-type]
    assert note.endswith("2 December 2026, the day the evidence was collected.")
    # 23:30 UTC on 1 December is already 2 December in Helsinki.
    opts = context.ReportOptions(collected={"users": "2026-12-01T23:30:00"})
    assert "the day the evidence" in context._as_of_note(t, A, opts)  # type: ignore[arg-type]
