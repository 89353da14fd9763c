"""A new engagement folder, and the interview workbook's layout.

``healthcheck init DIR`` writes ``client.yaml`` (commented), ``exports/`` (with
a README of the files to drop there) and ``interview.xlsx``: an Instructions
sheet and an Interview sheet with one row per question of
``catalog/interview.toml``, drop-down answers and date-checked review dates.

The interview collector reads what this module writes, so the sheet name,
headers, allowed answers and question ids are defined here once.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

from healthcheck.errors import ConfigError
from healthcheck.model import Layer

SHEET = "Interview"
INSTRUCTIONS_SHEET = "Instructions"
#: Canonical column -> header in row 1 of the Interview sheet.
HEADERS = {
    "question_id": "ID",
    "layer": "Layer",
    "question": "Question",
    "answer": "Answer",
    "owner": "Owner",
    "last_reviewed": "Last reviewed",
    "notes": "Notes",
}
#: Extra column, for the interviewer only; the collector ignores it.
HELP_HEADER = "What counts as Yes"
ALLOWED = ("Yes", "Partly", "No", "Don't know")


@dataclass(frozen=True, kw_only=True, slots=True)
class Question:
    """One interview question, asked for one interview-based rule."""

    id: str
    rule: str
    text: str
    help: str = ""

    @property
    def layer(self) -> Layer:
        """The layer of the rule the answer feeds."""
        return next(layer for layer in Layer if self.rule.startswith(layer.code))


def load_questions(source: Traversable | Path | None = None) -> tuple[Question, ...]:
    """The questions of ``interview.toml`` in a catalogue folder (packaged default).

    Raises:
        ValueError: a question lacks a field, or an id or rule repeats.
    """
    pkg = resources.files("healthcheck.catalog") if source is None else source
    data = tomllib.loads(pkg.joinpath("interview.toml").read_text("utf-8"))
    out = []
    for entry in data.get("question", []):
        missing = [k for k in ("id", "rule", "text") if not entry.get(k)]
        if missing:
            raise ValueError(f"catalog/interview.toml: a question lacks {missing}")
        out.append(
            Question(
                id=entry["id"],
                rule=entry["rule"],
                text=entry["text"],
                help=entry.get("help", ""),
            )
        )
    for attr in ("id", "rule"):
        values = [getattr(q, attr) for q in out]
        if len(values) != len(set(values)):
            raise ValueError(f"catalog/interview.toml: a question {attr} repeats")
    return tuple(out)


CLIENT_YAML = """\
# Engagement settings for healthcheck. Secrets never go in this file.
client:
  name: {name}
period: {period}            # 2026-Q4, 2026-H2 or 2026-11
# as_of: {today}      # the assessment date; leave it out to use the collection date
currency: EUR               # ISO 4217 code of the prices below
inactive_days: 90           # an account unused this long counts as inactive
# timezone: Europe/Helsinki  # times in the report; default: this machine's zone
licence_prices:             # monthly price per seat, by SKU part number
  # SPB: 20.60
  # EXCHANGESTANDARD: {{price: 3.70, term: monthly, note: CSP invoice}}

# Per-rule thresholds and accepted risks (`healthcheck rules` lists the ids and
# parameters). An accepted risk needs a reason and an expiry date; after that
# date the rule counts as a fail again.
rules:
  # REV-03: {{max_admins: 5}}
  # FND-07:
  #   accept: {{reason: print server is rebuilt from a script, expires: 2027-03-31}}

# Read the tenant live through Microsoft Graph instead of (or as well as) the
# files in exports/. `healthcheck permissions .` prints the permissions the
# app needs and the admin-consent URL once tenant_id and client_id are set.
# The secret itself never goes here: only the NAME of the environment
# variable that holds it.
# graph:
#   tenant_id: contoso.onmicrosoft.com    # or the tenant's GUID
#   client_id: 11111111-2222-3333-4444-555555555555   # the app registration
#   auth: app                             # app (default) or device_code
#   client_secret_env: HEALTHCHECK_GRAPH_SECRET
#   # instead of a secret: certificate_path, certificate_thumbprint and
#   # optionally certificate_password_env

