"""Errors a user can act on.

Every error here becomes one line on stderr (see ``cli.py``) and never a
traceback. Messages name the file, row and column where they can, and never
carry a secret: callers pass only paths and cell values from exports.
"""

from __future__ import annotations

from pathlib import Path


class HealthcheckError(Exception):
    """Base class: a problem the user can fix. ``hint`` says how."""

    exit_code = 2

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        if self.hint:
            return f"{self.message} ({self.hint})"
        return self.message


class ConfigError(HealthcheckError):
    """The engagement folder or its ``client.yaml`` is missing or invalid."""


class InputError(HealthcheckError):
    """An export or workbook cannot be read as its format promises."""

    def __init__(
        self,
        message: str,
        *,
        file: str | Path | None = None,
        row: int | None = None,
        column: str | None = None,
        hint: str | None = None,
    ) -> None:
        self.file = str(file) if file is not None else None
        self.row = row
        self.column = column
        where = []
        if self.file:
            where.append(self.file)
        if row is not None:
            where.append(f"row {row}")
        if column:
            where.append(f"column '{column}'")
        text = f"{', '.join(where)}: {message}" if where else message
        super().__init__(text, hint=hint)


class EvidenceError(HealthcheckError):
    """A saved evidence folder is missing, incomplete or altered."""


class RenderError(HealthcheckError):
    """A report could not be rendered; nothing was replaced."""

    exit_code = 1
