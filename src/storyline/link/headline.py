"""An event's headline: the member title that says what the other reports say.

The founding article's title is often not a headline at all. Pages fetched for an event
carry site names ("The Japan Times Online", "Latest News & Headlines"), section names
("Personal Finance") or login walls ("The New York Times > Log In") as their titles, and
the first report in the stream is simply whichever arrived first. So the headline is chosen
among the members' titles, in the spirit of centroid-based selection (Radev et al. 2004,
"Centroid-based summarization of multiple documents"), with two scores added:

* **the other members**: the cosine of the title's BM25 terms with the event's term
  centroid *without this member* (a site name shares no words with the other reports; a
  member must not vote for its own title);
* **its own text**: the cosine with the member's own terms (a real headline repeats what
  its lead says; a site name or a section name does not).

Measured by ``storyline eval headlines``: on WikinewsSum, the chosen source title's
word overlap (ROUGE-1 F1) with the Wikinews editors' headline for the same event.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Protocol

from storyline.embed.lexical import TermStatistics, bm25_vector

__all__ = ["HEADLINE_CANDIDATES", "Titled", "choose_headline", "headline_scores"]

#: Members whose titles are considered (the first ones: later members rarely add a better
#: headline, and the cost per article must stay bounded for events of thousands).
HEADLINE_CANDIDATES = 24


class Titled(Protocol):
    """What a member needs: its title, the title's terms and its unit BM25 term vector
    (title and body)."""

    @property
    def title(self) -> str: ...

    @property
    def title_terms(self) -> tuple[str, ...]: ...

    @property
    def lex(self) -> Mapping[str, float]: ...


def _dot(a: Mapping[str, float], b: Mapping[str, float]) -> float:
    if len(b) < len(a):
        a, b = b, a
    return sum(w * b.get(t, 0.0) for t, w in a.items())


def headline_scores(
    members: Sequence[Titled], centroid: Mapping[str, float], stats: TermStatistics
) -> list[float]:
    """The score of each member's title (see the module docstring), in member order.

    ``centroid`` is the sum of the members' term vectors (``Centroid.lex``; it may be
    pruned to its heaviest terms, which only drops terms too light to matter).
    """
    centroid_sq = sum(w * w for w in centroid.values())
    out = []
    for member in members:
        title = bm25_vector(member.title_terms, stats)
        norm = math.sqrt(sum(w * w for w in title.values()))
        if not norm:
            out.append(0.0)
            continue
        own = member.lex
        # |C - own|² = |C|² - 2 C·own + |own|² (``own`` is unit length).
        rest_sq = centroid_sq - 2.0 * _dot(centroid, own) + 1.0
        rest = math.sqrt(rest_sq) if rest_sq > 1e-9 else 0.0
        others = (_dot(title, centroid) - _dot(title, own)) / (norm * rest) if rest else 0.0
        out.append(max(0.0, others) + _dot(title, own) / norm)
    return out


def choose_headline(
    members: Sequence[Titled], centroid: Mapping[str, float], stats: TermStatistics
) -> str | None:
    """The best member title (the earliest on ties), or ``None`` with no titled member."""
    pool = [m for m in members[:HEADLINE_CANDIDATES] if m.title_terms]
    if not pool:
        return None
    scores = headline_scores(pool, centroid, stats)
    best = max(range(len(pool)), key=lambda i: (scores[i], -i))
    return pool[best].title
