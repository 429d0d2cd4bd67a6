"""What the similar-news query needs from a store: cached vectors and term statistics.

A separate, small protocol (not part of :class:`~storyline.store.base.Store`), so a back end
can offer similar news by implementing these few methods, and the query code states exactly
what it reads. :class:`~storyline.store.sqlite.SQLiteStore` implements it in
:mod:`storyline.store.sqlite_vectors`.

Vectors are unit-length float32 rows, cached per ``(model, article)``: ``model`` is the
embedder's name, which includes its text window, so changing the model or the window simply
starts a new cache beside the old one.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

from storyline.model import Article

__all__ = ["FloatMatrix", "FloatVector", "StoreTermStats", "VectorStore"]

FloatMatrix = npt.NDArray[np.float32]
FloatVector = npt.NDArray[np.float32]


@runtime_checkable
class VectorStore(Protocol):
    """Vector cache, batch article reads and document frequencies (see the module docstring)."""

    def put_vectors(self, model: str, items: Sequence[tuple[str, FloatVector]]) -> int:
        """Store (or replace) vectors of stored articles in one transaction; returns how many.

        Ids that are not stored articles are skipped (the cache never holds orphans).
        """
        ...

    def get_vectors(self, model: str, article_ids: Sequence[str]) -> dict[str, FloatVector]:
        """The cached vectors of these articles (missing ones are left out)."""
        ...

    def iter_vectors(
        self, model: str, *, batch: int = 20_000
    ) -> Iterator[tuple[list[str], FloatMatrix]]:
        """Every cached vector of ``model`` as (ids, matrix) chunks, in insertion order."""
        ...

    def iter_vector_ids(self, model: str, *, batch: int = 100_000) -> Iterator[list[str]]:
        """The ids of every cached vector of ``model``, in chunks (no vector is read)."""
        ...

    def count_vectors(self, model: str) -> int:
        """How many articles have a vector of ``model``."""
        ...

    def ids_without_vectors(self, model: str, *, limit: int = 1000) -> list[str]:
        """Up to ``limit`` stored article ids with no vector of ``model``, oldest first."""
        ...

    def get_articles(self, article_ids: Sequence[str]) -> dict[str, Article]:
        """Several articles by id in one read (missing ids are left out)."""
        ...

    def count_articles(self) -> int:
        """How many articles are stored."""
        ...

    def term_document_counts(self, terms: Iterable[str]) -> dict[str, int]:
        """In how many stored articles each term occurs (full-text index terms; unseen terms
        are left out)."""
        ...


class StoreTermStats:
    """A store's full-text index as :class:`~storyline.embed.lexical.TermStatistics`.

    Document frequencies are read on demand and remembered, so scoring fifty candidates
    asks the database once per distinct term.
    """

    def __init__(self, store: VectorStore) -> None:
        self.store = store
        self._documents: int | None = None
        self._known: dict[str, int] = {}

    def __len__(self) -> int:
        """How many words' frequencies are remembered."""
        return len(self._known)

    def documents(self) -> int:
        if self._documents is None:
            self._documents = self.store.count_articles()
        return self._documents

    def frequencies(self, terms: Iterable[str]) -> Mapping[str, int]:
        terms = list(terms)
        wanted = [t for t in dict.fromkeys(terms) if t not in self._known]
        if wanted:
            found = self.store.term_document_counts(wanted)
            for term in wanted:
                self._known[term] = found.get(term, 0)
        return {t: self._known[t] for t in terms if self._known.get(t)}
