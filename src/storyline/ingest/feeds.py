"""Reading feeds: RSS 0.9x/1.0/2.0 and Atom (feedparser) and JSON Feed 1.0/1.1.

The parser is given bytes already fetched under the size cap (see :mod:`.fetch`), so the
whole feed is in memory once, never more. Two refusals come before any XML parser sees it:
a document type declaration that declares entities (``<!ENTITY``: the "billion laughs"
expansion attack and external entity tricks; no real news feed declares entities) and a feed
with more than ``max_items`` items.

A malformed ("bozo") feed is still read as far as feedparser's lenient parser gets; the
problem is returned as ``Feed.warning`` so the user is told, and only a feed with no items
and a fatal problem is an error. Wrong declared encodings are recovered by feedparser's
fallback decoding (and reported the same way).

Every item gets **identity keys** (:func:`item_keys`): its GUID, its URL without tracking
parameters, and a hash of its title with its date. A stored item is recognised when *any* of
its keys is known, and its new keys are then recorded, so an item whose GUID, URL or title
changes between polls is not stored twice (the failure reported as Miniflux #3120 and
FreshRSS #6521).
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html import unescape
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from storyline.errors import SourceError
from storyline.ingest.netguard import join_url
from storyline.ingest.xmlsafe import declares_entities
from storyline.model import ARTICLE_MEDIA_TYPE, RawDoc, normalise_text

__all__ = [
    "FEED_TYPES",
    "Feed",
    "FeedItem",
    "discover_feeds",
    "html_to_text",
    "item_document",
    "item_keys",
    "looks_like_feed",
    "normalise_url",
    "parse_feed",
]

#: Media types of feeds, for discovery and for ``Accept`` headers.
FEED_TYPES = (
    "application/rss+xml",
    "application/atom+xml",
    "application/feed+json",
    "application/json",
    "application/rdf+xml",
    "application/xml",
    "text/xml",
)
_XML_INVALID = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_ITEM_TAG = re.compile(rb"<(?:[A-Za-z][\w.-]*:)?(?:item|entry)[\s/>]")
_TRACKING = re.compile(r"^(utm_|mc_|fbclid$|gclid$|ocid$|cmpid$|at_|_ga$|ref$|rss$|feed$)", re.I)
_BLOCKS = {
    "p",
    "div",
    "br",
    "li",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "blockquote",
    "pre",
    "tr",
    "section",
    "article",
    "figure",
    "header",
    "footer",
    "ul",
    "ol",
    "table",
}


@dataclass(slots=True)
class FeedItem:
    """One entry of a feed, its text as plain text (HTML already turned into paragraphs)."""

    guid: str | None
    url: str | None
    title: str | None
    summary: str = ""
    content: str = ""
    published: datetime | None = None
    author: str | None = None
    language: str | None = None
    categories: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        """The longest text the feed gives: full content if any, else the summary."""
        return self.content if len(self.content) >= len(self.summary) else self.summary

    def words(self) -> int:
        return len(self.text.split())


@dataclass(slots=True)
class Feed:
    """A parsed feed: its own metadata, its items, and what was wrong with it (if anything)."""

    title: str | None
    link: str | None
    language: str | None
    kind: str
    items: list[FeedItem] = field(default_factory=list)
    warning: str | None = None


def looks_like_feed(body: bytes, content_type: str = "") -> bool:
    """Whether a response is a feed rather than an HTML page (for ``source add``)."""
    head = body[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith(b"{"):
        return b"jsonfeed.org" in body[:4096]
    if b"<html" in head or head.startswith(b"<!doctype html"):
        return False
    return any(tag in body[:4096].lower() for tag in (b"<rss", b"<feed", b"<rdf:rdf", b"<channel"))


def _check_safe(origin: str, data: bytes) -> None:
    """Refuse entity declarations before the root element (billion laughs, XXE)."""
    if declares_entities(data):
        raise SourceError(
            origin,
            "refused: the feed declares XML entities (<!ENTITY>), which can expand without "
            "bound (billion laughs) or read local files; no real feed needs them",
        )


def parse_feed(
    origin: str, data: bytes, *, headers: dict[str, str] | None = None, max_items: int = 1000
) -> Feed:
    """Parse feed bytes (RSS, Atom or JSON Feed); raises :class:`SourceError` when unusable."""
    if not data.strip():
        raise SourceError(origin, "empty response, not a feed")
    stripped = data.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped.startswith(b"{"):
        feed = _parse_json_feed(origin, stripped)
    else:
        _check_safe(origin, data)
        _check_item_count(origin, data, max_items)
        feed = _parse_xml_feed(origin, data, headers or {})
    if len(feed.items) > max_items:
        raise SourceError(
            origin, f"refused: the feed has {len(feed.items)} items, more than {max_items}"
        )
    return feed


def _check_item_count(origin: str, data: bytes, max_items: int) -> None:
    """Refuse a feed with too many ``<item>``/``<entry>`` tags before parsing it: feedparser
    takes ~20 s and ~250 MB to read 100,000 items only for them to be refused afterwards."""
    tags = sum(1 for _ in _ITEM_TAG.finditer(data))
    if tags > max_items:
        raise SourceError(origin, f"refused: the feed has {tags} items, more than {max_items}")


def _text(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    value = " ".join(unescape(value).split())
    return value or None


def _time(parsed: Any) -> datetime | None:
    """feedparser's ``*_parsed`` (a UTC ``struct_time``) as an aware datetime."""
    if not parsed:
        return None
    try:
        return datetime(*tuple(parsed)[:6]).replace(tzinfo=UTC)
    except (TypeError, ValueError):
        return None


