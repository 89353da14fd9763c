"""The Graph collector: the canonical datasets, live from the client's tenant.

It runs when ``client.yaml`` has a ``graph:`` section (see :mod:`.settings`).
Every Graph resource becomes rows through the same mappers that read saved
Graph JSON (``healthcheck_collectors.exports.graph_json``), so a live call
and a saved response give identical datasets.

Failure is data: a 403 (a permission not granted) or a missing licence makes
that dataset ``failed`` with a reason naming the permission or licence, its
rules are then *not assessed*, and the rest is still collected. A lost
connection keeps the calls that finished and names those that did not.

Without Entra ID P1, ``signInActivity`` is refused; users are then read
without it and their last activity comes from the Microsoft 365 usage report
``getOffice365ActiveUserDetail(period='D180')``, parsed by the exports
collector's own usage-report format, and the run's reason says so.

Precedence: the collector is ``live``. When the engagement also has exports,
the pipeline keeps Graph's dataset and records the export's as superseded;
an export still fills any dataset Graph could not collect.
"""

from __future__ import annotations

import io
import logging
import time
from collections.abc import Iterator, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from healthcheck import datasets
from healthcheck.config import CONFIG_NAME, ClientConfig, CollectContext
from healthcheck.errors import InputError
from healthcheck.i18n import english
from healthcheck.model import CollectorRun, Message, RunStatus, SourceFile, msg

from ..exports import formats, graph_json
from ..exports.formats import Part, View
from . import endpoints, settings
from .auth import AuthFailed, Redactor, TokenSource, make_session
from .client import GraphClient, GraphError, NetworkLost, Result
from .endpoints import ENDPOINTS, Endpoint

log = logging.getLogger(__name__)

#: Graph error codes that mean "the tenant lacks a licence", not "no permission".
#: https://learn.microsoft.com/graph/api/resources/signinactivity (Entra ID P1)
LICENCE_CODES = frozenset(
    {
        "Authentication_RequestFromNonPremiumTenantOrB2CTenant",
        "AadPremiumLicenseRequired",
    }
)
_USAGE_FORMAT = "m365_usage_active_users"


