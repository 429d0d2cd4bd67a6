"""OPML 2.0 subscription lists: import with categories, export grouped by category.

Every feed reader speaks OPML (http://opml.org/spec2.opml): ``<outline type="rss"
xmlUrl=... title=...>`` elements, nested in folder outlines that carry the category. Nested
folders become a category path ``News/Europe``; the ``category`` attribute is read too.

OPML files come from users and the web, so the parser refuses entity declarations (as the
feed parser does) and never resolves entities or fetches DTDs.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from xml.sax.saxutils import quoteattr

from storyline.errors import BadInputError
from storyline.ingest.xmlsafe import declares_entities, safe_parser
from storyline.model import Source

__all__ = ["OpmlFeed", "parse_opml", "starter_feeds", "write_opml"]


@dataclass(frozen=True, slots=True)
class OpmlFeed:
    """One subscription: its feed URL, title, category path, language and site link."""

    url: str
    title: str | None = None
    category: str | None = None
    language: str | None = None
    html_url: str | None = None


def parse_opml(origin: str, data: bytes) -> list[OpmlFeed]:
    """The feeds in an OPML document, in document order, each URL once."""
    from lxml import etree

    if declares_entities(data):
        raise BadInputError(origin, "refused: the OPML file declares XML entities (<!ENTITY>)")
    parser = safe_parser(recover=False)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as error:
        raise BadInputError(origin, f"not valid OPML/XML: {error}") from error
    if root.tag != "opml":
        raise BadInputError(origin, f"not an OPML file (root element <{root.tag}>)")
    body = root.find("body")
    if body is None:
        raise BadInputError(origin, "an OPML file needs a <body> element")
    feeds: dict[str, OpmlFeed] = {}

    def walk(element: etree._Element, path: list[str]) -> None:
        for outline in element.iterfind("outline"):
            url = (outline.get("xmlUrl") or outline.get("xmlurl") or "").strip()
            title = (outline.get("title") or outline.get("text") or "").strip() or None
            if url:
                category = outline.get("category") or ("/".join(path) if path else None)
                if category:
                    category = category.strip().strip("/") or None
                feeds.setdefault(
                    url,
                    OpmlFeed(
                        url=url,
                        title=title,
                        category=category,
                        language=(outline.get("language") or "").strip() or None,
                        html_url=(outline.get("htmlUrl") or "").strip() or None,
                    ),
                )
            walk(outline, [*path, title] if (title and not url) else path)

    walk(body, [])
    return list(feeds.values())


def write_opml(sources: Iterable[Source], *, title: str = "Storyline subscriptions") -> str:
    """OPML 2.0 text: one folder outline per category, feeds without one at the top level."""
    groups: dict[str, list[Source]] = {}
    for source in sources:
        groups.setdefault(source.category or "", []).append(source)

    def line(source: Source, indent: str) -> str:
        name = quoteattr(source.title or source.url)
        attrs = f'type="rss" text={name} title={name} xmlUrl={quoteattr(source.url)}'
        if source.language:
            attrs += f" language={quoteattr(source.language)}"
        return f"{indent}<outline {attrs}/>"

    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<opml version="2.0">',
        f"  <head><title>{_escape(title)}</title></head>",
        "  <body>",
    ]
    for source in groups.pop("", []):
        lines.append(line(source, "    "))
    for category in sorted(groups):
        name = quoteattr(category)
        lines.append(f"    <outline text={name} title={name}>")
        lines.extend(line(source, "      ") for source in groups[category])
        lines.append("    </outline>")
    lines += ["  </body>", "</opml>", ""]
    return "\n".join(lines)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def starter_feeds() -> list[OpmlFeed]:
    """The starter list shipped with Storyline (public news feeds in several languages)."""
    data = resources.files("storyline.ingest").joinpath("starter_feeds.opml").read_bytes()
    return parse_opml("starter_feeds.opml", data)