# The report's look. Files are relative to this folder and must be local; they
# are copied into the evidence, so `healthcheck report` rebuilds offline.
# branding:
#   company: Example Advisory Oy          # the consultant: cover, footer, PDF author
#   contact: Name · name@example.com · +358 40 000 0000
#   logo: branding/consultant.svg         # .png, .jpg or .svg, at most 4 MiB
#   client_logo: branding/client.png
#   colours: {{primary: "#0f2a4a", accent: "#c2410c"}}   # #rrggbb
#   font: branding/Brand-Regular.ttf      # .ttf, .otf, .woff or .woff2
#   font_bold: branding/Brand-Bold.ttf
#   footer: Example Advisory Oy · Business ID 1234567-8
#   confidentiality: Confidential. For the client's management only.

# report:
#   language: en                          # en or fi (--language overrides)
#   previous: ../2026-Q3/report         # last quarter: its assessment.json or folder

"""

#: Files ``init`` puts in ``exports/`` for the consultant, not exports: the
#: exports collector passes over them without a word.
EXPORTS_HELP_FILES = ("README.md",)

EXPORTS_README = """\
# Exports

Drop the files the client's admins download here, under any name: they are
recognised by their header row (this README itself is passed over). What
each file gives is in the healthcheck README's "An engagement folder"
section. The usual set:

- Microsoft 365 admin center: Users > Active users > Export users
- Microsoft 365 admin center: Reports > Usage > Active users, detail export
- Microsoft 365 admin center: Billing > Licenses > Export (or a saved
  Graph `subscribedSkus` response)
- Entra admin center: Users > All users > Download users (it includes guests)
- Entra ID: User registration details (MFA)
- Entra role assignments (Role, User principal name, Assignment type)
- Intune: Devices > All devices > Export
- Backup jobs: Veeam session history, Azure Backup jobs, or a list with
  Job name, Protected system, Last run, Last result, Last success
  (and optionally Off-site copy, Immutable, Last restore test)
- Patch status from the RMM or WSUS (Device name, Missing updates, Failed
  updates, Last patch install)
- Exchange Online PowerShell: Get-AcceptedDomain, Get-Mailbox,
  Get-InboxRule, Get-HostedOutboundSpamFilterPolicy, Get-DkimSigningConfig,
  each piped to Export-Csv
- Intune: Reports > Microsoft Defender Antivirus > Antivirus agent status,
  or the Defender portal's device inventory export
- Entra BitLocker key and Windows LAPS lists (Microsoft Graph PowerShell)

