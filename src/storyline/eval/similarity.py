"""The SemEval-2022 Task 8 sample: loading, a leak-free split, features, Pearson.

SemEval-2022 Task 8 (Chen et al. 2022, "Multilingual News Article Similarity") rates pairs
of news articles in ten languages from 1 (very similar) to 4 (very dissimilar); the task's
metric is the Pearson correlation between a system's score and ``-Overall``. The shared
sample (``similarity/semeval2022-task8-sample.csv``, as published by the task's winning
team) also holds machine-translated copies of pairs: pair ids with a language suffix
(``1484008155es_1483984703``). A copy and its original must never sit on opposite sides of
a train/test split, or the test measures memory. :func:`split` therefore groups pairs by
the connected components of their *article* numbers (an article that occurs in two pairs
joins them too) and assigns whole groups to a side by a hash of the group, which is stable
whatever the file order.

Every text goes through the same stages as the service: :func:`storyline.extract.extract`
on an article record (title, lead, language), the default embedder on
:func:`storyline.embed.base.story_text`, then :func:`storyline.link.features.pair_features`.
"""

from __future__ import annotations

import csv
import hashlib
import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from storyline.embed.base import Embedder, FloatMatrix, FloatVector, story_text
from storyline.embed.lexical import CorpusStats, TermStatistics, terms
from storyline.errors import BadInputError, ConfigError
from storyline.extract import ARTICLE_MEDIA_TYPE, extract
from storyline.link.features import FEATURES, Weighted, pair_features, profile
from storyline.model import Article, RawDoc

__all__ = [
    "HELD_OUT_PERCENT",
    "Pair",
    "PairSet",
    "article_from_text",
    "featurise",
    "load_pairs",
    "pearson",
    "semeval_path",
    "split",
]

#: Percent of the pair groups held back from fitting, for the quality gate.
HELD_OUT_PERCENT = 25
SPLIT_SALT = "storyline-semeval-split-v1"
_TITLE_BREAK = re.compile(r"\s{2,}|\n")

csv.field_size_limit(sys.maxsize)


@dataclass(frozen=True, slots=True)
class Pair:
    """One rated pair; ``target`` is the Overall rating mapped to [0, 1] (1 = very similar)."""

    pair_id: str
    lang1: str
    lang2: str
    text1: str
    text2: str
    overall: float
    group: str

    @property
    def target(self) -> float:
        return (4.0 - self.overall) / 3.0

    @property
    def cross_lingual(self) -> bool:
        return self.lang1 != self.lang2


def semeval_path(data_dir: Path) -> Path:
    """Where the sample lives under the shared data folder; a clear error if it is missing."""
    path = data_dir / "similarity" / "semeval2022-task8-sample.csv"
    if not path.is_file():
        raise ConfigError(
            f"{path}: the SemEval-2022 Task 8 sample is missing; pass --data DIR (the shared "
            "data folder) or set STORYLINE_SHARED"
        )
    return path


def _article_numbers(pair_id: str) -> list[str]:
    return [re.sub(r"\D", "", side) for side in pair_id.split("_")]


def load_pairs(path: Path) -> list[Pair]:
    """Every pair of the CSV, in file order, with its leak-free group key."""
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    if not rows or "Overall" not in rows[0]:
        raise ConfigError(f"{path}: not the SemEval-2022 Task 8 CSV (no 'Overall' column)")
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for row in rows:
        first, *rest = _article_numbers(row["pair_id"])
        for other in rest:
            parent[find(other)] = find(first)
    return [
        Pair(
            pair_id=row["pair_id"],
            lang1=row["lang1"],
            lang2=row["lang2"],
            text1=row["text1"],
            text2=row["text2"],
            overall=float(row["Overall"]),
            group=find(_article_numbers(row["pair_id"])[0]),
        )
        for row in rows
    ]


def held_out(pair: Pair, percent: int = HELD_OUT_PERCENT) -> bool:
    """Whether a pair's group is held back (a stable hash of the group, not of the order)."""
    digest = hashlib.sha256(f"{SPLIT_SALT}:{pair.group}".encode()).digest()
    return int.from_bytes(digest[:4], "big") % 100 < percent


def split(pairs: Sequence[Pair], percent: int = HELD_OUT_PERCENT) -> tuple[list[Pair], list[Pair]]:
    """``(fit, held_out)``: whole groups on one side; about ``percent`` % held out."""
    fit = [p for p in pairs if not held_out(p, percent)]
    test = [p for p in pairs if held_out(p, percent)]
    return fit, test


def article_from_text(key: str, text: str, language: str) -> Article:
    """An article from a SemEval text, through the extraction stage like any input record.

    The texts are "title  body" (two spaces or a newline between), though not always; when
    no break shows in the first 300 characters the title is left for extraction to derive.
    """
    title = None
    body = text.strip()
    match = _TITLE_BREAK.search(body[:300])
    if match and match.start() >= 10:
        title, body = body[: match.start()].strip(), body[match.end() :].strip()
    fields = {"id": key, "title": title, "text": body or None, "language": language}
    raw = RawDoc(
        origin=f"semeval:{key}", content=body, media_type=ARTICLE_MEDIA_TYPE, fields=fields
    )
    try:
        return extract(raw)
    except BadInputError:
        return Article(id=key, title=title or body[:120], text=body, language=language)


#: Vectors for (keys, texts), e.g. from a cache; called with an optional progress callback.
VectorSource = Callable[[list[str], list[str], Callable[[int, int], None] | None], FloatMatrix]


