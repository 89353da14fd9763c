"""Take secrets out of text that came from code we do not own.

A third-party collector's exception message may carry anything: a bearer
token, a password in a connection string, the secret it read from the
environment. Before such text reaches the evidence, a report or a log, it
goes through :func:`scrub`, which removes the values of the environment
variables ``client.yaml`` names for secrets and what looks like a credential.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from typing import Any

MASK = "***"
#: Shorter values would mangle ordinary words.
_MIN_SECRET = 6

_PATTERNS = (
    # Authorization: Bearer <token>, Basic <b64>
    re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{8,}"),
    # key=value and key: value for names that hold secrets
    re.compile(
        r"(?i)\b([\w-]*(?:password|passwd|pwd|secret|token|api[_-]?key|"
        r"access[_-]?key|signature|sig))(\"?\s*[=:]\s*\"?)[^\s\"'&;,]+"
    ),
    # user:password@host in a URL
    re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://[^\s/:@]+):[^\s/@]+@"),
    # a JSON web token
    re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*"),
)


def secret_env_values(config: Mapping[str, Any] | None) -> list[str]:
    """Values of the environment variables named by ``*_env`` keys of ``config``.

    ``client.yaml`` names secrets by their variable (``client_secret_env``,
    ``key_env`` ...), at any depth; their values are what must never show.
    """
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, Mapping):
            for key, value in node.items():
                if str(key).endswith("_env") and isinstance(value, str):
                    secret = os.environ.get(value, "")
                    if len(secret) >= _MIN_SECRET:
                        found.append(secret)
                else:
                    walk(value)
        elif isinstance(node, list | tuple):
            for item in node:
                walk(item)

    walk(config)
    return found


def scrub(text: str, secrets: Iterable[str] = ()) -> str:
    """``text`` with each of ``secrets`` and anything credential-like masked."""
    for secret in sorted(secrets, key=len, reverse=True):
        if len(secret) >= _MIN_SECRET:
            text = text.replace(secret, MASK)
    text = _PATTERNS[0].sub(lambda m: f"{m.group(1)} {MASK}", text)
    text = _PATTERNS[1].sub(lambda m: f"{m.group(1)}{m.group(2)}{MASK}", text)
    text = _PATTERNS[2].sub(lambda m: f"{m.group(1)}:{MASK}@", text)
    return _PATTERNS[3].sub(MASK, text)
