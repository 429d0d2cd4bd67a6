"""Enrichment: who, where, when, and who said what (see ``docs/enrich.md``).

Entities (people, organisations, places) with canonical names across articles and
languages, direct quotations with speakers, normalised dates, and keyphrases.
"""

from storyline.enrich.base import DateMention, Enrichment, EntityRef, Mention, Quote, Recogniser
from storyline.enrich.canonical import EntityRegistry, name_key
from storyline.enrich.keyphrases import group_keyphrases, keyphrases
from storyline.enrich.stage import DEFAULT_ENRICH_OPTIONS, Enricher, EnrichOptions

__all__ = [
    "DEFAULT_ENRICH_OPTIONS",
    "DateMention",
    "EnrichOptions",
    "Enricher",
    "Enrichment",
    "EntityRef",
    "EntityRegistry",
    "Mention",
    "Quote",
    "Recogniser",
    "group_keyphrases",
    "keyphrases",
    "name_key",
]
