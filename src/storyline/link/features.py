"""The signals that say whether two articles report the same news, one function each.

Each article is first reduced to a :class:`Profile` (its vector, terms, names, quotes, links
and date), so comparing one article with fifty candidates reads every text once. Then
:func:`pair_features` gives a dict of signals, all in [0, 1]:

``dense``
    cosine of the story vectors (title + lead, multilingual-e5-small; Wang et al. 2022).
``title_lex``, ``body_lex``
    BM25-weighted cosine of the titles and of the first ~1,500 words
    (:mod:`storyline.embed.lexical`; Robertson & Zaragoza 2009).
``lead_lex``
    the same over the first 120 words only: what the reports lead with.
``names``, ``name_overlap``
    shared name-like tokens and numbers, an entity proxy that works across languages more
    often than words do: "Netanyahu", "Netanjahu" and "Netanyahou" share their first five
    letters, and "39" is "39" everywhere. ``names`` is the cosine of their counts weighted
    by IDF (a name both reports repeat, and few others use, counts most); ``name_overlap``
    is the Dice overlap of the two sets. :func:`name_keys` is the replaceable part: the
    entity stage (issue 6, spaCy) will hand real entities here.
``quotes``
    the best word overlap between two quoted passages: reports of one event quote the same
    words.
``same_language``, ``cross_language``
    1 when both languages are known and equal, and its complement; the model gives words,
    names and vectors a separate slope for each case (shared words mean more within one
    language).
``links``
    overlap of the URLs the articles are, cite or list as related.
``length_ratio``, ``length``
    the shorter body's length over the longer's, and the shorter body's length on a log
    scale (``ln(1 + characters) / 10``, at most 1). Not evidence of the same news by
    themselves, but they calibrate the others: a short text shares fewer words with
    anything, and a brief and a long feature about one event are rated less alike than two
    reports of similar length.
``days_apart``
    days between the publication dates, or ``None`` when either is unknown.
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

import numpy as np

from storyline.embed.base import FloatVector
from storyline.embed.lexical import TermStatistics, bm25_vector, cosine, fold, idf, terms
from storyline.model import Article

__all__ = [
    "FEATURES",
    "Profile",
    "name_keys",
    "pair_features",
    "profile",
    "quote_spans",
    "url_keys",
]

#: The signals :func:`pair_features` returns besides ``days_apart``, in a fixed order.
FEATURES = (
    "dense",
    "title_lex",
    "body_lex",
    "lead_lex",
    "names",
    "name_overlap",
    "quotes",
    "same_language",
    "cross_language",
    "links",
    "length_ratio",
    "length",
)

#: Characters of the body read for names, quotes and links (bounds the work on huge texts).
SCAN_CHARS = 8000
#: Name keys are the first letters of a folded name: enough to tell names apart, few enough
#: to survive inflection and transliteration (Netanyahu/Netanjahu/Netanyahous).
NAME_PREFIX = 5
#: Terms that make the lead for ``lead_lex``.
LEAD_TERMS = 120

_NAME_OR_BREAK = re.compile(r"[^\W\d_][\w\-’']*|\d[\d.,]*\d|\d|[.!?:;\"“”«»„]", re.UNICODE)
_QUOTE = re.compile(
    r"“([^”]{12,400})”|„([^“”]{12,400})[“”]|«\s?([^»]{12,400}?)\s?»|\"([^\"]{12,400})\"|"
    r"「([^」]{4,200})」"
)
_URL = re.compile(r"https?://[^\s<>\"'()\[\]]+", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Profile:
    """What the similarity signals need from one article, computed once."""

    id: str
    language: str | None
    published: datetime | None
    vector: FloatVector | None
    title_terms: tuple[str, ...]
    body_terms: tuple[str, ...]
    names: dict[str, tuple[int, str]]
    quotes: tuple[frozenset[str], ...]
    urls: frozenset[str]
    length: int


def name_keys(text: str) -> dict[str, tuple[int, str]]:
    """Name-like tokens (capitalised words of 3+ letters) and numbers of 2+ digits.

    A cheap, language-neutral stand-in for named entities until the entity stage exists:
    sentence-initial words and German nouns slip in, but they rarely match across
    languages while names do. Returns ``key -> (count, term)``: the key is the folded name
    cut to :data:`NAME_PREFIX` letters (numbers: ``#`` and their digits, so "1,000" and
    "1.000" match), ``term`` the folded word whose document frequency weighs it.
    """
    keys: dict[str, tuple[int, str]] = {}
    for match in _NAME_OR_BREAK.finditer(text[:SCAN_CHARS]):
        token = match.group()
        if token[0].isdigit():
            digits = re.sub(r"\D", "", token)
            if len(digits) < 2:
                continue
            key, term = "#" + digits, digits
        elif len(token) >= 3 and token[0].isupper():
            term = fold(token)
            key = term[:NAME_PREFIX]
        else:
            continue
        count, first = keys.get(key, (0, term))
        keys[key] = (count + 1, first)
    return keys


def quote_spans(text: str) -> tuple[frozenset[str], ...]:
    """The quoted passages of ``text`` as sets of terms (3+ terms each)."""
    spans = []
    for match in _QUOTE.finditer(text[:SCAN_CHARS]):
        quoted = next(group for group in match.groups() if group)
        words = frozenset(terms(quoted, limit=80))
        if len(words) >= 3:
            spans.append(words)
    return tuple(spans)


def url_keys(urls: Iterable[str | None]) -> frozenset[str]:
    """URLs reduced to host + path (no scheme, ``www.``, query, fragment or final slash)."""
    keys = set()
    for url in urls:
        if not url:
            continue
        try:
            parts = urlsplit(url.strip())
        except ValueError:
            continue
        host = (parts.hostname or "").removeprefix("www.")
        if host:
            keys.add(host + parts.path.rstrip("/"))
    return frozenset(keys)


def profile(article: Article, vector: FloatVector | None = None) -> Profile:
    """The :class:`Profile` of an article (``vector``: its story vector, if known)."""
    body = article.text[:SCAN_CHARS]
    urls = [article.url, article.canonical_url, *(link.url for link in article.related)]
    urls.extend(_URL.findall(body))
    return Profile(
        id=article.id,
        language=article.language,
        published=article.published,
        vector=vector,
        title_terms=tuple(terms(article.title, limit=64)),
        body_terms=tuple(terms(f"{article.title}\n{article.text}")),
        names=name_keys(f"{article.title}. {body}"),
        quotes=quote_spans(body),
        urls=url_keys(urls),
        length=len(article.text.strip()),
    )


def _dice(a: Collection[str], b: Collection[str]) -> float:
    shared = len(set(a) & set(b))
    return 2.0 * shared / (len(a) + len(b)) if a or b else 0.0


def _name_vector(names: dict[str, tuple[int, str]], stats: TermStatistics) -> dict[str, float]:
    known = stats.frequencies(term for _, term in names.values())
    n_docs = max(stats.documents(), 1) + 1
    return {
        key: (1.0 + math.log(count)) * idf(n_docs, known.get(term, 0) + 1)
        for key, (count, term) in names.items()
    }


def _quote_overlap(a: Sequence[frozenset[str]], b: Sequence[frozenset[str]]) -> float:
    best = 0.0
    for qa in a:
        for qb in b:
            best = max(best, len(qa & qb) / len(qa | qb))
    return best


def _days_apart(a: datetime | None, b: datetime | None) -> float | None:
    if a is None or b is None:
        return None
    return abs((a - b).total_seconds()) / 86400.0


#: The weighted sparse vectors of one profile: title, body, lead, names.
Weighted = tuple[dict[str, float], dict[str, float], dict[str, float], dict[str, float]]


def weigh(p: Profile, stats: TermStatistics) -> Weighted:
    """The BM25 vectors of a profile's title, body and lead, and its IDF-weighted names."""
    return (
        bm25_vector(p.title_terms, stats),
        bm25_vector(p.body_terms, stats),
        bm25_vector(p.body_terms[:LEAD_TERMS], stats),
        _name_vector(p.names, stats),
    )