def _parse_xml_feed(origin: str, data: bytes, headers: dict[str, str]) -> Feed:
    import feedparser

    try:
        result = feedparser.parse(
            data, response_headers=headers, sanitize_html=True, resolve_relative_uris=True
        )
    except Exception as failure:  # feedparser's own bugs (a NUL in the encoding: ValueError)
        raise SourceError(
            origin, f"unreadable feed ({type(failure).__name__}: {failure}); check its XML prolog"
        ) from failure
    meta = result.get("feed", {})
    version = str(result.get("version") or "")
    warning = None
    if result.get("bozo"):
        error = result.get("bozo_exception")
        warning = f"malformed feed ({type(error).__name__}: {error})"
    entries = result.get("entries") or []
    if not entries and not version:
        raise SourceError(origin, warning or "not a feed (no RSS, Atom or RDF channel found)")
    base = str(meta.get("link") or origin)
    language = _text(meta.get("language"))
    items = []
    for entry in entries:
        link = _text(entry.get("link"))
        content = ""
        for part in entry.get("content") or []:
            text = html_to_text(str(part.get("value") or ""))
            if len(text) > len(content):
                content = text
        summary = html_to_text(str(entry.get("summary") or ""))
        items.append(
            FeedItem(
                guid=_text(entry.get("id")),
                url=join_url(base, link) if link else None,
                title=_text(html_to_text(str(entry.get("title") or ""))),
                summary=summary,
                content=content,
                published=_time(entry.get("published_parsed") or entry.get("updated_parsed")),
                author=_text(entry.get("author")),
                language=_text(entry.get("language")) or language,
                categories=[str(t.get("term")) for t in entry.get("tags") or [] if t.get("term")],
            )
        )
    return Feed(
        title=_text(meta.get("title")),
        link=_text(meta.get("link")),
        language=language,
        kind=version or "unknown",
        items=items,
        warning=warning,
    )


def _json_time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    except (ValueError, OverflowError):  # 9999-12-31T23:00-05:00 is past datetime.max in UTC
        return None


def _parse_json_feed(origin: str, data: bytes) -> Feed:
    """JSON Feed 1.0/1.1 (https://www.jsonfeed.org/version/1.1/)."""
    try:
        doc = json.loads(data.decode("utf-8-sig"))
    except RecursionError as error:
        raise SourceError(origin, "not a JSON Feed: JSON nested too deeply") from error
    except ValueError as error:  # bad UTF-8, bad JSON, an integer of more than 4300 digits
        raise SourceError(origin, f"not a JSON Feed: {error}") from error
    if not isinstance(doc, dict) or "jsonfeed.org" not in str(doc.get("version", "")):
        raise SourceError(origin, "not a JSON Feed (no jsonfeed.org version)")
    raw_items = doc.get("items")
    if not isinstance(raw_items, list):
        raise SourceError(origin, 'not a JSON Feed: "items" is not a list')
    base = str(doc.get("home_page_url") or origin)
    language = _text(doc.get("language"))
    items = []
    for raw in raw_items:
        if not isinstance(raw, dict):
            continue
        authors = raw.get("authors") or ([raw["author"]] if raw.get("author") else [])
        author = next(
            (str(a.get("name")) for a in authors if isinstance(a, dict) and a.get("name")), None
        )
        content = html_to_text(str(raw.get("content_html") or "")) or " ".join(
            str(raw.get("content_text") or "").split("\n\n")
        )
        url = _text(raw.get("url")) or _text(raw.get("external_url"))
        items.append(
            FeedItem(
                guid=_text(str(raw["id"])) if raw.get("id") is not None else None,
                url=join_url(base, url) if url else None,
                title=_text(raw.get("title")),
                summary=html_to_text(str(raw.get("summary") or "")),
                content=content.strip(),
                published=_json_time(raw.get("date_published") or raw.get("date_modified")),
                author=author,
                language=_text(raw.get("language")) or language,
                categories=[str(t) for t in raw.get("tags") or [] if isinstance(t, str)],
            )
        )
    version = str(doc.get("version")).rstrip("/").rsplit("/", 1)[-1]
    return Feed(
        title=_text(doc.get("title")),
        link=_text(doc.get("home_page_url")),
        language=language,
        kind=f"json{version}",
        items=items,
    )


