"""HTML → body blocks and metadata, with trafilatura (Barbaresi 2021, ACL demo).

The one module that imports trafilatura and lxml. What it does on top of
``trafilatura.extract`` (chosen by measurement, see ``docs/extraction.md``):

* the page is parsed once and metadata extracted once; the body is extracted with comments
  off (reader comments are not the article: +0.8 word-F1 points on WCXB);
* a second pass with ``favor_recall`` runs on a copy of the tree, and its result is kept when
  it is ``recall_ratio`` times longer: trafilatura's balanced mode sometimes keeps only a
  fragment of a long page, its recall mode rarely adds much junk when the balanced one was
  right (+0.7 points on WCXB, -0.2 on ScrapingHub);
* the body comes back as :class:`~storyline.extract.blocks.Block` lines that remember their
  element kind and whether the whole line is the text of a link (the page's anchors are
  indexed), which the cleaning uses to recognise teaser lists.

Every exception from lxml or trafilatura is translated into
:class:`~storyline.errors.BadInputError` here, at the boundary.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any

from storyline.errors import BadInputError
from storyline.extract import patterns as pat
from storyline.extract.blocks import Block, normalise_space, word_count
from storyline.extract.options import DEFAULT_OPTIONS, ExtractOptions
from storyline.model import Credit, RelatedLink

__all__ = ["NO_TEXT", "HtmlExtraction", "choose_title", "extract_html"]

#: The reason given when a page parses but holds no article.
NO_TEXT = "no article text found (page may be a listing or need JavaScript)"

# trafilatura and htmldate log routine rejections ("discarding data") at WARNING/ERROR. With
# no handler configured anywhere, Python's last-resort handler would print them on stderr for
# every listing page; a NullHandler keeps them silent unless the application configures
# logging, in which case they still propagate to its handlers.
for _name in ("trafilatura", "htmldate", "courlan"):
    logging.getLogger(_name).addHandler(logging.NullHandler())

_KINDS = {"list": "item", "table": "row", "head": "head", "quote": "quote", "code": "code"}
_PUBLISHED_XPATH = (
    '//meta[@property="article:published_time" or @name="article:published_time"'
    ' or @property="og:published_time" or @itemprop="datePublished"'
    ' or @name="pubdate" or @name="publishdate" or @name="date"]/@content'
    ' | //*[@itemprop="datePublished"]/@datetime'
)


_TITLE_SEPARATOR = re.compile(r"\s+[|\-–—:·•»]\s+|\s*::\s*")
_WORD = re.compile(r"\w+")


def _words(text: str) -> list[str]:
    return _WORD.findall(text.casefold())


def choose_title(
    meta_title: str | None, h1s: list[str], site_name: str | None, heads: list[str]
) -> str | None:
    """The article's title from the page's candidates.

    The ``<title>``/``og:title`` often carries the site ("Title | Site") or an SEO variant,
    while the page's ``<h1>`` is the headline readers see. In order: an ``<h1>`` whose words
    are mostly (60 %) in the metadata title; the page's only ``<h1>`` unless it is the site
    name; an extracted heading that is a part of the metadata title; the metadata title
    without separator-delimited parts made of the site name's words. Measured on WCXB
    articles: 86 % exact titles against 55 % for the metadata title alone.
    """
    meta_words = set(_words(meta_title or ""))
    site_words = _words(site_name or "")
    # a part after a separator in "Title | Site" is the site: an <h1> logo saying so is no title
    site_parts = [_words(p) for p in _TITLE_SEPARATOR.split(meta_title or "")[1:]]
    candidates = [
        h
        for h in h1s
        if 2 <= len(_words(h)) <= 40 and _words(h) != site_words and _words(h) not in site_parts
    ]
    for h1 in candidates:
        words = set(_words(h1))
        if meta_words and len(words & meta_words) >= 0.6 * len(words):
            return h1
    if len(candidates) == 1:
        return candidates[0]
    if not meta_title:
        return None
    joined = " ".join(_words(meta_title))
    for head in heads:
        head_words = _words(head)
        if 2 <= len(head_words) < len(meta_words) and " ".join(head_words) in joined:
            return head
    parts = _TITLE_SEPARATOR.split(meta_title)
    if len(parts) > 1 and site_words:
        site = set(site_words) | {"the", "com", "www"}
        kept = [p for p in parts if not (set(_words(p)) and set(_words(p)) <= site)]
        if kept and len(kept) < len(parts):
            return " - ".join(kept)
    return meta_title


@dataclass(slots=True)
class HtmlExtraction:
    """What :func:`extract_html` found: body blocks and page metadata (strings as found)."""

    blocks: list[Block]
    title: str | None = None
    author: str | None = None
    date: str | None = None
    published_meta: list[str] | None = None
    site_name: str | None = None
    canonical_url: str | None = None
    html_language: str | None = None
    recall_pass: bool = False
    related: list[RelatedLink] | None = None
    credits: list[Credit] | None = None


_MARKER_TAGS = ("h2", "h3", "h4", "h5", "h6", "p", "div", "span", "strong", "header")
#: Marker elements hold a few words: skip elements with more descendants than this.
_MARKER_MAX_NODES = 6
_CAPTION_XPATH = (
    ".//figcaption | .//*[contains(concat(' ', normalize-space(@class), ' '), ' credit ')"
    " or contains(@class, 'photo-credit') or contains(@class, 'image-credit')"
    " or contains(@class, 'caption-credit')]"
)


def _scope(tree: Any) -> Any:
    """The page's article element when it has exactly one, else the whole page."""
    articles = tree.xpath("//article")
    if len(articles) == 1:
        return articles[0]
    mains = tree.xpath("//main")
    return mains[0] if len(mains) == 1 else tree


