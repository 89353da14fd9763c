"""Load the rule catalogue and evaluate it over canonical datasets.

The engine, not the rule, decides what happens when evidence is missing: a
rule whose required dataset or column did not arrive is ``not_assessed`` and
the reason names the dataset and why its collector could not provide it. An
evaluator that raises is also ``not_assessed`` ("rule error"), logged with
its traceback, so one bug cannot sink the report.
"""

from __future__ import annotations

import difflib
import json
import logging
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from healthcheck import progress
from healthcheck.errors import ConfigError
from healthcheck.i18n import english
from healthcheck.init import Question, load_questions
from healthcheck.model import (
    Acceptance,
    Finding,
    Layer,
    Message,
    Severity,
    Status,
    message_params,
    msg,
)

if TYPE_CHECKING:
    import pandas as pd

    from healthcheck import rules

# The evaluators and the dataset schemas load pandas: they are imported where
# a run needs them, so listing the catalogue (``healthcheck rules``) starts as
# fast as Python does.

log = logging.getLogger(__name__)

RULE_ID = re.compile(r"^(FND|DOC|REV|EXP)-\d{2}$")
_FIELDS = {
    "id",
    "slug",
    "title",
    "severity",
    "weight",
    "requires",
    "uses",
    "params",
    "rationale",
    "remediation",
    "references",
}


class CatalogError(Exception):
    """The packaged catalogue is inconsistent: a developer error, caught by tests."""


@dataclass(frozen=True, kw_only=True, slots=True)
class Rule:
    """A catalogue entry."""

    id: str
    slug: str
    title: str
    layer: Layer
    severity: Severity
    weight: float
    requires: tuple[str, ...]
    rationale: str
    remediation: str
    references: tuple[str, ...]
    params: Mapping[str, Any] = field(default_factory=dict)
    #: Datasets the rule reads when they arrive, without requiring them.
    uses: tuple[str, ...] = ()


def _rule(entry: Mapping[str, Any], layer: Layer, where: str) -> Rule:
    rid = entry.get("id", "?")
    unknown = set(entry) - _FIELDS
    if unknown:
        raise CatalogError(f"{where} {rid}: unknown fields {sorted(unknown)}")
    if not RULE_ID.match(str(rid)) or not str(rid).startswith(layer.code):
        raise CatalogError(f"{where} {rid}: id must look like {layer.code}-01")
    title = str(entry.get("title", ""))
    if not title or len(title) > 120 or title.lower().startswith("ensure"):
        raise CatalogError(
            f"{where} {rid}: title must be 1-120 characters, a state "
            "rather than 'Ensure ...'"
        )
    for key in ("rationale", "remediation", "slug"):
        if not str(entry.get(key, "")).strip():
            raise CatalogError(f"{where} {rid}: '{key}' is required")
    try:
        severity = Severity(str(entry.get("severity")))
    except ValueError:
        raise CatalogError(f"{where} {rid}: unknown severity") from None
    weight = entry.get("weight")
    if not isinstance(weight, int | float) or weight <= 0:
        raise CatalogError(f"{where} {rid}: weight must be a positive number")
    requires = tuple(entry.get("requires", ()))
    if not requires:
        raise CatalogError(f"{where} {rid}: 'requires' names no dataset")
    refs = tuple(entry.get("references", ()))
    if not refs or not all(r.startswith("https://") for r in refs):
        raise CatalogError(f"{where} {rid}: references must be https:// URLs")
    return Rule(
        id=rid,
        slug=entry["slug"],
        title=title,
        layer=layer,
        severity=severity,
        weight=float(weight),
        requires=requires,
        rationale=" ".join(str(entry["rationale"]).split()),
        remediation=str(entry["remediation"]).strip(),
        references=refs,
        params=dict(entry.get("params", {})),
        uses=tuple(entry.get("uses", ())),
    )


