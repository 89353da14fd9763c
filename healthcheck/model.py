"""The data model shared by every stage: enums and frozen dataclasses.

An :class:`Assessment` is what rules, scoring and cost produce and what every
report is rendered from. ``Assessment.to_dict()`` is the ``assessment.json``
contract documented in README.md; ``Assessment.from_dict()`` reads it back.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from healthcheck.messages import MAX_LISTED as MAX_LISTED

# Re-exported: these lived here before messages.py and are imported from here.
from healthcheck.messages import Message, message_params
from healthcheck.messages import joined as joined
from healthcheck.messages import msg as msg

if TYPE_CHECKING:
    # Only for annotations: the model is imported by commands (``rules``,
    # ``--help``) that must start without loading pandas.
    import pandas as pd


class Status(enum.StrEnum):
    """Outcome of one rule."""

    PASS = "pass"
    FAIL = "fail"
    NOT_ASSESSED = "not_assessed"
    #: A failure the client accepted, with a reason, until an expiry date.
    ACCEPTED = "accepted"


class Severity(enum.StrEnum):
    """How bad a failure is; ``factor`` multiplies the rule weight in scores."""

    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    INFO = "info"

    @property
    def factor(self) -> int:
        """Score multiplier, after prowler ThreatScore's level of risk (1-5)."""
        return {"critical": 5, "high": 4, "medium": 3, "low": 2, "info": 1}[self.value]

    @property
    def rank(self) -> int:
        """Sort key: critical first."""
        return 5 - self.factor


class Layer(enum.StrEnum):
    """The four layers of a self-healing IT environment."""

    FOUNDATION = "foundation"
    PROCESSES = "processes"
    REVIEW = "review"
    EXPERT = "expert"

    @property
    def number(self) -> int:
        """1-based position in the method."""
        return list(Layer).index(self) + 1

    @property
    def label(self) -> str:
        """Display name for reports."""
        return {
            "foundation": "Automated foundation",
            "processes": "Documented processes",
            "review": "Regular review",
            "expert": "Expert when needed",
        }[self.value]

    @property
    def code(self) -> str:
        """Rule id prefix of the layer."""
        return {
            "foundation": "FND",
            "processes": "DOC",
            "review": "REV",
            "expert": "EXP",
        }[self.value]


class RunStatus(enum.StrEnum):
    """Outcome of collecting one dataset."""

    OK = "ok"
    MISSING = "missing"
    FAILED = "failed"


@dataclass(frozen=True, kw_only=True, slots=True)
class Rejected:
    """A source row that could not be read, kept with the reason."""

    source: str
    row: int
    column: str | None
    reason: str

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "source": self.source,
            "row": self.row,
            "column": self.column,
            "reason": self.reason,
        }


@dataclass(frozen=True, kw_only=True, slots=True)
class SourceFile:
    """One input file behind a dataset, as recorded in the evidence manifest."""

    path: str
    format: str
    sha256: str
    rows_read: int
    rows_rejected: int

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "path": self.path,
            "format": self.format,
            "sha256": self.sha256,
            "rows_read": self.rows_read,
            "rows_rejected": self.rows_rejected,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SourceFile:
        """Inverse of :meth:`to_dict`."""
        return cls(
            **{
                k: data[k]
                for k in ("path", "format", "sha256", "rows_read", "rows_rejected")
            }
        )


@dataclass(frozen=True, kw_only=True, slots=True)
class Dataset:
    """A canonical dataset: validated rows with the columns its schema declares."""

    name: str
    collector: str
    frame: pd.DataFrame
    collected_at: datetime
    sources: tuple[SourceFile, ...] = ()
    rejected: tuple[Rejected, ...] = ()


