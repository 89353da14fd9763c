"""The ``graph:`` section of ``client.yaml``, validated.

Example::

    graph:
      tenant_id: contoso.onmicrosoft.com   # or the tenant's GUID
      client_id: 11111111-2222-3333-4444-555555555555
      auth: app                            # app (default) or device_code
      client_secret_env: HEALTHCHECK_GRAPH_SECRET   # the NAME of a variable
      # or, instead of a secret:
      # certificate_path: consultant-app.pem       # private key + certificate
      # certificate_thumbprint: 0A1B...            # SHA-1, as the portal shows
      # certificate_password_env: HEALTHCHECK_CERT_PASSWORD
      authority: https://login.microsoftonline.com  # national clouds differ
      graph_endpoint: https://graph.microsoft.com
      ca_bundle: corporate-proxy-ca.pem             # optional
      token_cache:                                  # optional; else memory
        path: ~/.healthcheck/tokens.bin
        key_env: HEALTHCHECK_CACHE_KEY

The file is saved with the evidence, so it must never hold a secret: secrets
and passphrases are read from environment variables it names. Messages about
an ``*_env`` key never show its value, in case a secret was pasted there.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from healthcheck.config import CONFIG_NAME
from healthcheck.errors import ConfigError

SECTION = "graph"
DEFAULT_AUTHORITY = "https://login.microsoftonline.com"
DEFAULT_GRAPH = "https://graph.microsoft.com"

_KEYS = {
    "tenant_id",
    "client_id",
    "auth",
    "client_secret_env",
    "certificate_path",
    "certificate_thumbprint",
    "certificate_password_env",
    "authority",
    "graph_endpoint",
    "ca_bundle",
    "token_cache",
    "timeout",
    "concurrency",
}
#: Keys people reach for that would put a secret in the file.
_SECRET_KEYS = {"client_secret", "secret", "password", "certificate_password", "token"}
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,127}$")
_GUID = re.compile(r"^[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
_TENANT = re.compile(r"^(?:[0-9a-fA-F-]{36}|[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)$")
_THUMBPRINT = re.compile(r"^[0-9a-fA-F]{40}$")


@dataclass(frozen=True, kw_only=True, slots=True)
class GraphSettings:
    """Validated Graph settings; paths are absolute."""

    tenant_id: str
    client_id: str
    auth: str
    authority: str
    graph_endpoint: str
    client_secret_env: str | None = None
    certificate_path: Path | None = None
    certificate_thumbprint: str | None = None
    certificate_password_env: str | None = None
    ca_bundle: Path | None = None
    cache_path: Path | None = None
    cache_key_env: str | None = None
    timeout: float = 60.0
    concurrency: int = 4

    @property
    def authority_url(self) -> str:
        """The tenant's authority, as msal wants it."""
        return f"{self.authority}/{self.tenant_id}"

    def consent_url(self) -> str:
        """Where the client's admin grants the app's permissions.

        https://learn.microsoft.com/entra/identity-platform/v2-admin-consent
        """
        return (
            f"{self.authority}/{self.tenant_id}/adminconsent?client_id={self.client_id}"
        )


def _err(key: str, message: str, where: str, hint: str | None = None) -> ConfigError:
    return ConfigError(f"{where}: key '{SECTION}.{key}': {message}", hint=hint)


def _url(data: Mapping[str, Any], key: str, default: str, where: str) -> str:
    value = data.get(key, default)
    parts = urlsplit(value) if isinstance(value, str) else None
    if parts is None or parts.scheme != "https" or not parts.netloc or parts.query:
        raise _err(key, f"expected an https:// URL, got {value!r}", where)
    return value.rstrip("/")


def _env(data: Mapping[str, Any], key: str, where: str) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not _ENV_NAME.match(value):
        # Never echo the value: it may be the secret itself, pasted by mistake.
        raise _err(
            key,
            "expected the name of an environment variable (letters, digits, _)",
            where,
            hint="put the secret in that variable, never in client.yaml",
        )
    return value


def _path(root: Path, data: Mapping[str, Any], key: str, where: str) -> Path | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise _err(key, f"expected a file path, got {value!r}", where)
    path = Path(value).expanduser()
    return path if path.is_absolute() else root / path