def _check_requires(catalog: Sequence[Rule]) -> None:
    """Every ``requires`` names a dataset (and column) of the schemas."""
    from healthcheck.datasets import SCHEMAS

    for rule in catalog:
        alternatives = (alt for r in rule.requires for alt in r.split(ANY_OF))
        for req in (*alternatives, *rule.uses):
            name, _, column = req.partition(".")
            if name not in SCHEMAS or (
                column and column not in {c.name for c in SCHEMAS[name].columns}
            ):
                raise CatalogError(
                    f"catalog/{rule.layer.value}.toml {rule.id}: requires unknown "
                    f"dataset '{req}'"
                )


#: Separates alternatives in a ``requires`` entry: "backup_jobs|interview_answers"
#: is met by either (FND-17 reads the backup export, else the interview).
ANY_OF = "|"


def required_datasets(rule: Rule) -> tuple[str, ...]:
    """Every dataset a rule may read, alternatives and ``uses`` included, sorted."""
    return tuple(
        sorted(
            {alt.partition(".")[0] for r in rule.requires for alt in r.split(ANY_OF)}
            | {u.partition(".")[0] for u in rule.uses}
        )
    )


def read_catalog(
    source: Traversable | Path | None = None,
    *,
    evaluators: Mapping[str, rules.Evaluator] | None = None,
    code: bool = True,
) -> tuple[Rule, ...]:
    """Read and validate a catalogue folder of ``<layer>.toml`` files.

    Args:
        source: the folder; the packaged ``healthcheck/catalog`` by default.
            Tests pass a temporary folder to exercise the checks.
        evaluators: rule id -> evaluator to match one to one; the built-in
            evaluators by default.
        code: also match the rules with the evaluators and the dataset
            schemas (which loads pandas); False checks the metadata only.

    Raises:
        CatalogError: a rule breaks a metadata rule, an id repeats, a rule has
            no evaluator (or an evaluator no rule), or an interview rule names
            a question ``interview.toml`` lacks.
    """
    pkg = resources.files("healthcheck.catalog") if source is None else source
    out: list[Rule] = []
    for layer in Layer:
        where = f"catalog/{layer.value}.toml"
        try:
            text = pkg.joinpath(f"{layer.value}.toml").read_text("utf-8")
            data = tomllib.loads(text)
        except FileNotFoundError:
            raise CatalogError(f"{where}: file not found") from None
        except tomllib.TOMLDecodeError as exc:
            raise CatalogError(f"{where}: {exc}") from None
        out.extend(_rule(e, layer, where) for e in data.get("rule", []))
    ids = [r.id for r in out]
    dupes = {i for i in ids if ids.count(i) > 1}
    if dupes:
        raise CatalogError(f"duplicate rule ids: {sorted(dupes)}")
    if code:
        _check_requires(out)
        _check_evaluators(ids, evaluators)
    _check_questions(out, load_questions(pkg))
    retired = pkg.joinpath("retired.toml")
    if retired.is_file():
        # A retired id is never given to a new rule: last quarter's findings
        # under that id would be compared with something else.
        gone = {r["id"] for r in tomllib.loads(retired.read_text("utf-8"))["rule"]}
        reused = sorted(gone & set(ids))
        if reused:
            raise CatalogError(f"catalog/retired.toml: ids reused: {reused}")
    return tuple(sorted(out, key=lambda r: (r.layer.number, r.id)))


def _check_evaluators(
    ids: Sequence[str], evaluators: Mapping[str, rules.Evaluator] | None
) -> None:
    if evaluators is None:
        from healthcheck import rules

        evaluators = rules.load_all()
    if set(ids) != set(evaluators):
        raise CatalogError(
            f"catalogue and evaluators differ: without evaluator "
            f"{sorted(set(ids) - set(evaluators))}, without catalogue entry "
            f"{sorted(set(evaluators) - set(ids))}"
        )


def _check_questions(catalog: Sequence[Rule], questions: Sequence[Question]) -> None:
    """Interview rules and interview.toml questions must match one to one."""
    by_rule = {q.rule: q.id for q in questions}
    asked = {r.id: str(r.params["question"]) for r in catalog if "question" in r.params}
    for rid, qid in asked.items():
        if by_rule.get(rid) != qid:
            raise CatalogError(
                f"{rid}: parameter question = '{qid}' has no matching question "
                f'(rule = "{rid}") in catalog/interview.toml'
            )
    extra = sorted(set(by_rule) - set(asked))
    if extra:
        raise CatalogError(
            f"catalog/interview.toml: questions for rules that ask none: {extra}"
        )


