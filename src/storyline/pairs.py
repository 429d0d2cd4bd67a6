"""Scoring pairs of articles: the engine of ``storyline similarity`` (DESIGN.md section 5).

Each side of a pair is an article record (``{"id", "title", "text", "published", "url",
"source", "language"}``, only ``id`` and one of ``title``/``text`` required) and goes through
the same stages as an ingested article: extraction and cleaning, the story vector, the
similarity signals and the fitted model. Term statistics (BM25's IDF) come from all the
articles of the batch, so a batch of many pairs scores like a store of those articles.

Nothing here raises for one bad record: :func:`parse_pair_line` returns the error, which
the caller reports as ``path:line: reason`` before going on with the next line.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from storyline.embed.base import Embedder, story_text
from storyline.embed.lexical import CorpusStats
from storyline.errors import BadInputError
from storyline.extract import ARTICLE_MEDIA_TYPE, extract
from storyline.link.features import Profile, Weighted, pair_features, profile
from storyline.link.similarity import Scored, SimilarityModel
from storyline.model import Article, RawDoc

__all__ = ["PairInput", "parse_pair_line", "score_pairs"]

BATCH = 64


@dataclass(frozen=True, slots=True)
class PairInput:
    """One valid input line: the pair's id and its two extracted articles."""

    id: str
    a: Article
    b: Article
    origin: str


def _side(origin: str, pair_id: str, name: str, value: Any) -> Article:
    if value is None:
        raise BadInputError(
            origin, f'pair {pair_id!r}: "{name}" is missing (a pair needs "a" and "b")'
        )
    if not isinstance(value, dict):
        raise BadInputError(origin, f'pair {pair_id!r}: "{name}" must be an article object')
    for key in ("title", "text", "url", "source", "language", "published"):
        if value.get(key) is not None and not isinstance(value.get(key), str):
            raise BadInputError(
                origin, f'pair {pair_id!r}: "{name}.{key}" must be a string or null'
            )
    fields = dict(value)
    if fields.get("id") in (None, ""):
        fields["id"] = f"{pair_id}:{name}"
    if not (fields.get("title") or "").strip() and not (fields.get("text") or "").strip():
        raise BadInputError(
            origin, f'pair {pair_id!r}: "{name}" needs a non-empty "title" or "text"'
        )
    raw = RawDoc(
        origin=origin,
        content=str(fields.get("text") or ""),
        media_type=ARTICLE_MEDIA_TYPE,
        url=fields.get("url") or None,
        fields=fields,
    )
    try:
        return extract(raw)
    except BadInputError as error:
        raise BadInputError(origin, f'pair {pair_id!r}: "{name}": {error.reason}') from error


def parse_pair_line(origin: str, line: bytes | str) -> PairInput | BadInputError:
    """One JSONL line as a :class:`PairInput`, or the reason it cannot be used."""
    try:
        text = line.decode("utf-8-sig") if isinstance(line, bytes) else line
        item = json.loads(text)
    except UnicodeDecodeError as error:
        return BadInputError(origin, f"not valid UTF-8 (byte {error.start} of the line)")
    except json.JSONDecodeError as error:
        return BadInputError(origin, f"invalid JSON: {error.msg} at column {error.colno}")
    if not isinstance(item, dict):
        return BadInputError(origin, f"expected a JSON object, got {type(item).__name__}")
    pair_id = item.get("id")
    if pair_id in (None, "") or isinstance(pair_id, bool | dict | list):
        return BadInputError(origin, 'missing "id" (a string or number naming the pair)')
    pair_id = str(pair_id)
    try:
        return PairInput(
            pair_id,
            _side(origin, pair_id, "a", item.get("a")),
            _side(origin, pair_id, "b", item.get("b")),
            origin,
        )
    except BadInputError as error:
        return error


def _key(article: Article) -> str:
    digest = hashlib.sha256(f"{article.id}\x00{article.title}\x00{article.text}".encode())
    return digest.hexdigest()


def score_pairs(
    pairs: Sequence[PairInput],
    embedder: Embedder,
    model: SimilarityModel | None = None,
    *,
    progress: Callable[[int, int], None] | None = None,
) -> list[tuple[str, Scored]]:
    """Score every pair, in input order; each distinct article is embedded once."""
    model = model or SimilarityModel()
    articles: dict[str, Article] = {}
    for pair in pairs:
        articles.setdefault(_key(pair.a), pair.a)
        articles.setdefault(_key(pair.b), pair.b)
    keys = list(articles)
    profiles: dict[str, Profile] = {}
    stats = CorpusStats()
    for start in range(0, len(keys), BATCH):
        chunk = keys[start : start + BATCH]
        matrix = embedder.embed([story_text(articles[k]) for k in chunk])
        for row, key in enumerate(chunk):
            profiles[key] = profile(articles[key], matrix[row])
            stats.add(profiles[key].body_terms)
        if progress is not None:
            progress(start + len(chunk), len(keys))
    memo: dict[int, Weighted] = {}
    return [
        (
            pair.id,
            model.score(pair_features(profiles[_key(pair.a)], profiles[_key(pair.b)], stats, memo)),
        )
        for pair in pairs
    ]