def _related_from_tree(tree: Any, limit: int = 20) -> list[RelatedLink]:
    """Teaser links under a "Related"/"Les også" heading of the article.

    trafilatura drops link lists, so they are read from the page: for each short element
    whose whole text is a related-news marker, the links (of three words or more) in the
    elements that follow it, up to the next heading.
    """
    found: list[RelatedLink] = []
    seen: set[str] = set()
    for element in _scope(tree).iter(*_MARKER_TAGS):
        if sum(1 for _ in element.iterdescendants()) > _MARKER_MAX_NODES:
            continue
        text = normalise_space(element.text_content())
        if not text or word_count(text) > 6 or not pat.RELATED_MARKER.fullmatch(text):
            continue
        sibling = element.getnext()
        hops = 0
        while sibling is not None and hops < 4 and len(found) < limit:
            if isinstance(sibling.tag, str) and sibling.tag in ("h1", "h2", "h3", "h4"):
                break
            for anchor in sibling.iter("a") if isinstance(sibling.tag, str) else ():
                title = normalise_space(anchor.text_content())
                if word_count(title) >= 3 and title not in seen:
                    seen.add(title)
                    found.append(RelatedLink(title=title, url=anchor.get("href")))
            sibling = sibling.getnext()
            hops += 1
    return found


def _credits_from_tree(tree: Any) -> list[Credit]:
    """Photo credits in the article's captions and credit elements ("Photo: Name/Reuters")."""
    credits: list[str] = []
    for element in _scope(tree).xpath(_CAPTION_XPATH):
        text = normalise_space(element.text_content())
        if not text or word_count(text) > 60:
            continue
        line = pat.CREDIT_LINE.fullmatch(text) if word_count(text) <= 12 else None
        if line is not None:
            credit = line.group("label_text") or line.group("named_text") or text
            candidates = [credit.strip(" .()")]
        else:
            candidates = [
                m.group("piped") or m.group("labelled") or m.group("named") or ""
                for m in pat.CREDIT_GLUED.finditer(text)
            ]
        credits.extend(c.strip() for c in candidates if c.strip() and c.strip() not in credits)
    return [Credit(c) for c in credits]


def _anchors(tree: Any) -> dict[str, str | None]:
    """Normalised anchor text → href, for every link on the page with some text."""
    found: dict[str, str | None] = {}
    for anchor in tree.iter("a"):
        text = normalise_space(anchor.text_content())
        if len(text) >= 3 and text not in found:
            found[text] = anchor.get("href")
    return found