@cache
def load_catalog() -> tuple[Rule, ...]:
    """All rules of the packaged catalogue, validated, in layer then id order."""
    return read_catalog()


@cache
def list_catalog() -> tuple[Rule, ...]:
    """The packaged catalogue for listing: metadata checked, evaluators not loaded.

    The test suite and every run check the rest through :func:`load_catalog`.
    """
    return read_catalog(code=False)


def catalog_listing(catalog: Sequence[Rule] | None = None) -> list[dict[str, Any]]:
    """The rules as ``healthcheck rules --format json`` lists them, in order."""
    return [
        {
            "id": r.id,
            "slug": r.slug,
            "layer": r.layer.value,
            "severity": r.severity.value,
            "weight": r.weight,
            "title": r.title,
            "requires": list(r.requires),
            "params": dict(r.params),
        }
        for r in (list_catalog() if catalog is None else catalog)
    ]


def listing_text(catalog: Sequence[Rule] | None = None) -> str:
    """The text of the packaged listing (:data:`healthcheck.listing.LISTING_FILE`).

    Kept in the package so that ``healthcheck rules`` prints the catalogue
    without parsing TOML or loading the engine.
    """
    return json.dumps(catalog_listing(catalog), indent=2, ensure_ascii=False) + "\n"


def _title(name: str) -> str:
    """A dataset title inside a sentence: 'user accounts', but 'MFA registration'."""
    from healthcheck.datasets import SCHEMAS

    title = SCHEMAS[name].title
    first = title.split(" ", 1)[0]
    return title if first.isupper() else title[0].lower() + title[1:]


def _dataset(name: str) -> Message:
    """A dataset's title inside a sentence; English from the schema."""
    return Message(f"datasets.{name}.title", default=_title(name))


def _missing(
    requires: tuple[str, ...],
    frames: Mapping[str, pd.DataFrame],
    reasons: Mapping[str, Message | str],
) -> Message | None:
    for req in requires:
        if ANY_OF in req:
            # Met by any alternative; else the first one's reason is given.
            whys = [_missing((alt,), frames, reasons) for alt in req.split(ANY_OF)]
            if any(w is None for w in whys):
                continue
            return whys[0]
        name, _, column = req.partition(".")
        if name not in frames:
            # The collectors' reasons (messages, or plain English from a caller
            # that has only text); without one, ours.
            why = reasons.get(name) or msg("engine.not_collected")
            return msg("engine.missing_dataset", dataset=_dataset(name), why=why)
        if frames[name].empty and not _empty_is_evidence(name):
            # An export with headers and no rows proves nothing: "0 of 0 backup
            # jobs failed" must not read as a pass.
            return msg("engine.empty_dataset", dataset=_dataset(name))
        if column and column not in frames[name].columns:
            from healthcheck.datasets import SCHEMAS

            what = SCHEMAS[name].column(column).description
            if not what:
                return msg(
                    "engine.missing_column_bare", dataset=_dataset(name), column=column
                )
            return msg(
                "engine.missing_column",
                dataset=_dataset(name),
                column=column,
                what=Message(f"datasets.{name}.columns.{column}", default=what),
            )
    return None


def _used(requires: tuple[str, ...], frames: Mapping[str, Any]) -> tuple[str, ...]:
    """The datasets a finding rests on: of alternatives, those that arrived."""
    out: set[str] = set()
    for req in requires:
        names = [alt.partition(".")[0] for alt in req.split(ANY_OF)]
        present = [n for n in names if n in frames]
        out.update(present if len(names) > 1 and present else names)
    return tuple(sorted(out))


def _empty_is_evidence(name: str) -> bool:
    from healthcheck.datasets import SCHEMAS

    return name in SCHEMAS and SCHEMAS[name].empty_is_evidence


def _said(message: Message) -> dict[str, Any]:
    """A message as a finding's detail fields."""
    return {
        "detail": english(message),
        "detail_key": message.key,
        "detail_params": message_params(message.params),
    }