@dataclass(frozen=True, kw_only=True, slots=True)
class CollectorRun:
    """The evidence ledger entry for one dataset a collector was asked for."""

    collector: str
    dataset_name: str
    status: RunStatus
    reason: str = ""
    dataset: Dataset | None = None
    #: The translatable sentence ``reason`` was rendered from (English); None
    #: for a run whose collector gave a plain string.
    message: Message | None = None

    def __post_init__(self) -> None:
        # A third-party collector may give the status as text ("ok"), as the
        # evidence stores it; an unknown one raises here, inside its collect.
        if not isinstance(self.status, RunStatus):
            object.__setattr__(self, "status", RunStatus(self.status))

    @classmethod
    def because(
        cls,
        message: Message,
        *,
        collector: str,
        dataset_name: str,
        status: RunStatus,
        render: Callable[[Message], str],
        dataset: Dataset | None = None,
    ) -> CollectorRun:
        """A run whose reason is ``message``, its English rendered by ``render``.

        ``render`` is :func:`healthcheck.i18n.english`: the English ``reason``
        comes from ``healthcheck/locales/en``, so the sentence is written once.
        It is passed in rather than imported so that the model never imports
        the i18n module, which renders the model (one-way dependency).
        Parameters holding text from outside (error messages, URLs) must be
        cleaned of secrets before the message is made: they are stored as they are.
        """
        return cls(
            collector=collector,
            dataset_name=dataset_name,
            status=status,
            reason=render(message),
            dataset=dataset,
            message=message,
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON form (without the rows: those live in the evidence folder).

        ``reason_key`` and ``reason_params`` are there when the reason is a
        message; evidence written before they existed has only ``reason``.
        """
        out: dict[str, Any] = {
            "collector": self.collector,
            "dataset": self.dataset_name,
            "status": self.status.value,
            "reason": self.reason,
        }
        if self.message is not None:
            out["reason_key"] = self.message.key
            out["reason_params"] = message_params(self.message.params)
        return out


@dataclass(frozen=True, kw_only=True, slots=True)
class ObjectTable:
    """The evidence for objects of one kind, one row per object.

    The assessment keeps one table per kind, holding every object any
    finding lists once (a device failing four rules is one row), as columns
    and rows rather than one mapping per object, so tens of thousands of
    objects stay small in ``assessment.json``. The first column names the
    object (what ``Finding.affected`` lists). ``types`` says how to read each
    column back: ``text``, ``bool``, ``int``, ``float``, ``date`` or
    ``datetime`` (ISO text in UTC in JSON, a date in the workbook).
    """

    #: ``devices``, ``accounts``, ``backup_jobs`` or ``role_holders``.
    kind: str
    columns: tuple[str, ...]
    types: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...] = ()

    def typed_rows(self, **readers_of: Callable[[Any], Any]) -> list[tuple[Any, ...]]:
        """Rows with dates as :class:`date`/:class:`datetime` again.

        ``readers_of`` replaces the reader of a type (``datetime=...``).
        """
        known = {**_READERS, **readers_of}
        readers = [known.get(t) for t in self.types]
        return [
            tuple(
                v if v is None or r is None else r(v)
                for v, r in zip(row, readers, strict=True)
            )
            for row in self.rows
        ]

    def to_dict(self) -> dict[str, Any]:
        """JSON form, part of the ``assessment.json`` contract."""
        return {
            "kind": self.kind,
            "columns": list(self.columns),
            "types": list(self.types),
            "rows": [list(r) for r in self.rows],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ObjectTable:
        """Inverse of :meth:`to_dict`."""
        return cls(
            kind=str(data["kind"]),
            columns=tuple(data["columns"]),
            types=tuple(data["types"]),
            rows=tuple(tuple(r) for r in data.get("rows", ())),
        )


_READERS: dict[str, Callable[[Any], Any]] = {
    "date": lambda v: date.fromisoformat(str(v)),
    "datetime": lambda v: datetime.fromisoformat(str(v)),
}


@dataclass(frozen=True, kw_only=True, slots=True)
class Finding:
    """The outcome of one rule, with enough catalogue text to stand alone."""

    rule_id: str
    layer: Layer
    severity: Severity
    weight: float
    title: str
    status: Status
    detail: str = ""
    reason: str = ""
    affected: tuple[str, ...] = ()
    measured: Mapping[str, Any] = field(default_factory=dict)
    evidence: tuple[str, ...] = ()
    rationale: str = ""
    remediation: str = ""
    #: The client's acceptance of this risk, whether in force or expired.
    acceptance: Acceptance | None = None
    #: The locale key and parameters ``detail`` was rendered from (English);
    #: empty for a finding without a detail or from an older assessment.
    detail_key: str = ""
    detail_params: Mapping[str, Any] = field(default_factory=dict)
    #: The same for ``reason``.
    reason_key: str = ""
    reason_params: Mapping[str, Any] = field(default_factory=dict)
    #: Compliance 0-1 (the compliant share of the population, 1 for a pass, 0
    #: for a yes/no failure); None when not assessed.
    score: float | None = None
    #: How many objects the rule judged; None for a yes/no rule.
    population: int | None = None
    #: How many objects fail when ``affected`` lists something else (seats
    #: counted, subscriptions listed); None means ``len(affected)``.
    count: int | None = None
    #: The kind of its affected objects (``devices``, ``accounts``,
    #: ``backup_jobs``, ``role_holders``): their evidence is in the
    #: assessment's table of that kind. Empty when none was found.
    object_kind: str = ""

    @property
    def affected_count(self) -> int:
        """How many objects fail."""
        return len(self.affected) if self.count is None else self.count

    def to_dict(self) -> dict[str, Any]:
        """JSON form, part of the ``assessment.json`` contract."""
        return {
            "rule_id": self.rule_id,
            "layer": self.layer.value,
            "severity": self.severity.value,
            "weight": self.weight,
            "status": self.status.value,
            "title": self.title,
            "detail": self.detail,
            "reason": self.reason,
            "affected_count": self.affected_count,
            "affected": list(self.affected),
            "measured": dict(self.measured),
            "evidence": list(self.evidence),
            "rationale": self.rationale,
            "remediation": self.remediation,
            "acceptance": self.acceptance.to_dict() if self.acceptance else None,
            "detail_key": self.detail_key,
            "detail_params": dict(self.detail_params),
            "reason_key": self.reason_key,
            "reason_params": dict(self.reason_params),
            "score": self.score,
            "population": self.population,
            **({"object_kind": self.object_kind} if self.object_kind else {}),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Finding:
        """Inverse of :meth:`to_dict`.

        A finding from before schema 2.0 has no score: it was all or nothing,
        so a pass is 1, a failure 0 (an accepted failure too), and the rest None.
        """
        status = Status(data["status"])
        if "score" in data:
            score = data["score"]
        else:
            score = {Status.PASS: 1.0, Status.FAIL: 0.0, Status.ACCEPTED: 0.0}.get(
                status
            )
        return cls(
            score=score,
            population=data.get("population"),
            count=(
                data["affected_count"]
                if data.get("affected_count", len(data.get("affected", ())))
                != len(data.get("affected", ()))
                else None
            ),
            rule_id=data["rule_id"],
            layer=Layer(data["layer"]),
            severity=Severity(data["severity"]),
            weight=float(data.get("weight", 1)),
            title=data["title"],
            status=status,
            detail=data.get("detail", ""),
            reason=data.get("reason", ""),
            affected=tuple(data.get("affected", ())),
            measured=dict(data.get("measured", {})),
            evidence=tuple(data.get("evidence", ())),
            rationale=data.get("rationale", ""),
            remediation=data.get("remediation", ""),
            acceptance=(
                Acceptance.from_dict(data["acceptance"])
                if data.get("acceptance")
                else None
            ),
            detail_key=data.get("detail_key", ""),
            detail_params=dict(data.get("detail_params") or {}),
            reason_key=data.get("reason_key", ""),
            reason_params=dict(data.get("reason_params") or {}),
            object_kind=str(data.get("object_kind") or ""),
        )


@dataclass(frozen=True, kw_only=True, slots=True)
class Acceptance:
    """A client's decision to live with a failing rule for a while."""

    reason: str
    expires: date
    #: True when the expiry date is before the assessment date: a fail again.
    expired: bool = False

    def to_dict(self) -> dict[str, Any]:
        """JSON form, part of the ``assessment.json`` contract."""
        return {
            "reason": self.reason,
            "expires": self.expires.isoformat(),
            "expired": self.expired,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Acceptance:
        """Inverse of :meth:`to_dict`."""
        return cls(
            reason=data["reason"],
            expires=date.fromisoformat(data["expires"]),
            expired=bool(data.get("expired", False)),
        )


class LayerStatus(enum.StrEnum):
    """Whether a layer's grade can be shown."""

    GRADED = "graded"
    #: Some evidence, but too little for a grade (coverage below the threshold).
    INCOMPLETE = "incomplete"
    NOT_ASSESSED = "not_assessed"


@dataclass(frozen=True, kw_only=True, slots=True)
class LayerScore:
    """Score of one layer: weighted passes over weighted assessed rules."""

    layer: Layer
    score: float | None
    grade: str | None
    coverage: float
    passed_weight: float
    assessed_weight: float
    total_weight: float
    counts: Mapping[str, int]
    status: LayerStatus = LayerStatus.GRADED
    accepted_weight: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        """JSON form, part of the ``assessment.json`` contract."""
        return {
            "id": self.layer.value,
            "number": self.layer.number,
            "label": self.layer.label,
            "score": self.score,
            "grade": self.grade,
            "coverage": self.coverage,
            "passed_weight": self.passed_weight,
            "assessed_weight": self.assessed_weight,
            "total_weight": self.total_weight,
            "accepted_weight": self.accepted_weight,
            "counts": dict(self.counts),
            "status": self.status.value,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> LayerScore:
        """Inverse of :meth:`to_dict`."""
        return cls(
            layer=Layer(data["id"]),
            score=data["score"],
            grade=data["grade"],
            coverage=data["coverage"],
            passed_weight=data["passed_weight"],
            assessed_weight=data["assessed_weight"],
            total_weight=data["total_weight"],
            counts=dict(data["counts"]),
            # Schema 1.0 files have no status: a grade means graded.
            status=LayerStatus(
                data.get("status")
                or (
                    LayerStatus.GRADED
                    if data["score"] is not None
                    else LayerStatus.NOT_ASSESSED
                )
            ),
            accepted_weight=data.get("accepted_weight", 0.0),
        )


@dataclass(frozen=True, kw_only=True, slots=True)
class Cap:
    """A ceiling on the overall score, and the rules that set it."""

    #: The best grade the overall may have.
    grade: str
    #: The highest score of that grade.
    ceiling: float
    #: The failing rules that hold the grade down, worst first.
    rule_ids: tuple[str, ...]
    #: The layer graded F, for a layer cap; None for a critical rule's cap.
    layer: Layer | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "grade": self.grade,
            "ceiling": self.ceiling,
            "rule_ids": list(self.rule_ids),
            "layer": self.layer.value if self.layer else None,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Cap:
        """Inverse of :meth:`to_dict`."""
        return cls(
            grade=data["grade"],
            ceiling=float(data["ceiling"]),
            rule_ids=tuple(data.get("rule_ids", ())),
            layer=Layer(data["layer"]) if data.get("layer") else None,
        )


@dataclass(frozen=True, kw_only=True, slots=True)
class Overall:
    """The overall grade: the mean of the graded layers, capped by severity."""

    score: float | None
    grade: str | None
    coverage: float
    #: The mean before caps; None without a score.
    uncapped_score: float | None = None
    #: The caps that apply, the strictest first.
    caps: tuple[Cap, ...] = ()
    #: How scores were computed (``healthcheck.scoring.METHOD``); an assessment
    #: from before schema 2.0 says "all-or-nothing".
    method: str = "all-or-nothing"

    @property
    def capped_by(self) -> tuple[str, ...]:
        """The rules whose failure caps the grade, strictest cap first."""
        out: list[str] = []
        for cap in self.caps:
            out += [r for r in cap.rule_ids if r not in out]
        return tuple(out)

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "score": self.score,
            "grade": self.grade,
            "coverage": self.coverage,
            "uncapped_score": self.uncapped_score,
            "capped_by": list(self.capped_by),
            "caps": [c.to_dict() for c in self.caps],
            "method": self.method,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Overall:
        """Inverse of :meth:`to_dict`; older files have only score, grade, coverage."""
        return cls(
            score=data["score"],
            grade=data["grade"],
            coverage=data["coverage"],
            uncapped_score=data.get("uncapped_score", data["score"]),
            caps=tuple(Cap.from_dict(c) for c in data.get("caps", ())),
            method=data.get("method", "all-or-nothing"),
        )


@dataclass(frozen=True, kw_only=True, slots=True)
class Action:
    """What to fix for one failing finding, and what fixing it is worth."""

    rule_id: str
    layer: Layer
    severity: Severity
    #: Overall score points gained when the finding is fixed, caps included;
    #: None when there is no overall score.
    overall_gain: float | None
    #: The same for the finding's own layer.
    layer_gain: float | None
    affected_count: int
    #: "low", "medium" or "high".
    effort: str
    #: 1 for the most important action.
    rank: int = 0

    def to_dict(self) -> dict[str, Any]:
        """JSON form, part of the ``assessment.json`` contract."""
        return {
            "rank": self.rank,
            "rule_id": self.rule_id,
            "layer": self.layer.value,
            "severity": self.severity.value,
            "overall_gain": self.overall_gain,
            "layer_gain": self.layer_gain,
            "affected_count": self.affected_count,
            "effort": self.effort,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Action:
        """Inverse of :meth:`to_dict`."""
        return cls(
            rank=int(data.get("rank", 0)),
            rule_id=data["rule_id"],
            layer=Layer(data["layer"]),
            severity=Severity(data["severity"]),
            overall_gain=data.get("overall_gain"),
            layer_gain=data.get("layer_gain"),
            affected_count=int(data.get("affected_count", 0)),
            effort=data.get("effort", "medium"),
        )


@dataclass(frozen=True, kw_only=True, slots=True)
class HistoryEntry:
    """One earlier quarter in a nutshell: its period, date and scores."""

    period: str
    as_of: date
    score: float | None
    grade: str | None
    #: Layer id -> (score, grade), in layer order.
    layers: tuple[tuple[str, float | None, str | None], ...] = ()

    @classmethod
    def of(cls, a: Assessment) -> HistoryEntry:
        """The entry an assessment leaves for the quarters after it."""
        return cls(
            period=a.period,
            as_of=a.as_of,
            score=a.overall.score,
            grade=a.overall.grade,
            layers=tuple((s.layer.value, s.score, s.grade) for s in a.layers),
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON form, part of the ``assessment.json`` contract."""
        return {
            "period": self.period,
            "as_of": self.as_of.isoformat(),
            "score": self.score,
            "grade": self.grade,
            "layers": [
                {"id": lid, "score": score, "grade": grade}
                for lid, score, grade in self.layers
            ],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> HistoryEntry:
        """Inverse of :meth:`to_dict`."""
        return cls(
            period=data["period"],
            as_of=date.fromisoformat(data["as_of"]),
            score=data.get("score"),
            grade=data.get("grade"),
            layers=tuple(
                (str(x["id"]), x.get("score"), x.get("grade"))
                for x in data.get("layers", ())
            ),
        )


class AgreedStatus(enum.StrEnum):
    """What became of an action agreed last quarter."""

    #: Its finding passes now.
    DONE = "done"
    #: Its finding still fails and its due date has passed.
    OVERDUE = "overdue"
    #: Its finding still fails; the due date is later, or none was set.
    OPEN = "open"
    #: The client accepted the risk since.
    ACCEPTED = "accepted"
    #: No evidence now: not proven done, not proven open.
    NOT_ASSESSED = "not_assessed"


@dataclass(frozen=True, kw_only=True, slots=True)
class AgreedAction:
    """An action of last quarter's plan, as this quarter finds it."""

    rule_id: str
    owner: str
    due: date | None
    status: AgreedStatus
    #: The period whose plan agreed it.
    agreed_in: str = ""

    def to_dict(self) -> dict[str, Any]:
        """JSON form, part of the ``assessment.json`` contract."""
        return {
            "rule_id": self.rule_id,
            "owner": self.owner,
            "due": self.due.isoformat() if self.due else None,
            "status": self.status.value,
            "agreed_in": self.agreed_in,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> AgreedAction:
        """Inverse of :meth:`to_dict`."""
        return cls(
            rule_id=data["rule_id"],
            owner=data.get("owner") or "",
            due=date.fromisoformat(data["due"]) if data.get("due") else None,
            status=AgreedStatus(data["status"]),
            agreed_in=data.get("agreed_in") or "",
        )


class WasteCategory(enum.StrEnum):
    """Why a paid seat is wasted. A seat is counted in the first that applies."""

    UNASSIGNED = "unassigned"
    DISABLED_USER = "disabled_user"
    INACTIVE_USER = "inactive_user"
    OVERLAP = "overlap"


@dataclass(frozen=True, kw_only=True, slots=True)
class WasteItem:
    """Wasted seats of one SKU in one category, priced."""

    category: WasteCategory
    sku: str
    sku_name: str
    count: int
    unit_price: Decimal
    monthly_cost: Decimal
    annual_cost: Decimal
    users: tuple[str, ...] = ()
    #: "client" (client.yaml) or "list" (the default list-price table).
    price_origin: str = ""
    #: "annual", "monthly" or "" when the billing term is not known.
    billing_term: str = ""
    price_note: str = ""
    #: What the saving needs, in words, and how sure the finding is.
    action: str = ""
    confidence: str = ""
    #: Per user, the evidence behind the line (e.g. the last activity date).
    user_details: Mapping[str, str] = field(default_factory=dict)
    #: The locale keys and parameters the English texts above were rendered
    #: from (``healthcheck/locales/<lang>/cost.toml``), for other languages.
    action_key: str = ""
    action_params: Mapping[str, Any] = field(default_factory=dict)
    price_note_key: str = ""
    price_note_params: Mapping[str, Any] = field(default_factory=dict)
    #: Per user, the message ``{"key": ..., "params": ...}`` of ``user_details``.
    user_detail_messages: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON form; money is a JSON number with two decimals."""
        return {
            "category": self.category.value,
            "sku": self.sku,
            "sku_name": self.sku_name,
            "count": self.count,
            "unit_price": money_out(self.unit_price),
            "monthly_cost": money_out(self.monthly_cost),
            "annual_cost": money_out(self.annual_cost),
            "users": list(self.users),
            "price_origin": self.price_origin,
            "billing_term": self.billing_term,
            "price_note": self.price_note,
            "action": self.action,
            "confidence": self.confidence,
            # A list, not an object keyed by user: keys stay a fixed schema.
            "user_evidence": [
                {"user": u, "evidence": e, **self._evidence_message(u)}
                for u, e in self.user_details.items()
            ],
            "action_key": self.action_key,
            "action_params": dict(self.action_params),
            "price_note_key": self.price_note_key,
            "price_note_params": dict(self.price_note_params),
        }

    def _evidence_message(self, user: str) -> dict[str, Any]:
        found = self.user_detail_messages.get(user)
        if not found:
            return {}
        return {
            "evidence_key": found["key"],
            "evidence_params": dict(found.get("params") or {}),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> WasteItem:
        """Inverse of :meth:`to_dict`."""
        return cls(
            category=WasteCategory(data["category"]),
            sku=data["sku"],
            sku_name=data.get("sku_name", data["sku"]),
            count=int(data["count"]),
            unit_price=money_in(data["unit_price"]),
            monthly_cost=money_in(data["monthly_cost"]),
            annual_cost=money_in(data["annual_cost"]),
            users=tuple(data.get("users", ())),
            price_origin=data.get("price_origin", ""),
            billing_term=data.get("billing_term", ""),
            price_note=data.get("price_note", ""),
            action=data.get("action", ""),
            confidence=data.get("confidence", ""),
            user_details={
                e["user"]: e["evidence"] for e in data.get("user_evidence", ())
            },
            action_key=data.get("action_key", ""),
            action_params=dict(data.get("action_params") or {}),
            price_note_key=data.get("price_note_key", ""),
            price_note_params=dict(data.get("price_note_params") or {}),
            user_detail_messages={
                e["user"]: {
                    "key": e["evidence_key"],
                    "params": dict(e.get("evidence_params") or {}),
                }
                for e in data.get("user_evidence", ())
                if e.get("evidence_key")
            },
        )


@dataclass(frozen=True, kw_only=True, slots=True)
class Waste:
    """Licence waste in money. ``assessed`` is False when licence data is missing."""

    currency: str
    assessed: bool
    items: tuple[WasteItem, ...] = ()
    not_assessed: tuple[str, ...] = ()
    unpriced_skus: tuple[str, ...] = ()
    #: What default list prices are, set when any line uses one.
    list_price_basis: str = ""
    #: Where last_activity came from, when the evidence says so.
    activity_source: str = ""
    #: The inactivity limit the inactive_user category used.
    inactive_days: int | None = None
    #: Per ``not_assessed`` entry, its message ``{"key": ..., "params": ...}``.
    not_assessed_messages: tuple[Mapping[str, Any], ...] = ()
    #: The locale key of ``list_price_basis``, empty when that is.
    list_price_basis_key: str = ""

    @property
    def monthly_total(self) -> Decimal:
        """Sum of the items' monthly cost."""
        return sum((i.monthly_cost for i in self.items), Decimal("0.00"))

    @property
    def annual_total(self) -> Decimal:
        """Sum of the items' annual cost."""
        return sum((i.annual_cost for i in self.items), Decimal("0.00"))

    def to_dict(self) -> dict[str, Any]:
        """JSON form, part of the ``assessment.json`` contract."""
        return {
            "currency": self.currency,
            "assessed": self.assessed,
            "monthly_total": money_out(self.monthly_total) if self.assessed else None,
            "annual_total": money_out(self.annual_total) if self.assessed else None,
            "items": [i.to_dict() for i in self.items],
            "not_assessed": list(self.not_assessed),
            "unpriced_skus": list(self.unpriced_skus),
            "list_price_basis": self.list_price_basis,
            "activity_source": self.activity_source,
            "inactive_days": self.inactive_days,
            "not_assessed_messages": [dict(m) for m in self.not_assessed_messages],
            "list_price_basis_key": self.list_price_basis_key,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Waste:
        """Inverse of :meth:`to_dict`."""
        return cls(
            currency=data["currency"],
            assessed=bool(data.get("assessed", True)),
            items=tuple(WasteItem.from_dict(i) for i in data.get("items", ())),
            not_assessed=tuple(data.get("not_assessed", ())),
            unpriced_skus=tuple(data.get("unpriced_skus", ())),
            list_price_basis=data.get("list_price_basis", ""),
            activity_source=data.get("activity_source", ""),
            inactive_days=data.get("inactive_days"),
            not_assessed_messages=tuple(data.get("not_assessed_messages", ())),
            list_price_basis_key=data.get("list_price_basis_key", ""),
        )


@dataclass(frozen=True, kw_only=True, slots=True)
class Assessment:
    """Everything a report shows, and nothing a report would need to recompute."""

    client_name: str
    period: str
    as_of: date
    generated_at: datetime
    tool_version: str
    catalog_version: str
    schema_version: str
    overall: Overall
    layers: tuple[LayerScore, ...]
    findings: tuple[Finding, ...]
    waste: Waste
    collector_runs: tuple[Mapping[str, Any], ...] = ()
    sources: tuple[Mapping[str, Any], ...] = ()
    rejected: tuple[Mapping[str, Any], ...] = ()
    #: One per failing finding, ranked by risk; empty in files before 2.0.
    actions: tuple[Action, ...] = ()
    #: The reference tables the run used: name, table_date, source, sha256.
    reference_data: tuple[Mapping[str, Any], ...] = ()
    #: IANA zone the reports show times in (times are stored as UTC).
    timezone: str = "UTC"
    #: The affected objects' evidence, one table per kind (see ObjectTable).
    objects: Mapping[str, ObjectTable] = field(default_factory=dict)

    def objects_of(
        self,
        finding: Finding,
        index: dict[str, dict[str, list[tuple[Any, ...]]]] | None = None,
    ) -> ObjectTable | None:
        """The evidence rows of ``finding``'s affected objects, in its order.

        ``index``, when given, keeps each kind's rows by name between calls:
        a writer asking for every finding's objects reads each table once.
        """
        table = self.objects.get(finding.object_kind) if finding.object_kind else None
        if table is None:
            return None
        by_key = index.get(table.kind) if index is not None else None
        if by_key is None:
            by_key = {}
            for row in table.rows:
                by_key.setdefault(str(row[0]).casefold(), []).append(row)
            if index is not None:
                index[table.kind] = by_key
        rows = [r for a in finding.affected for r in by_key.get(str(a).casefold(), ())]
        return ObjectTable(
            kind=table.kind, columns=table.columns, types=table.types, rows=tuple(rows)
        )

    #: Earlier quarters, oldest first (at most ``MAX_HISTORY``); empty before 2.1.
    history: tuple[HistoryEntry, ...] = ()
    #: Last quarter's agreed actions and what became of them; empty before 2.1.
    agreed_actions: tuple[AgreedAction, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """The ``assessment.json`` document."""
        return {key: make() for key, make in self.document_parts()}

    def document_parts(self) -> Iterator[tuple[str, Callable[[], Any]]]:
        """The document's keys in order, each with a function making its value.

        :func:`healthcheck.report.jsonout.write` makes and writes one value at
        a time, so the whole document (at 50,000 users, tens of megabytes of
        dictionaries) is never held at once.
        """
        yield "schema_version", lambda: self.schema_version
        yield "tool", lambda: {"name": "healthcheck", "version": self.tool_version}
        yield "catalog_version", lambda: self.catalog_version
        yield "client", lambda: {"name": self.client_name}
        yield "period", lambda: self.period
        yield "as_of", lambda: self.as_of.isoformat()
        yield "generated_at", lambda: self.generated_at.isoformat(timespec="seconds")
        yield "timezone", lambda: self.timezone
        yield "overall", self.overall.to_dict
        yield "layers", lambda: [s.to_dict() for s in self.layers]
        yield "findings", lambda: [f.to_dict() for f in self.findings]
        yield "actions", lambda: [a.to_dict() for a in self.actions]
        yield "waste", self.waste.to_dict
        yield "collector_runs", lambda: [dict(r) for r in self.collector_runs]
        yield "sources", lambda: [dict(s) for s in self.sources]
        yield "rejected_rows", lambda: [dict(r) for r in self.rejected]
        yield "reference_data", lambda: [dict(r) for r in self.reference_data]
        yield (
            "objects",
            lambda: {k: t.to_dict() for k, t in sorted(self.objects.items())},
        )
        yield "history", lambda: [h.to_dict() for h in self.history]
        yield "agreed_actions", lambda: [x.to_dict() for x in self.agreed_actions]

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Assessment:
        """Read an ``assessment.json`` document back."""
        return cls(
            client_name=data["client"]["name"],
            period=data["period"],
            as_of=date.fromisoformat(data["as_of"]),
            generated_at=datetime.fromisoformat(data["generated_at"]),
            tool_version=data["tool"]["version"],
            catalog_version=data["catalog_version"],
            schema_version=data["schema_version"],
            overall=Overall.from_dict(data["overall"]),
            layers=tuple(LayerScore.from_dict(s) for s in data["layers"]),
            findings=tuple(Finding.from_dict(f) for f in data["findings"]),
            waste=Waste.from_dict(data["waste"]),
            collector_runs=tuple(data.get("collector_runs", ())),
            sources=tuple(data.get("sources", ())),
            rejected=tuple(data.get("rejected_rows", ())),
            actions=tuple(Action.from_dict(a) for a in data.get("actions", ())),
            reference_data=tuple(data.get("reference_data", ())),
            timezone=str(data.get("timezone") or "UTC"),
            objects={
                str(k): ObjectTable.from_dict(v)
                for k, v in (data.get("objects") or {}).items()
            },
            history=tuple(HistoryEntry.from_dict(h) for h in data.get("history", ())),
            agreed_actions=tuple(
                AgreedAction.from_dict(x) for x in data.get("agreed_actions", ())
            ),
        )


def money_in(value: Any) -> Decimal:
    """Parse money from JSON or config without float rounding."""
    return Decimal(str(value)).quantize(Decimal("0.01"))


def money_out(value: Decimal) -> float:
    """Money for JSON: a number with at most two decimals."""
    return float(value.quantize(Decimal("0.01")))
