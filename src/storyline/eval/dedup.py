"""Dedup evaluation: run the synthetic syndication set through the stage and score it.

The set (:mod:`storyline.eval.dedup_set`) arrives in its arrival order, through the same
:class:`~storyline.pipeline.Pipeline` path as ``storyline ingest`` when a store is given
(dedup, then batched writes), or through the stage alone in memory. Scores:

* **pairs**: precision and recall of duplicate *pairs*: the predicted groups are the
  connected components of ``duplicate_of`` links, the gold groups the stories; a pair is
  counted once whichever way it was found (pairwise clustering metrics, as in Manning et al.
  2008, *Introduction to Information Retrieval*, 16.3). Revisions are scored apart, and the
  ambiguous same-topic pairs are left out;
* **recall by transform** and **false pairs by kind**, to see what fails;
* **revisions** recognised, **originals** named (syndication), **wire** agencies found.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from math import comb
from typing import Any

from storyline.dedup import Decision, Deduplicator, DedupOptions
from storyline.dedup.syndication import count_origins
from storyline.eval.dedup_set import DedupSet, Item
from storyline.model import Article
from storyline.store.base import Store

__all__ = ["DedupScores", "evaluate", "score"]

COPY_KINDS = ("copy", "short-copy", "robot-copy", "url-variant")


@dataclass(slots=True)
class DedupScores:
    """The figures ``storyline eval dedup`` prints."""

    articles: int = 0
    gold_pairs: int = 0
    predicted_pairs: int = 0
    true_pairs: int = 0
    precision: float = 0.0
    recall: float = 0.0
    f1: float = 0.0
    recall_by_transform: dict[str, float] = field(default_factory=dict)
    false_pairs_by_kind: dict[str, int] = field(default_factory=dict)
    revisions: int = 0
    revisions_found: int = 0
    false_revisions: int = 0
    groups_scored: int = 0
    originals_named: float = 0.0
    wire_items: int = 0
    wire_found: float = 0.0
    wire_false: int = 0
    origins: int = 0
    signals: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    articles_per_second: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _run_memory(
    articles: Iterable[Article], options: DedupOptions, progress: Callable[[int], None] | None
) -> tuple[list[Decision], dict[str, Article]]:
    stage = Deduplicator(None, options)
    decisions = []
    kept: dict[str, Article] = {}
    for n, article in enumerate(articles, start=1):
        decisions.append(stage.stage(article))
        kept.setdefault(article.id, article)
        if progress is not None:
            progress(n)
    stage.take_changes()
    return decisions, kept


def _run_store(
    store: Store,
    articles: list[Article],
    options: DedupOptions,
    progress: Callable[[int], None] | None,
) -> tuple[list[Decision], dict[str, Article]]:
    from storyline.pipeline import Pipeline, PipelineOptions

    pipeline = Pipeline(
        store, PipelineOptions(dedup=options, embed=False, enrich=False, events=False)
    )
    decisions: list[Decision] = []

    def collect(_: Article, decision: Decision) -> None:
        decisions.append(decision)
        if progress is not None:
            progress(len(decisions))

    pipeline.on_decision = collect
    pipeline.store_articles(articles)
    kept = {}
    for article in articles:
        stored = store.get_article(article.id)
        if stored is not None:
            kept[article.id] = stored
    return decisions, kept


def evaluate(
    dataset: DedupSet,
    *,
    store: Store | None = None,
    options: DedupOptions | None = None,
    progress: Callable[[int], None] | None = None,
) -> DedupScores:
    """Run the set through the stage (and ``store``, if given) and score the result."""
    opts = options or DedupOptions()
    # The stage annotates articles in place: give it copies, the set stays as built.
    articles = [Article.from_dict(item.article.to_dict()) for item in dataset.items]
    start = time.perf_counter()
    if store is None:
        decisions, final = _run_memory(articles, opts, progress)
    else:
        decisions, final = _run_store(store, articles, opts, progress)
    seconds = time.perf_counter() - start
    result = score(dataset, decisions, final)
    result.seconds = round(seconds, 2)
    result.articles_per_second = round(len(articles) / seconds, 1) if seconds else 0.0
    return result


class _Groups:
    """Union-find over article ids."""

    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, a: str) -> str:
        self.parent.setdefault(a, a)
        while self.parent[a] != a:
            self.parent[a] = self.parent[self.parent[a]]
            a = self.parent[a]
        return a

    def union(self, a: str, b: str) -> None:
        self.parent[self.find(b)] = self.find(a)


def score(dataset: DedupSet, decisions: list[Decision], final: dict[str, Article]) -> DedupScores:
    """Score decisions (one per item, in order) against the set's gold labels."""
    if len(decisions) != len(dataset.items):
        raise ValueError(f"{len(decisions)} decisions for {len(dataset.items)} articles")
    result = DedupScores(articles=len(dataset.items))
    groups = _Groups()
    members: list[tuple[Item, Decision]] = []
    for item, decision in zip(dataset.items, decisions, strict=True):
        if item.kind == "revision":
            result.revisions += 1
            result.revisions_found += decision.revision_of == item.revision_of
            continue
        if decision.revision_of is not None or decision.repeat:
            result.false_revisions += 1
        members.append((item, decision))
        groups.find(item.article.id)
        if decision.duplicate_of:
            groups.union(decision.duplicate_of, item.article.id)
        if decision.match is not None:
            result.signals[decision.match.signal] = result.signals.get(decision.match.signal, 0) + 1
    _pairs(result, dataset, members, groups)
    _by_transform(result, members, groups)
    _syndication(result, members, groups, final)
    result.origins = count_origins(d.fingerprint for _, d in members)
    return result