def _as_reason(said: Mapping[str, Any]) -> dict[str, Any]:
    """Detail fields (of :func:`_said`, or a plain ``detail``) as reason fields."""
    return {
        "reason": said["detail"],
        "reason_key": said.get("detail_key", ""),
        "reason_params": said.get("detail_params", {}),
    }


def _reason(message: Message) -> dict[str, Any]:
    """A message as a finding's reason fields."""
    return _as_reason(_said(message))


#: The key under a rule id in ``client.yaml``'s ``rules`` section that marks
#: an accepted risk rather than a parameter.
ACCEPT_KEY = "accept"
#: Parameters that name data rather than set a threshold: not overridable.
_FIXED_PARAMS = {"question"}


@dataclass(frozen=True, kw_only=True, slots=True)
class AcceptedRisk:
    """A client's acceptance of a failing rule: why, and until when."""

    reason: str
    expires: date


@dataclass(frozen=True, kw_only=True, slots=True)
class RuleSettings:
    """The validated ``rules`` section of ``client.yaml``."""

    params: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    accepted: Mapping[str, AcceptedRisk] = field(default_factory=dict)


_KIND = {bool: "true or false", int: "a whole number", float: "a number", str: "text"}


def _param_value(default: Any, value: Any, key: str, where: str) -> Any:
    """Check an override against the type of the catalogue default."""
    kind = type(default)
    ok = isinstance(value, kind) and not (kind is int and isinstance(value, bool))
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        ok, value = True, float(value)
    if not ok:
        raise ConfigError(
            f"{where}: key '{key}': expected {_KIND.get(kind, kind.__name__)} "
            f"like {default!r}, got {value!r}"
        )
    if kind in (int, float) and value < 0:
        raise ConfigError(f"{where}: key '{key}': expected 0 or more, got {value!r}")
    if key.endswith("_pattern"):
        try:
            re.compile(value)
        except re.error as exc:
            raise ConfigError(
                f"{where}: key '{key}': not a regular expression ({exc})"
            ) from None
    return value


def _acceptance(raw: Any, key: str, where: str) -> AcceptedRisk:
    if not isinstance(raw, Mapping):
        raise ConfigError(
            f"{where}: key '{key}': expected reason and expires",
            hint="accept: {reason: replaced in January, expires: 2027-01-31}",
        )
    unknown = sorted(str(k) for k in raw if k not in ("reason", "expires"))
    if unknown:
        raise ConfigError(
            f"{where}: key '{key}.{unknown[0]}': unknown setting; "
            "expected reason and expires"
        )
    reason = raw.get("reason")
    if not isinstance(reason, str) or not reason.strip():
        raise ConfigError(
            f"{where}: key '{key}.reason': an accepted risk needs a reason"
        )
    expires = raw.get("expires")
    try:
        when = date.fromisoformat(str(expires)) if expires is not None else None
    except ValueError:
        when = None
    if when is None:
        raise ConfigError(
            f"{where}: key '{key}.expires': expected an expiry date like "
            f"2027-01-31, got {expires!r}"
        )
    return AcceptedRisk(reason=" ".join(reason.split()), expires=when)


