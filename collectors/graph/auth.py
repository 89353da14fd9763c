"""Sign-in through msal: app-only (secret or certificate) or device code.

msal talks only to the configured authority: instance discovery, which would
ask login.microsoftonline.com about any other host, is off, and msal uses our
``requests`` session, so TLS is verified against the configured CA bundle
(https://learn.microsoft.com/python/api/msal/msal.application.clientapplication).

Tokens are cached in memory, or on disk encrypted with a key derived from a
passphrase held in an environment variable (never in client.yaml). Every
secret this module handles (the client secret, passphrases, tokens) is
registered with a :class:`Redactor`, which scrubs them from our messages and
from what the msal logger and ours record.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import os
import sys
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import msal
import requests
from requests.adapters import HTTPAdapter

from healthcheck import __version__
from healthcheck.config import CONFIG_NAME
from healthcheck.errors import ConfigError

from .settings import SECTION, GraphSettings

log = logging.getLogger(__name__)

_CACHE_MAGIC = b"HCTC1"
#: Renew this long before expiry, so a page never goes out with a dying token.
_EXPIRY_MARGIN = 300


class AuthFailed(Exception):
    """Sign-in did not give a token; the message is safe to show."""


class Redactor(logging.Filter):
    """Replaces known secret values in text and log records with ``***``."""

    def __init__(self) -> None:
        super().__init__()
        self._secrets: set[str] = set()

    def add(self, value: str | None) -> None:
        """Register a secret (short values are ignored: they would mangle text)."""
        if value and len(value) >= 6:
            self._secrets.add(value)

    def __call__(self, text: str) -> str:
        """Return ``text`` with every registered secret replaced."""
        for s in sorted(self._secrets, key=len, reverse=True):
            text = text.replace(s, "***")
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        """Scrub a log record in place; never drops it."""
        if self._secrets:
            record.msg = self(record.getMessage())
            record.args = ()
        return True


class _Session(requests.Session):
    """A session whose configured CA bundle beats ``REQUESTS_CA_BUNDLE``.

    requests lets the environment's bundle override ``Session.verify``
    (https://github.com/psf/requests/issues/3829); the bundle in client.yaml
    must win, while proxies from the environment still apply.
    """

    ca_bundle: str | None = None
    #: Seconds for requests made without a timeout: msal passes none when it
    #: is given an http_client, and a silent authority must not hang a run.
    default_timeout: float | None = None

    def request(self, *args: Any, **kwargs: Any) -> Any:
        """Requests' request, with the default timeout when none is given."""
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self.default_timeout
        return super().request(*args, **kwargs)

    def merge_environment_settings(self, *args: Any, **kwargs: Any) -> Any:
        """Requests' merge, then the configured bundle on top."""
        merged = super().merge_environment_settings(*args, **kwargs)
        if self.ca_bundle:
            merged["verify"] = self.ca_bundle
        return merged


def make_session(settings: GraphSettings) -> requests.Session:
    """One HTTP session for msal and Graph, verifying TLS against the CA bundle."""
    session = _Session()
    session.default_timeout = settings.timeout
    if settings.ca_bundle is not None:
        if not settings.ca_bundle.is_file():
            raise ConfigError(
                f"{CONFIG_NAME}: key '{SECTION}.ca_bundle': "
                f"{settings.ca_bundle}: file not found"
            )
        session.ca_bundle = session.verify = str(settings.ca_bundle)
    adapter = HTTPAdapter(pool_connections=4, pool_maxsize=settings.concurrency + 2)
    session.mount("https://", adapter)
    session.headers["User-Agent"] = f"healthcheck/{__version__}"
    return session


def _read_env(name: str, key: str, env: Mapping[str, str]) -> str:
    value = env.get(name)
    if not value:
        raise ConfigError(
            f"{CONFIG_NAME}: key '{SECTION}.{key}': the environment variable "
            f"{name} is not set",
            hint=f"export {name}=... before running",
        )
    return value


class _DiskCache:
    """An msal cache in a file, encrypted with Fernet under a scrypt-derived key."""

    def __init__(self, path: Path, passphrase: str) -> None:
        self.path = path
        self._passphrase = passphrase.encode("utf-8")
        self.cache = msal.SerializableTokenCache()
        if path.is_file():
            self._load()

    def _fernet(self, salt: bytes) -> Any:
        from cryptography.fernet import Fernet  # msal's own dependency

        key = hashlib.scrypt(self._passphrase, salt=salt, n=2**14, r=8, p=1, dklen=32)
        return Fernet(base64.urlsafe_b64encode(key))

    def _load(self) -> None:
        from cryptography.fernet import InvalidToken

        data = self.path.read_bytes()
        if not data.startswith(_CACHE_MAGIC):
            log.warning("%s: not a healthcheck token cache; ignoring it", self.path)
            return
        salt, body = data[5:21], data[21:]
        try:
            self.cache.deserialize(self._fernet(salt).decrypt(body).decode("utf-8"))
        except (InvalidToken, ValueError):
            # A changed passphrase only costs a new sign-in.
            log.warning(
                "%s: cannot decrypt the token cache; signing in anew", self.path
            )

    def save(self) -> None:
        """Write the cache if msal changed it (owner-only, atomically)."""
        if not self.cache.has_state_changed:
            return
        salt = os.urandom(16)
        body = self._fernet(salt).encrypt(self.cache.serialize().encode("utf-8"))
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(self.path.name + ".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(_CACHE_MAGIC + salt + body)
        os.replace(tmp, self.path)


def _stderr_prompt(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


class TokenSource:
    """Gives a Graph access token on demand, signing in once and caching.

    Args:
        settings: the validated ``graph`` section.
        session: the HTTP session msal must use.
        env: where the secrets' environment variables are read.
        prompt: shows the device-code instructions to the consultant.

    Raises:
        ConfigError: a named environment variable is not set, or a file is missing.
    """

    def __init__(
        self,
        settings: GraphSettings,
        session: requests.Session,
        *,
        env: Mapping[str, str] | None = None,
        prompt: Callable[[str], None] = _stderr_prompt,
        redactor: Redactor | None = None,
    ) -> None:
        env = os.environ if env is None else env
        self.settings = settings
        self.redact = redactor or Redactor()
        self._prompt = prompt
        self._lock = threading.Lock()
        self._token: str | None = None
        self._expires = 0.0
        self._scopes = [f"{settings.graph_endpoint}/.default"]
        self._disk: _DiskCache | None = None
        if settings.cache_path is not None and settings.cache_key_env:
            passphrase = _read_env(settings.cache_key_env, "token_cache.key_env", env)
            self.redact.add(passphrase)
            self._disk = _DiskCache(settings.cache_path, passphrase)
        cache = self._disk.cache if self._disk else msal.TokenCache()
        common: dict[str, Any] = {
            "authority": settings.authority_url,
            "http_client": session,
            "instance_discovery": False,
            "token_cache": cache,
            "timeout": settings.timeout,
        }
        self._credential: Any = None
        if settings.auth == "app":
            self._credential = self._app_credential(env)
        self._common = common
        self._app: Any = None

    def _app_credential(self, env: Mapping[str, str]) -> Any:
        s = self.settings
        if s.client_secret_env:
            secret = _read_env(s.client_secret_env, "client_secret_env", env)
            self.redact.add(secret)
            return secret
        assert s.certificate_path is not None
        password = None
        if s.certificate_password_env:
            password = _read_env(
                s.certificate_password_env, "certificate_password_env", env
            )
            self.redact.add(password)
        if not s.certificate_path.is_file():
            raise ConfigError(
                f"{CONFIG_NAME}: key '{SECTION}.certificate_path': "
                f"{s.certificate_path}: file not found"
            )
        if s.certificate_path.suffix.lower() in (".pfx", ".p12"):
            cred: dict[str, Any] = {"private_key_pfx_path": str(s.certificate_path)}
        else:
            pem = s.certificate_path.read_text(encoding="utf-8")
            cred = {"private_key": pem, "thumbprint": s.certificate_thumbprint}
        if password:
            cred["passphrase"] = password
        return cred

    def _make_app(self) -> Any:
        s = self.settings
        try:
            if s.auth == "app":
                return msal.ConfidentialClientApplication(
                    s.client_id, client_credential=self._credential, **self._common
                )
            return msal.PublicClientApplication(s.client_id, **self._common)
        except (ValueError, requests.RequestException) as exc:
            raise AuthFailed(
                f"cannot reach the sign-in authority {s.authority_url}: "
                + self.redact(_first_line(exc))
            ) from None

    def __call__(self) -> str:
        """A valid access token (signing in when there is none)."""
        with self._lock:
            if self._token and time.time() < self._expires - _EXPIRY_MARGIN:
                return self._token
            result = self._acquire()
            token = result.get("access_token")
            if not token:
                raise AuthFailed(
                    "sign-in refused: "
                    + self.redact(
                        f"{result.get('error', 'unknown error')}: "
                        f"{_first_line(result.get('error_description', ''))}"
                    )
                )
            self.redact.add(token)
            self._token = token
            self._expires = time.time() + float(result.get("expires_in", 3600))
            if self._disk is not None:
                self._disk.save()
            return token

    def _acquire(self) -> dict[str, Any]:
        if self._app is None:
            self._app = self._make_app()
        app = self._app
        try:
            if self.settings.auth == "app":
                return app.acquire_token_for_client(scopes=self._scopes) or {}
            for account in app.get_accounts():
                found = app.acquire_token_silent(self._scopes, account=account)
                if found and found.get("access_token"):
                    return found
            flow = app.initiate_device_flow(scopes=self._scopes)
            if "user_code" not in flow:
                return flow
            self._prompt(flow["message"])
            return app.acquire_token_by_device_flow(flow) or {}
        except (ValueError, requests.RequestException) as exc:
            raise AuthFailed(
                "sign-in failed: " + self.redact(_first_line(exc))
            ) from None


def _first_line(value: Any) -> str:
    text = str(value).strip()
    return text.splitlines()[0][:300] if text else ""
