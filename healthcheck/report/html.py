"""Render the report HTML with jinja2: autoescaped, strict, overridable.

A client branding folder (later issues) goes first in a ``ChoiceLoader``; the
packaged templates stay reachable as ``default:NAME`` so an override can
extend rather than copy, as datasette does.
"""

from __future__ import annotations

import functools
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2

from healthcheck.model import Assessment
from healthcheck.report import context


def templates_dir() -> Path:
    """The packaged template folder on disk."""
    return Path(str(resources.files("healthcheck_templates")))


@functools.cache
def environment(extra_dirs: tuple[Path, ...] = ()) -> jinja2.Environment:
    """A jinja2 environment over override folders, then the packaged templates.

    Cached: compiling the templates costs more than rendering them.
    """
    packaged = jinja2.FileSystemLoader(str(templates_dir()))
    loaders: list[jinja2.BaseLoader] = [
        jinja2.FileSystemLoader(str(d)) for d in extra_dirs
    ]
    loaders += [jinja2.PrefixLoader({"default": packaged}), packaged]
    return jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render(
    assessment: Assessment,
    options: context.ReportOptions | None = None,
    *,
    view: dict[str, Any] | None = None,
) -> str:
    """The report as one HTML document."""
    view = view or context.build(assessment, options)
    return environment().get_template("report.html").render(**view)