def parse(section: Any, root: Path, where: str = CONFIG_NAME) -> GraphSettings:
    """Validate the ``graph`` section; ``root`` anchors relative paths.

    Raises:
        ConfigError: naming client.yaml and the key.
    """
    if not isinstance(section, Mapping):
        raise ConfigError(f"{where}: key '{SECTION}': expected a mapping of settings")
    for key in section:
        if key in _SECRET_KEYS:
            raise _err(
                str(key),
                "secrets must not be stored in client.yaml",
                where,
                hint="set an environment variable and name it in "
                f"'{SECTION}.client_secret_env'",
            )
        if key not in _KEYS:
            close = difflib.get_close_matches(str(key), _KEYS, n=1)
            raise _err(
                str(key),
                "unknown key",
                where,
                hint=f"did you mean '{close[0]}'?"
                if close
                else "known keys: " + ", ".join(sorted(_KEYS)),
            )
    tenant = section.get("tenant_id")
    if not isinstance(tenant, str) or not _TENANT.match(tenant):
        raise _err(
            "tenant_id",
            f"expected the tenant's GUID or a domain like contoso.onmicrosoft.com, "
            f"got {tenant!r}",
            where,
        )
    client = section.get("client_id")
    if not isinstance(client, str) or not _GUID.match(client):
        raise _err(
            "client_id",
            f"expected the app registration's client id (a GUID), got {client!r}",
            where,
        )
    auth = section.get("auth", "app")
    if auth not in ("app", "device_code"):
        raise _err("auth", f"expected app or device_code, got {auth!r}", where)
    secret_env = _env(section, "client_secret_env", where)
    cert = _path(root, section, "certificate_path", where)
    thumb = section.get("certificate_thumbprint")
    if thumb is not None and (
        not isinstance(thumb, str) or not _THUMBPRINT.match(thumb.replace(":", ""))
    ):
        raise _err(
            "certificate_thumbprint",
            "expected the certificate's SHA-1 thumbprint (40 hex digits)",
            where,
        )
    if auth == "app":
        if secret_env and cert:
            raise _err(
                "certificate_path",
                "give either client_secret_env or a certificate, not both",
                where,
            )
        if not secret_env and not cert:
            raise _err(
                "client_secret_env",
                "app sign-in needs a client secret or a certificate",
                where,
                hint="name the environment variable holding the secret, or give "
                "certificate_path and certificate_thumbprint",
            )
        if cert and not thumb:
            raise _err(
                "certificate_thumbprint",
                "required with certificate_path",
                where,
            )
    cache = section.get("token_cache")
    cache_path = cache_key = None
    if cache is not None:
        if not isinstance(cache, Mapping) or set(cache) - {"path", "key_env"}:
            raise _err(
                "token_cache",
                "expected a mapping with 'path' and 'key_env'",
                where,
            )
        cache_path = _path(root, cache, "path", where)
        try:
            cache_key = _env(cache, "key_env", where)
        except ConfigError:
            raise _err(
                "token_cache.key_env",
                "expected the name of an environment variable",
                where,
            ) from None
        if cache_path is None or cache_key is None:
            raise _err(
                "token_cache",
                "needs both 'path' and 'key_env' (the cache is always encrypted)",
                where,
            )
    timeout = section.get("timeout", 60)
    if (
        isinstance(timeout, bool)
        or not isinstance(timeout, int | float)
        or not (0 < timeout <= 600)
    ):
        raise _err(
            "timeout", f"expected seconds above 0, up to 600, got {timeout!r}", where
        )
    conc = section.get("concurrency", 4)
    if isinstance(conc, bool) or not isinstance(conc, int) or not 1 <= conc <= 16:
        raise _err("concurrency", f"expected 1 to 16, got {conc!r}", where)
    return GraphSettings(
        tenant_id=tenant,
        client_id=client,
        auth=auth,
        authority=_url(section, "authority", DEFAULT_AUTHORITY, where),
        graph_endpoint=_url(section, "graph_endpoint", DEFAULT_GRAPH, where),
        client_secret_env=secret_env,
        certificate_path=cert,
        certificate_thumbprint=thumb.replace(":", "") if thumb else None,
        certificate_password_env=_env(section, "certificate_password_env", where),
        ca_bundle=_path(root, section, "ca_bundle", where),
        cache_path=cache_path,
        cache_key_env=cache_key,
        timeout=float(timeout),
        concurrency=conc,
    )
