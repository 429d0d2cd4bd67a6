"""``storyline eval events`` and ``storyline eval storylines``: B-cubed against gold clusters.

Both stream a shared evaluation set through the real clusterer (:mod:`storyline.link.events`)
in publication order and score the result with B-cubed, beside the TF-IDF single-pass
baseline run on the same stream (:mod:`storyline.eval.events`). Figures are given for the
``test`` half (never used to choose parameters), the ``dev`` half and the whole set; each
half is streamed on its own, as its own world. For Timeline17 the date F1 of the produced
timelines against the journalists' timelines is reported too.

For WikinewsSum two more figures come from the same run, because a quarter of its sources
do not report their event (:func:`storyline.eval.events_data.source_labels`): the F1 on
the *linkable* articles (the same clustering scored without the sources whose text does not
mention the event) and the *ceiling*, the F1 of a perfect clustering that leaves those
sources on their own, which is the best any clustering of the texts can reach.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from storyline.embed.base import FloatVector
from storyline.errors import StorylineError
from storyline.eval.events import bcubed, date_prf, tfidf_single_pass
from storyline.eval.events_data import (
    GoldArticle,
    GoldTimeline,
    cached_vectors,
    half,
    load_t17,
    load_wikinewssum,
    source_labels,
    t17_path,
    wikinewssum_path,
)
from storyline.eval.events_fit import run_events, run_storylines
from storyline.eval.fit_similarity import default_cache_dir
from storyline.eval.options import cache_option, data_option
from storyline.link.events import EventClusterer
from storyline.link.timeline import timeline

__all__ = [
    "BASELINE_EVENTS",
    "BASELINE_STORYLINES",
    "evaluate_events",
    "evaluate_storylines",
    "events_command",
    "storylines_command",
]

#: Baseline thresholds, chosen on the dev halves like Storyline's (docs/events.md).
BASELINE_EVENTS = 0.2
BASELINE_STORYLINES = 0.1
PARTS = ("test", "dev", "all")


def _part(stream: Sequence[GoldArticle], part: str) -> list[GoldArticle]:
    return [g for g in stream if part == "all" or half(g.split_key) == part]


def _vectors(articles: Sequence[GoldArticle], name: str, cache: bool) -> dict[str, FloatVector]:
    from storyline.embed.e5 import E5Embedder

    folder = default_cache_dir() if cache else None
    return cached_vectors([g.article for g in articles], E5Embedder(), folder, name)


def evaluate_events(
    stream: Sequence[GoldArticle], vectors: dict[str, FloatVector], parts: Sequence[str] = PARTS
) -> dict[str, dict[str, Any]]:
    """``{part: {"storyline": prf, "baseline": prf, "linkable": prf, "linkable baseline":
    prf, "ceiling": f1, "articles", "events", "merges"}}`` (module docstring)."""
    out: dict[str, dict[str, Any]] = {}
    labels = source_labels()
    for part in parts:
        subset = _part(stream, part)
        gold = {g.article.id: g.gold for g in subset}
        run = run_events(subset, vectors)
        predicted = {a: e for a, e, _ in run.iter_assignments()}
        baseline = tfidf_single_pass([g.article for g in subset], BASELINE_EVENTS)
        linkable = {a: e for a, e in gold.items() if labels.get(a) != "unrelated"}
        perfect = {a: e if a in linkable else a for a, e in gold.items()}
        out[part] = {
            "storyline": bcubed(predicted, gold).as_dict(),
            "baseline": bcubed(baseline, gold).as_dict(),
            "linkable": bcubed(predicted, linkable).as_dict(),
            "linkable baseline": bcubed(baseline, linkable).as_dict(),
            "ceiling": round(bcubed(perfect, gold).f1, 4),
            "linkable articles": len(linkable),
            "articles": len(subset),
            "gold clusters": len(set(gold.values())),
            "clusters": len(set(predicted.values())),
            "merges": len(run.merges),
        }
    return out


def timeline_dates(
    run: EventClusterer, stream: Sequence[GoldArticle], gold: GoldTimeline
) -> dict[str, float]:
    """Date F1 of the timeline of the storyline most of ``gold.folder``'s articles are in,
    restricted to the events holding that folder's articles, as long as the gold timeline."""
    mine = {g.article.id for g in stream if g.folder == gold.folder}
    stories = Counter(s for a, _, s in run.iter_assignments() if a in mine)
    if not stories:
        return date_prf([], gold.dates).as_dict()
    story = stories.most_common(1)[0][0]
    wanted = {e for a, e, s in run.iter_assignments() if a in mine and s == story}
    views = [run.events[e] for e in sorted(wanted)]
    entries = timeline(views, {}, run.stats, limit=len(gold.dates), read=0)
    return date_prf((e.date for e in entries), gold.dates).as_dict()


