"""``healthcheck rules`` as text, from the packaged listing of the catalogue.

``catalog/listing.json`` is generated from the rule catalogue
(:func:`healthcheck.engine.listing_text`) and a test keeps it in step, so the
rules can be listed without the engine, its TOML parsing or click: the entry
point (:mod:`healthcheck.launch`) and the click command both print this.
"""

from __future__ import annotations

from pathlib import Path

LISTING_FILE = Path(__file__).parent / "catalog" / "listing.json"
LAYERS = ("foundation", "processes", "review", "expert")
FORMATS = ("table", "json")


def rules_text(layer: str | None, fmt: str) -> str:
    """``healthcheck rules`` output in ``table`` or ``json`` format."""
    import json

    listed = [
        r
        for r in json.loads(LISTING_FILE.read_text("utf-8"))
        if layer is None or r["layer"] == layer
    ]
    if fmt == "json":
        return json.dumps(listed, indent=2) + "\n"
    return "".join(
        f"{r['id']}  {r['severity']:<8}  w{r['weight']:g}  {r['title']}\n"
        for r in listed
    )
