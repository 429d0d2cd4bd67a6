"""The similarity signals and the fitted model, on hand-made articles (no embedding)."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from storyline.embed.lexical import CorpusStats
from storyline.errors import ConfigError
from storyline.eval.fit_similarity import FREE_TERMS, TERMS, break_even_threshold
from storyline.link.features import (
    FEATURES,
    name_keys,
    pair_features,
    profile,
    quote_spans,
    url_keys,
)
from storyline.link.similarity import SimilarityModel, SimilarityParams, load_params, term_value
from storyline.model import Article, RelatedLink

EN = Article(
    id="en",
    title="Netanyahu and Biden discuss ceasefire",
    text=(
        "Israeli Prime Minister Benjamin Netanyahu spoke with President Joe Biden on Thursday. "
        "“There is a pretty significant opening here,” an official said. 39 people were killed "
        "in Gaza. See https://example.org/report/1 for the statement."
    ),
    language="en",
    published=datetime(2024, 7, 4, 12, tzinfo=UTC),
)
DE = Article(
    id="de",
    title="Netanjahu und Biden beraten über Waffenruhe",
    text=(
        "Der israelische Ministerpräsident Benjamin Netanjahu hat am Donnerstag mit Präsident "
        "Joe Biden telefoniert. 39 Menschen wurden in Gaza getötet."
    ),
    language="de",
    published=datetime(2024, 7, 4, 18, tzinfo=UTC),
    related=[RelatedLink(title="Statement", url="http://www.example.org/report/1/")],
)
SPORT = Article(
    id="sport",
    title="Bayern beat Dortmund",
    text="Bayern Munich beat Borussia Dortmund 3-1 on Saturday in the Bundesliga.",
    language="en",
)


def stats() -> CorpusStats:
    return CorpusStats.from_texts(f"{a.title}\n{a.text}" for a in (EN, DE, SPORT))


def vec(*values: float) -> np.ndarray:
    v = np.array(values, dtype=np.float32)
    return v / np.linalg.norm(v)


def test_names_match_across_languages() -> None:
    en, de = name_keys(f"{EN.title}. {EN.text}"), name_keys(f"{DE.title}. {DE.text}")
    shared = set(en) & set(de)
    assert {"netan", "biden", "benja", "gaza", "#39"} <= shared
    assert en["netan"] == (2, "netanyahu")
    assert "3-1" not in "".join(name_keys(SPORT.text))  # "3-1" is two one-digit numbers


def test_quotes_and_urls() -> None:
    quotes = quote_spans(
        "He said “there is a pretty significant opening here” and «ceci n’est pas»"
    )
    assert frozenset({"there", "is", "pretty", "significant", "opening", "here"}) in quotes
    assert url_keys(["https://www.example.org/report/1/?utm=x", None, "not a url"]) == {
        "example.org/report/1"
    }


def test_pair_features_are_bounded_and_symmetric() -> None:
    s = stats()
    a = profile(EN, vec(1, 0.2, 0))
    b = profile(DE, vec(1, 0.3, 0.1))
    c = profile(SPORT, vec(0, 0.1, 1))
    ab, ba, ac = pair_features(a, b, s), pair_features(b, a, s), pair_features(a, c, s)
    assert ab == ba
    assert set(FEATURES) | {"days_apart"} == set(ab)
    for name in FEATURES:
        assert 0.0 <= (ab[name] or 0.0) <= 1.0
    assert ab["same_language"] == 0.0 and ac["same_language"] == 1.0
    assert (ab["names"] or 0.0) > (ac["names"] or 0.0)
    assert (ab["dense"] or 0.0) > (ac["dense"] or 0.0)
    assert (ab["links"] or 0.0) > 0 and ac["links"] == 0
    assert ab["days_apart"] == pytest.approx(0.25)
    assert ac["days_apart"] is None
    assert pair_features(a, profile(SPORT), s)["dense"] == 0.0  # no vector


def test_model_score_is_its_contributions() -> None:
    params = SimilarityParams(
        embedder="m",
        intercept=0.1,
        weights={"dense": 0.5, "names": 0.3, "dense*names": 0.1},
        thresholds={"same event": 0.8, "same storyline": 0.5, "related": 0.2},
    )
    model = SimilarityModel(params)
    features: dict[str, float | None] = {"dense": 0.9, "names": 0.5, "days_apart": None}
    scored = model.score(features)
    assert scored.score == pytest.approx(0.1 + 0.45 + 0.15 + 0.045)
    assert sum(scored.contributions.values()) == pytest.approx(scored.score)
    assert scored.label == "same storyline"
    assert model.raw(features) == pytest.approx(scored.score)
    # A month apart costs the full time penalty; the same day almost nothing.
    month = model.score({**features, "days_apart": 30.0})
    assert month.contributions["time"] == pytest.approx(-0.2)
    assert model.score({**features, "days_apart": 0.1}).score > month.score
    assert model.score({"dense": 1.0, "names": 1.0, "links": 1.0}).score == 1.0  # clipped
    assert [model.label(x) for x in (0.9, 0.6, 0.3, 0.1)] == [
        "same event",
        "same storyline",
        "related",
        "different",
    ]


def test_terms_and_unknown_signals() -> None:
    f: dict[str, float | None] = {"a": 0.5, "b": 0.2, "c": None}
    assert term_value("a^2", f) == 0.25
    assert term_value("a>0.2", f) == pytest.approx(0.3)
    assert term_value("b>0.3", f) == 0.0
    with pytest.raises(ConfigError, match="malformed"):
        term_value("a>x", f)
    assert term_value("a*b", f) == pytest.approx(0.1)
    assert term_value("c", f) == 0.0
    with pytest.raises(ConfigError, match="unknown signal"):
        term_value("zzz", f)


def test_shipped_params_are_readable_and_complete() -> None:
    params = load_params()
    assert params.weights and set(params.weights) <= set(TERMS)
    assert params.embedder == "multilingual-e5-small-q4/t64"
    t = params.thresholds
    assert 0 < t["related"] < t["same storyline"] < t["same event"] <= 1
    held = params.report["held_out"]
    assert held["pearson"] > held["cosine_pearson"]


def test_bad_params_say_how_to_fix(tmp_path: Path) -> None:
    bad = tmp_path / "p.json"
    bad.write_text(json.dumps({"embedder": "m"}))
    with pytest.raises(ConfigError, match="fit_similarity"):
        load_params(bad)
    with pytest.raises(ConfigError, match="cannot read"):
        load_params(tmp_path / "missing.json")


def test_break_even_threshold() -> None:
    scores = np.array([0.1, 0.2, 0.6, 0.7, 0.9])
    positive = np.array([False, False, True, True, True])
    assert break_even_threshold(scores, positive) == pytest.approx(0.6)
    # Two positives among six: at 0.8 precision 1/2 = recall 1/2 (best F1 would be 0.5).
    mixed = np.array([0.1, 0.3, 0.5, 0.7, 0.8, 0.9])
    flags = np.array([False, False, True, False, False, True])
    assert break_even_threshold(mixed, flags) == pytest.approx(0.8)


def test_time_and_links_shift_the_score_of_the_shipped_model() -> None:
    model = SimilarityModel()
    s = stats()
    a = profile(EN, vec(1, 0.2, 0))
    assert EN.published is not None
    later = replace(DE, published=EN.published + timedelta(days=40))
    other = vec(1, 0.9, 0.3)  # cosine ~0.85 with a: a score inside (0, 1), not clipped
    near = model.score(pair_features(a, profile(DE, other), s))
    far = model.score(pair_features(a, profile(later, other), s))
    assert 0.0 < far.score < near.score < 1.0
    assert far.contributions["time"] == pytest.approx(-model.params.time_penalty)
    assert near.contributions["shared links"] > 0
    unlinked = model.score(pair_features(a, profile(replace(DE, related=[]), other), s))
    assert unlinked.score < near.score and "shared links" not in unlinked.contributions


def test_shipped_model_never_falls_as_a_signal_grows() -> None:
    """More shared meaning, words, names or quotes never lowers a score (the fit keeps those
    weights non-negative); identical texts are the same event."""
    model = SimilarityModel()
    assert all(w >= 0 for t, w in model.params.weights.items() if t not in FREE_TERMS)
    rng = np.random.default_rng(7)
    grid = np.linspace(0.0, 1.0, 41)
    for _ in range(200):
        base: dict[str, float | None] = {name: float(rng.random()) for name in FEATURES}
        base["same_language"] = float(rng.integers(0, 2))
        base["cross_language"] = 1.0 - (base["same_language"] or 0.0)
        for name in ("dense", "title_lex", "body_lex", "lead_lex", "names", "name_overlap"):
            raw = [model.raw({**base, name: float(x)}) for x in grid]
            assert min(np.diff(raw)) >= -1e-9, (name, base)
    same: dict[str, float | None] = dict.fromkeys(FEATURES, 1.0)
    same.update(links=0.0, length=0.7, cross_language=0.0)
    assert model.score(same).label == "same event"


def test_explanations_credit_families() -> None:
    params = SimilarityParams(
        embedder="m",
        intercept=0.1,
        weights={"dense": 0.5, "body_lex*same_language": 0.2, "dense*names": 0.1},
        thresholds={},
    )
    scored = SimilarityModel(params).score(
        {"dense": 0.8, "body_lex": 0.5, "same_language": 1.0, "names": 0.5}
    )
    families = scored.by_family()
    assert families["words"] == pytest.approx(0.1)  # the language only selects the slope
    assert families["vectors"] == pytest.approx(0.4 + 0.02)
    assert families["names"] == pytest.approx(0.02)
    assert sum(families.values()) == pytest.approx(sum(scored.contributions.values()))
