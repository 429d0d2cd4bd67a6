"""Sanitising what comes from articles before it reaches a page.

Article text, titles, snippets and URLs come from the open web and are hostile until shown
otherwise. Pages are rendered by Jinja with autoescaping on, so every string is text, never
markup. Markup we add ourselves is built here from escaped text with a strict allow-list:
``<mark>`` around search matches and ``<p>`` per paragraph, nothing else. Links are kept only
for ``http``/``https`` URLs (never ``javascript:``, ``data:`` or ``vbscript:``), as the OWASP
XSS prevention cheat sheet advises (rule: "validate URLs before putting them in href").
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import urlsplit

from markupsafe import Markup, escape

__all__ = ["highlight", "paragraphs", "plain", "safe_url"]

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_MARK = re.compile(r"\[([^\[\]\n]{1,300})\]")
_BLANK = re.compile(r"\n\s*\n+")


def plain(text: str | None) -> str:
    """Text with control and bidi-override characters removed (they can disguise a link)."""
    return _CONTROL.sub("", unicodedata.normalize("NFC", text or ""))


def safe_url(url: str | None) -> str | None:
    """``url`` if it is an absolute http(s) URL with a host, else ``None`` (never linked)."""
    if not url:
        return None
    cleaned = plain(url).strip()
    if any(ch.isspace() for ch in cleaned) or len(cleaned) > 4000:
        return None
    try:
        parts = urlsplit(cleaned)
    except ValueError:
        return None
    if parts.scheme.lower() not in {"http", "https"} or not parts.hostname:
        return None
    return cleaned


def paragraphs(text: str | None) -> list[str]:
    """The paragraphs of a cleaned text (blank lines, else single line breaks, separate them)."""
    body = plain(text).replace("\r\n", "\n").strip()
    if not body:
        return []
    parts = _BLANK.split(body) if _BLANK.search(body) else body.split("\n")
    return [" ".join(p.split()) for p in parts if p.strip()]


def highlight(snippet: str | None) -> Markup:
    """A search snippet with its ``[match]`` markers as ``<mark>``; everything else escaped."""
    escaped = str(escape(plain(snippet)))
    return Markup(_MARK.sub(r"<mark>\1</mark>", escaped))
