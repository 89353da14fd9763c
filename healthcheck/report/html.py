"""Render the report HTML with jinja2: autoescaped, strict, overridable.

A client branding folder (later issues) goes first in a ``ChoiceLoader``; the
packaged templates stay reachable as ``default:NAME`` so an override can
extend rather than copy, as datasette does.
"""

from __future__ import annotations

import functools
import re
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup, escape

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
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["breakable"] = breakable
    return env


#: Where a long name (a file, a UPN, a device) may break across lines: after
#: these separators, never inside a word ("usage_active_users_de tail.csv").
_SEPARATORS = re.compile(r"([_.@/\\-]+)")


def breakable(name: object) -> Markup:
    """``name`` escaped, with a line-break opportunity after each separator."""
    parts = _SEPARATORS.split(str(name))
    return Markup("").join(
        Markup(escape(p)) + (Markup("<wbr>") if n % 2 else Markup(""))
        for n, p in enumerate(parts)
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