def parse_rule_settings(
    raw: Any,
    catalog: Sequence[Rule] | None = None,
    *,
    where: str = "client.yaml",
) -> RuleSettings:
    """Validate ``client.yaml``'s ``rules`` section against the catalogue.

    The section maps rule ids to parameter overrides, and optionally an
    ``accept`` entry (reason and expiry date) marking the rule's failure as an
    accepted risk::

        rules:
          REV-03: {max_admins: 5}
          FND-07:
            accept: {reason: print server is rebuilt from a script, expires: 2027-03-31}

    Raises:
        ConfigError: naming the file and key path for an unknown rule id, an
            unknown or fixed parameter, a value of the wrong type, or an
            acceptance without a reason or a valid expiry date.
    """
    if raw is None:
        return RuleSettings()
    if not isinstance(raw, Mapping):
        raise ConfigError(
            f"{where}: key 'rules': expected a mapping of rule id to settings",
            hint="rules:\n  REV-03: {max_admins: 5}",
        )
    by_id = {r.id: r for r in (load_catalog() if catalog is None else catalog)}
    params: dict[str, dict[str, Any]] = {}
    accepted: dict[str, AcceptedRisk] = {}
    for rid, entry in raw.items():
        key = f"rules.{rid}"
        rule = by_id.get(str(rid))
        if rule is None:
            close = difflib.get_close_matches(str(rid), list(by_id), n=1)
            raise ConfigError(
                f"{where}: key '{key}': unknown rule id",
                hint=f"did you mean '{close[0]}'?"
                if close
                else "`healthcheck rules` lists them",
            )
        if not isinstance(entry, Mapping):
            raise ConfigError(
                f"{where}: key '{key}': expected parameters or accept, got {entry!r}"
            )
        for name, value in entry.items():
            if name == ACCEPT_KEY:
                accepted[rule.id] = _acceptance(value, f"{key}.{name}", where)
                continue
            tunable = sorted(set(rule.params) - _FIXED_PARAMS)
            if name not in tunable:
                raise ConfigError(
                    f"{where}: key '{key}.{name}': unknown parameter",
                    hint=(
                        f"{rule.id} has " + ", ".join(tunable)
                        if tunable
                        else f"{rule.id} has no parameters"
                    )
                    + f"; '{ACCEPT_KEY}' marks an accepted risk",
                )
            params.setdefault(rule.id, {})[name] = _param_value(
                rule.params[name], value, f"{key}.{name}", where
            )
    return RuleSettings(params=params, accepted=accepted)


def _accept(finding: Finding, risk: AcceptedRisk | None, as_of: date) -> Finding:
    """Apply an accepted risk to a failing finding; an expired one fails again."""
    if risk is None or finding.status is not Status.FAIL:
        return finding
    expired = risk.expires < as_of
    acceptance = Acceptance(reason=risk.reason, expires=risk.expires, expired=expired)
    if expired:
        before: Any = finding.detail
        if finding.detail_key:
            before = Message(finding.detail_key, finding.detail_params)
        expiry = msg(
            "engine.acceptance_expired",
            detail=before,
            expires=risk.expires,
            reason=risk.reason,  # the client's words, in every language
        )
        return replace(finding, acceptance=acceptance, **_said(expiry))
    until = msg("engine.accepted", expires=risk.expires, reason=risk.reason)
    return replace(
        finding, status=Status.ACCEPTED, acceptance=acceptance, **_reason(until)
    )


