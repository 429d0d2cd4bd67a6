"""A site's news through its sitemaps: Google News sitemaps and plain sitemaps (sitemaps.org).

Starting from a site (``https://example.org/``: the ``Sitemap:`` lines of its robots.txt,
else ``/sitemap.xml``) or from a sitemap URL, sitemap indexes are followed (at most
``max_sitemaps`` files), and every ``<url>`` becomes a :class:`SitemapEntry`. A news sitemap
entry carries its headline, publication date and language (``<news:news>``), which are kept
as the article's metadata because they are the publisher's own; the page itself is fetched
(robots.txt respected) and extracted like any other.

Sitemaps may be gzip files (``.xml.gz``); they are decompressed under the same size cap.
The XML parser resolves no entities and loads no DTDs.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

from storyline.errors import SourceError
from storyline.ingest.fetch import Fetcher
from storyline.ingest.netguard import join_url
from storyline.ingest.xmlsafe import declares_entities, safe_parser

__all__ = ["SitemapEntry", "parse_sitemap", "sitemap_entries"]

_NEWS = "{http://www.google.com/schemas/sitemap-news/0.9}"


@dataclass(frozen=True, slots=True)
class SitemapEntry:
    """One page a sitemap lists, with the news metadata when it is a news sitemap."""

    url: str
    title: str | None = None
    published: datetime | None = None
    language: str | None = None
    publication: str | None = None


def _time(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _gunzip(origin: str, data: bytes, limit: int) -> bytes:
    if not data.startswith(b"\x1f\x8b"):
        return data
    decoder = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        out = decoder.decompress(data, limit + 1)
    except zlib.error as error:
        raise SourceError(origin, f"corrupt gzip sitemap: {error}") from error
    if len(out) > limit:
        raise SourceError(origin, f"sitemap decompresses to more than {limit // 1_048_576} MB")
    return out


def _local(tag: object) -> str:
    return str(tag).rsplit("}", 1)[-1]


def _text(element: object, path: str) -> str | None:
    found = element.find(path)  # type: ignore[attr-defined]
    text = found.text if found is not None else None
    return text.strip() if isinstance(text, str) and text.strip() else None


def parse_sitemap(origin: str, data: bytes) -> tuple[list[str], list[SitemapEntry]]:
    """(child sitemaps of an index, page entries) of one sitemap document."""
    from lxml import etree

    if declares_entities(data):
        raise SourceError(origin, "refused: the sitemap declares XML entities (<!ENTITY>)")
    parser = safe_parser(recover=True)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as error:
        raise SourceError(origin, f"not a sitemap: {error}") from error
    if root is None or _local(root.tag) not in ("urlset", "sitemapindex"):
        raise SourceError(origin, "not a sitemap (no <urlset> or <sitemapindex>)")
    children: list[str] = []
    entries: list[SitemapEntry] = []
    for element in root:
        kind = _local(element.tag)
        found = next((c.text.strip() for c in element if _local(c.tag) == "loc" and c.text), None)
        loc = join_url(origin, found) if found else None
        if not loc:  # none, or not a URL
            continue
        if kind == "sitemap":
            children.append(loc)
            continue
        if kind != "url":
            continue
        news = element.find(f"{_NEWS}news")
        lastmod = next((c.text for c in element if _local(c.tag) == "lastmod"), None)
        if news is None:
            entries.append(SitemapEntry(loc, published=_time(lastmod)))
            continue
        entries.append(
            SitemapEntry(
                url=loc,
                title=_text(news, f"{_NEWS}title"),
                published=_time(_text(news, f"{_NEWS}publication_date") or lastmod),
                language=_text(news, f"{_NEWS}publication/{_NEWS}language"),
                publication=_text(news, f"{_NEWS}publication/{_NEWS}name"),
            )
        )
    return children, entries


def _start_urls(fetcher: Fetcher, url: str) -> list[str]:
    parts = urlsplit(url)
    if parts.path not in ("", "/"):
        return [url]
    site = f"{parts.scheme}://{parts.netloc}"
    try:
        robots = fetcher.get(f"{site}/robots.txt", max_bytes=512 * 1024).body
    except SourceError:
        robots = b""
    found = [
        line.split(b":", 1)[1].strip().decode("utf-8", "replace")
        for line in robots.splitlines()
        if line.lower().startswith(b"sitemap:")
    ]
    return found or [f"{site}/sitemap.xml"]


def sitemap_entries(
    fetcher: Fetcher,
    url: str,
    *,
    max_sitemaps: int = 20,
    max_bytes: int = 50 * 1024 * 1024,
    errors: list[SourceError] | None = None,
) -> list[SitemapEntry]:
    """Every page the site's sitemaps (or the given sitemap) list, newest first, each once.

    Unreadable sitemaps are appended to ``errors`` (when given) and skipped; if none could be
    read at all, the first error is raised.
    """
    queue = _start_urls(fetcher, url)
    seen: set[str] = set()
    found: dict[str, SitemapEntry] = {}
    problems: list[SourceError] = []
    while queue and len(seen) < max_sitemaps:
        current = queue.pop(0)
        if current in seen:
            continue
        seen.add(current)
        try:
            response = fetcher.get(current, max_bytes=max_bytes, accept="application/xml")
            body = _gunzip(current, response.body, max_bytes)
            children, entries = parse_sitemap(current, body)
        except SourceError as error:
            problems.append(error)
            continue
        queue.extend(c for c in children if c not in seen)
        for entry in entries:
            found.setdefault(entry.url, entry)
    if errors is not None:
        errors.extend(problems)
    if not found and problems:
        raise problems[0]
    epoch = datetime.min.replace(tzinfo=UTC)
    return sorted(found.values(), key=lambda e: e.published or epoch, reverse=True)
