"""client.yaml's ``column_mappings``: read an unknown vendor's export without code.

```yaml
column_mappings:
  date_order: DMY            # numeric dates no file can settle are day-first
  formats:
    - name: Acronis plans    # a new format, recognised by the mapped headers
      dataset: backup_jobs
      columns:               # canonical column: header in the file
        job: Plan name
        last_run: Last backup
        last_result: Status
      values:                # optional: cell -> canonical value, per column
        last_result: {OK: success, Error: failed}
      defaults:              # optional: a value for columns the file lacks
        system: backup appliance
      date_order: MDY        # optional, for this format's files only
    - format: veeam_sessions # tune a built-in format (ids in README)
      date_order: DMY
      columns:               # documented header: this file's spelling
        Job name: Backup job
```

Validation happens here, not in ``healthcheck.config``, and every message
names client.yaml and the key path.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from healthcheck import datasets
from healthcheck.errors import ConfigError

from .formats import TABLE_FORMATS, Part, TableFormat, View, bad_cells

SECTION = "column_mappings"

#: Datasets a mapped file may fill.
MAPPABLE = (
    "users",
    "licence_skus",
    "licence_assignments",
    "devices",
    "backup_jobs",
    "role_assignments",
    "mfa_registration",
    "patch_status",
    "mailboxes",
    "per_user_mfa",
    # Issue 13, part B.
    "accepted_domains",
    "outbound_spam_policies",
    "mail_forwarding",
    "inbox_rules",
    "dkim_signing",
    "endpoint_protection",
    "bitlocker_keys",
    "laps_credentials",
)


@dataclass(frozen=True, kw_only=True, slots=True)
class Mappings:
    """The validated section: formats to try and the default date order."""

    formats: tuple[TableFormat, ...] = TABLE_FORMATS
    date_order: str | None = None
    overrides: Mapping[str, str | None] = field(default_factory=dict)


def _order(value: Any, where: str, key: str) -> str | None:
    if value is None:
        return None
    text = str(value).strip().upper()
    if text not in datasets.DATE_ORDERS:
        raise ConfigError(
            f"{where}: key '{key}': expected DMY (day first, 31.12.2026) or MDY "
            f"(month first, 12/31/2026), got {value!r}"
        )
    return text


def _str_map(value: Any, where: str, key: str) -> dict[str, str]:
    if not isinstance(value, Mapping) or not value:
        raise ConfigError(f"{where}: key '{key}': expected a mapping of names")
    out = {}
    for k, v in value.items():
        if not isinstance(v, str | int | float) or isinstance(v, bool):
            raise ConfigError(f"{where}: key '{key}.{k}': expected text, got {v!r}")
        out[str(k)] = str(v)
    return out


def _custom_converter(
    dataset: str,
    columns: Mapping[str, str],
    values: Mapping[str, Mapping[str, str]],
    defaults: Mapping[str, str],
) -> Any:
    schema = datasets.schema(dataset)
    kinds = {c.name: c.kind for c in schema.columns}

    def convert(view: View) -> list[Part]:
        part = view.part(dataset, columns)
        bad_any = pd.Series(False, index=view.frame.index)
        for canon, header in columns.items():
            if canon in values:
                lookup = {k.casefold(): v for k, v in values[canon].items()}
                cells = part.frame[canon].astype("string").str.strip()
                part.frame[canon] = cells.map(
                    lambda v, lk=lookup: (
                        lk.get(v.casefold(), v) if isinstance(v, str) else v
                    )
                )
            if kinds[canon] in (datasets.DATE, datasets.DATETIME):
                parsed, bad = view.dates(header)
                part.frame[canon] = parsed
                part.rejected.extend(bad_cells(view, bad, header))
                bad_any |= bad & ~bad_any
        for canon, value in defaults.items():
            part.frame[canon] = value
            part.source_columns[canon] = f"(client.yaml default {value!r})"
        return [part.without(bad_any)]

    return convert


def _custom(entry: Mapping[str, Any], where: str, key: str) -> TableFormat:
    name = entry.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ConfigError(f"{where}: key '{key}.name': expected a name for the format")
    dataset = entry.get("dataset")
    if dataset not in MAPPABLE:
        raise ConfigError(
            f"{where}: key '{key}.dataset': expected one of "
            f"{', '.join(MAPPABLE)}, got {dataset!r}"
        )
    schema = datasets.schema(dataset)
    known = {c.name for c in schema.columns}
    columns = _str_map(entry.get("columns"), where, f"{key}.columns")
    defaults = (
        _str_map(entry["defaults"], where, f"{key}.defaults")
        if entry.get("defaults") is not None
        else {}
    )
    for canon in list(columns) + list(defaults):
        if canon not in known:
            raise ConfigError(
                f"{where}: key '{key}.columns.{canon}': {dataset} has no column "
                f"'{canon}'; its columns are "
                + ", ".join(c.name for c in schema.columns)
            )
    lacking = [
        c.name
        for c in schema.columns
        if not c.optional
        and not c.nullable
        and c.name not in columns
        and c.name not in defaults
    ]
    # Columns that may be empty but must exist are filled with nothing.
    defaults = {
        c.name: "" for c in schema.columns if not c.optional and c.name not in columns
    } | defaults
    if lacking:
        raise ConfigError(
            f"{where}: key '{key}.columns': {dataset} needs "
            + ", ".join(f"'{c}'" for c in lacking)
            + " (map a header to each, or give a value under 'defaults')"
        )
    values_raw = entry.get("values") or {}
    if not isinstance(values_raw, Mapping):
        raise ConfigError(f"{where}: key '{key}.values': expected a mapping")
    values = {}
    for canon, table in values_raw.items():
        if canon not in columns:
            raise ConfigError(
                f"{where}: key '{key}.values.{canon}': not a mapped column"
            )
        values[str(canon)] = _str_map(table, where, f"{key}.values.{canon}")
    for extra in set(entry) - {
        "name",
        "dataset",
        "columns",
        "values",
        "defaults",
        "date_order",
    }:
        raise ConfigError(
            f"{where}: key '{key}.{extra}': unknown key (known: name, dataset, "
            "columns, values, defaults, date_order)"
        )
    headers = tuple(dict.fromkeys(columns.values()))
    return TableFormat(
        id="mapped:" + name.strip(),
        title=f"{name.strip()} (client.yaml column mapping)",
        headers=headers,
        required=headers,
        key=headers[:1],
        datasets=(dataset,),
        date_order=_order(entry.get("date_order"), where, f"{key}.date_order"),
        convert=_custom_converter(dataset, columns, values, defaults),
    )


def _tuned(entry: Mapping[str, Any], where: str, key: str) -> TableFormat:
    ids = {f.id: f for f in TABLE_FORMATS}
    fid = entry.get("format")
    if fid not in ids:
        raise ConfigError(
            f"{where}: key '{key}.format': expected one of {', '.join(ids)}, "
            f"got {fid!r}"
        )
    fmt = ids[str(fid)]
    for extra in set(entry) - {"format", "columns", "date_order"}:
        raise ConfigError(
            f"{where}: key '{key}.{extra}': unknown key (known: format, columns, "
            "date_order)"
        )
    aliases = {h: tuple(a) for h, a in fmt.aliases.items()}
    if entry.get("columns") is not None:
        for header, spelling in _str_map(
            entry["columns"], where, f"{key}.columns"
        ).items():
            if header not in fmt.headers:
                raise ConfigError(
                    f"{where}: key '{key}.columns.{header}': '{fid}' has no "
                    f"documented header '{header}'; its headers are "
                    + ", ".join(fmt.headers)
                )
            aliases[header] = (spelling, *aliases.get(header, ()))
    order = _order(entry.get("date_order"), where, f"{key}.date_order")
    return dataclasses.replace(fmt, aliases=aliases, date_order=order or fmt.date_order)


def load(section: Any, where: str) -> Mappings:
    """Validate the ``column_mappings`` section (None when absent)."""
    if section is None:
        return Mappings()
    if not isinstance(section, Mapping):
        raise ConfigError(
            f"{where}: key '{SECTION}': expected a mapping with 'date_order' "
            "and/or 'formats'"
        )
    for extra in set(section) - {"date_order", "formats"}:
        raise ConfigError(
            f"{where}: key '{SECTION}.{extra}': unknown key (known: date_order, "
            "formats)"
        )
    order = _order(section.get("date_order"), where, f"{SECTION}.date_order")
    entries = section.get("formats") or []
    if not isinstance(entries, list):
        raise ConfigError(f"{where}: key '{SECTION}.formats': expected a list")
    custom: list[TableFormat] = []
    tuned: dict[str, TableFormat] = {}
    overrides: dict[str, str | None] = {}
    for n, entry in enumerate(entries):
        key = f"{SECTION}.formats[{n}]"
        if not isinstance(entry, Mapping):
            raise ConfigError(f"{where}: key '{key}': expected a mapping")
        if "format" in entry:
            fmt = _tuned(entry, where, key)
            tuned[fmt.id] = fmt
            overrides[fmt.id] = _order(entry.get("date_order"), where, key)
        else:
            fmt = _custom(entry, where, key)
            custom.append(fmt)
            overrides[fmt.id] = fmt.date_order
    builtins = tuple(tuned.get(f.id, f) for f in TABLE_FORMATS)
    return Mappings(
        formats=tuple(custom) + builtins, date_order=order, overrides=overrides
    )