class GraphCollector:
    """Collects from Microsoft Graph with msal (app-only or device code)."""

    name = "graph"
    title = "Microsoft Graph, live from the tenant (msal)"
    provides = tuple(endpoints.DATASETS)
    permissions = endpoints.permissions()
    #: Live data is the tenant as it is today: it wins over exports.
    live = True

    def __init__(self) -> None:
        #: Counters and the seconds spent fetching, for the log and benchmark.
        self.stats: Any = None
        self.fetch_seconds = 0.0

    def applies(self, ctx: CollectContext) -> bool:
        """True when client.yaml has a ``graph`` section."""
        return ctx.engagement.config.section(settings.SECTION) is not None

    def permission_lines(
        self, rules: Mapping[str, list[str]] | None = None
    ) -> list[str]:
        """Per dataset, the application permissions it needs.

        ``rules`` (dataset -> rule ids, from the caller: a collector does not
        read the catalogue) adds the rules that use each line.
        """
        return endpoints.permission_lines(rules)

    def consent_url(self, config: ClientConfig | None) -> str:
        """The admin-consent URL, filled in from ``config``'s graph section."""
        section = config.section(settings.SECTION) if config else None
        if isinstance(section, Mapping):
            # Only the ids and authority matter here: paths are not opened.
            return settings.parse(section, Path(".")).consent_url()
        return (
            f"{settings.DEFAULT_AUTHORITY}/<tenant_id>/adminconsent"
            "?client_id=<client_id>"
        )

    def collect(self, ctx: CollectContext) -> Iterator[CollectorRun]:
        """Sign in, read every endpoint, and yield one run per dataset."""
        root = ctx.engagement.root
        cfg = settings.parse(
            ctx.engagement.config.section(settings.SECTION),
            root,
            where=str(root / CONFIG_NAME),
        )
        redactor = Redactor()
        # A logger's filters act only on its own records, not its children's
        # (msal logs from msal.application, msal.authority, ...), so the
        # redactor goes on every handler of the root logger as well.
        watched: list[logging.Filterer] = [
            logging.getLogger(name)
            for name in ("msal", "urllib3", __name__)
            + tuple(n for n in logging.root.manager.loggerDict if n.startswith("msal."))
        ]
        watched += list(logging.getLogger().handlers)
        for lg in watched:
            lg.addFilter(redactor)
        try:
            yield from self._collect(ctx, cfg, redactor)
        finally:
            for lg in watched:
                lg.removeFilter(redactor)

    def _collect(
        self, ctx: CollectContext, cfg: settings.GraphSettings, redactor: Redactor
    ) -> Iterator[CollectorRun]:
        session = make_session(cfg)
        tokens = TokenSource(cfg, session, redactor=redactor)
        started = time.monotonic()
        try:
            tokens()
        except AuthFailed as exc:
            said = redacted(
                msg(
                    "collect.graph.sign_in_failed",
                    tenant=cfg.tenant_id,
                    error=str(exc),
                ),
                redactor,
            )
            for name in self.provides:
                run = CollectorRun.because(
                    said,
                    collector=self.name,
                    dataset_name=name,
                    status=RunStatus.FAILED,
                    render=english,
                )
                if name == self.provides[0]:
                    log.warning("graph: %s", run.reason)
                yield run
            return
        client = GraphClient(
            graph_endpoint=cfg.graph_endpoint,
            token=tokens,
            session=session,
            timeout=cfg.timeout,
            concurrency=cfg.concurrency,
        )
        self.stats = client.stats
        try:
            results = client.collect(ENDPOINTS[k] for k in endpoints.PRIMARY)
        except AuthFailed as exc:  # a renewal failed mid-collection
            results = {}
            lost: Message | None = redacted(
                msg("collect.graph.sign_in_lost", error=str(exc)), redactor
            )
        else:
            lost = None
        activity: Part | None = None
        activity_source: SourceFile | None = None
        users_note: Message | None = None
        users = results.get("users")
        if users is not None and _signin_refused(users.error):
            assert users.error is not None
            users_note, activity, activity_source = self._fallback(
                client, results, users.error
            )
        self.fetch_seconds = time.monotonic() - started
        log.info(
            "graph: %d HTTP requests, %d Graph requests, %d throttled, %.1f s",
            client.stats.http_requests,
            client.stats.graph_requests,
            client.stats.throttled,
            self.fetch_seconds,
        )
        builder = _Builder(ctx, self.name, results, cfg, redactor, lost)
        yield from builder.skus()
        yield from builder.users(activity, activity_source, users_note)
        yield from builder.simple(
            "devices", "managedDevices", graph_json.managed_devices
        )
        yield from builder.roles()
        yield from builder.simple(
            "mfa_registration",
            "userRegistrationDetails",
            graph_json.registration_details,
        )
        for name, key in (
            ("security_defaults", "securityDefaults"),
            ("conditional_access_policies", "conditionalAccessPolicies"),
            ("secure_scores", "secureScores"),
        ):
            yield from builder.simple(name, key, graph_json.POLICY_MAPPERS[key])
        for name, key in (
            ("accepted_domains", "domains"),
            ("bitlocker_keys", "bitlockerRecoveryKeys"),
            ("laps_credentials", "deviceLocalCredentials"),
        ):
            yield from builder.simple(name, key, graph_json.DEVICE_MAPPERS[key])

    def _fallback(
        self, client: GraphClient, results: dict[str, Result], err: GraphError
    ) -> tuple[Message | None, Part | None, SourceFile | None]:
        """Users without signInActivity, and last activity from the usage report."""
        why = (
            msg("collect.graph.no_licence", licence=ENDPOINTS["users"].licence)
            if _licence_refused(err)
            else msg("collect.graph.no_auditlog")
        )
        try:
            basic = client.collect([ENDPOINTS["users_basic"]])["users_basic"]
        except AuthFailed:
            return None, None, None
        results["users"] = basic
        report = ENDPOINTS["activeUserDetail"]
        note = msg("collect.graph.usage_fallback", why=why)
        try:
            text, digest = client.get_text(report)
        except (GraphError, NetworkLost) as exc:
            reason = (
                _reason(report, exc, None) if isinstance(exc, GraphError) else str(exc)
            )
            return (
                msg("collect.graph.usage_fallback_failed", why=why, reason=reason),
                None,
                None,
            )
        try:
            part = usage_activity(text, f"graph:{report.path}")
        except InputError as exc:
            return (
                msg("collect.graph.usage_fallback_unusable", why=why, error=str(exc)),
                None,
                None,
            )
        source = SourceFile(
            path=f"graph:{report.path}",
            format=_USAGE_FORMAT,
            sha256=digest,
            rows_read=len(part.frame),
            rows_rejected=len(part.rejected),
        )
        return note, part, source