@dataclass(slots=True)
class PairSet:
    """Pairs with their feature matrix (columns :data:`FEATURES`) and targets."""

    pairs: list[Pair]
    features: list[dict[str, float | None]]

    @property
    def target(self) -> npt.NDArray[np.float64]:
        return np.array([p.target for p in self.pairs], dtype=np.float64)

    @property
    def cross(self) -> npt.NDArray[np.bool_]:
        return np.array([p.cross_lingual for p in self.pairs], dtype=bool)

    def column(self, name: str) -> npt.NDArray[np.float64]:
        return np.array([f[name] or 0.0 for f in self.features], dtype=np.float64)

    def subset(self, keep: Callable[[Pair], bool]) -> PairSet:
        rows = [(p, f) for p, f in zip(self.pairs, self.features, strict=True) if keep(p)]
        return PairSet([p for p, _ in rows], [f for _, f in rows])


def text_keys(pairs: Sequence[Pair]) -> dict[tuple[str, str], str]:
    """A short stable key for every distinct (text, language) of the pairs."""
    keys: dict[tuple[str, str], str] = {}
    for pair in pairs:
        for text, lang in ((pair.text1, pair.lang1), (pair.text2, pair.lang2)):
            if (text, lang) not in keys:
                digest = hashlib.sha256(f"{lang}\x00{text}".encode()).hexdigest()[:16]
                keys[(text, lang)] = f"s{digest}"
    return keys


def corpus_stats(pairs: Sequence[Pair]) -> CorpusStats:
    """Document frequencies over every distinct text of ``pairs`` (no rating is read).

    The fit, the evaluation and the quality gate all use the statistics of the whole file,
    so a subset of pairs gets the same signals as it did when the weights were fitted.
    """
    stats = CorpusStats()
    for (text, lang), key in text_keys(pairs).items():
        article = article_from_text(key, text, lang)
        stats.add(terms(f"{article.title}\n{article.text}"))
    return stats


def featurise(
    pairs: Sequence[Pair],
    embedder: Embedder,
    *,
    stats: TermStatistics | None = None,
    vectors: VectorSource | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> PairSet:
    """Features of every pair: each distinct text extracted, embedded once, profiled once.

    ``stats`` defaults to :func:`corpus_stats` of ``pairs``. ``vectors`` may replace
    ``embedder.embed`` (a :class:`VectorCache`).
    """
    keys = text_keys(pairs)
    articles = {key: article_from_text(key, text, lang) for (text, lang), key in keys.items()}
    order = list(articles)
    stories = [story_text(articles[key]) for key in order]
    matrix = _embed_all(embedder, order, stories, vectors, progress)
    profiles = {key: profile(articles[key], matrix[row]) for row, key in enumerate(order)}
    if stats is None:
        corpus = CorpusStats()
        for prof in profiles.values():
            corpus.add(prof.body_terms)
        stats = corpus
    memo: dict[int, Weighted] = {}
    features = [
        pair_features(
            profiles[keys[(p.text1, p.lang1)]], profiles[keys[(p.text2, p.lang2)]], stats, memo
        )
        for p in pairs
    ]
    return PairSet(list(pairs), features)


def _embed_all(
    embedder: Embedder,
    keys: list[str],
    texts: list[str],
    vectors: VectorSource | None,
    progress: Callable[[int, int], None] | None,
    batch: int = 64,
) -> FloatMatrix:
    if vectors is not None:
        return vectors(keys, texts, progress)
    parts = []
    for start in range(0, len(texts), batch):
        parts.append(embedder.embed(texts[start : start + batch]))
        if progress is not None:
            progress(min(start + batch, len(texts)), len(texts))
    if not parts:
        return np.zeros((0, embedder.dim), dtype=np.float32)
    return np.vstack(parts)


class VectorCache:
    """Story vectors of evaluation texts on disk, so a re-run does not embed them again.

    One ``.npz`` file per embedder name under ``folder``; keys are :func:`text_keys` (hashes
    of language and text), so a changed text is simply embedded anew.
    """

    def __init__(self, folder: Path, embedder: Embedder) -> None:
        self.embedder = embedder
        safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", embedder.name)
        self.path = folder / f"semeval-{safe}.npz"

    def __call__(
        self, keys: list[str], texts: list[str], progress: Callable[[int, int], None] | None
    ) -> FloatMatrix:
        known: dict[str, FloatVector] = {}
        if self.path.is_file():
            with np.load(self.path) as data:
                known = dict(zip(data["keys"].tolist(), data["vectors"], strict=True))
        missing = [i for i, key in enumerate(keys) if key not in known]
        if missing:
            matrix = _embed_all(
                self.embedder,
                [keys[i] for i in missing],
                [texts[i] for i in missing],
                None,
                progress,
            )
            for row, i in enumerate(missing):
                known[keys[i]] = matrix[row]
            self.path.parent.mkdir(parents=True, exist_ok=True)
            partial = self.path.with_name(self.path.name + ".partial.npz")
            np.savez(partial, keys=np.array(list(known)), vectors=np.vstack(list(known.values())))
            partial.replace(self.path)
        if not keys:
            return np.zeros((0, self.embedder.dim), dtype=np.float32)
        return np.vstack([known[key] for key in keys]).astype(np.float32)


def pearson(x: npt.ArrayLike, y: npt.ArrayLike) -> float:
    """Pearson's r; 0.0 when either side is constant (or there are fewer than 2 values)."""
    a = np.asarray(x, dtype=np.float64)
    b = np.asarray(y, dtype=np.float64)
    if a.size < 2 or a.std() == 0 or b.std() == 0:
        return 0.0
    return float(np.corrcoef(a, b)[0, 1])


__all__ += ["FEATURES", "VectorCache", "corpus_stats", "held_out", "text_keys"]