def evaluate_storylines(
    stream: Sequence[GoldArticle],
    timelines: Sequence[GoldTimeline],
    vectors: dict[str, FloatVector],
    parts: Sequence[str] = PARTS,
) -> dict[str, dict[str, Any]]:
    """Storyline B-cubed (and timeline date F1) per part, beside the baseline."""
    out: dict[str, dict[str, Any]] = {}
    for part in parts:
        subset = _part(stream, part)
        gold = {g.article.id: g.gold for g in subset}
        run = run_events(subset, vectors)
        predicted = run_storylines(run)
        baseline = tfidf_single_pass([g.article for g in subset], BASELINE_STORYLINES)
        dates = [timeline_dates(run, subset, t) for t in timelines]
        out[part] = {
            "storyline": bcubed(predicted, gold).as_dict(),
            "baseline": bcubed(baseline, gold).as_dict(),
            "articles": len(subset),
            "gold clusters": len(set(gold.values())),
            "clusters": len(set(predicted.values())),
            "events": len({e for _, e, _ in run.iter_assignments()}),
            "date f1": round(sum(d["f1"] for d in dates) / max(len(dates), 1), 4),
        }
    return out


def _data(data_dir: Path | None) -> Path:
    from storyline.eval.extraction import default_data_dir

    return data_dir or default_data_dir()


def _print(title: str, results: dict[str, dict[str, Any]], wall: float, extra: str = "") -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title)
    columns = ["part", "articles", "gold", "found", "P", "R", "F1", "baseline F1"]
    if extra:
        columns.append(extra)
    for column in columns:
        table.add_column(column, justify="left" if column == "part" else "right")
    for part, row in results.items():
        s, b = row["storyline"], row["baseline"]
        cells = [
            part,
            str(row["articles"]),
            str(row["gold clusters"]),
            str(row["clusters"]),
            f"{s['precision']:.3f}",
            f"{s['recall']:.3f}",
            f"{s['f1']:.3f}",
            f"{b['f1']:.3f}",
        ]
        if extra:
            cells.append(f"{row[extra]:.3f}")
        table.add_row(*cells)
    console = Console()
    console.print(table)
    console.print(
        f"wall time {wall:.0f} s. B-cubed (Bagga & Baldwin 1998). baseline: TF-IDF single-pass "
        "(Allan et al. 1998). test: the half never used to choose parameters."
    )


@click.command("events")
@data_option
@cache_option
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def events_command(data_dir: Path | None, cache: bool, as_json: bool) -> None:
    """Event clustering on WikinewsSum: B-cubed P/R/F1 beside the TF-IDF baseline."""
    started = time.perf_counter()
    try:
        stream = load_wikinewssum(wikinewssum_path(_data(data_dir)))
        results = evaluate_events(stream, _vectors(stream, "wikinewssum", cache))
    except StorylineError as error:
        raise click.ClickException(str(error)) from error
    wall = time.perf_counter() - started
    if as_json:
        click.echo(json.dumps({"results": results, "seconds": round(wall, 1)}, indent=2))
        return
    _print("Event clustering, WikinewsSum (B-cubed)", results, wall)
    _print_linkable(results)


def _print_linkable(results: dict[str, dict[str, Any]]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title="The same clusterings, on the articles whose text can place them")
    for column in ("part", "articles", "P", "R", "F1", "baseline F1", "ceiling (all)"):
        table.add_column(column, justify="left" if column == "part" else "right")
    for part, row in results.items():
        s = row["linkable"]
        table.add_row(
            part,
            str(row["linkable articles"]),
            f"{s['precision']:.3f}",
            f"{s['recall']:.3f}",
            f"{s['f1']:.3f}",
            f"{row['linkable baseline']['f1']:.3f}",
            f"{row['ceiling']:.3f}",
        )
    console = Console()
    console.print(table)
    console.print(
        "Left out: sources whose text does not mention the event (error and login pages, "
        "front and index pages, background, another story; eval/wikinewssum_sources.json). "
        "ceiling (all): the best F1 any clustering of the texts can reach on all articles, "
        "a perfect one that leaves those sources alone."
    )


@click.command("storylines")
@data_option
@cache_option
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def storylines_command(data_dir: Path | None, cache: bool, as_json: bool) -> None:
    """Storylines on Timeline17: B-cubed P/R/F1 and timeline date F1, beside the baseline."""
    started = time.perf_counter()
    try:
        t17 = load_t17(t17_path(_data(data_dir)))
        vectors = _vectors(t17.articles, "t17", cache)
        results = evaluate_storylines(t17.articles, t17.timelines, vectors)
    except StorylineError as error:
        raise click.ClickException(str(error)) from error
    wall = time.perf_counter() - started
    if as_json:
        click.echo(json.dumps({"results": results, "seconds": round(wall, 1)}, indent=2))
        return
    _print("Storylines, Timeline17 (B-cubed)", results, wall, extra="date f1")
