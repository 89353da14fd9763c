"""The ``healthcheck`` command: thin click commands over :mod:`healthcheck.pipeline`.

Exit codes: 0 report written; 1 run failed, nothing replaced; 2 usage, config
or input error. A :class:`~healthcheck.errors.HealthcheckError` becomes one
line on stderr, never a traceback.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import click

from healthcheck import __version__, listing
from healthcheck.errors import HealthcheckError

EXIT_OK, EXIT_FAIL, EXIT_ERROR = 0, 1, 2


@contextlib.contextmanager
def user_errors() -> Iterator[None]:
    """Turn our errors into one line and an exit code; let bugs show a traceback."""
    try:
        yield
    except HealthcheckError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(exc.exit_code)
    except OSError as exc:
        # Disk full, permission denied, read-only folder: the user's to fix.
        where = f"{exc.filename}: " if exc.filename else ""
        click.echo(f"error: {where}{exc.strerror or exc}", err=True)
        sys.exit(EXIT_FAIL)


def _written(paths: list[Path]) -> None:
    for p in paths:
        click.echo(f"wrote {p}{'/' if p.is_dir() else ''}")


out_option = click.option(
    "--out",
    "-o",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Folder for the report, a link swapped to each new report only on success.",
)


language_option = click.option(
    "--language",
    "lang",
    type=click.Choice(["en", "fi"]),
    help="Report language (default: report.language in client.yaml, else en).",
)
previous_option = click.option(
    "--previous",
    type=click.Path(exists=True, path_type=Path),
    help="Last quarter's assessment.json, or the report folder holding it, "
    "to show the change since then.",
)


def _output_flag(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    """Remember -v or -q wherever it was given, and set the console up."""
    if not value or ctx.resilient_parsing:
        return
    flags = ctx.find_root().meta.setdefault("healthcheck.output", set())
    flags.add(param.name)
    if {"verbose", "quiet"} <= flags:
        raise click.UsageError("-v and -q cannot be used together")
    from healthcheck import progress

    progress.configure(verbose="verbose" in flags, quiet="quiet" in flags)


def output_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    """``-v`` and ``-q``, accepted before or after the subcommand."""
    for name, short, text in (
        ("quiet", "-q", "Only warnings and errors; no progress."),
        ("verbose", "-v", "Also show our own detail (never the libraries')."),
    ):
        fn = click.option(
            f"--{name}",
            short,
            name,
            is_flag=True,
            expose_value=False,
            is_eager=True,
            callback=_output_flag,
            help=text,
        )(fn)
    return fn


class _Group(click.Group):
    """Gives every subcommand ``-v``/``-q`` too, so they work after it as well."""

    def add_command(self, cmd: click.Command, name: str | None = None) -> None:
        if not any(p.name == "verbose" for p in cmd.params):
            output_options(cmd)
        super().add_command(cmd, name)


# Subgroups (``refdata``) are of the same class, so their commands get them too.
_Group.group_class = type


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="healthcheck")
@output_options
@click.pass_context
def main(ctx: click.Context) -> None:
    """Quarterly IT health check: exports in, graded report out."""
    from healthcheck import progress

    flags = ctx.meta.get("healthcheck.output", set())
    # Stages show by default; -v and -q (here or after the subcommand) adjust.
    progress.configure(verbose="verbose" in flags, quiet="quiet" in flags)


@main.command()
@click.argument("engagement", type=click.Path(path_type=Path))
@out_option
@language_option
@previous_option
def run(engagement: Path, out: Path, lang: str | None, previous: Path | None) -> None:
    """Collect ENGAGEMENT, score it and write the reports into --out.

    Writes report.pdf, findings.xlsx, assessment.json and evidence/.
    """
    from healthcheck import pipeline

    with user_errors():
        _written(pipeline.run(engagement, out, lang=lang, previous=previous))


@main.command()
@click.argument("engagement", type=click.Path(path_type=Path))
@out_option
def collect(engagement: Path, out: Path) -> None:
    """Collect ENGAGEMENT into an evidence folder --out, without scoring."""
    from healthcheck import pipeline

    with user_errors():
        _written([pipeline.collect(engagement, out)])


@main.command()
@click.argument("evidence", type=click.Path(path_type=Path))
@out_option
@language_option
@previous_option
def report(evidence: Path, out: Path, lang: str | None, previous: Path | None) -> None:
    """Rebuild the report offline from a saved EVIDENCE folder.

    The brand files and last quarter's assessment saved with the evidence
    are used, unless --previous names another.
    """
    from healthcheck import pipeline

    with user_errors():
        _written(pipeline.report(evidence, out, lang=lang, previous=previous))


@main.command()
@click.argument("root", type=click.Path(path_type=Path))
@click.option(
    "--out",
    "-o",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Folder for DIR/<client>/<period>/ reports, portfolio.xlsx and portfolio.pdf.",
)
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(min=1),
    help="Engagements run at once, each in its own process (default: CPU count).",
)
@language_option
@click.option(
    "--from-results",
    is_flag=True,
    help="ROOT holds <client>/<period>/assessment.json from runs done elsewhere: "
    "write only portfolio.xlsx and portfolio.pdf.",
)
def portfolio(
    root: Path, out: Path, jobs: int | None, lang: str | None, from_results: bool
) -> None:
    """Run every engagement ROOT/<client>/<period>/ and write the portfolio.

    Engagements whose inputs, tool and reference data are unchanged since
    their last report are up to date and not run again. One engagement's
    failure is listed and the others are still written: exit 0 when every
    engagement has a report, 1 when any failed.
    """
    from healthcheck.portfolio import pipeline as book
    from healthcheck.portfolio.runner import Outcome  # noqa: F401 - annotation

    def progress(o: Outcome) -> None:
        line = f"[{o.index}/{o.total}] {o.engagement.key}: {o.status}"
        if o.status == "written":
            shown = "–" if o.score is None else f"{o.grade} {round(o.score)}"
            line += f" ({shown}, {o.seconds:.1f} s)"
        elif o.status == "failed":
            line += f": {o.error}"
        click.echo(line, err=True)
        for w in o.warnings:
            click.echo(f"  warning: {w}", err=True)

    with user_errors():
        result = book.run(
            root,
            out,
            jobs=jobs,
            lang=lang,
            from_results=from_results,
            progress=progress,
        )
    counts = {s: 0 for s in ("written", "up to date", "failed")}
    for o in result.outcomes:
        counts[o.status] += 1
    if not from_results:
        click.echo(", ".join(f"{n} {s}" for s, n in counts.items()))
    _written(result.written)
    for path in result.up_to_date:
        click.echo(f"up to date {path}")
    for f in result.failures:
        click.echo(f"error: {f.client}/{f.period}: {f.error}", err=True)
    sys.exit(EXIT_FAIL if result.failures else EXIT_OK)


@main.command()
@click.argument("folder", type=click.Path(path_type=Path))
@click.option("--client", "client_name", help="Client name for client.yaml.")
@click.option("--period", help="Period, e.g. 2026-Q4 (default: this quarter).")
@click.option(
    "--language",
    "lang",
    type=click.Choice(["en", "fi"]),
    default="en",
    show_default=True,
    help="Language of the interview workbook and of the reports.",
)
def init(folder: Path, client_name: str | None, period: str | None, lang: str) -> None:
    """Create an engagement FOLDER: client.yaml, exports/ and interview.xlsx.

    Refuses to touch a folder that already holds files.
    """
    from healthcheck.init import create_engagement

    with user_errors():
        _written(
            create_engagement(
                folder, client_name=client_name, period=period, language=lang
            )
        )


@main.command()
def collectors() -> None:
    """List installed collectors, their datasets and permissions."""
    from healthcheck.registry import collectors as discover

    for c in discover():
        click.echo(f"{c.name}  ({c.distribution} {c.version})")
        if c.collector is None:
            click.echo(f"  failed to load: {c.error}")
            continue
        click.echo(f"  {c.collector.title}")
        click.echo(f"  datasets: {', '.join(c.provides)}")
        perms = ", ".join(c.collector.permissions) or "none (reads files)"
        click.echo(f"  permissions: {perms}")


@main.command()
@click.option(
    "--layer",
    type=click.Choice(listing.LAYERS),
    help="Only this layer.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "markdown"]),
    default="table",
    show_default=True,
    help="markdown writes the text of docs/rules.md.",
)
def rules(layer: str | None, fmt: str) -> None:
    """List the rule catalogue."""
    if fmt == "markdown":
        from healthcheck.engine import catalog_markdown, list_catalog

        chosen = [r for r in list_catalog() if layer is None or r.layer.value == layer]
        click.echo(catalog_markdown(chosen), nl=False)
        return
    # The packaged listing: no TOML parsing and no engine for a listing. The
    # entry point (healthcheck.launch) usually answers before click is loaded.
    click.echo(listing.rules_text(layer, fmt), nl=False)


@main.command()
@click.argument("previous", type=click.Path(path_type=Path))
@click.argument("current", type=click.Path(path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
)
def compare(previous: Path, current: Path, fmt: str) -> None:
    """Compare two quarters, each a report folder or an assessment.json."""
    import json

    from healthcheck import compare as cmp

    with user_errors():
        result = cmp.compare(cmp.load(previous), cmp.load(current))
    if fmt == "json":
        click.echo(json.dumps(result.to_dict(), indent=2, ensure_ascii=False))
    else:
        click.echo(cmp.render_text(result))


@main.command()
@click.argument("engagement", required=False, type=click.Path(path_type=Path))
def permissions(engagement: Path | None) -> None:
    """Print the Graph permissions each collector needs and the admin-consent URL.

    Each permission names the datasets its calls read and the rules (and the
    licence waste model) that use them. Give ENGAGEMENT to fill the URL in
    from its client.yaml.
    """
    from healthcheck.config import load_engagement
    from healthcheck.registry import collectors as discover

    with user_errors():
        config = load_engagement(engagement).config if engagement else None
        for c in discover():
            coll = c.collector
            if coll is None or not coll.permissions:
                continue
            click.echo(f"{c.name}: application permissions (Microsoft Graph)")
            if hasattr(coll, "permission_datasets"):
                lines = _permission_users(coll.permission_datasets())
            else:
                lines = list(coll.permissions)
            for line in lines:
                click.echo(f"  {line}")
            if hasattr(coll, "consent_url"):
                click.echo(f"  admin consent: {coll.consent_url(config)}")
        if config is not None and config.section("graph") is None:
            # The URL above then has <tenant_id> placeholders: say why.
            click.echo(
                f"note: {engagement}/client.yaml has no graph: section yet; "
                "uncomment the one 'healthcheck init' wrote and fill in "
                "tenant_id and client_id to get this client's consent URL",
                err=True,
            )


def _permission_users(by_permission: dict[str, list[str]]) -> list[str]:
    """One line per permission: the datasets it reads and who uses them."""
    from healthcheck.cost import DATASETS as WASTE_DATASETS
    from healthcheck.engine import list_catalog, required_datasets

    catalog = list_catalog()
    lines = []
    for perm, names in by_permission.items():
        users = sorted(
            {r.id for r in catalog if set(required_datasets(r)) & set(names)}
        )
        if set(names) & WASTE_DATASETS:
            users.append("licence waste")
        used = ", ".join(users) if users else "no rule"
        lines.append(f"{perm}: {', '.join(names)} (used by {used})")
    return lines


@main.group()
def refdata() -> None:
    """Reference tables: SKUs, OS lifecycle, Windows updates, list prices."""


@refdata.command("show")
def refdata_show() -> None:
    """List each table's date, age, copy in use and source; warn when stale."""
    from datetime import date

    from healthcheck import refdata as tables

    with user_errors():
        today = date.today()
        for info in tables.in_use():
            age = (today - info.table_date).days
            click.echo(
                f"{info.name:16} {info.table_date.isoformat()}  {age:>4} days  "
                f"{info.origin:10} {info.source}"
            )
            if age > tables.QUARTER_DAYS:
                click.echo(
                    f"warning: {info.name} is {age} days old, older than a "
                    "quarter; run 'healthcheck refdata update'"
                    + ("" if tables.SPEC[info.name].updatable else " or edit it"),
                    err=True,
                )
        click.echo(f"downloaded tables: {tables.data_dir()}")