def _pairs(
    result: DedupScores, dataset: DedupSet, members: list[tuple[Item, Decision]], groups: _Groups
) -> None:
    cells: Counter[tuple[str, str]] = Counter()
    predicted: Counter[str] = Counter()
    gold: Counter[str] = Counter()
    by_group: dict[str, list[Item]] = {}
    for item, _ in members:
        root = groups.find(item.article.id)
        cells[(root, item.story)] += 1
        predicted[root] += 1
        gold[item.story] += 1
        by_group.setdefault(root, []).append(item)
    true = sum(comb(n, 2) for n in cells.values())
    pred = sum(comb(n, 2) for n in predicted.values())
    gold_pairs = sum(comb(n, 2) for n in gold.values())
    story = {item.article.id: item.story for item, _ in members}
    for pair in dataset.excluded:
        one, two = sorted(pair)
        if one not in story or two not in story:
            continue
        same_pred = groups.find(one) == groups.find(two)
        same_gold = story[one] == story[two]
        pred -= same_pred
        gold_pairs -= same_gold
        true -= same_pred and same_gold
    false: Counter[str] = Counter()
    for items in by_group.values():
        for i, a in enumerate(items):
            for b in items[i + 1 :]:
                if (
                    a.story != b.story
                    and frozenset((a.article.id, b.article.id)) not in dataset.excluded
                ):
                    false["~".join(sorted((a.kind, b.kind)))] += 1
    result.true_pairs, result.predicted_pairs, result.gold_pairs = true, pred, gold_pairs
    result.precision = round(true / pred, 4) if pred else 1.0
    result.recall = round(true / gold_pairs, 4) if gold_pairs else 1.0
    p, r = result.precision, result.recall
    result.f1 = round(2 * p * r / (p + r), 4) if p + r else 0.0
    result.false_pairs_by_kind = dict(false.most_common())


def _by_transform(
    result: DedupScores, members: list[tuple[Item, Decision]], groups: _Groups
) -> None:
    found: Counter[str] = Counter()
    total: Counter[str] = Counter()
    for item, _ in members:
        if item.kind not in COPY_KINDS or item.original is None:
            continue
        hit = groups.find(item.article.id) == groups.find(item.original)
        for name in (*item.transforms, f"kind:{item.kind}"):
            total[name] += 1
            found[name] += hit
    result.recall_by_transform = {k: round(found[k] / total[k], 4) for k in sorted(total)}


def _syndication(
    result: DedupScores,
    members: list[tuple[Item, Decision]],
    groups: _Groups,
    final: dict[str, Article],
) -> None:
    named = 0
    scored = 0
    by_story: dict[str, list[Item]] = {}
    for item, decision in members:
        by_story.setdefault(item.story, []).append(item)
        if item.kind == "topic":
            continue
        wire = decision.fingerprint.wire
        if item.wire:
            result.wire_items += 1
            result.wire_found += wire == item.wire
        elif wire:
            result.wire_false += 1
    for items in by_story.values():
        original = next((i.original for i in items if i.original), None)
        if original is None or len(items) < 2:
            continue
        root = groups.find(original)
        found = [i for i in items if groups.find(i.article.id) == root]
        if len(found) < 2:
            continue
        scored += 1
        ok = all(
            (final.get(i.article.id) or i.article).syndicated_from
            == (None if i.article.id == original else original)
            for i in found
        )
        named += ok
    result.groups_scored = scored
    result.originals_named = round(named / scored, 4) if scored else 0.0
    result.wire_found = (
        round(result.wire_found / result.wire_items, 4) if result.wire_items else 0.0
    )
