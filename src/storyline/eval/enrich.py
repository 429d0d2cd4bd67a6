"""``storyline eval enrich``: entities, quotes, dates and publication dates against gold.

Scoring (micro-averaged over the gold set of :mod:`storyline.eval.enrich_set`):

* **entities**: a system entity is right when its kind and its canonical name match a gold
  entity of the article (the gold name or one of its listed aliases, folded as in
  canonicalisation). A second system entity for a gold entity already matched counts as
  wrong, so an entity split in two ("IDF" and "Israel Defense Forces") costs precision.
  Names the gold lists under ``ignore`` (a ship, a product) count neither way. ``name``
  scores ignore the kind.
* **quotes**: a system quote matches a gold quote when one text starts the other (folded);
  ``+speaker`` also needs the speaker right (both none, or the same name or surname).
* **dates**: a system date matches when the texts overlap and the values are equal; only
  system dates with a value are scored (unresolved relative ones are not claims).
* **published**: the extraction's publication date (same day) for gold articles with a date
  found from HTML or text, and on the WCXB development pages' ``publish_date``.
"""

from __future__ import annotations

import gzip
import json
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from storyline.enrich import Enricher, Enrichment, name_key
from storyline.enrich.canonical import strip_titles
from storyline.eval.enrich_set import GoldArticle, load_gold, reference_time
from storyline.eval.metrics import PRF
from storyline.model import Article, RawDoc

__all__ = [
    "Counts",
    "EnrichScores",
    "evaluate_enrich",
    "publication_accuracy",
    "score_article",
]


@dataclass(slots=True)
class Counts:
    """True positives, system items and gold items, summed over articles."""

    tp: int = 0
    system: int = 0
    gold: int = 0

    def add(self, other: Counts) -> None:
        self.tp += other.tp
        self.system += other.system
        self.gold += other.gold

    @property
    def prf(self) -> PRF:
        precision = self.tp / self.system if self.system else 1.0
        recall = self.tp / self.gold if self.gold else 1.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        return PRF(precision, recall, f1)


@dataclass(slots=True)
class EnrichScores:
    """Counts per measure; ``by_group`` splits entities by recogniser (spaCy or rules)."""

    articles: int = 0
    entities: Counts = field(default_factory=Counts)
    entity_names: Counts = field(default_factory=Counts)
    quotes: Counts = field(default_factory=Counts)
    quote_speakers: Counts = field(default_factory=Counts)
    dates: Counts = field(default_factory=Counts)
    by_group: dict[str, Counts] = field(default_factory=dict)
    published_right: int = 0
    published_total: int = 0
    seconds: float = 0.0
    errors: list[str] = field(default_factory=list)

    @property
    def published_accuracy(self) -> float | None:
        if not self.published_total:
            return None
        return self.published_right / self.published_total


def _forms(entity: dict[str, Any]) -> set[str]:
    names = [entity["name"], *entity.get("aliases", [])]
    return {name_key(n) for n in names} | {name_key(strip_titles(n)) for n in names}


def _entity_counts(
    system: list[tuple[str, str]], gold: list[dict[str, Any]], ignore: set[str], use_kind: bool
) -> Counts:
    counts = Counts(gold=len(gold))
    matched: set[int] = set()
    forms = [_forms(g) for g in gold]
    for name, kind in system:
        key = name_key(name)
        if key in ignore:
            continue
        counts.system += 1
        for index, entity in enumerate(gold):
            if (not use_kind or entity["kind"] == kind) and key in forms[index]:
                if index not in matched:
                    matched.add(index)
                    counts.tp += 1
                break
    return counts


def _fold(text: str) -> str:
    text = text.replace("’", "'").replace("‘", "'").casefold()
    return " ".join(re.findall(r"\w+(?:'\w+)?", text))


def _same_speaker(system: str | None, gold: str | None) -> bool:
    if system is None or gold is None:
        return system is None and gold is None
    a, b = name_key(system), name_key(gold)
    return a == b or a.split()[-1:] == b.split()[-1:]


def _quote_counts(enrichment: Enrichment, gold: list[dict[str, Any]]) -> tuple[Counts, Counts]:
    seen: dict[str, str | None] = {}
    for quote in enrichment.quotes:
        key = _fold(quote.text)
        if key and (key not in seen or seen[key] is None):
            seen[key] = quote.speaker
    spans = Counts(system=len(seen), gold=len(gold))
    speakers = Counts(system=len(seen), gold=len(gold))
    used: set[str] = set()
    for item in gold:
        target = _fold(item["text"])
        for text, speaker in seen.items():
            if text in used:
                continue
            if text.startswith(target[:60]) or target.startswith(text[:60]):
                used.add(text)
                spans.tp += 1
                speakers.tp += _same_speaker(speaker, item.get("speaker"))
                break
    return spans, speakers