def evaluate(
    frames: Mapping[str, pd.DataFrame],
    *,
    as_of: date,
    now: datetime,
    overrides: Mapping[str, Any] | None = None,
    missing_reasons: Mapping[str, Message | str] | None = None,
    catalog: Sequence[Rule] | None = None,
    evaluators: Mapping[str, rules.Evaluator] | None = None,
    rule_settings: RuleSettings | None = None,
    collected_at: Mapping[str, datetime] | None = None,
) -> tuple[Finding, ...]:
    """Evaluate every catalogue rule.

    Args:
        frames: canonical datasets that arrived, by name.
        as_of: the assessment date.
        now: the reference time for "within N hours/days" checks.
        overrides: parameter values from client config, applied to every rule
            that has a parameter of that name.
        missing_reasons: why a dataset did not arrive, for not-assessed reasons.
        catalog: the rules to evaluate; the packaged catalogue by default.
        evaluators: rule id -> evaluator; the built-in evaluators by default.
        rule_settings: per-rule parameters (these win over ``overrides``) and
            accepted risks, from :func:`parse_rule_settings`.
        collected_at: when each dataset was collected, by name (a rule may
            measure an age from it rather than from ``now``).
    """
    from healthcheck import rules

    settings = rule_settings or RuleSettings()
    findings = []
    chosen = rules.EVALUATORS if evaluators is None else evaluators
    chosen_rules = list(load_catalog() if catalog is None else catalog)
    for rule in progress.bar(chosen_rules, "rules", length=len(chosen_rules)):
        params = dict(rule.params)
        for key, value in (overrides or {}).items():
            if key in params:
                params[key] = value
        params.update(settings.params.get(rule.id, {}))
        base: dict[str, Any] = dict(
            rule_id=rule.id,
            layer=rule.layer,
            severity=rule.severity,
            weight=rule.weight,
            title=rule.title,
            rationale=rule.rationale,
            remediation=rule.remediation,
        )
        used = tuple(
            sorted(
                set(_used(rule.requires, frames))
                | {u for u in rule.uses if u in frames}
            )
        )
        reason = _missing(rule.requires, frames, missing_reasons or {})
        if reason:
            findings.append(
                Finding(
                    status=Status.NOT_ASSESSED,
                    evidence=used,
                    **_reason(reason),
                    **base,
                )
            )
            continue
        ctx = rules.RuleContext(
            rule_id=rule.id,
            datasets=frames,
            params=params,
            as_of=as_of,
            now=now,
            collected_at=dict(collected_at or {}),
            reasons=dict(missing_reasons or {}),
        )
        try:
            outcome = chosen[rule.id](ctx)
            said: dict[str, Any] = (
                _said(outcome.message)
                if outcome.message is not None
                else {"detail": outcome.detail}
            )
        except Exception:  # noqa: BLE001 - one broken rule must not sink the report
            log.exception("rule %s raised", rule.id)
            findings.append(
                Finding(
                    status=Status.NOT_ASSESSED,
                    evidence=used,
                    **_reason(msg("engine.rule_error")),
                    **base,
                )
            )
            continue
        # A rule that cannot answer says why in its detail: that is the reason.
        why = _as_reason(said) if outcome.status is Status.NOT_ASSESSED else {}
        finding = Finding(
            status=outcome.status,
            **said,
            **why,
            affected=outcome.affected,
            measured=dict(outcome.measured),
            evidence=tuple(sorted(set(used) | set(outcome.evidence))),
            score=_score(outcome),
            population=outcome.population,
            count=outcome.affected_count,
            **base,
        )
        findings.append(_accept(finding, settings.accepted.get(rule.id), as_of))
    return tuple(findings)


def _score(outcome: rules.Outcome) -> float | None:
    """The outcome's 0-1 score; a plain pass or fail from an older rule is 1 or 0."""
    if outcome.status is Status.NOT_ASSESSED:
        return None
    if outcome.score is not None:
        return outcome.score
    return 1.0 if outcome.status is Status.PASS else 0.0


def catalog_markdown(catalog: Sequence[Rule] | None = None) -> str:
    """The catalogue as Markdown: ``docs/rules.md``, generated, never edited."""
    from healthcheck.catalog import CATALOG_VERSION

    chosen = list(load_catalog() if catalog is None else catalog)
    lines = [
        "# Rule catalogue",
        "",
        f"Generated by `healthcheck rules --format markdown` from catalogue "
        f"{CATALOG_VERSION}; do not edit by hand. "
        "Parameters can be changed per client in `client.yaml` (`rules:` section).",
        "",
    ]
    for layer in Layer:
        mine = [r for r in chosen if r.layer is layer]
        if not mine:
            continue  # `rules --layer` asked for another layer
        lines += [f"## {layer.number}. {layer.label}", ""]
        lines += ["| id | title | severity | weight |", "| --- | --- | --- | --- |"]
        lines += [
            f"| [{r.id}](#{r.id.lower()}-{r.slug}) | {r.title} | "
            f"{r.severity.value} | {r.weight:g} |"
            for r in mine
        ]
        lines.append("")
        for r in mine:
            params = ", ".join(f"`{k}` = `{v!r}`" for k, v in r.params.items())
            lines += [
                f"### {r.id} {r.slug}",
                "",
                f"**{r.title}.** Severity {r.severity.value}, weight {r.weight:g}. "
                f"Needs: {', '.join(f'`{q}`' for q in r.requires)}."
                + (
                    f" Also reads: {', '.join(f'`{u}`' for u in r.uses)}."
                    if r.uses
                    else ""
                )
                + (f" Parameters: {params}." if params else ""),
                "",
                r.rationale,
                "",
                *[line.strip() for line in r.remediation.splitlines()],
                "",
                "References: " + ", ".join(f"<{u}>" for u in r.references),
                "",
            ]
    return "\n".join(lines).rstrip("\n") + "\n"