@refdata.command("update")
@click.option(
    "--from",
    "from_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Import files downloaded elsewhere, as published, instead of "
    "downloading (recognised by their content).",
)
@click.option("--force", is_flag=True, help="Accept a table much smaller than now.")
@click.option(
    "--base-url",
    help="Send every request to this https:// host instead (a mirror); "
    "default $HEALTHCHECK_REFDATA_BASE_URL.",
)
@click.option(
    "--ca-bundle",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Extra CA bundle for the mirror; default $HEALTHCHECK_REFDATA_CA_BUNDLE. "
    "TLS is always verified.",
)
@click.option("--timeout", type=float, default=60.0, show_default=True)
def refdata_update(
    from_dir: Path | None,
    force: bool,
    base_url: str | None,
    ca_bundle: Path | None,
    timeout: float,
) -> None:
    """Download the published tables into the user's data folder.

    Microsoft's licensing CSV, endoflife.date's OS lifecycle data and
    Microsoft's Windows release information. A failed or implausible
    download leaves the tables in use untouched.
    """
    from healthcheck import refdata as tables
    from healthcheck.refdata import update

    with user_errors():
        new = update.update(
            from_dir=from_dir,
            force=force,
            base_url=base_url,
            ca_bundle=ca_bundle,
            timeout=timeout,
        )
        for name in new:
            info = tables.info(name)
            rows = len(tables.table_rows(name))
            click.echo(
                f"updated {name}: {rows} rows, {info.table_date.isoformat()} "
                f"-> {info.path}"
            )
