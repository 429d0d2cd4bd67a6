"""The extraction stage: one :class:`~storyline.model.RawDoc` in, one clean
:class:`~storyline.model.Article` out (DESIGN.md section 1, "extract").

The three input kinds take the same path after reading: body lines → :func:`clean_blocks`
→ title, lead, date, language. So an article given as JSON fields is cleaned exactly like a
scraped page, and the batch contract (DESIGN.md section 5) runs the same code as the service.
"""

from __future__ import annotations

import logging
from typing import Any

from storyline.errors import BadInputError
from storyline.extract.blocks import blocks_from_text, join_blocks, normalise_space
from storyline.extract.clean import Cleaned, clean_blocks
from storyline.extract.dates import date_in_text, parse_datetime, published_from_html
from storyline.extract.html import NO_TEXT, extract_html
from storyline.extract.language import detect_language, normalise_language
from storyline.extract.linestats import LineStats
from storyline.extract.options import DEFAULT_OPTIONS, ExtractOptions
from storyline.extract.pagekind import not_an_article
from storyline.extract.text import (
    decode_text,
    derive_title,
    looks_binary,
    make_lead,
    split_title,
)
from storyline.model import (
    ARTICLE_MEDIA_TYPE,
    Article,
    Credit,
    RawDoc,
    RelatedLink,
    article_id,
)

__all__ = ["ARTICLE_MEDIA_TYPE", "HTML_MEDIA_TYPES", "TEXT_MEDIA_TYPE", "extract"]

LOGGER = logging.getLogger(__name__)

TEXT_MEDIA_TYPE = "text/plain"
HTML_MEDIA_TYPES = frozenset({"text/html", "application/xhtml+xml"})
_STRING_FIELDS = ("title", "text", "published", "url", "source", "language")


def extract(
    raw: RawDoc,
    options: ExtractOptions = DEFAULT_OPTIONS,
    line_stats: LineStats | None = None,
) -> Article:
    """Extract and clean one document.

    ``raw.media_type`` selects the reader: ``text/html`` (``content`` is the page as str or
    bytes, already decompressed), ``text/plain``, or ``application/x-storyline-article``
    (the fields of DESIGN.md section 5 in ``raw.fields``). With ``line_stats``, lines
    repeated across documents of ``raw.source_id`` are learned as boilerplate.

    Raises :class:`~storyline.errors.BadInputError` (``origin: reason``) for empty, binary or
    unparseable input, pages without article text, and invalid article fields; no other
    exception escapes for bad input.
    """
    media_type = (raw.media_type or "").split(";", 1)[0].strip().lower()
    if media_type in HTML_MEDIA_TYPES:
        return _from_html(raw, options, line_stats)
    if media_type == TEXT_MEDIA_TYPE:
        return _from_text(raw, options, line_stats)
    if media_type == ARTICLE_MEDIA_TYPE:
        return _from_fields(raw, options, line_stats)
    raise BadInputError(
        raw.origin,
        f"unsupported media type {raw.media_type!r} "
        f"(expected text/html, text/plain or {ARTICLE_MEDIA_TYPE})",
    )


def _article(
    raw: RawDoc,
    cleaned: Cleaned,
    *,
    options: ExtractOptions,
    title: str | None,
    url: str | None,
    given_id: str | None = None,
    source_id: str | None = None,
    **extra: Any,
) -> Article:
    """Assemble the :class:`Article`: derived title, lead, language, stable id."""
    text = join_blocks(cleaned.blocks)
    if not title:
        title = derive_title(cleaned.blocks, options.title_chars)
        LOGGER.debug("%s: no title found, derived %r from the first sentence", raw.origin, title)
    language = extra.pop("language", None) or detect_language(
        text, min_chars=options.min_language_chars
    )
    return Article(
        id=given_id or (article_id(url=url) if url else article_id(title=title, text=text)),
        title=title,
        text=text,
        source_id=source_id if source_id is not None else raw.source_id,
        url=url,
        lead=make_lead(cleaned.blocks, options.lead_chars),
        fetched=raw.fetched,
        language=language,
        origin=raw.origin,
        credits=cleaned.credits,
        related=cleaned.related,
        boilerplate=cleaned.removed,
        **extra,
    )


