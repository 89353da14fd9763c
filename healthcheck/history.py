"""Earlier quarters carried forward: each assessment keeps the ones before it.

``history[]`` of an assessment is the previous assessment's own history plus
that assessment, so eight quarters travel from file to file without any
quarter's folder having to be at hand. A previous file of an older schema
(no ``history``) simply starts the history with itself.
"""

from __future__ import annotations

from healthcheck.model import Assessment, HistoryEntry

#: Earlier quarters kept: two years.
MAX_HISTORY = 8


def carried(previous: Assessment | None) -> tuple[HistoryEntry, ...]:
    """The history of the quarter after ``previous``, oldest first.

    A period listed twice (a quarter assessed again) keeps its latest entry.
    """
    if previous is None:
        return ()
    latest: dict[str, HistoryEntry] = {}
    for entry in (*previous.history, HistoryEntry.of(previous)):
        latest.pop(entry.period, None)
        latest[entry.period] = entry
    ordered = sorted(latest.values(), key=lambda e: e.as_of)
    return tuple(ordered[-MAX_HISTORY:])
