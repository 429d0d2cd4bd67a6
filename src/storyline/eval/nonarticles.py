"""``storyline eval non-articles``: error pages and walls refused, real articles kept.

Positives: the WikinewsSum sources that are error pages or login, registration or captcha
walls (Storyline's own labels, ``eval/wikinewssum_sources.json``). Negatives: every text
that is an article: the WikinewsSum sources that report or relate to their event, the 101
Wikinews reports, and the gold article bodies of the two extraction sets (ScrapingHub, WCXB
article pages). With ``--pages`` the 974 HTML pages of the extraction sets also go through
the real extractor, which must refuse none of them.

The patterns of :mod:`storyline.extract.pagekind` were written while reading the positive
pages, so their recall is an in-sample figure; the false-positive count, over articles the
patterns were not written from, is what says how often a real article would be lost.
"""

from __future__ import annotations

import gzip
import json
import time
from dataclasses import dataclass, field
from pathlib import Path

import click

from storyline.errors import BadInputError, StorylineError
from storyline.eval.events_data import source_annotations, wikinewssum_path, wikinewssum_rows
from storyline.eval.options import data_option
from storyline.extract import extract
from storyline.extract.pagekind import not_an_article
from storyline.model import RawDoc

__all__ = ["NonArticleScores", "evaluate_non_articles", "non_articles_command"]


@dataclass
class NonArticleScores:
    positives: int = 0
    refused: int = 0
    articles: int = 0
    wrongly_refused: int = 0
    pages: int = 0
    pages_refused: int = 0
    misses: list[str] = field(default_factory=list)
    mistakes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {
            "error and wall pages": self.positives,
            "refused": self.refused,
            "articles": self.articles,
            "articles refused": self.wrongly_refused,
            "html pages": self.pages,
            "html pages refused": self.pages_refused,
            "misses": self.misses,
            "mistakes": self.mistakes,
        }


def _wikinewssum(data_dir: Path, scores: NonArticleScores) -> None:
    labels = source_annotations()
    for number, row in wikinewssum_rows(wikinewssum_path(data_dir)):
        _judge(scores, f"w{number:04d}-report", row.get("title") or "", row.get("text") or "")
        for i, source in enumerate(row.get("sources") or []):
            key = f"w{number:04d}-s{i:02d}"
            label = labels.get(key, {})
            title, text = source.get("title") or "", source.get("maintext") or ""
            if label.get("category") in ("error", "wall"):
                scores.positives += 1
                if not_an_article(title, text) is None:
                    scores.misses.append(key)
                else:
                    scores.refused += 1
            elif label.get("label") in ("report", "related"):
                _judge(scores, key, title, text)


def _judge(scores: NonArticleScores, key: str, title: str, text: str) -> None:
    scores.articles += 1
    reason = not_an_article(title, text)
    if reason is not None:
        scores.wrongly_refused += 1
        scores.mistakes.append(f"{key}: {reason}")


def _gold_articles(data_dir: Path, scores: NonArticleScores) -> None:
    truth = data_dir / "extraction" / "scrapinghub" / "ground-truth.json"
    for key, row in sorted(json.loads(truth.read_text(encoding="utf-8")).items()):
        _judge(scores, f"scrapinghub/{key}", "", row.get("articleBody") or "")
    for path in sorted((data_dir / "extraction" / "wcxb-dev-articles" / "ground-truth").glob("*")):
        gold = json.loads(path.read_text(encoding="utf-8")).get("ground_truth") or {}
        _judge(scores, f"wcxb/{path.stem}", gold.get("title") or "", gold.get("main_content") or "")


def _html_pages(data_dir: Path, scores: NonArticleScores) -> None:
    for path in sorted((data_dir / "extraction").glob("*/html/*.html.gz")):
        scores.pages += 1
        raw = RawDoc(
            origin=str(path), content=gzip.decompress(path.read_bytes()), media_type="text/html"
        )
        try:
            extract(raw)
        except BadInputError as error:
            if "not an article" in error.reason:
                scores.pages_refused += 1
                scores.mistakes.append(f"{path.name}: {error.reason}")


def evaluate_non_articles(data_dir: Path, pages: bool = False) -> NonArticleScores:
    """Refused error and wall pages, and wrongly refused articles (module docstring)."""
    scores = NonArticleScores()
    _wikinewssum(data_dir, scores)
    _gold_articles(data_dir, scores)
    if pages:
        _html_pages(data_dir, scores)
    return scores


@click.command("non-articles")
@data_option
@click.option("--pages", is_flag=True, help="Also extract the 974 HTML article pages (~1 min).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def non_articles_command(data_dir: Path | None, pages: bool, as_json: bool) -> None:
    """Error pages and walls refused at extraction; real articles wrongly refused."""
    from storyline.eval.extraction import default_data_dir

    started = time.perf_counter()
    try:
        scores = evaluate_non_articles(data_dir or default_data_dir(), pages)
    except (StorylineError, OSError) as error:
        raise click.ClickException(str(error)) from error
    wall = time.perf_counter() - started
    if as_json:
        click.echo(json.dumps({"results": scores.as_dict(), "seconds": round(wall, 1)}))
        return
    click.echo(
        f"Error pages and walls (WikinewsSum sources): {scores.refused} of {scores.positives} "
        "refused (in-sample: the patterns were written from these pages)\n"
        f"Articles wrongly refused: {scores.wrongly_refused} of {scores.articles} texts"
        + (f", {scores.pages_refused} of {scores.pages} HTML pages" if pages else "")
        + f" ({wall:.1f} s)"
    )
    for line in scores.misses:
        click.echo(f"  missed {line}")
    for line in scores.mistakes:
        click.echo(f"  wrongly refused {line}")
