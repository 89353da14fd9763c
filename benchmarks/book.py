"""A generated book of clients for the portfolio tests and benchmark.

Each client is a copy of the sample engagement (``sample_data/aurora-logistics``)
under its own name, varied by its number so that grades differ: the interview
answered better or worse, backups fixed, admin roles trimmed. Quarters after
the first drop ``report.previous``, so the book's preceding quarter is used.
"""

from __future__ import annotations

import csv
import re
import shutil
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

import openpyxl

SAMPLE = Path(__file__).resolve().parent.parent / "sample_data" / "aurora-logistics"


def _interview(path: Path, answer: str) -> None:
    wb = openpyxl.load_workbook(path)
    ws = wb["Interview"]
    header = [c.value for c in ws[1]]
    col = {
        name: header.index(name) + 1 for name in ("Answer", "Owner", "Last reviewed")
    }
    for row in range(2, ws.max_row + 1):
        if not ws.cell(row=row, column=1).value:
            continue
        ws.cell(row=row, column=col["Answer"], value=answer)
        if answer == "Yes":
            ws.cell(row=row, column=col["Owner"], value="IT lead")
            ws.cell(row=row, column=col["Last reviewed"], value=datetime(2026, 9, 1))
    wb.save(path)


def _backups_fixed(path: Path) -> None:
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    for row in rows[1:]:
        row[3], row[4] = "Success", row[2]
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)


def vary(engagement: Path, n: int) -> None:
    """Make client ``n`` better or worse than the sample, by ``n % 4``."""
    kind = n % 4
    if kind == 1:
        _interview(engagement / "interview.xlsx", "Yes")
    elif kind == 2:
        _interview(engagement / "interview.xlsx", "Yes")
        _backups_fixed(engagement / "exports" / "backup_jobs.csv")
    elif kind == 3:
        _interview(engagement / "interview.xlsx", "No")


def engagement(dest: Path, *, name: str, period: str, n: int, first: bool) -> Path:
    """One client's quarter at ``dest``, a varied copy of the sample."""
    shutil.copytree(SAMPLE, dest)
    cfg = dest / "client.yaml"
    text = cfg.read_text(encoding="utf-8")
    text = text.replace("name: Aurora Logistics Oy", f"name: {name}", 1)
    text = re.sub(r"^period: .*$", f"period: {period}", text, count=1, flags=re.M)
    if not first:
        text = re.sub(r"^  previous: .*$", "", text, count=1, flags=re.M)
        shutil.rmtree(dest / "previous")
    cfg.write_text(text, encoding="utf-8")
    vary(dest, n)
    return dest


def make_book(
    root: Path,
    clients: int,
    *,
    periods: Iterable[str] = ("2026-Q4",),
    broken: Iterable[int] = (),
) -> list[Path]:
    """``clients`` clients in ``root``, each with ``periods``; return their folders.

    A client numbered in ``broken`` gets an interview workbook that is not a
    workbook, so its runs fail.
    """
    broken = set(broken)
    periods = list(periods)
    out = []
    for n in range(clients):
        client = root / f"client-{n:03d}"
        for i, period in enumerate(periods):
            dest = engagement(
                client / period,
                name=f"Client {n:03d} Oy",
                period=period,
                n=n,
                first=i == 0,
            )
            if n in broken:
                (dest / "interview.xlsx").write_text("not a workbook", encoding="utf-8")
        out.append(client)
    return out