def usage_activity(text: str, source: str) -> Part:
    """Parse a getOffice365ActiveUserDetail CSV with the exports' usage format.

    Graph serves the same CSV the admin center exports, with ISO dates
    (https://learn.microsoft.com/graph/api/reportroot-getoffice365activeuserdetail),
    so the file-based format's converter reads it unchanged.

    Raises:
        InputError: not that report, or user names are concealed.
    """
    frame = pd.read_csv(
        io.StringIO(text), dtype=str, keep_default_na=False, na_filter=False
    )
    frame.columns = [str(c).strip() for c in frame.columns]
    fmt = next(f for f in formats.TABLE_FORMATS if f.id == _USAGE_FORMAT)
    headers = list(frame.columns)
    lacking = fmt.missing(headers)
    if lacking:
        raise InputError(
            f"not the Active users detail report (lacks {lacking[0]!r})", file=source
        )

    def iso_dates(cells: pd.Series, column: str) -> tuple[pd.Series, pd.Series]:
        text = cells.astype("string").str.strip()
        missing = text.isna() | text.str.lower().isin(datasets.NO_DATE)
        parsed = pd.to_datetime(text, errors="coerce", format="ISO8601")
        return parsed, parsed.isna() & ~missing

    view = View(
        frame=frame,
        source=source,
        rows=np.arange(2, len(frame) + 2),
        columns=fmt.resolve(headers),
        resolve_dates=iso_dates,
    )
    return next(p for p in fmt.convert(view) if p.dataset == "user_activity")


def _licence_refused(err: GraphError | None) -> bool:
    return err is not None and err.code in LICENCE_CODES


#: What Intune answers a tenant without an Intune plan (400 BadRequest).
_NOT_APPLICABLE = "not applicable to target tenant"


def _service_not_licensed(ep: Endpoint, err: GraphError) -> bool:
    """True when a licensed service (Intune) says the tenant does not have it."""
    return bool(ep.licence) and _NOT_APPLICABLE in str(err.message).casefold()


def _signin_refused(err: GraphError | None) -> bool:
    """True when Graph refused signInActivity (no Entra ID P1, or no AuditLog)."""
    return err is not None and (err.code in LICENCE_CODES or err.status == 403)


