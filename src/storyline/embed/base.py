"""The ``Embedder`` protocol and what an article contributes to its vector.

An embedder turns texts into unit-length float32 vectors, so a dot product is the cosine.
Storyline embeds *what carries the story*: the title and the lead (or, without a lead, the
start of the body), cut to a token budget of 64 tokens. Measured on the 1,283 pairs of the
SemEval-2022 Task 8 sample (docs/similar.md), the cosine of multilingual-e5-small vectors
correlates with the human "Overall" rating at 0.643 with 64 tokens and 0.642 with 128: the
first sentences hold the signal the encoder can use, while every token costs time on a CPU.
The full text still counts for similarity, through the lexical, name and quote signals of
:mod:`storyline.link.features`.

This module imports only the model and numpy (DESIGN.md section 3: stages import the model).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

from storyline.model import Article

__all__ = [
    "Embedder",
    "FloatMatrix",
    "FloatVector",
    "StoryText",
    "normalise_rows",
    "story_text",
]

FloatMatrix = npt.NDArray[np.float32]
FloatVector = npt.NDArray[np.float32]

#: Characters of title + lead/body handed to an embedder before its own token cut. Keeps a
#: 10 MB text from ever reaching the tokenizer: 2,000 characters are ~400-600 tokens in
#: Latin scripts and more in CJK, well past any budget used here.
MAX_STORY_CHARS = 2000

_WS = re.compile(r"\s+")


@runtime_checkable
class Embedder(Protocol):
    """Texts in, one L2-normalised float32 row per text out.

    ``name`` identifies the model *and* the window it embeds (``e5-small-q4/t64``), so a
    vector cached under one name is never compared with a vector made another way. ``dim``
    is the vector length. ``embed`` must accept any string, including an empty one, and
    return an array of shape ``(len(texts), dim)``.
    """

    name: str
    dim: int

    def embed(self, texts: Sequence[str]) -> FloatMatrix:
        """Embed ``texts`` (a batch is much faster per text than one call each)."""
        ...


class StoryText(Protocol):
    """The fields :func:`story_text` reads; an :class:`~storyline.model.Article` has them."""

    title: str
    lead: str | None
    text: str


def story_text(article: Article | StoryText, max_chars: int = MAX_STORY_CHARS) -> str:
    """Title, then the lead (or the body when there is no lead), at most ``max_chars``.

    A title that is only the start of the lead (text files without a title line get one
    derived from the first sentence) is not repeated. The embedder cuts the result to its
    token budget; this character cap only bounds the work for huge inputs.
    """
    title = _WS.sub(" ", article.title or "").strip()
    body = _WS.sub(" ", (article.lead or "") or article.text[: max_chars * 2]).strip()
    if not body:
        body = _WS.sub(" ", article.text[: max_chars * 2]).strip()
    stem = title.rstrip("…").rstrip(". ")
    if stem and body.startswith(stem):
        title = ""
    text = f"{title}. {body}" if title and body else title or body
    if len(text) > max_chars:
        cut = text.rfind(" ", 0, max_chars)
        text = text[: cut if cut > max_chars // 2 else max_chars]
    return text


def normalise_rows(matrix: npt.NDArray[np.floating]) -> FloatMatrix:
    """Rows scaled to unit length (all-zero rows stay zero), as float32."""
    rows = np.asarray(matrix, dtype=np.float32)
    if rows.ndim != 2:
        raise ValueError(f"expected a 2-d array of vectors, got shape {rows.shape}")
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    result: FloatMatrix = (rows / norms).astype(np.float32, copy=False)
    return result
