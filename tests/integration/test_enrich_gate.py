"""Quality gate: enrichment on the hand-checked gold set (tests/data/enrich/gold.jsonl).

Floors sit just under the figures measured with ``storyline eval enrich`` (docs/enrich.md),
so a change that makes entities, quotes, dates or publication dates worse fails here.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from storyline.enrich.spacy_ner import spacy_available
from storyline.eval.enrich import evaluate_enrich, publication_accuracy
from storyline.eval.enrich_set import load_gold

#: Measured F1 (docs/enrich.md) less a small margin.
FLOORS = {
    "entities": 0.73,  # measured 0.748
    "entities (name only)": 0.80,  # 0.822
    "spacy (en)": 0.83,  # 0.850
    "rules (other)": 0.51,  # 0.533
    "quotes": 0.93,  # 0.950
    "quotes + speaker": 0.83,  # 0.850
    "dates": 0.90,  # 0.922
}
PUBLISHED_GOLD_FLOOR = 0.63  # 0.652 of 23 articles
PUBLISHED_WCXB_FLOOR = 0.79  # 0.820 on a fixed 100-page subsample (0.840 on all 657)


def test_gold_set_is_large_multilingual_and_intact(shared_data: Path) -> None:
    gold = load_gold(shared_data)  # also checks every excerpt's hash
    assert len(gold) >= 60
    languages = Counter(g.language for g in gold)
    assert len(languages) >= 5 and languages["en"] < len(gold)
    assert sum(len(g.entities) for g in gold) >= 300
    assert sum(len(g.quotes) for g in gold) >= 30
    assert sum(1 for g in gold if g.published) >= 30


@pytest.mark.slow
@pytest.mark.skipif(not spacy_available("en"), reason="needs the 'nlp' extra")
def test_enrichment_beats_the_floors(shared_data: Path) -> None:
    scores = evaluate_enrich(shared_data)
    measured = {
        "entities": scores.entities.prf.f1,
        "entities (name only)": scores.entity_names.prf.f1,
        "spacy (en)": scores.by_group["spacy (en)"].prf.f1,
        "rules (other)": scores.by_group["rules (other)"].prf.f1,
        "quotes": scores.quotes.prf.f1,
        "quotes + speaker": scores.quote_speakers.prf.f1,
        "dates": scores.dates.prf.f1,
    }
    low = {k: round(v, 3) for k, v in measured.items() if v < FLOORS[k]}
    assert not low, f"below the floor: {low} (floors {FLOORS})"
    assert scores.published_accuracy is not None
    assert scores.published_accuracy >= PUBLISHED_GOLD_FLOOR


@pytest.mark.slow
def test_publication_dates_on_wcxb(shared_data: Path) -> None:
    right, total = publication_accuracy(shared_data, sample=100)
    assert total == 100
    assert right / total >= PUBLISHED_WCXB_FLOOR
