"""When did it happen? Event dates from relative expressions, resolved against publication.

News leads say "on Wednesday", "Thursday's call", "yesterday" or "last week"; the event
date is that expression resolved against the article's publication date, which is what a
timeline needs (the call took place on Wednesday, the report came out on Thursday). This
follows the TimeML/TIMEX3 practice of anchoring relative expressions to the document
creation time (Pustejovsky et al. 2003; Strötgen & Gertz 2010, HeidelTime).

The expressions themselves are found and resolved by the enrichment stage's time tagger
(:func:`storyline.enrich.timeexpr.find_dates`: English plus the seed languages' weekdays,
day words and month names), so there is one resolver in Storyline. This module only
decides which of them is *the event's* date: the first day-precise expression of the lead
(the first :data:`LEAD_CHARS` characters), since news states when it happened up front,
and never one more than a month after publication (a scheduled future date is not when the
reported event took place). Without one, the publication date stands in.
"""

from __future__ import annotations

from datetime import date, timedelta

from storyline.enrich.timeexpr import find_dates
from storyline.model import Article

__all__ = ["LEAD_CHARS", "event_date", "resolve"]

#: Characters of title + text read for the event date.
LEAD_CHARS = 600


def resolve(text: str, published: date | None) -> date | None:
    """The first day-precise date expression of ``text``, resolved against ``published``."""
    mentions = sorted(find_dates(text, published), key=lambda m: m.start)
    for mention in mentions:
        if len(mention.value) != 10:
            continue  # a week, a month or a year: not a day
        try:
            return date.fromisoformat(mention.value)
        except ValueError:
            continue
    return None


def event_date(article: Article) -> date | None:
    """When the article's event happened: its lead's first resolvable date expression,
    else its publication date (``None`` when neither is known)."""
    published = article.published.date() if article.published is not None else None
    lead = f"{article.title}. {article.text}"[:LEAD_CHARS]
    found = resolve(lead, published)
    if found is not None and published is not None and found > published + timedelta(days=31):
        found = None
    return found or published
