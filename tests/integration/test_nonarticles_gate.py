"""Quality gate: error pages and walls refused, real articles never (docs/extraction.md)."""

from __future__ import annotations

from pathlib import Path

import pytest

from storyline.eval.nonarticles import evaluate_non_articles


def test_walls_are_refused_and_article_texts_kept(shared_data: Path) -> None:
    scores = evaluate_non_articles(shared_data)
    assert scores.positives == 10 and scores.articles > 1200
    assert scores.refused >= 9, scores.misses
    assert scores.wrongly_refused == 0, scores.mistakes


@pytest.mark.slow
def test_no_real_article_page_is_refused_by_the_extractor(shared_data: Path) -> None:
    scores = evaluate_non_articles(shared_data, pages=True)
    assert scores.pages > 900
    assert scores.pages_refused == 0, scores.mistakes
