"""The web app's access log, with secrets kept out of it.

Tokens reach the app in three places: the ``/login?token=`` link ``storyline serve``
prints, the ``Authorization: Bearer`` header of API clients, and the session cookie of a
browser. None of them may be written to a log (OWASP Logging Cheat Sheet: never log access
tokens, session identifiers or passwords). So:

* the access log (``storyline serve --access-log``, logger ``storyline.web.access``)
  writes client, method, path, status and milliseconds, with every secret-looking query
  value replaced by ``***``, and never any header or cookie;
* uvicorn's own access log, should someone run the app under ``uvicorn`` with it on, gets
  a filter doing the same redaction (:func:`install_redaction`).
"""

from __future__ import annotations

import logging
import re
import time
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["ACCESS_LOGGER", "AccessLog", "RedactFilter", "install_redaction", "redact_target"]

ACCESS_LOGGER = "storyline.web.access"
MASK = "***"

#: Query keys whose values are secrets (case-insensitive; ``-``/``_`` alike).
_SECRET_KEY = re.compile(
    r"^(?:.*(?:token|secret|passw(?:or)?d|api[-_]?key|apikey|auth|signature|session|csrf)|"
    r"key|pass|pwd|sig|sid|code|credentials?)$",
    re.I,
)
_PAIR = re.compile(r"([^&;=?]+)=([^&;]*)")


def redact_query(query: str) -> str:
    """A query string with secret-looking values replaced by ``***``."""
    return _PAIR.sub(
        lambda m: f"{m.group(1)}={MASK}" if _SECRET_KEY.match(m.group(1)) else m.group(0), query
    )


def redact_target(target: str) -> str:
    """A request target (``/path?query``) with its secret query values masked."""
    path, sep, query = target.partition("?")
    return f"{path}{sep}{redact_query(query)}" if sep else path


class RedactFilter(logging.Filter):
    """Masks secret query values in uvicorn access-log records (args: client, method,
    target, HTTP version, status)."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str):
            record.args = (*args[:2], redact_target(args[2]), *args[3:])
        return True


def install_redaction() -> None:
    """Add :class:`RedactFilter` to uvicorn's access logger (once)."""
    logger = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, RedactFilter) for f in logger.filters):
        logger.addFilter(RedactFilter())


class AccessLog:
    """ASGI middleware writing one redacted line per request to ``storyline.web.access``."""

    def __init__(self, app: ASGIApp, enabled: bool = True) -> None:
        self.app = app
        self.enabled = enabled
        self.logger = logging.getLogger(ACCESS_LOGGER)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self.enabled:
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status: dict[str, Any] = {"code": 500}

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            query = scope.get("query_string", b"").decode("latin-1")
            target = scope.get("path", "") + (f"?{redact_query(query)}" if query else "")
            client = scope.get("client")
            self.logger.info(
                "%s %s %s %d %.1fms",
                client[0] if client else "-",
                scope.get("method", "-"),
                target,
                status["code"],
                (time.perf_counter() - start) * 1000,
            )
