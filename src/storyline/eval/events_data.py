"""The event and storyline evaluation sets: loading, stream order, held-out splits.

**WikinewsSum** (``events/wikinewssum-en.jsonl``): one line per Wikinews report with the
news articles it was written from. The report and its sources form one gold event, mixed
with every other event of the file. The set carries no publication dates, so the stream
order is a fixed pseudo-random interleaving (a hash of each article's key): events arrive
mixed, as they would from many feeds, and no time signal can help or leak.

**Timeline17** (Tran et al. 2013, "Leveraging Learning to Rank in an Optimization Framework
for Timeline Summarization"; ``storylines/t17``): articles of four storylines from several
outlets, each with its publication date (``dct``); ``MANIFEST.json`` maps folders to
storylines. Streamed in publication order (ties by folder and uid). The set's own
``dates`` field (dates its authors extracted) is never read: event dates are Storyline's.

**Which sources can be linked at all.** A quarter of the WikinewsSum sources do not report
their event: "page not found" and login pages, site front pages, index pages, generic
background pages, another story served at the old address. Nothing in their text links
them to the event, yet the gold puts them in it. ``wikinewssum_sources.json`` (next to this
module) is Storyline's own annotation of every source, made by a person reading it beside
the report (``report``, ``related`` or ``unrelated``, with the reason):
:func:`source_labels` reads it, so the evaluation can also score the articles a clustering
of texts could place, and give the best F1 any such clustering can reach.

Held-out halves: for WikinewsSum whole events go to one side by a hash of the event number;
for Timeline17 articles go to one side by a hash of folder and uid (the four storylines
are too few to hold one back). Parameters are chosen on the ``dev`` half only; the gates
pin figures of the ``test`` half.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from storyline.embed.base import Embedder, FloatVector, story_text
from storyline.errors import BadInputError, ConfigError
from storyline.eval.similarity import VectorCache
from storyline.extract import ARTICLE_MEDIA_TYPE, extract
from storyline.model import Article, RawDoc

__all__ = [
    "GoldArticle",
    "GoldTimeline",
    "T17Set",
    "cached_vectors",
    "half",
    "load_t17",
    "load_wikinewssum",
    "source_annotations",
    "source_labels",
    "t17_path",
    "wikinewssum_path",
    "wikinewssum_rows",
]

SPLIT_SALT = "storyline-events-split-v1"


@dataclass(frozen=True, slots=True)
class GoldArticle:
    """One evaluation article, its gold cluster, and the key its split hash is taken of."""

    article: Article
    gold: str
    split_key: str
    folder: str = ""


@dataclass(frozen=True, slots=True)
class GoldTimeline:
    """A journalist's timeline of one T17 folder: its distinct dates."""

    folder: str
    storyline: str
    dates: frozenset[date]


@dataclass(frozen=True, slots=True)
class T17Set:
    articles: list[GoldArticle]
    timelines: list[GoldTimeline]


def half(key: str) -> str:
    """``dev`` or ``test``: a stable hash of ``key``, about half each."""
    digest = hashlib.sha256(f"{SPLIT_SALT}:{key}".encode()).digest()
    return "test" if digest[0] % 2 else "dev"


def _article(key: str, title: str | None, text: str, language: str | None, **extra: str) -> Article:
    fields: dict[str, str | None] = {
        "id": key,
        "title": (title or "").strip() or None,
        "text": text.strip() or None,
        "language": language,
        **extra,
    }
    raw = RawDoc(origin=key, content=text, media_type=ARTICLE_MEDIA_TYPE, fields=fields)
    try:
        return extract(raw)
    except BadInputError:
        published = extra.get("published")
        return Article(
            id=key,
            title=title or text[:120],
            text=text,
            language=language,
            published=datetime.fromisoformat(published) if published else None,
        )


def source_annotations() -> dict[str, dict[str, str]]:
    """Article key (``wNNNN-sKK``) → ``{"label", "category" (for unrelated), "why"}`` for
    every WikinewsSum source (see the module docstring); reports themselves are not listed."""
    text = resources.files("storyline.eval").joinpath("wikinewssum_sources.json").read_text()
    rows: dict[str, dict[str, str]] = json.loads(text)["labels"]
    return rows


def source_labels() -> dict[str, str]:
    """Article key → ``report``, ``related`` or ``unrelated`` (:func:`source_annotations`)."""
    return {key: row["label"] for key, row in source_annotations().items()}