def _body_blocks(body: Any, anchors: dict[str, str | None]) -> list[Block]:
    """trafilatura's XML body → blocks, one per output line, kind from the top element."""
    from trafilatura.xml import xmltotxt

    blocks: list[Block] = []
    if body.text and body.text.strip():
        blocks.append(Block(normalise_space(body.text)))
    for child in body:
        kind = _KINDS.get(str(child.tag), "p")
        for line in xmltotxt(child, False).split("\n"):
            text = normalise_space(line)
            if not text:
                continue
            key = text[2:] if kind == "item" and text.startswith("- ") else text
            is_link = key in anchors
            blocks.append(Block(text, kind, is_link, anchors.get(key) if is_link else None))
    return blocks


def _run(tree: Any, url: str | None, options: ExtractOptions, recall: bool) -> Any:
    from trafilatura import bare_extraction

    return bare_extraction(
        tree,
        url=url,
        favor_recall=recall,
        include_comments=options.include_comments,
        include_tables=options.include_tables,
        with_metadata=False,
    )


def extract_html(
    content: bytes | str,
    *,
    origin: str,
    url: str | None = None,
    options: ExtractOptions = DEFAULT_OPTIONS,
) -> HtmlExtraction:
    """Extract body blocks and metadata from one HTML page.

    Raises :class:`~storyline.errors.BadInputError` when the page cannot be parsed or holds
    no main text (``NO_TEXT``).
    """
    try:
        return _extract(content, origin=origin, url=url, options=options)
    except BadInputError:
        raise
    except RecursionError as exc:
        raise BadInputError(origin, "HTML nested too deeply to parse") from exc
    except Exception as exc:  # translate whatever lxml/trafilatura raise, at the boundary
        raise BadInputError(
            origin, f"HTML extraction failed ({type(exc).__name__}: {exc})"
        ) from exc


def _extract(
    content: bytes | str, *, origin: str, url: str | None, options: ExtractOptions
) -> HtmlExtraction:
    from trafilatura.metadata import extract_metadata
    from trafilatura.settings import set_date_params
    from trafilatura.utils import load_html

    tree = load_html(content)
    if tree is None:
        raise BadInputError(origin, "not parseable as HTML")
    meta = extract_metadata(
        tree, url, set_date_params(options.date_extensive), options.date_extensive
    )
    published_meta = [str(v).strip() for v in tree.xpath(_PUBLISHED_XPATH) if str(v).strip()]
    h1s = [normalise_space(h.text_content()) for h in tree.iter("h1")]
    html_lang = tree.get("lang")

    document = _run(tree, url, options, recall=False)
    used_recall = False
    if options.recall_fallback:
        words = word_count(document.text or "") if document is not None else 0
        recall_doc = _run(tree, url, options, recall=True)
        recall_words = word_count(recall_doc.text or "") if recall_doc is not None else 0
        if recall_doc is not None and (
            document is None
            or (
                recall_words > options.recall_ratio * words
                and recall_words - words >= options.recall_min_words
            )
        ):
            document, used_recall = recall_doc, True
    if document is None or document.body is None:
        raise BadInputError(origin, NO_TEXT)
    blocks = _body_blocks(document.body, _anchors(tree))
    if not blocks:
        raise BadInputError(origin, NO_TEXT)
    meta_title = normalise_space(meta.title) if meta.title else None
    heads = [b.text for b in blocks[:3] if b.kind == "head"]
    return HtmlExtraction(
        blocks=blocks,
        title=choose_title(meta_title, h1s, meta.sitename, heads),
        author=meta.author or None,
        date=meta.date or None,
        published_meta=published_meta or None,
        site_name=meta.sitename or None,
        canonical_url=meta.url or None,
        html_language=html_lang.strip()
        if isinstance(html_lang, str) and html_lang.strip()
        else None,
        recall_pass=used_recall,
        related=_related_from_tree(tree),
        credits=_credits_from_tree(tree),
    )
