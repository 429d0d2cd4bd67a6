"""The pair metrics of `storyline eval dedup` on a hand-made set (so the gate can fail)."""

from __future__ import annotations

from storyline.dedup import Decision, fingerprint
from storyline.eval.dedup import score
from storyline.eval.dedup_set import DedupSet, Item
from storyline.model import Article


def item(aid: str, story: str, kind: str = "copy", original: str | None = None) -> Item:
    text = f"text of {aid} about {story} with enough words to count"
    return Item(
        Article(id=aid, title=aid, text=text), story, kind, ("headline",), original=original
    )


def decide(it: Item, duplicate_of: str | None) -> Decision:
    return Decision(it.article.id, fingerprint(it.article), duplicate_of=duplicate_of)


def test_pairs_are_scored_over_groups() -> None:
    items = [
        item("a", "s1", "original", "a"),
        item("b", "s1", original="a"),
        item("c", "s1", original="a"),
        item("d", "s2", "original", "d"),
        item("e", "s3", "boilerplate-negative"),
    ]
    dataset = DedupSet(items, seed=1)
    # b found, c missed, e wrongly folded into d.
    decisions = [
        decide(items[0], None),
        decide(items[1], "a"),
        decide(items[2], None),
        decide(items[3], None),
        decide(items[4], "d"),
    ]
    result = score(dataset, decisions, {})
    assert (result.gold_pairs, result.predicted_pairs, result.true_pairs) == (3, 2, 1)
    assert (result.precision, result.recall) == (0.5, 0.3333)
    assert result.recall_by_transform["headline"] == 0.5
    assert result.false_pairs_by_kind == {"boilerplate-negative~original": 1}


def test_ambiguous_pairs_are_left_out() -> None:
    items = [item("a", "t1", "topic"), item("b", "t2", "topic")]
    dataset = DedupSet(items, seed=1, excluded={frozenset(("a", "b"))})
    result = score(dataset, [decide(items[0], None), decide(items[1], "a")], {})
    assert (result.predicted_pairs, result.precision) == (0, 1.0)
