"""Cleaning on top of extraction: the same rules for HTML and plain text.

trafilatura (Barbaresi 2021) finds the main text of a page; what it keeps still carries
chrome that matters for a news aggregator, and a text scrape carries all of it. This module
removes, in order:

1. glued pieces: photo credits inside a paragraph (``... security. | Evan Vucci/APIsraeli
   Prime Minister ...``) become :class:`~storyline.model.Credit` records and the paragraph is
   split where the credit was; copyright notices glued to the next sentence (``All rights
   reserved.The talks ...``) are cut out and the sentence kept;
2. "related/similar news" blocks: the marker line and the teasers after it (a teaser is a
   link, a short headline, or a line followed by "Read more »") become
   :class:`~storyline.model.RelatedLink` records; a glued title and snippet are split at the
   lowercase→Uppercase seam (``...proposalCasualties, injuries ...``);
3. boilerplate lines by pattern (``patterns.py``): read-more links, ads, share and newsletter
   prompts, aggregator taglines, cookie banners, affiliate disclosures at the edges, page
   furniture above the text (dates, reading times, bylines), and paragraphs repeated verbatim;
4. the title repeated as the first line;
5. the tail after an end marker ("About the author", "Tags:", "Footnotes") found in the
   second half of the body (Kohlschütter et al. 2010 observe that boilerplate clusters at
   the end of the main content), an author box naming the page's author, and a final run of
   link-only lines (teasers without a heading);
6. learned boilerplate: lines that repeat across documents of the same source
   (:mod:`storyline.extract.linestats`).

Everything removed is kept in :attr:`Cleaned.removed`, so a user can see what was dropped.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from storyline.extract import patterns as pat
from storyline.extract.blocks import Block, normalise_space, word_count
from storyline.extract.linestats import LineStats, line_hash
from storyline.extract.options import DEFAULT_OPTIONS, ExtractOptions
from storyline.model import Credit, RelatedLink, normalise_text

__all__ = [
    "Cleaned",
    "clean_blocks",
    "split_copyright",
    "split_credits",
    "split_teaser",
]

#: A teaser headline is at most this many words (title-case navigation lines are shorter).
_TEASER_MAX_WORDS = 16
#: A snippet following a teaser headline is at most this many words.
_SNIPPET_MAX_WORDS = 50
#: End markers and boilerplate lines are short; longer lines are prose that mentions them.
_MARKER_MAX_WORDS = 8
_BOILERPLATE_MAX_WORDS = 25
_CREDIT_MAX_WORDS = 12
_HEAD_META_MAX_WORDS = 12
_REPEAT_MIN_WORDS = 8
#: Template lines (taglines, notices) are short; in a repeated story only these are dropped.
_TEMPLATE_MAX_WORDS = 20

_WORDS = re.compile(r"\w+")
_SENTENCE_END = re.compile(r"[.!?…][\"'”’)\]]*\s+")
# lowercase/digit/closing punctuation directly followed by a capitalised word: a glued seam.
_GLUE = re.compile(r"(?<=[a-zà-öø-ÿ0-9%)\]\"'’”.!?])(?=[A-ZÀ-ÖØ-Þ][a-zà-öø-ÿ'’])")


@dataclass(slots=True)
class Cleaned:
    """The result of :func:`clean_blocks`: body blocks and what was taken out of them."""

    blocks: list[Block]
    credits: list[Credit] = field(default_factory=list)
    related: list[RelatedLink] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)


def clean_blocks(
    blocks: Sequence[Block],
    *,
    title: str | None = None,
    author: str | None = None,
    options: ExtractOptions = DEFAULT_OPTIONS,
    source_id: str | None = None,
    doc_key: str | None = None,
    line_stats: LineStats | None = None,
) -> Cleaned:
    """Clean extracted body blocks (see the module docstring for the steps and their order).

    ``line_stats`` with ``source_id`` and ``doc_key`` enables learned boilerplate; the
    document's lines are recorded in it as a side effect (once per ``doc_key``).
    """
    out = Cleaned(blocks=[])
    pieces: list[Block] = []
    for block in blocks:
        text = normalise_space(block.text)
        if text:
            pieces.extend(_split_block(replace(block, text=text), options, out))
    observed = list(pieces)
    if options.drop_boilerplate:
        pieces = _drop_related(pieces, out)
        pieces = _drop_boilerplate_lines(pieces, out)
        pieces = _drop_head_meta(pieces, out)
        pieces = _drop_repeats(pieces, out)
    pieces = _drop_title(pieces, title)
    if options.trim_tail:
        pieces = _trim_tail(pieces, out)
        pieces = _trim_author_bio(pieces, author, out)
        pieces = _drop_trailing_links(pieces, out)
    if options.learn_boilerplate and line_stats is not None and source_id and doc_key:
        pieces = _drop_learned(pieces, observed, line_stats, source_id, doc_key, options, out)
    out.blocks = pieces
    return out


# --- 1. glued pieces ---------------------------------------------------------------------


def split_credits(text: str) -> tuple[list[str], list[str]]:
    """Split photo credits out of a paragraph: ``(text pieces, credits)``.

    A credit is "Name Name/AGENCY" (``patterns.AGENCIES``), or anything after a label such as
    "Photo:"/"Foto:", or "| AGENCY". When the credit is glued to the next sentence
    ("AP" + "Israeli Prime Minister"), the text after it becomes a new piece (paragraph).
    """
    pieces: list[str] = []
    credits: list[str] = []
    rest = text
    while rest:
        match = pat.CREDIT_GLUED.search(rest)
        if match is None:
            break
        credit = match.group("piped") or match.group("labelled") or match.group("named") or ""
        before = rest[: match.start()].rstrip(" |(")
        if before:
            pieces.append(before)
        credits.append(credit.strip())
        rest = rest[match.end() :].lstrip(" |)")
    if rest:
        pieces.append(rest)
    return pieces, credits


def _sentence_start(text: str, pos: int) -> int:
    """Where the sentence holding ``text[pos]`` starts (after the last sentence end)."""
    start = 0
    for match in _SENTENCE_END.finditer(text, 0, pos):
        start = match.end()
    return start


def split_copyright(text: str) -> tuple[str, str, str]:
    """Cut a copyright notice out of a line: ``(before, notice, after)``.

    The notice runs from the start of the sentence holding the first copyright mark (©, ™,
    "Copyright") before "All rights reserved" (or a translation) up to and including that
    phrase. Text glued after it ("reserved.The talks ...") is returned as ``after``. Without a
    mark, "All rights reserved." only counts when it is a sentence of its own, so a sentence
    that merely says "all rights reserved" stays.
    """
    match = pat.RESERVED.search(text)
    if match is None:
        if word_count(text) <= _BOILERPLATE_MAX_WORDS and pat.COPYRIGHT_LINE.fullmatch(text):
            return "", text, ""
        return text, "", ""
    end = match.end()
    while end < len(text) and text[end] in ".!":
        end += 1
    marks = list(pat.COPYRIGHT_MARK.finditer(text, max(0, match.start() - 250), match.start()))
    anchor = marks[0].start() if marks else match.start()
    start = _sentence_start(text, anchor)
    if not marks and text[start : match.start()].strip():
        return text, "", ""
    return text[:start].rstrip(), text[start:end].strip(), text[end:].lstrip()


def _split_block(block: Block, options: ExtractOptions, out: Cleaned) -> list[Block]:
    """Step 1 for one block: whole-line credits, glued credits, glued copyright notices."""
    texts = [block.text]
    if options.split_credits:
        if word_count(block.text) <= _CREDIT_MAX_WORDS:
            line = pat.CREDIT_LINE.fullmatch(block.text)
            if line is not None:
                credit = line.group("label_text") or line.group("named_text") or block.text
                out.credits.append(Credit(credit.strip(" .()")))
                return []
        texts, credits = split_credits(block.text)
        out.credits.extend(Credit(c) for c in credits)
    if options.drop_boilerplate:
        split: list[str] = []
        for text in texts:
            before, notice, after = split_copyright(text)
            if notice:
                out.removed.append(notice)
            split.extend(t for t in (before, after) if t)
        texts = split
    if texts == [block.text]:
        return [block]
    # the first piece keeps the block's kind; what followed a seam is a new paragraph
    return [
        replace(block, text=t)
        if i == 0
        else Block(t, kind=block.kind if block.kind != "head" else "p")
        for i, t in enumerate(texts)
    ]


# --- 2. related/similar-news blocks ------------------------------------------------------


#: Camel-cased names whose inner seam is not a title/snippet boundary (compared lower-cased).
_CAMEL_WORDS = frozenset(
    (
        "airpods",
        "astrazeneca",
        "biontech",
        "blackrock",
        "chatgpt",
        "deepmind",
        "doordash",
        "dreamworks",
        "exxonmobil",
        "facetime",
        "fedex",
        "github",
        "glaxosmithkline",
        "harpercollins",
        "hubspot",
        "javascript",
        "jpmorgan",
        "linkedin",
        "macbook",
        "mcdonald",
        "onedrive",
        "openai",
        "paypal",
        "playstation",
        "powerpoint",
        "powershell",
        "sharepoint",
        "softbank",
        "soundcloud",
        "spacex",
        "tiktok",
        "typescript",
        "whatsapp",
        "wordpress",
        "youtube",
    )
)


def split_teaser(text: str) -> tuple[str, str | None]:
    """Split a teaser line into ``(title, snippet)`` at the first glued seam.

    Aggregators render a teaser's headline and snippet as adjacent elements, so a text scrape
    reads "…latest Hamas cease-fire proposalCasualties, injuries reported…": a lowercase
    letter, digit or closing punctuation directly followed by a capitalised word. A seam
    after a lowercase word is taken first. A seam after a capitalised word ("…in
    TrondheimBroen har…") is taken only when at least three words follow and the joined word
    is not a known camel-cased name ("YouTube", "PowerPoint"); seams after a single letter
    ("iPhone", "eBay") never are.
    """
    fallback: int | None = None
    for match in _GLUE.finditer(text):
        index = match.start()
        if index < 12:
            continue
        left = text[:index].rsplit(None, 1)[-1]
        if len(left) < 2:
            continue
        if not left[0].isupper():
            return text[:index].strip(), text[index:].strip() or None
        right = text[index:]
        joined = (left + right.split(None, 1)[0]).casefold().strip(".,;:!?'’\"")
        is_name = any(joined.startswith(word) for word in _CAMEL_WORDS)
        if fallback is None and not is_name and len(right.split()) >= 3:
            fallback = index
    if fallback is not None:
        return text[:fallback].strip(), text[fallback:].strip() or None
    return text, None


def _related_marker(block: Block) -> tuple[bool, str]:
    """Whether a block opens a related-news block, and any text glued after its colon."""
    if word_count(block.text) > 40:
        return False, ""
    match = pat.RELATED_MARKER.match(block.text)
    if match is None:
        return False, ""
    return True, block.text[match.end() :].strip()


def _is_read_more(block: Block) -> bool:
    return word_count(block.text) <= 6 and pat.READ_MORE.fullmatch(block.text) is not None


def _teaser_like(block: Block) -> bool:
    """A link, a short list item, or a short line without sentence punctuation."""
    words = word_count(block.text)
    if block.is_link and words <= 30:
        return True
    if block.kind == "item" and words <= 30:
        return True
    return block.kind == "p" and words <= _TEASER_MAX_WORDS and block.text[-1] not in ".!?:;,"


def _drop_related(blocks: list[Block], out: Cleaned) -> list[Block]:
    """Step 2: replace related-news blocks by ``RelatedLink`` records.

    After a marker line, teasers are collected while they look like teasers; a short prose
    line right after a teaser headline is that teaser's snippet; the block ends at the first
    other line, which stays body text (a "Related" widget in the middle of an article).
    """
    kept: list[Block] = []
    index = 0
    while index < len(blocks):
        block = blocks[index]
        is_marker, glued = _related_marker(block)
        if not is_marker:
            kept.append(block)
            index += 1
            continue
        if glued and word_count(glued) <= 20 and glued[-1] not in ".!?":
            out.related.append(RelatedLink(title=glued, url=block.href))  # "Related: <headline>"
        else:
            out.removed.append(block.text)
        index += 1
        last: RelatedLink | None = None
        while index < len(blocks):
            block = blocks[index]
            following = blocks[index + 1] if index + 1 < len(blocks) else None
            if _is_read_more(block) or _related_marker(block)[0]:
                out.removed.append(block.text)
            elif _teaser_like(block) or (following is not None and _is_read_more(following)):
                title, snippet = split_teaser(block.text)
                last = RelatedLink(title=title, snippet=snippet, url=block.href)
                out.related.append(last)
                out.removed.append(block.text)
            elif (
                last is not None
                and last.snippet is None
                and not block.is_link
                and word_count(block.text) <= _SNIPPET_MAX_WORDS
            ):
                last.snippet = block.text
                out.removed.append(block.text)
            else:
                break
            index += 1
    return kept


# --- 3.-5. boilerplate lines, repeated title, tail -----------------------------------------


def _is_boilerplate_line(block: Block, index: int, count: int) -> bool:
    """Whether one line is chrome wherever it stands (ads, prompts, cookie banners) or, at
    the edges of the body, an affiliate disclosure."""
    words = word_count(block.text)
    if _is_read_more(block):
        return True
    if words <= _BOILERPLATE_MAX_WORDS and pat.BOILERPLATE_LINE.fullmatch(block.text):
        return True
    if words <= 120 and pat.COOKIE_LINE.fullmatch(block.text):
        return True
    at_edge = index < 3 or index >= count - 3
    return at_edge and words <= 60 and pat.DISCLOSURE_LINE.fullmatch(block.text) is not None


def _drop_boilerplate_lines(blocks: list[Block], out: Cleaned) -> list[Block]:
    """Step 3: drop read-more links, ads, share/newsletter prompts, taglines, cookie banners,
    affiliate disclosures."""
    kept: list[Block] = []
    for index, block in enumerate(blocks):
        if _is_boilerplate_line(block, index, len(blocks)):
            out.removed.append(block.text)
        else:
            kept.append(block)
    return kept


def _drop_head_meta(blocks: list[Block], out: Cleaned) -> list[Block]:
    """Drop page furniture above the article: date lines, reading times, "Published",
    breadcrumbs and bylines among the first lines, before the first real paragraph."""
    index = 0
    kept: list[Block] = []
    while index < min(len(blocks), 6):
        block = blocks[index]
        if word_count(block.text) > _HEAD_META_MAX_WORDS:
            break
        if pat.HEAD_META_LINE.fullmatch(block.text):
            out.removed.append(block.text)
        else:
            kept.append(block)
        index += 1
    return kept + blocks[index:]


def _drop_repeats(blocks: list[Block], out: Cleaned) -> list[Block]:
    """Drop a paragraph of at least ``_REPEAT_MIN_WORDS`` words that already appeared: pages
    render some text twice (mobile and desktop variants, sticky boxes, pull quotes)."""
    seen: set[str] = set()
    kept: list[Block] = []
    for block in blocks:
        if word_count(block.text) >= _REPEAT_MIN_WORDS:
            key = normalise_text(block.text)
            if key in seen:
                out.removed.append(block.text)
                continue
            seen.add(key)
        kept.append(block)
    return kept


def _drop_title(blocks: list[Block], title: str | None) -> list[Block]:
    """Step 4: the title repeated as one of the first lines is not body text: the same text
    among the first three lines, or a heading among the first two that shares most words
    with it (Jaccard >= 0.6: "Title | Site" against "Title")."""
    if not title:
        return blocks
    wanted = normalise_text(title)
    for index, block in enumerate(blocks[:3]):
        if normalise_text(block.text) == wanted:
            return blocks[:index] + blocks[index + 1 :]
    title_words = set(_WORDS.findall(wanted))
    for index, block in enumerate(blocks[:2]):
        words = set(_WORDS.findall(normalise_text(block.text)))
        if (
            block.kind == "head"
            and words
            and len(words & title_words) >= 0.6 * len(words | title_words)
        ):
            return blocks[:index] + blocks[index + 1 :]
    return blocks


def _trim_tail(blocks: list[Block], out: Cleaned) -> list[Block]:
    """Step 5: cut at an end marker that sits after half of the body's words."""
    total = sum(word_count(b.text) for b in blocks)
    seen = 0
    for index, block in enumerate(blocks):
        words = word_count(block.text)
        if (
            seen >= total / 2
            and words <= _MARKER_MAX_WORDS
            and block.kind in ("p", "head")
            and pat.END_MARKER.fullmatch(block.text) is not None
        ):
            out.removed.extend(b.text for b in blocks[index:])
            return blocks[:index]
        seen += words
    return blocks


_BIO_VERB = re.compile(
    r"\b(?:is|was|has|writes|covers|joined|serves|leads|holds|lives|er|var|har|ist|war|est|es|är)\b"
)


def _trim_author_bio(blocks: list[Block], author: str | None, out: Cleaned) -> list[Block]:
    """Cut an author box: one of the last four lines starts with the author's name (full,
    or first name) and says what they are ("Jane Doe is a reporter who covers ...")."""
    if not author:
        return blocks
    names = [n.strip() for n in re.split(r";|,|\band\b|&", author) if len(n.strip()) > 3]
    for index in range(max(0, len(blocks) - 4), len(blocks)):
        text = blocks[index].text
        for name in names:
            first = name.split()[0]
            starts = text.startswith(name) or (
                len(first) > 2 and re.match(re.escape(first) + r"\b", text) is not None
            )
            if starts and _BIO_VERB.search(text[: len(name) + 60]) and word_count(text) >= 8:
                out.removed.extend(b.text for b in blocks[index:])
                return blocks[:index]
    return blocks


def _drop_trailing_links(blocks: list[Block], out: Cleaned) -> list[Block]:
    """Lines at the very end that are each the text of one link are a teaser list without
    a heading ("Who will make the Rock Hall in 2020?"): they become ``RelatedLink`` records."""
    end = len(blocks)
    while end > 1 and blocks[end - 1].is_link:
        end -= 1
    for block in blocks[end:]:
        out.related.append(RelatedLink(title=block.text.removeprefix("- "), url=block.href))
        out.removed.append(block.text)
    return blocks[:end]


# --- 6. learned boilerplate ------------------------------------------------------------------


def _learnable(text: str, options: ExtractOptions) -> bool:
    return len(text) >= options.learn_min_chars and word_count(text) >= 2


def _drop_learned(
    blocks: list[Block],
    observed: list[Block],
    stats: LineStats,
    source_id: str,
    doc_key: str,
    options: ExtractOptions,
    out: Cleaned,
) -> list[Block]:
    """Step 6: drop lines seen in enough *other* documents of the same source.

    The document's own lines are recorded first (once per ``doc_key``), so the counts include
    it and one is subtracted. A line is boilerplate when it occurs in at least
    ``min_repeats`` other documents and in at least ``min_repeat_share`` of them: template
    text recurs on most pages of a site, while a background paragraph reused by a wire
    service recurs on a few. Until a source has ``min_repeats`` other documents nothing is
    learned, so its first documents rely on the fixed rules. If the flagged lines are more
    than ``learn_max_share`` of the body's words (the same story filed again), only short
    flagged lines (at most 20 words) in runs at the start and end are dropped, and a body is
    never emptied.
    """
    stats.observe_lines(
        source_id, doc_key, {line_hash(b.text) for b in observed if _learnable(b.text, options)}
    )
    others = stats.document_count(source_id) - 1
    if others < options.min_repeats:
        return blocks
    hashes = [line_hash(b.text) if _learnable(b.text, options) else None for b in blocks]
    counts = stats.line_counts(source_id, {h for h in hashes if h is not None})
    needed = max(options.min_repeats, math.ceil(options.min_repeat_share * others))
    flagged = [h is not None and counts.get(h, 0) - 1 >= needed for h in hashes]
    if not any(flagged):
        return blocks
    total = sum(word_count(b.text) for b in blocks)
    flagged_words = sum(word_count(b.text) for b, f in zip(blocks, flagged, strict=True) if f)
    if flagged_words > options.learn_max_share * total:
        # mostly lines seen before: a story filed again, not a template; only short lines
        # at its start and end go
        short = [
            f and word_count(b.text) <= _TEMPLATE_MAX_WORDS
            for b, f in zip(blocks, flagged, strict=True)
        ]
        flagged = _edge_runs(short)
    if all(flagged):
        return blocks
    kept: list[Block] = []
    for block, is_flagged in zip(blocks, flagged, strict=True):
        if is_flagged:
            out.removed.append(block.text)
        else:
            kept.append(block)
    return kept


def _edge_runs(flags: list[bool]) -> list[bool]:
    """Keep only the flags of the leading and trailing runs of ``True``."""
    result = [False] * len(flags)
    index = 0
    while index < len(flags) and flags[index]:
        result[index] = True
        index += 1
    index = len(flags) - 1
    while index >= 0 and flags[index]:
        result[index] = True
        index -= 1
    return result
