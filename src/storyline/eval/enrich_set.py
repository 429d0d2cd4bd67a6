"""The enrichment gold set: hand-checked entities, quotes, dates and publication dates.

``tests/data/enrich/gold.jsonl`` holds one line per article. It never copies a text: each
line points into the shared evaluation sets (``../shared/data``) or the seeds, and says how
many characters of the text were annotated (the excerpt ends at the last sentence end
within that many characters). A hash of the excerpt guards against the source changing
under the annotations. Sources:

* ``seed``: the seed documents (``src/storyline/examples``), whole;
* ``wcxb``: WCXB development articles, ``ground_truth.main_content`` (and the page's HTML for
  the publication date);
* ``wikinews``: source articles of WikinewsSum events (several languages);
* ``t17``: Timeline17 articles (pre-tokenised text, joined back; ``dct`` is the date).
"""

from __future__ import annotations

import gzip
import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from storyline.errors import BadInputError

__all__ = [
    "GoldArticle",
    "default_gold_path",
    "excerpt",
    "load_gold",
    "source_text",
    "untokenise",
]


@dataclass(slots=True)
class GoldArticle:
    """One annotated excerpt and what a reader found in it."""

    id: str
    source: str
    ref: dict[str, Any]
    chars: int
    language: str
    text: str
    #: Publication date (YYYY-MM-DD) or None when the source gives none.
    published: str | None
    entities: list[dict[str, Any]]
    quotes: list[dict[str, Any]]
    dates: list[dict[str, Any]] | None
    html: Path | None = None
    notes: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def default_gold_path() -> Path:
    """``tests/data/enrich/gold.jsonl`` of the source tree."""
    return Path(__file__).resolve().parents[3] / "tests" / "data" / "enrich" / "gold.jsonl"


def untokenise(text: str) -> str:
    """Join Timeline17's pre-tokenised text back into ordinary prose."""
    text = text.replace("\\/", "/").replace("-LRB-", "(").replace("-RRB-", ")")
    text = re.sub(r"``\s*", "“", text)
    text = re.sub(r"\s*''", "”", text)
    text = re.sub(r"(?:(?<=\s)|^)`\s*", "‘", text)
    text = re.sub(r"\s+'(?=[\s,.;:]|$)", "’", text)
    text = re.sub(r"\s+([.,;:!?%)]|'s|n't|'re|'ve|'ll|'d|'m)(?=\s|$|”)", r"\1", text)
    text = re.sub(r"\(\s+", "(", text)
    text = re.sub(r"\$\s+(?=\d)", "$", text)
    return re.sub(r"[ \t]+", " ", text).strip()


def excerpt(text: str, chars: int) -> str:
    """The first ``chars`` characters of ``text``, cut back to the last sentence end."""
    if len(text) <= chars:
        return text.strip()
    head = text[:chars]
    ends = [m.end() for m in re.finditer(r"[.!?][”\"’']?(?=\s)|\n", head)]
    cut = ends[-1] if ends else head.rfind(" ")
    return head[: max(cut, 1)].strip()


@cache
def _wikinews(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


@cache
def _t17(path: Path) -> dict[str, dict[str, Any]]:
    items = json.loads(path.read_text(encoding="utf-8"))
    return {str(item["uid"]): item for item in items}


def source_text(data: Path, source: str, ref: dict[str, Any]) -> tuple[str, Path | None]:
    """The full text a gold line points to, and the HTML page for WCXB lines."""
    if source == "seed":
        folder = resources.files("storyline") / "examples"
        for entry in folder.iterdir():
            if entry.name.startswith(str(ref["name"])):
                return entry.read_text(encoding="utf-8"), None
        raise BadInputError(f"seed {ref['name']}", "no such seed document")
    if source == "wcxb":
        base = data / "extraction" / "wcxb-dev-articles"
        gold = json.loads((base / "ground-truth" / f"{ref['file']}.json").read_text("utf-8"))
        return str(gold["ground_truth"]["main_content"]), base / "html" / f"{ref['file']}.html.gz"
    if source == "wikinews":
        events = _wikinews(data / "events" / "wikinewssum-en.jsonl")
        return str(events[int(ref["event"])]["sources"][int(ref["index"])]["maintext"]), None
    if source == "t17":
        items = _t17(data / "storylines" / "t17" / str(ref["folder"]) / "articles.json")
        return untokenise(str(items[str(ref["uid"])]["text"])), None
    raise BadInputError(f"gold source {source!r}", "unknown source (seed, wcxb, wikinews, t17)")


def text_hash(text: str) -> str:
    """A short hash of an excerpt, stored with its annotations."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def load_gold(data: Path, path: Path | None = None) -> list[GoldArticle]:
    """Every gold article, with its excerpt read from the shared data; checks the hashes."""
    path = path or default_gold_path()
    articles: list[GoldArticle] = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            where = f"{path}:{number}"
            try:
                item = json.loads(line)
                full, html = source_text(data, item["source"], item["ref"])
            except (KeyError, ValueError, OSError) as error:
                raise BadInputError(where, f"cannot read this gold line ({error})") from error
            text = excerpt(full, int(item["chars"]))
            if item.get("sha") and item["sha"] != text_hash(text):
                raise BadInputError(
                    where, "the excerpt changed since it was annotated; check the shared data"
                )
            articles.append(
                GoldArticle(
                    id=item["id"],
                    source=item["source"],
                    ref=item["ref"],
                    chars=int(item["chars"]),
                    language=item["language"],
                    text=text,
                    published=item.get("published"),
                    entities=item.get("entities", []),
                    quotes=item.get("quotes", []),
                    dates=item.get("dates"),
                    html=html,
                    notes=item.get("notes", ""),
                    extra={"ignore": item.get("ignore", [])},
                )
            )
    return articles


def reference_time(article: GoldArticle) -> datetime | None:
    """The publication date relative dates are resolved against (the gold one)."""
    if article.published is None:
        return None
    return datetime.fromisoformat(article.published).replace(tzinfo=UTC)


def read_html(path: Path) -> bytes:
    """A WCXB page's HTML bytes."""
    return gzip.decompress(path.read_bytes())
