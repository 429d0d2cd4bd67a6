"""Storyline's core data model.

Plain, picklable dataclasses shared by every pipeline stage, the stores and the engines.
This module imports nothing from the rest of the package (see DESIGN.md, section 3), so the
same objects travel unchanged through the online service, the local batch engine and Spark.

Times are timezone-aware UTC ``datetime`` objects; ``None`` means "not known", never "now".
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

__all__ = [
    "ARTICLE_MEDIA_TYPE",
    "Article",
    "Credit",
    "Entity",
    "EntityKind",
    "Event",
    "RawDoc",
    "RelatedLink",
    "Source",
    "SourceKind",
    "Storyline",
    "article_id",
    "normalise_text",
    "utcnow",
]


#: Media type of a :class:`RawDoc` whose body is one JSON article (a JSONL line, a feed item):
#: the file reader produces it and extraction reads it.
ARTICLE_MEDIA_TYPE = "application/x-storyline-article"


def utcnow() -> datetime:
    """The current time as an aware UTC datetime (the only clock the model uses)."""
    return datetime.now(UTC)


_WS = re.compile(r"\s+")


def normalise_text(text: str) -> str:
    """Text folded for identity: NFKC, case-folded, whitespace collapsed.

    Used for stable ids, so two copies of one document that differ only in Unicode form,
    letter case or line wrapping get the same id.
    """
    return _WS.sub(" ", unicodedata.normalize("NFKC", text).casefold()).strip()


def article_id(*, url: str | None = None, title: str | None = None, text: str | None = None) -> str:
    """A stable article id: a hash of the canonical URL, else of the normalised title and text.

    Stable ids make re-ingesting the same input a no-op. The id is 16 hex digits of SHA-256,
    prefixed with ``u`` (from a URL) or ``t`` (from text) so the two kinds never collide.
    """
    if url:
        return "u" + hashlib.sha256(url.strip().encode("utf-8")).hexdigest()[:16]
    body = normalise_text(f"{title or ''}\n{text or ''}")
    if not body:
        raise ValueError("an article id needs a URL, a title or a text")
    return "t" + hashlib.sha256(body.encode("utf-8")).hexdigest()[:16]


class SourceKind(StrEnum):
    """Where a document came from."""

    FEED = "feed"
    PAGE = "page"
    FILE = "file"
    WARC = "warc"


@dataclass(slots=True)
class Source:
    """A place Storyline collects from: a feed, a web page, a local folder or a WARC archive."""

    id: str
    kind: SourceKind
    url: str
    title: str | None = None
    language: str | None = None
    category: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    paused: bool = False
    last_polled: datetime | None = None
    last_error: str | None = None


@dataclass(slots=True)
class RawDoc:
    """One document as collected, before extraction.

    ``content`` is the bytes or text as found. ``media_type`` says how to read it:
    ``text/html``, ``text/plain`` or ``application/x-storyline-article`` (an article already in
    the JSON shape of DESIGN.md section 5, given in ``fields``). ``origin`` names where it came
    from (a path, ``path:line``, or a URL) and is what error messages show.
    """

    origin: str
    content: bytes | str
    media_type: str
    source_id: str | None = None
    url: str | None = None
    fetched: datetime | None = None
    fields: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class Credit:
    """A photo/video credit or caption taken out of the body text ("Evan Vucci/AP")."""

    text: str
    kind: str = "photo"


@dataclass(slots=True)
class RelatedLink:
    """A teaser from a "Similar news"/"Related" block, kept apart from the body."""

    title: str
    snippet: str | None = None
    url: str | None = None


@dataclass(slots=True)
class Article:
    """A cleaned article: what every later stage works on.

    ``published_how`` records how the publication date was found (``html-meta``, ``feed``,
    ``text``, ``input``...), because a wrong date is worse than none. ``boilerplate`` keeps the
    lines cleaning removed, so a user can see (and a test can check) what was dropped.
    """

    id: str
    title: str
    text: str
    source_id: str | None = None
    url: str | None = None
    canonical_url: str | None = None
    lead: str | None = None
    published: datetime | None = None
    published_how: str | None = None
    fetched: datetime | None = None
    author: str | None = None
    site_name: str | None = None
    language: str | None = None
    origin: str | None = None
    credits: list[Credit] = field(default_factory=list)
    related: list[RelatedLink] = field(default_factory=list)
    boilerplate: list[str] = field(default_factory=list)
    fingerprints: dict[str, str] = field(default_factory=dict)
    duplicate_of: str | None = None
    syndicated_from: str | None = None
    entities: list[str] = field(default_factory=list)
    vector_id: int | None = None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (datetimes as ISO-8601 strings)."""
        data = asdict(self)
        for key in ("published", "fetched"):
            value = data[key]
            data[key] = value.isoformat() if isinstance(value, datetime) else None
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Article:
        """The inverse of :meth:`to_dict`; unknown keys are ignored."""
        known = {name for name in cls.__dataclass_fields__}
        values = {k: v for k, v in data.items() if k in known}
        for key in ("published", "fetched"):
            if isinstance(values.get(key), str):
                values[key] = datetime.fromisoformat(values[key])
        values["credits"] = [
            c if isinstance(c, Credit) else Credit(**c) for c in values.get("credits") or []
        ]
        values["related"] = [
            r if isinstance(r, RelatedLink) else RelatedLink(**r)
            for r in values.get("related") or []
        ]
        return cls(**values)


@dataclass(slots=True)
class Event:
    """One happening, reported by many articles in any language."""

    id: str
    article_ids: list[str] = field(default_factory=list)
    first_seen: datetime | None = None
    last_seen: datetime | None = None
    title: str | None = None
    summary: str | None = None
    languages: list[str] = field(default_factory=list)
    publishers: list[str] = field(default_factory=list)
    centroid: list[float] | None = None


@dataclass(slots=True)
class Storyline:
    """Related events over weeks, in time order, with a label and key entities."""

    id: str
    event_ids: list[str] = field(default_factory=list)
    label: str | None = None
    key_entities: list[str] = field(default_factory=list)


class EntityKind(StrEnum):
    """What kind of thing an entity is."""

    PERSON = "person"
    ORG = "org"
    PLACE = "place"
    OTHER = "other"


@dataclass(slots=True)
class Entity:
    """A person, organisation or place, with the names it goes by."""

    id: str
    name: str
    kind: EntityKind
    aliases: list[str] = field(default_factory=list)
    mentions: int = 0
