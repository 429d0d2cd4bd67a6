"""Hiding secrets in URLs before they reach messages and logs.

Private feeds carry credentials in their URL: ``https://user:password@host/feed`` or
``?token=...``/``?api_key=...``. The URL itself must be kept (it is how the feed is fetched),
but every message and log line shows :func:`redact_url` of it instead (OWASP Logging Cheat
Sheet: never log authentication passwords, session ids or access tokens).
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit

__all__ = ["redact_url"]

#: Query parameters whose values are secrets (matched case-insensitively, ``-``/``_`` alike).
_SECRET_KEY = re.compile(
    r"^(?:.*(?:token|secret|passw(?:or)?d|api[-_]?key|apikey|auth|signature|session)|"
    r"key|pass|pwd|sig|sid|code|credentials?)$",
    re.I,
)
_PAIR = re.compile(r"([^&;=]+)=([^&;]*)")
MASK = "***"


def redact_url(url: str) -> str:
    """``url`` with its password and secret-looking query values replaced by ``***``."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, host = netloc.rsplit("@", 1)
        user = userinfo.split(":", 1)[0]
        netloc = f"{user}:{MASK}@{host}" if ":" in userinfo else f"{MASK}@{host}"
    query = _PAIR.sub(
        lambda m: f"{m.group(1)}={MASK}" if _SECRET_KEY.match(m.group(1)) else m.group(0),
        parts.query,
    )
    if netloc == parts.netloc and query == parts.query:
        return url
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))
