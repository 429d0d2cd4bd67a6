"""The enrichment stage: entities, quotes, dates and keyphrases of one article.

:class:`Enricher` picks a recogniser per language (spaCy where a pipeline is installed, the
rule fallback elsewhere, or when the ``nlp`` extra is missing), corrects the model's safe
slips, merges mentions into canonical entities with a registry shared across articles,
attributes quotations and resolves time expressions against the publication date. It is
one object per process, safe to share between threads; ``seed`` fills the registry with the
entities a store already knows, so names stay stable across runs.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from storyline.enrich.base import Enrichment, EntityRef, Mention, Recogniser
from storyline.enrich.canonical import EntityRegistry, group_mentions, name_key, strip_titles
from storyline.enrich.keyphrases import keyphrases
from storyline.enrich.quotes import SpeakerMention, find_quotes
from storyline.enrich.rules import RuleRecogniser, fix_mentions
from storyline.enrich.timeexpr import find_dates
from storyline.model import Article, EntityKind

__all__ = ["DEFAULT_ENRICH_OPTIONS", "EnrichOptions", "Enricher"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class EnrichOptions:
    """Settings of the enrichment stage."""

    #: Use spaCy where a pipeline for the language is installed (else rules only).
    use_spacy: bool = True
    #: Characters of title + text read (long texts: the first part holds the story).
    max_chars: int = 20_000
    #: Characters the recogniser reads; later mentions of the names it found there are still
    #: counted (and can speak), by exact match. The model's time grows with the text, so
    #: this keeps enrichment as fast as extraction on long pages (bench/bench_enrich.py).
    ner_chars: int = 4_000
    #: Characters keyphrases are taken from (labels come from the lead, not the tail).
    keyphrase_chars: int = 6_000
    #: Keyphrases kept per article.
    keyphrases: int = 8


DEFAULT_ENRICH_OPTIONS = EnrichOptions()


def _spacy_recogniser() -> Recogniser | None:
    from storyline.enrich.spacy_ner import SpacyRecogniser, spacy_available

    if not spacy_available():
        log.info("spaCy is not installed (extra 'nlp'): entities come from the rule fallback")
        return None
    return SpacyRecogniser()


class Enricher:
    """Enriches articles (see the module docstring)."""

    def __init__(
        self,
        options: EnrichOptions = DEFAULT_ENRICH_OPTIONS,
        *,
        recogniser: Recogniser | None = None,
        registry: EntityRegistry | None = None,
    ) -> None:
        self.options = options
        self.registry = registry if registry is not None else EntityRegistry()
        self.model = (
            recogniser
            if recogniser is not None
            else (_spacy_recogniser() if options.use_spacy else None)
        )
        self.rules = RuleRecogniser(self.registry.kind_of)

    def seed(self, known: Iterable[tuple[str, EntityKind, Sequence[str]]]) -> None:
        """Remember entities known from earlier articles (name, kind, aliases)."""
        for name, kind, aliases in known:
            self.registry.add(name, kind, aliases)

    def recogniser_for(self, language: str | None) -> Recogniser:
        """The statistical model when it has this language, else the rule fallback."""
        if self.model is not None and self.model.supports(language):
            return self.model
        return self.rules

    def mentions(self, text: str, language: str | None) -> tuple[list[Mention], str]:
        """Corrected mentions in ``text`` and the name of the recogniser that found them."""
        recogniser = self.recogniser_for(language)
        if recogniser is self.rules:
            return self.rules.mentions(text, language), "rules"
        found = fix_mentions(text, recogniser.mentions(text, language))
        return found, f"{recogniser.name}:{language}"

    def _document(self, article: Article) -> tuple[str, str]:
        """The text read (title first, then the text) and its head for the recogniser."""
        text = article.text[: self.options.max_chars]
        title = article.title or ""
        document = f"{title}\n\n{text}" if title and not text.startswith(title) else text
        head = document
        if len(document) > self.options.ner_chars:
            cut = document.rfind(" ", 0, self.options.ner_chars)
            head = document[: cut if cut > 0 else self.options.ner_chars]
        return document, head

    def enrich(self, article: Article) -> Enrichment:
        """Entities, quotes, dates and keyphrases of one article; learns its entity names."""
        document, head = self._document(article)
        mentions, recogniser = self.mentions(head, article.language)
        return self._finish(article, document, len(head), mentions, recogniser)

    def enrich_many(self, articles: Sequence[Article]) -> list[Enrichment]:
        """:meth:`enrich` for a batch: the model reads the articles of a language together
        (spaCy's ``pipe``), which is faster on short texts; results are the same."""
        prepared = [self._document(article) for article in articles]
        found: dict[int, tuple[list[Mention], str]] = {}
        by_language: dict[str | None, list[int]] = {}
        for index, article in enumerate(articles):
            by_language.setdefault(article.language, []).append(index)
        for language, indexes in by_language.items():
            recogniser = self.recogniser_for(language)
            batch = getattr(recogniser, "mentions_many", None)
            if recogniser is self.rules or batch is None:
                continue
            heads = [prepared[i][1] for i in indexes]
            for i, raw in zip(indexes, batch(heads, language), strict=True):
                found[i] = (fix_mentions(prepared[i][1], raw), f"{recogniser.name}:{language}")
        results = []
        for index, article in enumerate(articles):
            document, head = prepared[index]
            mentions, recogniser_name = found.get(index) or self.mentions(head, article.language)
            results.append(self._finish(article, document, len(head), mentions, recogniser_name))
        return results

    def _finish(
        self, article: Article, document: str, head: int, mentions: list[Mention], recogniser: str
    ) -> Enrichment:
        if head < len(document):
            mentions = [*mentions, *_repeated(document, head, mentions)]
        entities = group_mentions(mentions, self.registry)
        for ref in entities:
            self.registry.add(ref.name, ref.kind, ref.aliases)
        speakers = _speakers(mentions, entities)
        published = article.published.date() if article.published else None
        return Enrichment(
            entities=entities,
            quotes=find_quotes(document, speakers),
            dates=find_dates(document, published),
            keyphrases=[
                p
                for p, _ in keyphrases(
                    document[: self.options.keyphrase_chars], top=self.options.keyphrases
                )
            ],
            recogniser=recogniser,
        )


def _repeated(text: str, offset: int, mentions: list[Mention]) -> list[Mention]:
    """Exact later occurrences (from ``offset``) of the names found before it, and of the
    surnames of the people among them ("Hidalgo" after "Anne Hidalgo")."""
    kinds: dict[str, EntityKind] = {}
    for mention in mentions:
        if len(mention.text) >= 3:
            kinds.setdefault(mention.text, mention.kind)
        words = mention.text.split()
        if mention.kind is EntityKind.PERSON and len(words) >= 2 and len(words[-1]) >= 3:
            kinds.setdefault(words[-1], EntityKind.PERSON)
    if not kinds:
        return []
    pattern = re.compile(
        r"(?<!\w)(?:"
        + "|".join(re.escape(n) for n in sorted(kinds, key=len, reverse=True))
        + r")(?!\w)"
    )
    return [
        Mention(m.group(0), kinds[m.group(0)], m.start(), m.end(), "repeat")
        for m in pattern.finditer(text, offset)
    ]


def _speakers(mentions: list[Mention], entities: list[EntityRef]) -> list[SpeakerMention]:
    """Each mention with the canonical name of the entity it was merged into."""
    canonical: dict[str, EntityRef] = {}
    for ref in entities:
        for form in (ref.name, *ref.aliases):
            canonical.setdefault(name_key(form), ref)
            canonical.setdefault(name_key(strip_titles(form)), ref)
    speakers: list[SpeakerMention] = []
    for mention in mentions:
        found = canonical.get(name_key(mention.text)) or canonical.get(
            name_key(strip_titles(mention.text))
        )
        if found is not None:
            speakers.append(SpeakerMention(mention.start, mention.end, found.name, found.kind))
    return speakers