def _reason(ep: Endpoint, err: GraphError, consent: str | None) -> Message:
    """A reason a consultant can act on: which permission or licence is missing.

    Graph's own words (error codes and messages) and the consent URL are
    parameters; pass the message through :func:`redacted` before storing it.
    """
    where = {"code": str(err.code), "path": ep.path}
    if err.code in LICENCE_CODES or _service_not_licensed(ep, err):
        return msg(
            "collect.graph.licence_missing",
            licence=ep.licence or msg("collect.graph.licence_unnamed"),
            status=str(err.status),
            **where,
        )
    if err.status == 403:
        return msg(
            "collect.graph.permission",
            permission=ep.permission,
            error=str(err.message),
            at=msg("collect.graph.consent_at", url=consent) if consent else "",
            **where,
        )
    if err.status == 401:
        return msg(
            "collect.graph.token_refused",
            consent=msg("collect.graph.consent_url", url=consent) if consent else "",
            **where,
        )
    if err.code == "networkLost":
        return msg("collect.graph.network_lost", error=str(err.message))
    if err.code == "throttled":
        return msg("collect.graph.throttled", path=ep.path, error=str(err.message))
    error = str(err.message).rstrip()
    if not error:
        return msg("collect.graph.other_bare", status=str(err.status), **where)
    return msg("collect.graph.other", status=str(err.status), error=error, **where)


def redacted(message: Message, redact: Redactor) -> Message:
    """``message`` with every secret taken out of its text parameters."""
    return Message(message.key, _redact(message.params, redact), message.default)


def _redact(value: Any, redact: Redactor) -> Any:
    if isinstance(value, Message):
        return redacted(value, redact)
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, Mapping):
        return {k: _redact(v, redact) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_redact(v, redact) for v in value]
    return value