def pair_features(
    a: Profile,
    b: Profile,
    stats: TermStatistics,
    memo: dict[int, Weighted] | None = None,
) -> dict[str, float | None]:
    """Every signal for one pair (see the module docstring); symmetric in ``a`` and ``b``.

    ``stats`` supplies document frequencies for the lexical signals. ``dense`` is 0 when
    either article has no vector. ``memo`` keeps each profile's weighted vectors (keyed by
    the profile object's identity) across calls, so scoring one query against fifty
    candidates weighs the query once; it must not outlive the profiles or the ``stats``.
    """
    dense = 0.0
    if a.vector is not None and b.vector is not None:
        dense = float(np.clip(np.dot(a.vector, b.vector), 0.0, 1.0))
    same_language = float(a.language is not None and a.language == b.language)
    shorter, longer = sorted((a.length, b.length))
    wa, wb = _weighed(a, stats, memo), _weighed(b, stats, memo)
    return {
        "dense": dense,
        "title_lex": cosine(wa[0], wb[0]),
        "body_lex": cosine(wa[1], wb[1]),
        "lead_lex": cosine(wa[2], wb[2]),
        "names": cosine(wa[3], wb[3]),
        "name_overlap": _dice(a.names.keys(), b.names.keys()),
        "quotes": _quote_overlap(a.quotes, b.quotes),
        "same_language": same_language,
        "cross_language": 1.0 - same_language,
        "links": _dice(a.urls - {""}, b.urls - {""}) if a.urls and b.urls else 0.0,
        "length_ratio": shorter / longer if longer else 0.0,
        "length": min(1.0, math.log1p(shorter) / 10.0),
        "days_apart": _days_apart(a.published, b.published),
    }


def _weighed(p: Profile, stats: TermStatistics, memo: dict[int, Weighted] | None) -> Weighted:
    if memo is None:
        return weigh(p, stats)
    found = memo.get(id(p))
    if found is None:
        found = memo[id(p)] = weigh(p, stats)
    return found
