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

from ..exports import formats, graph_json, tenant_json
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

    def permission_datasets(self) -> dict[str, list[str]]:
        """Per application permission, the datasets that need it."""
        return endpoints.permission_datasets()

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
        members = self._group_members(client, results)
        mailboxes = self._mailbox_report(client)
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
        yield from builder.roles(members)
        yield from builder.simple(
            "mfa_registration",
            "userRegistrationDetails",
            graph_json.registration_details,
        )
        # Conditional Access names excluded users by object id: the users
        # call, when it arrived, turns them into names a report can show.
        users_res = results.get("users")
        user_ids = (
            {
                str(u.get("id", "")).lower(): str(u.get("userPrincipalName"))
                for u in users_res.items
                if u.get("id") and u.get("userPrincipalName")
            }
            if users_res is not None and users_res.ok
            else {}
        )
        for key, (name, mapper) in tenant_json.MAPPERS.items():
            yield from builder.simple(name, key, mapper, {"user_ids": user_ids})
        for name, key in (
            ("accepted_domains", "domains"),
            ("bitlocker_keys", "bitlockerRecoveryKeys"),
            ("laps_credentials", "deviceLocalCredentials"),
        ):
            yield from builder.simple(name, key, graph_json.DEVICE_MAPPERS[key])
        yield builder.mailboxes(*mailboxes)

    def _group_members(
        self, client: GraphClient, results: dict[str, Result]
    ) -> dict[str, Result]:
        """The transitiveMembers of every group holding a role, by group id.

        Twenty groups travel in one ``$batch``, as every call does.
        """
        ids = sorted(
            {
                str(i.get("principalId"))
                for key, _ in role_sources(results)[0]
                for i in results[key].items
                if _principal_type(i) == "group"
            }
        )
        if not ids:
            return {}
        try:
            got = client.collect(endpoints.group_members(g) for g in ids)
        except AuthFailed:
            return {}
        return {key.split(":", 1)[1]: res for key, res in got.items()}

    def _mailbox_report(
        self, client: GraphClient
    ) -> tuple[Part | None, SourceFile | None, Message | None]:
        """The mailbox usage report: (part, source) or the reason it is absent."""
        report = ENDPOINTS["mailboxUsageDetail"]
        try:
            text, digest = client.get_text(report)
        except GraphError as exc:
            return None, None, _reason(report, exc, None)
        except (NetworkLost, AuthFailed) as exc:
            return None, None, msg("collect.graph.network_lost", error=str(exc))
        source_name = f"graph:{report.path}"
        try:
            part = report_part(text, source_name, "m365_mailbox_usage", "mailboxes")
        except InputError as exc:
            return None, None, msg("collect.graph.reports.unusable", error=str(exc))
        source = SourceFile(
            path=source_name,
            format="m365_mailbox_usage",
            sha256=digest,
            rows_read=len(part.frame) + len(part.rejected),
            rows_rejected=len(part.rejected),
        )
        return part, source, None

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


def report_part(text: str, source: str, format_id: str, dataset: str) -> Part:
    """Parse a usage report Graph serves as CSV with the exports' format.

    Graph serves the same CSV the admin center exports, with ISO dates, so
    the file-based format's converter reads it unchanged.

    Raises:
        InputError: not that report, or user names are concealed.
    """
    frame = pd.read_csv(
        io.StringIO(text), dtype=str, keep_default_na=False, na_filter=False
    )
    frame.columns = [str(c).strip() for c in frame.columns]
    fmt = next(f for f in formats.TABLE_FORMATS if f.id == format_id)
    headers = list(frame.columns)
    lacking = fmt.missing(headers)
    if lacking:
        raise InputError(f"not the {fmt.title} (lacks {lacking[0]!r})", file=source)

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
    return next(p for p in fmt.convert(view) if p.dataset == dataset)


def usage_activity(text: str, source: str) -> Part:
    """Parse a getOffice365ActiveUserDetail CSV with the exports' usage format.

    https://learn.microsoft.com/graph/api/reportroot-getoffice365activeuserdetail

    Raises:
        InputError: not that report, or user names are concealed.
    """
    return report_part(text, source, _USAGE_FORMAT, "user_activity")


def _principal_type(item: Mapping[str, Any]) -> str:
    """user, group or serviceprincipal, from an expanded principal's @odata.type."""
    kind = str((item.get("principal") or item).get("@odata.type", ""))
    return kind.rsplit(".", 1)[-1].lower()


def role_sources(
    results: dict[str, Result],
) -> tuple[list[tuple[str, str]], GraphError | None]:
    """Which calls give the role assignments: (key, default kind), and why not PIM.

    The schedule instances tell standing ("Assigned") from PIM activations
    ("Activated") and list eligible holders; they need Entra ID P2. Without
    them (no P2, or no permission) ``roleAssignments`` stands in, every
    entry taken as permanent, and the error says why.
    """
    pim = ("roleAssignmentScheduleInstances", "roleEligibilityScheduleInstances")
    got = [results.get(k) for k in pim]
    if all(r is not None and r.ok for r in got):
        return [(pim[0], "permanent"), (pim[1], "eligible")], None
    why = next((r.error for r in got if r is not None and r.error), None)
    base = results.get("roleAssignments")
    return ([("roleAssignments", "permanent")] if base and base.ok else []), why


