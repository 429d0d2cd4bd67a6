"""API tokens, sessions and CSRF protection.

* **Reads** are open when the server listens on a loopback address (the default,
  127.0.0.1); on any other address every request needs a token unless the operator passes
  ``--public``.
* **Writes** (corrections, hide/mute) always need a token: ``Authorization: Bearer TOKEN``
  for API clients, or a browser session opened with the token at ``/login``.
* Browser sessions are HttpOnly, ``SameSite=Strict`` cookies holding an HMAC of the token,
  and every form post must also carry a CSRF token derived from the session (the
  "synchronizer token" of the OWASP CSRF cheat sheet, stateless via HMAC) and, when the
  browser sends one, an ``Origin`` equal to our own.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field

from starlette.requests import Request

__all__ = ["SESSION_COOKIE", "Guard", "is_loopback", "new_token"]

SESSION_COOKIE = "storyline_session"


def new_token() -> str:
    """A fresh random API token (URL-safe, 256 bits)."""
    return secrets.token_urlsafe(32)


def is_loopback(host: str) -> bool:
    """Whether ``host`` is a loopback address or ``localhost``."""
    if host in {"localhost", "localhost.localdomain"}:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@dataclass
class Guard:
    """Checks tokens, sessions and CSRF tokens for one app (see the module docstring)."""

    tokens: frozenset[str] = frozenset()
    read_needs_token: bool = False
    secret: bytes = field(default_factory=lambda: secrets.token_bytes(32))

    @classmethod
    def of(cls, tokens: Iterable[str], *, read_needs_token: bool = False) -> Guard:
        return cls(frozenset(t for t in tokens if t), read_needs_token)

    def _mac(self, purpose: str, value: str) -> str:
        return hmac.new(self.secret, f"{purpose}:{value}".encode(), hashlib.sha256).hexdigest()

    def valid_token(self, token: str | None) -> bool:
        if not token:
            return False
        return any(hmac.compare_digest(token.encode(), t.encode()) for t in self.tokens)

    def session_for(self, token: str) -> str:
        """The session cookie value for a valid token."""
        return self._mac("session", token)

    def valid_session(self, value: str | None) -> bool:
        if not value:
            return False
        return any(hmac.compare_digest(value, self.session_for(t)) for t in self.tokens)

    def bearer(self, request: Request) -> str | None:
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        return token.strip() if scheme.lower() == "bearer" else None

    def can_write(self, request: Request) -> bool:
        """A valid bearer token, or a valid browser session."""
        return self.valid_token(self.bearer(request)) or self.valid_session(
            request.cookies.get(SESSION_COOKIE)
        )

    def can_read(self, request: Request) -> bool:
        if not self.read_needs_token:
            return True
        return self.can_write(request) or self.valid_token(request.query_params.get("token"))

    def csrf_token(self, request: Request) -> str:
        """The CSRF token a page embeds in its forms (empty without a session)."""
        session = request.cookies.get(SESSION_COOKIE)
        if session is None or not self.valid_session(session):
            return ""
        return self._mac("csrf", session)

    def csrf_ok(self, request: Request, form_token: str | None) -> bool:
        """A cookie-authenticated write must carry our CSRF token and a same-origin Origin.

        Bearer-token requests carry no ambient credentials, so they need neither.
        """
        if self.valid_token(self.bearer(request)):
            return True
        origin = request.headers.get("origin")
        if origin and origin != "null":
            expected = f"{request.url.scheme}://{request.url.netloc}"
            if origin != expected:
                return False
        elif origin == "null":
            return False
        sent = form_token or request.headers.get("x-csrf-token") or ""
        wanted = self.csrf_token(request)
        return bool(wanted) and hmac.compare_digest(sent, wanted)
