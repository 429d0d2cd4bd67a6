"""The vector cache on real SQLite files, and the exact and HNSW indexes against each other."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from storyline.embed.base import FloatMatrix
from storyline.link.index import ExactIndex, HNSWIndex, build_index
from storyline.model import Article
from storyline.store import open_store
from storyline.store.sqlite import SQLiteStore
from storyline.store.vectors import StoreTermStats, VectorStore


@pytest.fixture
def store(tmp_path: Path) -> SQLiteStore:
    s = SQLiteStore(f"sqlite:///{tmp_path / 'news.db'}")
    s.migrate()
    s.add_articles(
        [
            Article(id=f"a{i}", title=f"Title {i}", text=f"Ceasefire talks in Doha, report {i}.")
            for i in range(5)
        ]
        + [Article(id="k", title="Köln", text="Müller spielt in Köln")]
    )
    return s


def unit(rng: np.random.Generator, n: int, dim: int) -> FloatMatrix:
    m = rng.standard_normal((n, dim)).astype(np.float32)
    out: FloatMatrix = (m / np.linalg.norm(m, axis=1, keepdims=True)).astype(np.float32)
    return out


def test_sqlite_store_is_a_vector_store(store: SQLiteStore) -> None:
    assert isinstance(store, VectorStore)
    assert store.schema_version() >= 3


def test_vector_cache_round_trip_survives_reopening(store: SQLiteStore, tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    vectors = unit(rng, 3, 8)
    assert store.put_vectors("m/t64", [("a0", vectors[0]), ("a1", vectors[1])]) == 2
    assert store.put_vectors("m/t64", [("a1", vectors[2]), ("nope", vectors[0])]) == 1
    store.close()
    again = open_store(store.url)
    assert isinstance(again, VectorStore)
    try:
        got = again.get_vectors("m/t64", ["a0", "a1", "a2", "nope"])
        assert set(got) == {"a0", "a1"}
        assert np.array_equal(got["a0"], vectors[0]) and got["a0"].dtype == np.float32
        assert np.array_equal(got["a1"], vectors[2])  # replaced
        assert again.get_vectors("other-model", ["a0"]) == {}
        assert again.count_vectors("m/t64") == 2
        assert again.ids_without_vectors("m/t64") == ["a2", "a3", "a4", "k"]
        assert again.ids_without_vectors("m/t64", limit=1) == ["a2"]
    finally:
        again.close()


def test_bad_vectors_change_nothing(store: SQLiteStore) -> None:
    good = np.ones(4, dtype=np.float32)
    with pytest.raises(ValueError, match="nothing was stored"):
        store.put_vectors("m", [("a0", good), ("a1", np.ones(5, dtype=np.float32))])
    with pytest.raises(ValueError, match="non-finite"):
        store.put_vectors("m", [("a0", np.array([np.nan, 1, 1, 1], dtype=np.float32))])
    assert store.count_vectors("m") == 0
    assert store.put_vectors("m", []) == 0


def test_iter_vectors_streams_every_vector_in_chunks(store: SQLiteStore) -> None:
    rng = np.random.default_rng(2)
    ids = ["a0", "a1", "a2", "a3", "a4", "k"]
    matrix = unit(rng, len(ids), 16)
    store.put_vectors("m", list(zip(ids, matrix, strict=True)))
    chunks = list(store.iter_vectors("m", batch=4))
    assert [len(c[0]) for c in chunks] == [4, 2]
    got = {i: row for c in chunks for i, row in zip(c[0], c[1], strict=True)}
    for i, row in zip(ids, matrix, strict=True):
        assert np.array_equal(got[i], row)
    # The ids alone, in the same order and chunks, for a check that reads only new vectors.
    assert list(store.iter_vector_ids("m", batch=4)) == [c[0] for c in chunks]
    assert list(store.iter_vector_ids("other")) == []


def test_deleting_an_article_deletes_its_vectors(store: SQLiteStore) -> None:
    store.put_vectors("m", [("a0", np.ones(4, dtype=np.float32))])
    with store._write("test delete") as conn:
        conn.execute("DELETE FROM articles WHERE id = 'a0'")
    assert store.count_vectors("m") == 0
    assert store.integrity_check() == []


def test_term_statistics_come_from_the_search_index(store: SQLiteStore) -> None:
    assert store.term_document_counts(["ceasefire", "koln", "muller", "absent"]) == {
        "ceasefire": 5,
        "koln": 1,
        "muller": 1,
    }
    stats = StoreTermStats(store)
    assert stats.documents() == 6
    assert stats.frequencies(["doha", "absent", "doha"]) == {"doha": 5}
    assert store.get_articles(["k", "missing"])["k"].title == "Köln"


def test_exact_index_is_brute_force() -> None:
    rng = np.random.default_rng(3)
    matrix = unit(rng, 500, 32)
    index = ExactIndex(32)
    index.add([f"v{i}" for i in range(300)], matrix[:300])
    index.add([f"v{i}" for i in range(300, 500)], matrix[300:])
    query = matrix[42]
    hits = index.search(query, 5)
    expected = np.argsort(-(matrix @ query))[:5]
    assert [h[0] for h in hits] == [f"v{i}" for i in expected]
    assert hits[0][0] == "v42" and hits[0][1] == pytest.approx(1.0, abs=1e-5)
    assert index.search(query, 0) == [] and len(index.search(query, 10_000)) == 500
    with pytest.raises(ValueError, match="expected"):
        index.add(["x"], matrix[:2])


def test_hnsw_agrees_with_exact_search() -> None:
    rng = np.random.default_rng(4)
    # Clustered vectors, like news: topics with many close articles each.
    centres = unit(rng, 50, 64)
    mixed = centres[rng.integers(0, 50, 5000)] + 0.35 * unit(rng, 5000, 64)
    matrix: FloatMatrix = (mixed / np.linalg.norm(mixed, axis=1, keepdims=True)).astype(np.float32)
    ids = [f"v{i}" for i in range(len(matrix))]
    exact, hnsw = ExactIndex(64), HNSWIndex(64)
    for index in (exact, hnsw):
        index.add(ids[:2500], matrix[:2500])
        index.add(ids[2500:], matrix[2500:])
    assert len(hnsw) == len(exact) == 5000
    # The graph is approximate and built by several threads (not the same graph on every run):
    # judge it over many queries, not query by query.
    recall, itself_first = [], 0
    for q in range(0, 5000, 50):
        truth = {i for i, _ in exact.search(matrix[q], 10)}
        found = hnsw.search(matrix[q], 10)
        recall.append(len(truth & {i for i, _ in found}) / 10)
        top_id, top_score = found[0]
        itself_first += top_id == f"v{q}"
        assert top_score == pytest.approx(1.0, abs=2e-3) or top_id != f"v{q}"
    assert float(np.mean(recall)) >= 0.95
    assert itself_first >= 97  # of 100 queries, each a stored vector
    assert hnsw.memory_bytes() > 0


def test_build_index_switches_at_the_threshold() -> None:
    rng = np.random.default_rng(5)
    chunk = (["a", "b", "c"], unit(rng, 3, 8))
    assert build_index([chunk], 8, size=3, threshold=10).kind == "exact"
    big = build_index([chunk], 8, size=3, threshold=3)
    assert big.kind == "hnsw" and len(big) == 3