def _from_html(raw: RawDoc, options: ExtractOptions, line_stats: LineStats | None) -> Article:
    content = raw.content
    if isinstance(content, bytes):
        if not content.strip():
            raise BadInputError(raw.origin, "empty document")
        if looks_binary(content):
            raise BadInputError(raw.origin, "binary data, not HTML")
    elif not content.strip():
        raise BadInputError(raw.origin, "empty document")
    elif "\x00" in content[:8192]:
        raise BadInputError(raw.origin, "binary data, not HTML")
    if len(content) > options.max_html_bytes:
        raise BadInputError(
            raw.origin,
            f"page is {len(content) / 1_048_576:.1f} MB, over the "
            f"{options.max_html_bytes / 1_048_576:.1f} MB limit for HTML extraction",
        )
    page = extract_html(content, origin=raw.origin, url=raw.url, options=options)
    url = raw.url or page.canonical_url
    cleaned = clean_blocks(
        page.blocks,
        title=page.title,
        author=page.author,
        options=options,
        source_id=raw.source_id,
        doc_key=url or raw.origin,
        line_stats=line_stats,
    )
    text = join_blocks(cleaned.blocks)
    if len(text) < options.min_text_chars:
        raise BadInputError(raw.origin, NO_TEXT)
    refused = not_an_article(page.title or "", text)
    if refused is not None:
        raise BadInputError(raw.origin, refused)
    _merge_page_records(cleaned, page.related or [], page.credits or [])
    published = published_from_html(page.date, page.published_meta)
    return _article(
        raw,
        cleaned,
        options=options,
        title=page.title,
        url=url,
        canonical_url=page.canonical_url,
        published=published,
        published_how="html-meta" if published else None,
        author=page.author,
        site_name=page.site_name,
    )


def _merge_page_records(
    cleaned: Cleaned, related: list[RelatedLink], credits: list[Credit]
) -> None:
    """Add the related links and credits read from the page's markup, without duplicates."""
    titles = {r.title for r in cleaned.related}
    cleaned.related.extend(r for r in related if r.title not in titles)
    known = {c.text for c in cleaned.credits}
    for credit in credits:
        if credit.text not in known:
            known.add(credit.text)
            cleaned.credits.append(credit)


def _from_text(raw: RawDoc, options: ExtractOptions, line_stats: LineStats | None) -> Article:
    text = decode_text(raw.content, raw.origin)
    if not text.strip():
        raise BadInputError(raw.origin, "empty document")
    title, lines = split_title(text)
    published, date_line = date_in_text(lines)
    if date_line is not None and len(lines[date_line].split()) <= 8:
        lines = lines[:date_line] + lines[date_line + 1 :]
    blocks = blocks_from_text("\n".join(lines))
    cleaned = clean_blocks(
        blocks,
        title=title,
        options=options,
        source_id=raw.source_id,
        doc_key=raw.url or raw.origin,
        line_stats=line_stats,
    )
    if len(join_blocks(cleaned.blocks)) < options.min_text_chars:
        raise BadInputError(raw.origin, "no article text found in the text")
    return _article(
        raw,
        cleaned,
        options=options,
        title=title,
        url=raw.url,
        published=published,
        published_how="text" if published else None,
    )


def _field(raw: RawDoc, fields: dict[str, Any], name: str) -> str | None:
    value = fields.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise BadInputError(
            raw.origin, f"field {name!r} must be a string, not {type(value).__name__}"
        )
    return value.strip() or None


def _from_fields(raw: RawDoc, options: ExtractOptions, line_stats: LineStats | None) -> Article:
    fields = raw.fields
    if not isinstance(fields, dict) or not fields:
        raise BadInputError(raw.origin, "an article record needs fields (id and a title or text)")
    given_id = fields.get("id")
    if isinstance(given_id, int) and not isinstance(given_id, bool):
        given_id = str(given_id)
    if not isinstance(given_id, str) or not given_id.strip():
        raise BadInputError(raw.origin, "an article record needs a non-empty 'id'")
    values = {name: _field(raw, fields, name) for name in _STRING_FIELDS}
    title = normalise_space(values["title"]) if values["title"] else None
    if not title and not values["text"]:
        raise BadInputError(raw.origin, f"article {given_id!r} has neither a title nor a text")
    published = None
    if values["published"]:
        published = parse_datetime(values["published"])
        if published is None:
            raise BadInputError(
                raw.origin,
                f"article {given_id!r}: 'published' is not ISO-8601: {values['published']!r}",
            )
    source_id = raw.source_id or values["source"]
    cleaned = clean_blocks(
        blocks_from_text(values["text"] or ""),
        title=title,
        options=options,
        source_id=source_id,
        doc_key=given_id,
        line_stats=line_stats,
    )
    language = normalise_language(values["language"]) or detect_language(
        join_blocks(cleaned.blocks) or title or "", min_chars=options.min_language_chars
    )
    return _article(
        raw,
        cleaned,
        options=options,
        title=title,
        url=values["url"] or raw.url,
        given_id=given_id.strip(),
        source_id=source_id,
        published=published,
        published_how="input" if published else None,
        language=language,
    )