A missing file is not an error: the rules that need it are "not assessed".
"""

INSTRUCTIONS = (
    "Interview workbook for the quarterly IT health check.",
    "",
    "Fill in the Interview sheet with the client, one row per question:",
    "- Answer: pick Yes, Partly, No or Don't know from the list. "
    "Leave it empty if the question was not asked.",
    "- Owner: the person who keeps the document or arrangement current.",
    "- Last reviewed: the date it was last reviewed or tested (a date, "
    "e.g. 2026-03-31).",
    "- Notes: anything the report should quote.",
    "",
    "A rule passes only on Yes with an owner and a review within a year.",
    "Do not change the ID column or add rows: the run stops on an unknown id.",
)


def write_interview(
    path: Path, questions: Sequence[Question], *, language: str = "en"
) -> None:
    """Write a blank interview workbook for ``questions``.

    ``language`` sets the instructions, questions and help texts (from
    ``healthcheck/locales/<language>/rules.toml``, English from
    ``catalog/interview.toml``). Sheet names, headers, ids and the answers
    Yes, Partly, No and Don't know stay as they are in every language: the
    interview collector reads those.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.worksheet.datavalidation import DataValidation

    from healthcheck.i18n import Translator

    t = Translator(language)
    wb = Workbook()
    info = wb.active
    info.title = INSTRUCTIONS_SHEET
    lines = t.t("interview.instructions", "\n".join(INSTRUCTIONS)).split("\n")
    for n, line in enumerate(lines, start=1):
        info.cell(row=n, column=1, value=line)
    info["A1"].font = Font(bold=True, size=13)
    info.column_dimensions["A"].width = 100

    ws = wb.create_sheet(SHEET)
    header = [*HEADERS.values(), HELP_HEADER]
    ws.append(header)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for q in questions:
        text = t.t(f"interview.{q.id}.text", q.text)
        hint = t.t(f"interview.{q.id}.help", q.help) if q.help else ""
        ws.append([q.id, q.layer.value, text, None, None, None, None, hint])
    last = len(questions) + 1
    letter = {h: chr(ord("A") + i) for i, h in enumerate(header)}
    answers = DataValidation(
        type="list",
        formula1='"' + ",".join(ALLOWED) + '"',
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="Answer",
        error="Pick Yes, Partly, No or Don't know.",
    )
    answers.add(f"{letter['Answer']}2:{letter['Answer']}{last}")
    dates = DataValidation(
        type="date",
        operator="greaterThan",
        formula1="36526",  # 2000-01-01 as an Excel serial date
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="Last reviewed",
        error="Enter a date, e.g. 2026-03-31.",
    )
    col = letter["Last reviewed"]
    dates.add(f"{col}2:{col}{last}")
    ws.add_data_validation(answers)
    ws.add_data_validation(dates)
    for row in range(2, last + 1):
        ws[f"{col}{row}"].number_format = "yyyy-mm-dd"
        for name in ("Question", HELP_HEADER):
            ws[f"{letter[name]}{row}"].alignment = Alignment(wrap_text=True)
    widths = {"ID": 30, "Layer": 12, "Question": 60, "Answer": 12, "Owner": 22}
    for name, width in {**widths, "Last reviewed": 14, "Notes": 40}.items():
        ws.column_dimensions[letter[name]].width = width
    ws.column_dimensions[letter[HELP_HEADER]].width = 60
    ws.freeze_panes = "A2"
    wb.save(path)


_REPORT_COMMENTED = "# report:\n#   language: en "


def _client_yaml(name: str, period: str, today: date, language: str) -> str:
    """The commented client.yaml; a non-English engagement gets its language set."""
    text = CLIENT_YAML.format(
        # JSON strings are valid YAML: a name with a colon stays a name.
        name=json.dumps(name, ensure_ascii=False),
        period=period,
        today=today.isoformat(),
    )
    if language != "en":
        text = text.replace(_REPORT_COMMENTED, f"report:\n  language: {language} ", 1)
    return text


def create_engagement(
    folder: str | Path,
    *,
    client_name: str | None = None,
    period: str | None = None,
    today: date | None = None,
    language: str = "en",
) -> list[Path]:
    """Create an engagement folder; return the paths written.

    ``language`` is the language of the interview workbook's texts.

    Raises:
        ConfigError: the folder already holds files (an engagement is never
            overwritten).
    """
    dest = Path(folder)
    if dest.exists() and (not dest.is_dir() or any(dest.iterdir())):
        raise ConfigError(
            f"{dest}: already exists and is not empty; not overwriting an engagement",
            hint="choose a new folder name",
        )
    today = today or date.today()
    name = client_name or dest.resolve().name.replace("-", " ").title()
    period = period or f"{today.year}-Q{(today.month - 1) // 3 + 1}"
    dest.parent.mkdir(parents=True, exist_ok=True)
    # Build beside the target and move it in whole, so a failure leaves nothing.
    stage = Path(tempfile.mkdtemp(prefix=".healthcheck-init-", dir=dest.parent))
    try:
        (stage / "client.yaml").write_text(
            _client_yaml(name, period, today, language),
            encoding="utf-8",
        )
        (stage / "exports").mkdir()
        (stage / "exports" / EXPORTS_HELP_FILES[0]).write_text(
            EXPORTS_README, encoding="utf-8"
        )
        write_interview(stage / "interview.xlsx", load_questions(), language=language)
        if dest.exists():
            dest.rmdir()
        stage.rename(dest)
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    return [
        dest / "client.yaml",
        dest / "exports" / "README.md",
        dest / "interview.xlsx",
    ]
