"""Nearest-neighbour search over story vectors: exact numpy, or HNSW past a measured size.

Candidates for "what else covers this?" are the stored articles whose vectors are closest
to the query's; the similarity model then re-ranks them. Two interchangeable indexes:

* :class:`ExactIndex` multiplies the query with every stored vector (one matrix-vector
  product in numpy). Always right; cost grows linearly with the store.
* :class:`HNSWIndex` is a Hierarchical Navigable Small World graph (Malkov & Yashunin 2018,
  "Efficient and robust approximate nearest neighbor search using Hierarchical Navigable
  Small World graphs", IEEE TPAMI), via ``usearch`` (extra ``[ann]``). Queries cost about
  log(n); building costs time and memory up front, and results are approximate.

:func:`build_index` picks by size. The switch-over, :data:`HNSW_THRESHOLD` = 200,000 vectors,
comes from ``bench/bench_similar.py`` on the shared two-core machine (docs/similar.md): an
exact query took 52 ms at 100,000 vectors and 325-539 ms at 1,000,000, against ~280 ms for
re-ranking the 50 candidates, which every query pays. Around 200,000 the exact search
becomes about a quarter of the query and grows linearly, while an HNSW query stays near a
millisecond. Below that, the graph's build (273 s for 100,000 vectors on that machine) does
not pay for itself. The graph is built in memory and not saved, so one-shot processes (the
``storyline similar`` command) stay exact: :data:`EXACT_ONLY`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from typing import Any, Protocol

import numpy as np

from storyline.embed.base import FloatMatrix, FloatVector
from storyline.errors import MissingExtraError

__all__ = [
    "EXACT_ONLY",
    "HNSW_THRESHOLD",
    "ExactIndex",
    "HNSWIndex",
    "VectorIndex",
    "build_index",
]

LOGGER = logging.getLogger(__name__)

#: Vectors from which :func:`build_index` builds an HNSW graph instead of an exact index.
HNSW_THRESHOLD = 200_000
#: A threshold no store reaches: always exact (one-shot processes cannot amortise a build).
EXACT_ONLY = 2**62


class VectorIndex(Protocol):
    """Add unit vectors under string ids; find the ``k`` most similar to a query."""

    kind: str

    def __len__(self) -> int: ...

    def add(self, ids: Sequence[str], vectors: FloatMatrix) -> None:
        """Add vectors (rows of ``vectors``) under ``ids``."""
        ...

    def search(self, vector: FloatVector, k: int) -> list[tuple[str, float]]:
        """Up to ``k`` (id, cosine) pairs, most similar first."""
        ...


class ExactIndex:
    """Brute force: every query is scored against every vector (numpy, float32)."""

    kind = "exact"

    def __init__(self, dim: int) -> None:
        self.dim = dim
        self._ids: list[str] = []
        self._chunks: list[FloatMatrix] = []
        self._matrix: FloatMatrix = np.zeros((0, dim), dtype=np.float32)

    def __len__(self) -> int:
        return len(self._ids)

    def add(self, ids: Sequence[str], vectors: FloatMatrix) -> None:
        matrix = _check(vectors, len(ids), self.dim)
        self._ids.extend(ids)
        self._chunks.append(matrix)

    def _all(self) -> FloatMatrix:
        if self._chunks:
            self._matrix = np.vstack([self._matrix, *self._chunks])
            self._chunks = []
        return self._matrix

    def search(self, vector: FloatVector, k: int) -> list[tuple[str, float]]:
        matrix = self._all()
        if k < 1 or not len(matrix):
            return []
        scores = matrix @ np.asarray(vector, dtype=np.float32).reshape(self.dim)
        k = min(k, len(scores))
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [(self._ids[i], float(scores[i])) for i in top]


class HNSWIndex:
    """An HNSW graph (usearch) over cosine similarity.

    ``connectivity`` (M in the paper) and the two expansion factors (efConstruction,
    efSearch) trade build time and memory for recall; with the defaults the benchmark
    measured recall@10 of 1.0 at 10,000 and 100,000 vectors and 0.79 at 1,000,000
    (synthetic, tightly clustered vectors; docs/similar.md). Vectors are kept as float16 in
    the graph, half the memory of float32.
    """

    kind = "hnsw"

    def __init__(
        self,
        dim: int,
        *,
        connectivity: int = 16,
        expansion_add: int = 128,
        expansion_search: int = 96,
        dtype: str = "f16",
    ) -> None:
        try:
            from usearch.index import Index
        except ImportError as error:
            raise MissingExtraError("usearch", "ann") from error
        self.dim = dim
        self._index: Any = Index(
            ndim=dim,
            metric="cos",
            dtype=dtype,
            connectivity=connectivity,
            expansion_add=expansion_add,
            expansion_search=expansion_search,
        )
        self._ids: list[str] = []

    def __len__(self) -> int:
        return len(self._ids)

    def add(self, ids: Sequence[str], vectors: FloatMatrix) -> None:
        matrix = _check(vectors, len(ids), self.dim)
        if not len(ids):
            return
        keys = np.arange(len(self._ids), len(self._ids) + len(ids), dtype=np.uint64)
        self._index.add(keys, matrix)
        self._ids.extend(ids)

    def search(self, vector: FloatVector, k: int) -> list[tuple[str, float]]:
        if k < 1 or not self._ids:
            return []
        query = np.asarray(vector, dtype=np.float32).reshape(self.dim)
        matches = self._index.search(query, min(k, len(self._ids)))
        return [
            (self._ids[int(key)], 1.0 - float(distance))
            for key, distance in zip(matches.keys, matches.distances, strict=True)
        ]

    def memory_bytes(self) -> int:
        """Memory the graph uses, as usearch reports it."""
        return int(self._index.memory_usage)


def _check(vectors: FloatMatrix, rows: int, dim: int) -> FloatMatrix:
    matrix = np.ascontiguousarray(vectors, dtype=np.float32)
    if matrix.ndim != 2 or matrix.shape != (rows, dim):
        raise ValueError(f"expected {rows} vectors of {dim} values, got shape {matrix.shape}")
    return matrix


def build_index(
    chunks: Iterable[tuple[list[str], FloatMatrix]],
    dim: int,
    *,
    size: int,
    threshold: int = HNSW_THRESHOLD,
) -> VectorIndex:
    """An index over ``chunks`` of (ids, vectors): HNSW from ``threshold`` vectors on.

    ``size`` is the expected number of vectors (e.g. ``count_vectors``). Without the
    ``[ann]`` extra a large store falls back to the exact index, which stays correct, and
    logs how to install the faster one.
    """
    index: VectorIndex
    if size >= threshold:
        try:
            index = HNSWIndex(dim)
        except MissingExtraError as error:
            LOGGER.warning("%d vectors: exact search will be slow; %s", size, error)
            index = ExactIndex(dim)
    else:
        index = ExactIndex(dim)
    for ids, vectors in chunks:
        index.add(ids, vectors)
    return index
