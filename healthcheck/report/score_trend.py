"""Secure Score over the days Graph keeps: the geometry of a small SVG line chart.

REV-13 keeps the Secure Score of each of the 90 days Graph holds in its
``measured["trend"]`` as ``[date, score, max]``; the report draws it with
``_score_trend.html``. The template only places what is computed here: no
JavaScript, no external file, and every label goes through the escaping
Jinja applies to any text.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from healthcheck.i18n import Translator

WIDTH, HEIGHT = 320.0, 90.0
#: Room for the axis labels left of and below the plot.
LEFT, BOTTOM, TOP = 44.0, 16.0, 6.0


def trend_view(measured: Mapping[str, Any], t: Translator) -> dict[str, Any] | None:
    """The chart of ``measured["trend"]``, or None when there is no series."""
    series: Sequence[Sequence[Any]] = measured.get("trend") or ()
    points = [(str(d), float(s)) for d, s, *_ in series if s is not None]
    if len(points) < 2:
        return None
    averages = [
        float(v)
        for v in (
            measured.get("similar_size_average"),
            measured.get("all_tenants_average"),
        )
        if v is not None
    ]
    average = averages[0] if averages else None
    values = [s for _, s in points] + ([average] if average is not None else [])
    low, high = min(values), max(values)
    if high - low < 1:
        low, high = low - 1, high + 1
    plot_w, plot_h = WIDTH - LEFT - 4, HEIGHT - TOP - BOTTOM

    def y(v: float) -> float:
        return round(TOP + plot_h * (1 - (v - low) / (high - low)), 1)

    step = plot_w / (len(points) - 1)
    line = " ".join(
        f"{round(LEFT + i * step, 1)},{y(s)}" for i, (_, s) in enumerate(points)
    )
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "left": LEFT,
        "right": WIDTH - 4,
        "top": TOP,
        "bottom": HEIGHT - BOTTOM,
        "points": line,
        "high": t.number(high, 1),
        "low": t.number(low, 1),
        "first": t.date(points[0][0]),
        "last": t.date(points[-1][0]),
        "average_y": y(average) if average is not None else None,
        "label": t.t(
            "report.score_trend.label",
            first=t.date(points[0][0]),
            last=t.date(points[-1][0]),
        ),
        "average_label": t.t("report.score_trend.average"),
    }