class _Builder:
    """Turns call results into collector runs, one dataset at a time."""

    def __init__(
        self,
        ctx: CollectContext,
        collector: str,
        results: dict[str, Result],
        cfg: settings.GraphSettings,
        redact: Redactor,
        lost: Message | None,
    ) -> None:
        self.ctx = ctx
        self.collector = collector
        self.results = results
        self.consent = cfg.consent_url()
        self.redact = redact
        self.lost = lost

    def _failed(self, name: str, reason: Message) -> CollectorRun:
        return CollectorRun.because(
            redacted(reason, self.redact),
            collector=self.collector,
            dataset_name=name,
            status=RunStatus.FAILED,
            render=english,
        )

    def _missing(self, key: str) -> Message | None:
        """Why call ``key`` gave nothing usable, or None when it arrived whole."""
        res = self.results.get(key)
        if res is None:
            return self.lost or msg("collect.graph.not_collected")
        if res.error is not None:
            return _reason(res.endpoint, res.error, self.consent)
        return None

    def _check(self, name: str, keys: tuple[str, ...]) -> CollectorRun | None:
        """A failed run if any of ``keys`` did not arrive, else None."""
        for key in keys:
            why = self._missing(key)
            if why is not None:
                run = self._failed(name, why)
                if key in self.results:  # Graph refused it: worth a warning
                    log.warning("graph: %s: %s", name, run.reason)
                return run
        return None

    def _source(self, res: Result, rejected: int = 0) -> SourceFile:
        return SourceFile(
            path=f"graph:{res.endpoint.path}",
            format=f"graph_{res.endpoint.key}",
            sha256=res.sha256.hexdigest(),
            rows_read=len(res.items),
            rows_rejected=rejected,
        )

    def _build(
        self,
        name: str,
        parts: list[tuple[Part, SourceFile]],
        reason: Message | None = None,
        extra_sources: tuple[SourceFile, ...] = (),
    ) -> CollectorRun:
        raw = pd.concat([p.frame for p, _ in parts], ignore_index=True)
        origin = [(src.path, int(r)) for p, src in parts for r in p.rows]
        try:
            ds = datasets.build(
                name,
                raw,
                collector=self.collector,
                collected_at=self.ctx.collected_at,
                origin=origin,
                sources=[s for _, s in parts] + list(extra_sources),
                rejected=[r for p, _ in parts for r in p.rejected],
                source_columns=parts[0][0].source_columns,
            )
        except InputError as exc:
            return CollectorRun(
                collector=self.collector,
                dataset_name=name,
                status=RunStatus.FAILED,
                reason=self.redact(str(exc)),
            )
        if reason is None:
            return CollectorRun(
                collector=self.collector,
                dataset_name=name,
                status=RunStatus.OK,
                dataset=ds,
            )
        return CollectorRun.because(
            redacted(reason, self.redact),
            collector=self.collector,
            dataset_name=name,
            status=RunStatus.OK,
            render=english,
            dataset=ds,
        )

    def simple(self, name: str, key: str, mapper: Any) -> Iterator[CollectorRun]:
        """A dataset made from one call by one mapper."""
        failed = self._check(name, (key,))
        if failed:
            yield failed
            return
        res = self.results[key]
        parts = mapper(res.items, f"graph:{res.endpoint.path}", {})
        yield self._build(name, [(p, self._source(res)) for p in parts])

    def skus(self) -> Iterator[CollectorRun]:
        """licence_skus from subscribedSkus."""
        yield from self.simple(
            "licence_skus", "subscribedSkus", graph_json.subscribed_skus
        )

    def users(
        self,
        activity: Part | None,
        activity_source: SourceFile | None,
        note: Message | None,
    ) -> Iterator[CollectorRun]:
        """The users and licence_assignments datasets, with last activity."""
        failed = self._check("users", ("users",))
        if failed:
            yield failed
            yield replace(failed, dataset_name="licence_assignments")
            return
        res = self.results["users"]
        skus = self.results.get("subscribedSkus")
        sku_ids = graph_json.sku_ids(skus.items) if skus and skus.ok else {}
        user_part, lic_part = graph_json.users(
            res.items, f"graph:{res.endpoint.path}", {"sku_ids": sku_ids}
        )
        src = self._source(res)
        extra: tuple[SourceFile, ...] = ()
        if activity is not None and activity_source is not None:
            user_part = Part(
                dataset="users",
                frame=_join_activity(user_part.frame, activity.frame),
                rows=user_part.rows,
                source_columns=user_part.source_columns,
                rejected=list(user_part.rejected) + list(activity.rejected),
            )
            extra = (activity_source,)
        yield self._build("users", [(user_part, src)], note, extra)
        lic_note = (
            None
            if sku_ids or not res.items
            else msg("collect.graph.skus_not_collected")
        )
        yield self._build("licence_assignments", [(lic_part, src)], lic_note)

    def roles(self) -> Iterator[CollectorRun]:
        """role_assignments: permanent, plus eligible where PIM answers."""
        name = "role_assignments"
        failed = self._check(name, ("roleDefinitions", "roleAssignments"))
        if failed:
            yield failed
            return
        names = {
            str(d.get("id")): d.get("displayName")
            for d in self.results["roleDefinitions"].items
        }
        parts = []
        note: Message | None = None
        for key, kind in (
            ("roleAssignments", "permanent"),
            ("roleEligibilitySchedules", "eligible"),
        ):
            why = self._missing(key)
            if why is not None:
                note = msg("collect.graph.pim_not_collected", why=why)
                continue
            res = self.results[key]
            items: list[Mapping[str, Any]] = [
                dict(
                    i,
                    roleDefinition={
                        "displayName": names.get(str(i.get("roleDefinitionId")))
                    },
                )
                for i in res.items
            ]
            for p in graph_json.role_assignments(
                items, f"graph:{res.endpoint.path}", {"assignment": kind}
            ):
                parts.append((p, self._source(res)))
        yield self._build(name, parts, note)


def _join_activity(users: pd.DataFrame, activity: pd.DataFrame) -> pd.DataFrame:
    """Add ``last_activity``: the latest date per user; users not listed stay empty."""
    act = activity.copy()
    act["upn"] = act["upn"].astype("string").str.strip().str.lower()
    act["last_activity"] = pd.to_datetime(act["last_activity"])
    latest = act.dropna(subset=["upn"]).groupby("upn")["last_activity"].max()
    keys = users["upn"].astype("string").str.strip().str.lower()
    out = users.copy()
    out["last_activity"] = keys.map(latest).astype("datetime64[ns]").to_numpy()
    return out
