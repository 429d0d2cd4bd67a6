"""Small helpers the page builders share: dates, article cards, copy folding."""

from __future__ import annotations

import math
from datetime import date, datetime
from typing import Any
from urllib.parse import urlsplit

from storyline.model import Article
from storyline.web.safe import paragraphs, plain, safe_url

__all__ = [
    "article_card",
    "entity_id",
    "iso",
    "lead_sentence",
    "publisher",
    "snippet",
]

#: The largest id SQLite stores as an integer: a longer number is no entity (and would make
#: the driver raise OverflowError, a 500, instead of "no such entity").
MAX_ID = 2**63 - 1


def entity_id(text: str) -> int | None:
    """An entity id from a path or form field: ASCII digits within SQLite's range, else None.

    ``str.isdigit`` alone is not enough: it accepts ``"²"`` (``int`` fails) and 30-digit
    numbers (SQLite's driver fails), both of which reached the store as 500s.
    """
    if not text.isascii() or not text.isdigit() or len(text) > 19:
        return None
    value = int(text)
    return value if value <= MAX_ID else None


def iso(value: date | datetime | None) -> str | None:
    """ISO-8601 text of a date or time, or ``None``."""
    return value.isoformat() if value is not None else None


def publisher(article: Article) -> str:
    """Who published an article: its site name, its URL's host, else its source id."""
    if article.site_name:
        return plain(article.site_name)
    url = safe_url(article.url)
    if url:
        host = urlsplit(url).hostname or ""
        return host.removeprefix("www.")
    return plain(article.source_id) or "?"


def snippet(article: Article, chars: int = 220) -> str:
    """A short plain-text teaser: the lead, else the start of the text, cut at a word."""
    # Only the start of the text is read: a teaser never needs more.
    body = plain(article.lead) or " ".join(paragraphs((article.text or "")[: chars * 8])[:2])
    body = " ".join(body.split())
    if len(body) <= chars:
        return body
    cut = body[:chars].rsplit(" ", 1)[0]
    return cut + "…"


def lead_sentence(article: Article | None, chars: int = 200) -> str:
    """A one-line summary: the first sentence of the lead or text."""
    if article is None:
        return ""
    text = snippet(article, 600)
    for stop in (". ", "! ", "? "):
        pos = text.find(stop)
        if 30 <= pos <= chars:
            return text[: pos + 1]
    return text if len(text) <= chars else text[:chars].rsplit(" ", 1)[0] + "…"


def article_card(article: Article, *, copies: int = 0) -> dict[str, Any]:
    """What lists show of an article: ids, headline, source, snippet and a safe link."""
    return {
        "id": article.id,
        "title": plain(article.title) or plain(article.text)[:80],
        "source_id": article.source_id,
        "publisher": publisher(article),
        "language": article.language,
        "published": iso(article.published),
        "url": safe_url(article.url),
        "snippet": snippet(article),
        "copies": copies,
    }


def freshness(last: datetime | None, now: datetime, half_life_hours: float = 36.0) -> float:
    """Exponential decay of age: 1 for now, 1/2 after ``half_life_hours``."""
    if last is None:
        return 0.1
    hours = max(0.0, (now - last).total_seconds() / 3600)
    return math.pow(0.5, hours / half_life_hours)