def _date_counts(enrichment: Enrichment, gold: list[dict[str, Any]]) -> Counts:
    system = {(d.text.casefold(), d.value) for d in enrichment.dates if d.value}
    wanted = {(str(d["text"]).casefold(), str(d["date"])) for d in gold}
    counts = Counts(system=len(system), gold=len(wanted))
    used: set[tuple[str, str]] = set()
    for text, value in wanted:
        for candidate in system:
            if candidate in used or candidate[1] != value:
                continue
            if text in candidate[0] or candidate[0] in text:
                used.add(candidate)
                counts.tp += 1
                break
    return counts


def score_article(enricher: Enricher, gold: GoldArticle, scores: EnrichScores) -> Enrichment:
    """Enrich one gold excerpt and add its counts to ``scores``."""
    article = Article(
        id=gold.id,
        title="",
        text=gold.text,
        language=gold.language,
        published=reference_time(gold),
    )
    enrichment = enricher.enrich(article)
    system = [(e.name, str(e.kind)) for e in enrichment.entities]
    ignore = {name_key(n) for n in gold.extra.get("ignore", [])}
    entity = _entity_counts(system, gold.entities, ignore, True)
    scores.entities.add(entity)
    scores.entity_names.add(_entity_counts(system, gold.entities, ignore, False))
    group = "spacy" if enrichment.recogniser.startswith("spacy") else "rules"
    scores.by_group.setdefault(
        f"{group} ({gold.language if group == 'spacy' else 'other'})", Counts()
    ).add(entity)
    spans, speakers = _quote_counts(enrichment, gold.quotes)
    scores.quotes.add(spans)
    scores.quote_speakers.add(speakers)
    if gold.dates is not None:
        scores.dates.add(_date_counts(enrichment, gold.dates))
    scores.articles += 1
    return enrichment


def _published_by_extraction(gold: GoldArticle, full_text: str | None) -> str | None:
    """The publication day extraction finds for a gold article (HTML page, else text)."""
    from storyline.extract import extract

    if gold.html is not None:
        raw = RawDoc(str(gold.html), gzip.decompress(gold.html.read_bytes()), "text/html")
    else:
        raw = RawDoc(gold.id, full_text or gold.text, "text/plain")
    article = extract(raw)
    return article.published.date().isoformat() if article.published else None


def evaluate_enrich(
    data: Path, gold_path: Path | None = None, enricher: Enricher | None = None
) -> EnrichScores:
    """Score enrichment (and publication dates) on the gold set."""
    from storyline.errors import BadInputError
    from storyline.eval.enrich_set import source_text

    articles = load_gold(data, gold_path)
    enricher = enricher or Enricher()
    scores = EnrichScores()
    started = time.perf_counter()
    for gold in articles:
        score_article(enricher, gold, scores)
    scores.seconds = time.perf_counter() - started
    for gold in articles:
        if gold.published is None or gold.source in {"t17", "seed"}:
            continue  # t17 dates are given as input fields, not found
        full, _ = source_text(data, gold.source, gold.ref)
        try:
            found = _published_by_extraction(gold, full)
        except BadInputError as error:
            scores.errors.append(str(error))
            found = None
        scores.published_total += 1
        scores.published_right += found == gold.published
    return scores


def publication_accuracy(data: Path, *, sample: int | None = None) -> tuple[int, int]:
    """(right, total): extraction's publication day against WCXB dev ``publish_date``."""
    from storyline.errors import BadInputError
    from storyline.extract import extract

    root = data / "extraction" / "wcxb-dev-articles"
    pairs: list[tuple[Path, str]] = []
    for path in sorted((root / "ground-truth").glob("*.json")):
        gold = json.loads(path.read_text(encoding="utf-8")).get("ground_truth") or {}
        day = gold.get("publish_date")
        html = root / "html" / f"{path.stem}.html.gz"
        if isinstance(day, str) and re.fullmatch(r"\d{4}-\d\d-\d\d", day) and html.is_file():
            pairs.append((html, day))
    if sample is not None and sample < len(pairs):
        step = len(pairs) / sample
        pairs = [pairs[int(i * step)] for i in range(sample)]
    right = 0
    for html, day in pairs:
        try:
            article = extract(RawDoc(str(html), gzip.decompress(html.read_bytes()), "text/html"))
        except BadInputError:
            continue
        right += bool(article.published and article.published.date().isoformat() == day)
    return right, len(pairs)


def rows(scores: EnrichScores) -> Iterable[tuple[str, PRF, int, int]]:
    """(measure, P/R/F1, system items, gold items) for printing."""
    for label, counts in (
        ("entities", scores.entities),
        ("entities (name only)", scores.entity_names),
        *((f"  entities, {k}", v) for k, v in sorted(scores.by_group.items())),
        ("quotes", scores.quotes),
        ("quotes + speaker", scores.quote_speakers),
        ("dates", scores.dates),
    ):
        yield label, counts.prf, counts.system, counts.gold