def wikinewssum_path(data_dir: Path) -> Path:
    path = data_dir / "events" / "wikinewssum-en.jsonl"
    if not path.is_file():
        raise ConfigError(
            f"{path}: the WikinewsSum sample is missing; pass --data DIR (the shared data "
            "folder) or set STORYLINE_SHARED"
        )
    return path


def t17_path(data_dir: Path) -> Path:
    path = data_dir / "storylines" / "t17"
    if not (path / "MANIFEST.json").is_file():
        raise ConfigError(
            f"{path}: Timeline17 (with MANIFEST.json) is missing; pass --data DIR (the shared "
            "data folder) or set STORYLINE_SHARED"
        )
    return path


def _order(key: str) -> str:
    return hashlib.sha256(f"{SPLIT_SALT}:order:{key}".encode()).hexdigest()


def wikinewssum_rows(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number from 0, row) of every WikinewsSum line: the number names the event
    (``wNNNN``) in the gold, the labels and the evaluations."""
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle):
            if not line.strip():
                continue
            try:
                yield number, json.loads(line)
            except json.JSONDecodeError as error:
                raise ConfigError(f"{path}:{number + 1}: not JSON ({error})") from error


def load_wikinewssum(path: Path) -> list[GoldArticle]:
    """Every report and source as an article with its gold event, in stream order."""
    out: list[GoldArticle] = []
    for number, row in wikinewssum_rows(path):
        event = f"w{number:04d}"
        key = f"{event}-report"
        report = _article(key, row.get("title"), row.get("text") or "", "en")
        out.append(GoldArticle(report, event, event))
        for i, source in enumerate(row.get("sources") or []):
            text = source.get("maintext") or ""
            if not text.strip() and not (source.get("title") or "").strip():
                continue
            key = f"{event}-s{i:02d}"
            art = _article(key, source.get("title"), text, source.get("language"))
            out.append(GoldArticle(art, event, event))
    out.sort(key=lambda g: _order(g.article.id))
    return out


def load_t17(path: Path) -> T17Set:
    """Every T17 article with its gold storyline, in publication order, and the timelines."""
    manifest = json.loads((path / "MANIFEST.json").read_text(encoding="utf-8"))
    mapping: dict[str, str] = manifest["storyline_of_folder"]
    articles: list[tuple[str, str, str, GoldArticle]] = []
    timelines = []
    for folder, storyline in sorted(mapping.items()):
        folder_path = path / folder
        try:
            rows = json.loads((folder_path / "articles.json").read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as error:
            raise ConfigError(f"{folder_path}/articles.json: unreadable ({error})") from error
        for row in rows:
            key = f"{folder}-{row['uid']}"
            published = datetime.fromisoformat(row["dct"]).replace(tzinfo=UTC).isoformat()
            art = _article(key, None, row.get("text") or "", "en", published=published)
            articles.append(
                (
                    row["dct"],
                    folder,
                    str(row["uid"]).zfill(8),
                    GoldArticle(art, storyline, key, folder),
                )
            )
        dates: set[date] = set()
        for timeline_file in sorted(folder_path.glob("*.timeline.json")):
            for entry in json.loads(timeline_file.read_text(encoding="utf-8")):
                dates.add(date.fromisoformat(entry["date"][:10]))
        timelines.append(GoldTimeline(folder, storyline, frozenset(dates)))
    articles.sort(key=lambda t: t[:3])
    return T17Set([a for *_, a in articles], timelines)


def cached_vectors(
    articles: list[Article],
    embedder: Embedder,
    cache: Path | None,
    name: str,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, FloatVector]:
    """Story vectors of ``articles`` (title + lead), kept in ``cache/name-<model>.npz``.

    Keys hash the story text, so a changed text is embedded anew; ``cache=None`` embeds
    everything without keeping it.
    """
    texts = [story_text(a) for a in articles]
    keys = [hashlib.sha256(t.encode()).hexdigest()[:20] for t in texts]
    if cache is None:
        matrix = np.vstack(
            [embedder.embed(texts[i : i + 64]) for i in range(0, len(texts), 64)]
            or [np.zeros((0, embedder.dim), dtype=np.float32)]
        )
    else:
        source = VectorCache(cache, embedder)
        safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", embedder.name)
        source.path = cache / f"{name}-{safe}.npz"
        matrix = source(keys, texts, progress)
    return {a.id: matrix[i] for i, a in enumerate(articles)}