def html_to_text(markup: str) -> str:
    """Plain text from an HTML fragment: one paragraph per line, scripts and styles dropped."""
    if "<" not in markup:
        return "\n".join(" ".join(line.split()) for line in unescape(markup).splitlines()).strip()
    import lxml.html
    from lxml import etree

    # lxml parses control characters but refuses them when text is set below (ValueError).
    markup = _XML_INVALID.sub(" ", markup)
    try:
        root = lxml.html.fragment_fromstring(markup, create_parent="div")
    except (etree.ParserError, ValueError, AssertionError):  # lxml asserts on two <body>s
        return " ".join(re.sub(r"<[^>]+>", " ", unescape(markup)).split())
    for bad in root.xpath("//script|//style|//noscript|//iframe"):
        bad.drop_tree()
    for element in root.iter():
        if isinstance(element.tag, str) and element.tag.lower() in _BLOCKS:
            element.tail = "\n" + (element.tail or "")
            if element.tag.lower() != "br":
                element.text = "\n" + (element.text or "")
    lines = (" ".join(line.split()) for line in root.text_content().splitlines())
    return "\n".join(line for line in lines if line)


def discover_feeds(html: bytes | str, base_url: str) -> list[str]:
    """Feed URLs a page announces with ``<link rel="alternate" type="application/rss+xml">``."""
    import lxml.html
    from lxml import etree

    try:
        tree = lxml.html.fromstring(html)
    except (etree.ParserError, ValueError):
        return []
    found: list[str] = []
    for link in tree.iter("link"):
        rel = (link.get("rel") or "").lower().split()
        kind = (link.get("type") or "").lower().split(";")[0].strip()
        href = link.get("href")
        if "alternate" in rel and href and kind in FEED_TYPES and "comments" not in href:
            joined = join_url(base_url, href.strip())
            if joined:
                found.append(joined)
    return list(dict.fromkeys(found))


def normalise_url(url: str) -> str:
    """A URL for identity: lower-case scheme and host, no fragment, no tracking parameters,
    no ``www.``, no trailing slash, ``http`` and ``https`` the same."""
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower().removeprefix("www.")
    query = urlencode(
        sorted((k, v) for k, v in parse_qsl(parts.query, True) if not _TRACKING.match(k))
    )
    return urlunsplit(("http", host, parts.path.rstrip("/") or "/", query, ""))


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:24]


def item_keys(item: FeedItem) -> list[str]:
    """Identity keys of an item, strongest first: ``guid:``, ``url:``, ``title:``.

    The title key includes the publication day, so a daily "Live updates" headline does not
    make tomorrow's item look like today's.
    """
    keys = []
    if item.guid:
        keys.append("guid:" + _digest(item.guid.strip()))
    if item.url:
        keys.append("url:" + _digest(normalise_url(item.url)))
    title = normalise_text(item.title or "")
    if title and len(title) >= 12:
        day = item.published.date().isoformat() if item.published else "-"
        keys.append("title:" + _digest(f"{title}\n{day}"))
    if not keys and item.text:
        keys.append("text:" + _digest(normalise_text(item.text)))
    return keys


def item_document(
    item: FeedItem, *, article_id: str, source_id: str, origin: str, fetched: datetime
) -> RawDoc:
    """The item as an article record (its text is what the feed gives) for extraction."""
    fields: dict[str, Any] = {
        "id": article_id,
        "title": item.title,
        "text": item.text or item.summary,
        "url": item.url,
        "published": item.published.isoformat() if item.published else None,
        "language": item.language,
    }
    return RawDoc(
        origin=origin,
        content=fields["text"] or "",
        media_type=ARTICLE_MEDIA_TYPE,
        source_id=source_id,
        url=item.url,
        fetched=fetched,
        fields=fields,
    )
