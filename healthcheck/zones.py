"""Time zones: the engagement's, and times shown in it.

Times are kept as naive UTC throughout (exports rarely carry a zone); they
are shown in the engagement's zone, ``timezone`` in ``client.yaml``, by
default the zone of the machine that collected the evidence. The zone is
saved with the evidence, so a report rebuilt elsewhere shows the same times.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

DEFAULT = "UTC"


def valid(name: str) -> bool:
    """Whether ``name`` is an IANA zone this machine knows (Europe/Helsinki)."""
    if not name or name.startswith(("/", ".")) or ".." in name:
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def machine_zone() -> str:
    """The IANA name of this machine's zone: $TZ, /etc/localtime, else UTC."""
    tz = os.environ.get("TZ", "").lstrip(":")
    if valid(tz):
        return tz
    try:
        target = str(Path("/etc/localtime").resolve())
    except OSError:
        target = ""
    if "zoneinfo/" in target:
        name = target.split("zoneinfo/", 1)[1]
        if valid(name):
            return name
    tz_file = Path("/etc/timezone")
    if tz_file.is_file():
        name = tz_file.read_text(encoding="utf-8", errors="replace").strip()
        if valid(name):
            return name
    return DEFAULT


def local(value: datetime, zone: str) -> datetime:
    """A naive UTC time (or an aware one) as an aware time in ``zone``."""
    aware = value.replace(tzinfo=UTC) if value.tzinfo is None else value
    return aware.astimezone(ZoneInfo(zone or DEFAULT))


def local_naive(value: datetime, zone: str) -> datetime:
    """The wall-clock time in ``zone``, without a zone (for a spreadsheet cell)."""
    return local(value, zone).replace(tzinfo=None)


def abbreviation(value: datetime, zone: str) -> str:
    """The zone as people write it at that moment: EET, EEST, UTC, or +03."""
    return local(value, zone).tzname() or zone


def suggestions(name: str) -> list[str]:
    """Known zones that look like ``name``, for an error message."""
    import difflib

    return difflib.get_close_matches(name, sorted(available_timezones()), n=1)
