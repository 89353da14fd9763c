"""The score trend over the quarters in ``history[]``: a line chart's geometry.

Plain numbers for ``_trend_chart.html`` (inline SVG, like the layer chart):
one polyline for the overall score and one per layer, broken where a
quarter has no score (not assessed is a gap, never a zero).
"""

from __future__ import annotations

from typing import Any

from healthcheck.compare import whole
from healthcheck.i18n import Translator
from healthcheck.model import Assessment, HistoryEntry, Layer

#: Drawing area inside the SVG (points are user units).
WIDTH, HEIGHT = 500, 170
LEFT, RIGHT, TOP, BOTTOM = 30, 140, 8, 24
#: Line colours per layer; the overall line takes the brand colour.
LAYER_COLOURS = {
    "foundation": "#0891b2",
    "processes": "#7c3aed",
    "review": "#d97706",
    "expert": "#64748b",
}


def _y(score: float) -> float:
    return round(TOP + (100 - score) / 100 * (HEIGHT - TOP - BOTTOM), 1)


def _segments(xs: list[float], scores: list[float | None]) -> list[str]:
    """SVG ``points`` lists, one per run of quarters that have a score."""
    out: list[str] = []
    run: list[str] = []
    for x, s in zip(xs, scores, strict=True):
        if s is None:
            if run:
                out.append(" ".join(run))
            run = []
            continue
        run.append(f"{x},{_y(s)}")
    if run:
        out.append(" ".join(run))
    return out


def build(a: Assessment, t: Translator, primary: str) -> dict[str, Any] | None:
    """The chart of ``a.history`` plus ``a`` itself; None without history."""
    if not a.history:
        return None
    quarters = [*a.history, HistoryEntry.of(a)]
    n = len(quarters)
    span = WIDTH - LEFT - RIGHT
    xs = [
        round(LEFT + (span * i / (n - 1) if n > 1 else span / 2), 1) for i in range(n)
    ]
    series = []
    for lid, colour in LAYER_COLOURS.items():
        scores = [dict((x[0], x[1]) for x in q.layers).get(lid) for q in quarters]
        layer = Layer(lid)
        series.append(
            {
                "label": f"{layer.number}. " + t.t(f"report.layer.{lid}", layer.label),
                "colour": colour,
                "width": 1.2,
                "segments": _segments(xs, scores),
                "dots": [
                    {"x": x, "y": _y(s)}
                    for x, s in zip(xs, scores, strict=True)
                    if s is not None
                ],
                "last": None,
            }
        )
    overall = [q.score for q in quarters]
    series.append(
        {
            "label": t.t("report.trend.overall"),
            "colour": primary,
            "width": 2.6,
            "segments": _segments(xs, overall),
            "dots": [
                {"x": x, "y": _y(s)}
                for x, s in zip(xs, overall, strict=True)
                if s is not None
            ],
            "last": t.integer(whole(overall[-1])) if overall[-1] is not None else None,
        }
    )
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "right": WIDTH - RIGHT,
        "bottom": HEIGHT - BOTTOM,
        "left": LEFT,
        "grid": [{"y": _y(v), "label": t.integer(v)} for v in (0, 50, 70, 90, 100)],
        "periods": [
            {"x": x, "label": q.period, "grade": q.grade or "–"}
            for x, q in zip(xs, quarters, strict=True)
        ],
        "series": series,
        "legend": [
            {
                "y": TOP + 6 + i * 14,
                "label": s["label"],
                "colour": s["colour"],
                "width": s["width"],
            }
            for i, s in enumerate(reversed(series))
        ],
        "legend_x": WIDTH - RIGHT + 12,
        "quarters": n,
    }
