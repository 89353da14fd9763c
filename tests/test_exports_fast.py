"""The fast reading paths of issue 3 give the answers the slow ones did.

The reader makes text only of the columns a format reads and skims the rest;
numeric dates of the common zero-padded shapes are split with numpy; session
histories fold to jobs with one sort. Each test here feeds a case where a
shortcut could go wrong and checks the answer a person would expect.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from healthcheck_collectors.exports.formats import sessions_to_jobs

from healthcheck import datasets
from tests.conftest import write_csv
from tests.test_exports_formats import collect, engagement, frame

#: Intune's export with every documented column; the reader skims the ones
#: the devices dataset does not use ("Serial number", "Model", ...).
_INTUNE = [
    "Device ID",
    "Device name",
    "Enrollment date",
    "Last check-in",
    "Azure AD Device ID",
    "OS version",
    "Serial number",
    "Manufacturer",
    "Model",
    "Total storage",
    "Free storage",
    "Primary user UPN",
    "OS",
    "Ownership",
    "Compliance",
    "Managed by",
    "Encrypted",
]


def _device(n: int, **cells: str) -> list[str]:
    row = {
        "Device ID": f"id-{n}",
        "Device name": f"PC-{n}",
        "Enrollment date": "2025-01-02 10:00:00",
        "Last check-in": "2026-11-19 08:00:00",
        "OS version": "10.0.22631",
        "Serial number": f"SN{n}",
        "Model": "ThinkPad",
        "Total storage": "243852",
        "Free storage": "1000",
        "OS": "Windows",
        "Compliance": "Compliant",
        "Encrypted": "True",
    } | cells
    return [row.get(h, "") for h in _INTUNE]


def test_row_with_extra_cells_is_caught_when_columns_are_skimmed(
    tmp_path: Path,
) -> None:
    root = engagement(tmp_path)
    rows = [_device(1), _device(2) + ["spill"], _device(3)]
    write_csv(root / "exports" / "d.csv", _INTUNE, rows)
    runs, _ = collect(root)
    assert list(frame(runs, "devices")["device_id"]) == ["id-1", "id-3"]
    (bad,) = runs["devices"].dataset.rejected
    assert bad.row == 3 and "18 cells" in bad.reason


def test_summary_line_in_a_skimmed_column_is_listed(tmp_path: Path) -> None:
    # The last line's only text is in "Model", a column no rule reads.
    root = engagement(tmp_path)
    tail = [""] * len(_INTUNE)
    tail[_INTUNE.index("Model")] = "2 devices"
    write_csv(root / "exports" / "d.csv", _INTUNE, [_device(1), _device(2), tail])
    runs, _ = collect(root)
    assert len(frame(runs, "devices")) == 2
    (note,) = runs["devices"].dataset.rejected
    assert note.row == 4 and "2 devices" in note.reason


def test_row_with_text_only_in_skimmed_columns_is_not_dropped_silently(
    tmp_path: Path,
) -> None:
    # No device id, but a serial number: not a blank line, so it must be
    # rejected with its row rather than vanish.
    root = engagement(tmp_path)
    odd = [""] * len(_INTUNE)
    odd[_INTUNE.index("Serial number")] = "  SN-LOST"
    rows = [_device(1), odd, _device(2)]
    write_csv(root / "exports" / "d.csv", _INTUNE, rows)
    runs, _ = collect(root)
    assert list(frame(runs, "devices")["device_id"]) == ["id-1", "id-2"]
    assert [r.row for r in runs["devices"].dataset.rejected] == [3]


def test_date_order_from_a_skimmed_date_column(tmp_path: Path) -> None:
    # "Last check-in" alone is ambiguous; "Enrollment date", which the
    # devices dataset does not read, proves day-first (25.01.2025).
    root = engagement(tmp_path)
    rows = [
        _device(1, **{"Last check-in": "03.04.2026", "Enrollment date": "25.01.2025"}),
        _device(2, **{"Last check-in": "04.03.2026", "Enrollment date": "02.01.2025"}),
    ]
    write_csv(root / "exports" / "d.csv", _INTUNE, rows)
    runs, _ = collect(root)
    got = frame(runs, "devices")["last_check_in"].dt.strftime("%Y-%m-%d")
    assert list(got) == ["2026-04-03", "2026-03-04"]


@pytest.mark.parametrize(
    ("text", "order", "expected"),
    [
        ("20.11.2026 22:05:09", "DMY", "2026-11-20 22:05:09"),
        ("11/20/2026 22:05", "MDY", "2026-11-20 22:05:00"),
        ("20-11-2026", "DMY", "2026-11-20 00:00:00"),
        ("20.11.2026T22:05:09", "DMY", "2026-11-20 22:05:09"),
        ("20.11.2026 22.05.09", "DMY", "2026-11-20 22:05:09"),
        ("3/4/2026 2:05 PM", "MDY", "2026-03-04 14:05:00"),
        ("3/4/26 12:30 AM", "DMY", "2026-04-03 00:30:00"),
        ("29.02.2024", "DMY", "2024-02-29 00:00:00"),
        ("20.11.2026 25:00", "DMY", "2026-11-21 01:00:00"),  # rolls over
        ("29.02.2026", "DMY", None),  # no such day
        ("20.13.2026", "DMY", None),
        ("20.11.2400", "DMY", None),  # past what a timestamp holds
        ("\u0662\u0660/\u0661\u0661/\u0662\u0660\u0662\u0666", "DMY", None),
        ("20.11/2026", "DMY", None),  # two different separators
    ],
)
def test_numeric_dates(text: str, order: str, expected: str | None) -> None:
    parsed, bad = datasets.read_dates(pd.Series([text], dtype=object), order)
    if expected is None:
        assert bad.iat[0] and pd.isna(parsed.iat[0])
    else:
        assert not bad.iat[0]
        assert str(parsed.iat[0]) == expected


def test_fixed_and_regex_shapes_give_the_same_evidence() -> None:
    # Padded values go through numpy, unpadded ones through the regex: the
    # column's evidence counts both.
    cells = pd.Series(["03/04/2026", "3/14/2026", "13/4/2026", "05/06/2026"])
    ev = datasets.date_evidence(cells)
    assert (ev.day_first, ev.month_first, ev.ambiguous) == (1, 1, 2)
    assert ev.example == "03/04/2026"


def test_ambiguous_date_ending_in_utc_is_not_guessed() -> None:
    # Nothing says whether 03/04 is March or April: the value stays unread
    # (a bad cell), whatever words follow it.
    parsed, bad = datasets.read_dates(
        pd.Series(["03/04/2026 10:00:00 UTC", "05/06/2026 10:00:00 UTC"])
    )
    assert bad.all() and parsed.isna().all()


def test_never_and_blank_dates_among_many_distinct_ones() -> None:
    # Over 2,000 distinct cells take the unfactorised path.
    cells = [f"2026-01-01 {h:02d}:{m:02d}:00" for h in range(24) for m in range(60)]
    cells += [" Never ", "", "n/a", "garbage", None]
    parsed, bad = datasets.read_dates(pd.Series(cells, dtype=object))
    assert list(bad[-5:]) == [False, False, False, True, False]
    assert parsed[:-5].notna().all() and parsed[-5:].isna().all()


def test_text_values_strip_and_blank() -> None:
    many = [f"u{n}" for n in range(2500)]
    for cells in (["a", " b ", "", "  ", None, "a"], many + [" x ", "", None]):
        got = datasets.text_values(pd.Series(cells, dtype=object))
        want = [(c.strip() or None) if isinstance(c, str) else None for c in cells]
        assert got.tolist() == want


@pytest.mark.parametrize("many", [False, True])
def test_text_shortcut_only_for_text_that_needs_nothing(many: bool) -> None:
    # Clean ASCII text is taken as it is, proven with one join; a space next
    # to a separator, an empty text, a NUL inside one or other scripts must
    # each send the column through the per-value strip and lower.
    base = [f"user{n}@x.example" for n in range(2500 if many else 3)]
    for odd in (
        [],
        ["A@X.example"],
        [" a@x"],
        ["a@x\t"],
        [""],
        ["a\x00b"],
        ["\u00c4@x"],
        ["a@x\u00a0"],
        [None],
        [float("nan")],
        ["  "],
    ):
        cells = base + odd + base[:1]
        got = datasets.lower_values(pd.Series(cells, dtype=object)).tolist()
        want = [
            (c.strip().lower() or None) if isinstance(c, str) else None for c in cells
        ]
        assert got == want, odd
        text = datasets.text_values(pd.Series(cells, dtype=object)).tolist()
        assert text == [
            (c.strip() or None) if isinstance(c, str) else None for c in cells
        ], odd


def test_dmy_dates_of_one_length_among_iso_ones() -> None:
    # The d/m/y values are read from the shared byte buffer at their own
    # places, not as if they were the only texts in it.
    cells = ["2026-11-20", "03.04.2026", "2026-11-21", "13.04.2026"] * 3
    parsed, bad = datasets.read_dates(pd.Series(cells, dtype=object), "DMY")
    assert not bad.any()
    got = parsed.dt.strftime("%Y-%m-%d").tolist()
    assert got == ["2026-11-20", "2026-04-03", "2026-11-21", "2026-04-13"] * 3


def test_whole_numbers_and_the_rest() -> None:
    cells = pd.Series(["12", "1_000", "\u0663", "", "12,5"], dtype=object)
    num = datasets.parse_numbers(cells)
    assert num.iat[0] == 12 and num.iat[4] == 12.5
    assert num[1:4].isna().all()  # not numbers, or blank


def test_sessions_fold_to_latest_and_last_success() -> None:
    job = pd.Series(["B", "A", "B", "A", "B", "", "A"])
    start = pd.Series(
        pd.to_datetime(
            [
                "2026-11-18 22:00",
                "2026-11-19 22:00",
                "2026-11-19 22:00",
                "2026-11-19 22:00",  # same time as row 3: the later row wins
                None,  # never started: ignored
                "2026-11-19 01:00",
                "2026-11-17 22:00",
            ]
        )
    )
    result = pd.Series(
        ["Success", "Success", "Failed", "Warning", "Success", "Success", "Running"]
    )
    out, rows, notes = sessions_to_jobs(
        job, job, start, result, np.arange(2, 9), source="s.csv", result_column="R"
    )
    assert out["job"].tolist()[:2] == ["A", "B"] and pd.isna(out["job"].iat[2])
    assert out["last_result"].tolist() == ["warning", "failed", "success"]
    assert rows.tolist() == [5, 4, 7]
    assert out["last_success"].astype(str).tolist() == [
        "2026-11-19 22:00:00",
        "2026-11-18 22:00:00",
        "2026-11-19 01:00:00",
    ]
    assert [(n.row, n.reason.startswith("skipped")) for n in notes] == [(8, True)]


#: The sign-in log download's header as bitpusher2k's ProcessEntraSignInLog.ps1
#: (v2.9, 2024-10-14) expects it, trailing spaces included.
_SIGN_IN_HEADER = (
    "Date (UTC),Request ID,User agent,Correlation ID,User ID,User,Username,"
    "User type,Cross tenant access type,Incoming token type,Authentication "
    "Protocol,Unique token identifier,Original transfer method,Client credential "
    "type,Token Protection - Sign In Session,Token Protection - Sign In Session "
    "StatusCode,Application,Application ID ,Resource,Resource ID ,Resource tenant "
    "ID,Home tenant ID,Home tenant name,IP address,Location,Status,Sign-in error "
    "code,Failure reason,Client app,Device ID,Browser,Operating System,Compliant,"
    "Managed,Join Type,Multifactor authentication result,Multifactor "
    "authentication auth method,Multifactor authentication auth detail,"
    "Authentication requirement,Sign-in identifier,Session ID,IP address (seen by "
    "resource),Through Global Secure Access,Global Secure Access IP address,"
    "Autonomous system  number,Flagged for review,Token issuer type,Incoming token "
    "type,Token issuer name,Latency,Conditional Access,Managed Identity type,"
    "Associated Resource Id,Federated Token Id,Federated Token Issuer"
).split(",")


def test_sign_in_log_with_the_current_download_header(tmp_path: Path) -> None:
    root = engagement(tmp_path, "m365_active_users.csv", "m365_usage_active_users.csv")
    h = _SIGN_IN_HEADER

    def row(when: str, status: str) -> list[str]:
        cells = dict.fromkeys(h, "")
        cells |= {
            "Date (UTC)": when,
            "Username": "maija.virtanen@contoso.example",
            "Status": status,
        }
        return [cells[c] for c in h]

    rows = [row("2026-11-20T07:55:12Z", "Success")]
    rows.append(row("2026-11-21T09:00:00Z", "Interrupted"))  # not a sign-in
    write_csv(root / "exports" / "InteractiveSignIns.csv", h, rows)
    users = frame(collect(root)[0], "users").set_index("upn")
    assert users.at["maija.virtanen@contoso.example", "last_activity"] == (
        pd.Timestamp("2026-11-20")
    )


def test_wsus_api_export_names(tmp_path: Path) -> None:
    root = engagement(tmp_path)
    header = ["FullDomainName", "IPAddress", "Needed", "FailedCount", "Last contacted"]
    rows = [["srv-file01.contoso.local", "10.0.0.5", "3", "1", "2026-11-19 21:14"]]
    write_csv(root / "exports" / "wsus.csv", header, rows)
    runs, _ = collect(root)
    got = frame(runs, "patch_status")
    assert got["device"].tolist() == ["srv-file01.contoso.local"]
    assert got["failed_updates"].tolist() == [1]
    assert str(got["last_scan"].iat[0]) == "2026-11-19 21:14:00"