def _licence_refused(err: GraphError | None) -> bool:
    return err is not None and err.code in LICENCE_CODES


#: What Intune answers a tenant without an Intune plan (400 BadRequest).
_NOT_APPLICABLE = "not applicable to target tenant"


def _service_not_licensed(ep: Endpoint, err: GraphError) -> bool:
    """True when a call that needs a licence is refused in words about one.

    Intune says its service is "not applicable" to the tenant; SharePoint
    answers 400 "Tenant does not have a SPO license." rather than a licence
    code. Either is the licence, not the permission.
    """
    if not ep.licence:
        return False
    text = str(err.message).casefold()
    worded = err.status in (400, 403) and "licen" in text
    return worded or _NOT_APPLICABLE in text


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

    def simple(
        self,
        name: str,
        key: str,
        mapper: Any,
        context: Mapping[str, Any] | None = None,
    ) -> Iterator[CollectorRun]:
        """A dataset made from one call by one mapper."""
        failed = self._check(name, (key,))
        if failed:
            yield failed
            return
        res = self.results[key]
        parts = mapper(res.items, f"graph:{res.endpoint.path}", context or {})
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

    def roles(self, members: Mapping[str, Result]) -> Iterator[CollectorRun]:
        """role_assignments from the schedule instances, else roleAssignments.

        A role-assignable group's members become rows of their own, with
        ``via_group`` naming the group (the group's row stays, so a group
        whose members could not be read is still listed).
        """
        name = "role_assignments"
        failed = self._check(name, ("roleDefinitions",))
        if failed:
            yield failed
            return
        sources, why_not_pim = role_sources(self.results)
        if not sources:
            yield self._check(name, ("roleAssignments",)) or self._failed(
                name, msg("collect.graph.not_collected")
            )
            return
        names = {
            str(d.get("id")): d.get("displayName")
            for d in self.results["roleDefinitions"].items
        }
        notes: list[Message] = []
        if why_not_pim is not None:
            ep = ENDPOINTS["roleAssignmentScheduleInstances"]
            notes.append(
                msg(
                    "collect.graph.roles.no_schedules",
                    why=_reason(ep, why_not_pim, self.consent),
                )
            )
        parts = []
        seen: set[tuple[str, str, str]] = set()
        for key, kind in sources:
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
            where = f"graph:{res.endpoint.path}"
            for p in graph_json.role_assignments(items, where, {"assignment": kind}):
                p.frame["via_group"] = ""
                parts.append((p, self._source(res)))
                seen |= set(_role_keys(p.frame))
            for p, src, why in self._members(items, kind, members, seen):
                if why is not None:
                    notes.append(why)
                if p is not None and src is not None:
                    parts.append((p, src))
        note = None
        if notes:
            note = (
                notes[0]
                if len(notes) == 1
                else msg(
                    "collect.graph.roles.notes", notes={"items": notes, "sep": "; "}
                )
            )
        yield self._build(name, parts, note)

    def _members(
        self,
        items: list[Mapping[str, Any]],
        kind: str,
        members: Mapping[str, Result],
        seen: set[tuple[str, str, str]],
    ) -> Iterator[tuple[Part | None, SourceFile | None, Message | None]]:
        """Rows for the members of each group in ``items``, or why not.

        A member who holds the same role directly keeps the direct row.
        """
        for item in items:
            if _principal_type(item) != "group":
                continue
            group = item.get("principal") or {}
            label = str(group.get("displayName") or item.get("principalId"))
            res = members.get(str(item.get("principalId")))
            if res is None or not res.ok:
                why = (
                    _reason(res.endpoint, res.error, self.consent)
                    if res is not None and res.error is not None
                    else self.lost or msg("collect.graph.not_collected")
                )
                yield (
                    None,
                    None,
                    msg(
                        "collect.graph.roles.members_not_collected",
                        group=label,
                        why=why,
                    ),
                )
                continue
            rows = [dict(item, principal=m, principalId=m.get("id")) for m in res.items]
            where = f"graph:{res.endpoint.path}"
            for p in graph_json.role_assignments(rows, where, {"assignment": kind}):
                p.frame["via_group"] = label
                keys = _role_keys(p.frame)
                fresh = [k not in seen for k in keys]
                seen |= set(keys)
                kept = p.without(~np.asarray(fresh, dtype=bool))
                kept.source_columns["via_group"] = "group.displayName"
                yield kept, self._source(res), None

    def mailboxes(
        self, part: Part | None, source: SourceFile | None, why: Message | None
    ) -> CollectorRun:
        """The mailboxes dataset from the mailbox usage report."""
        if part is None or source is None:
            run = self._failed("mailboxes", why or msg("collect.graph.not_collected"))
            log.warning("graph: mailboxes: %s", run.reason)
            return run
        return self._build("mailboxes", [(part, source)])


def _role_keys(frame: pd.DataFrame) -> list[tuple[str, str, str]]:
    """(upn, role, assignment) per row, as the dataset's key compares them."""
    return [
        (
            str(u).strip().lower(),
            str(r),
            str(a).strip().lower().replace("assigned", "permanent"),
        )
        for u, r, a in zip(
            frame["upn"], frame["role"], frame["assignment"], strict=True
        )
    ]


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
