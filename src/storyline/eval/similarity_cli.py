"""``storyline eval similarity``: the similarity model against human ratings.

Pearson correlation with ``-Overall`` on the shared SemEval-2022 Task 8 sample (Chen et al.
2022), for the held-back part (never used for fitting) and the whole file, for all pairs and
for cross-lingual pairs alone, beside two baselines measured in the same run: the plain e5
cosine of the story vectors and the BM25/TF-IDF cosine of the texts.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import click
import numpy as np

from storyline.embed.e5 import E5Embedder
from storyline.errors import StorylineError
from storyline.eval.fit_similarity import default_cache_dir
from storyline.eval.options import cache_option, data_option
from storyline.eval.similarity import (
    PairSet,
    VectorCache,
    featurise,
    held_out,
    load_pairs,
    pearson,
    semeval_path,
)
from storyline.link.similarity import SimilarityModel

__all__ = ["evaluate", "similarity_command"]

SYSTEMS = ("storyline", "e5 cosine", "tf-idf cosine")


def _scores(model: SimilarityModel, pairs: PairSet) -> dict[str, np.ndarray[Any, Any]]:
    return {
        "storyline": np.array([model.score(f).score for f in pairs.features]),
        "e5 cosine": pairs.column("dense"),
        "tf-idf cosine": pairs.column("body_lex"),
    }


def evaluate(model: SimilarityModel, pairs: PairSet) -> dict[str, dict[str, dict[str, float]]]:
    """``{part: {subset: {system: pearson, "pairs": n}}}`` for held-out and all pairs."""
    out: dict[str, dict[str, dict[str, float]]] = {}
    for part, keep in (("held-out", held_out), ("all", lambda _p: True)):
        subset = pairs.subset(keep)
        scores = _scores(model, subset)
        cross = subset.cross
        rows: dict[str, dict[str, float]] = {}
        for name, mask in (("all pairs", np.ones(len(cross), bool)), ("cross-lingual", cross)):
            row = {"pairs": float(mask.sum())}
            for system in SYSTEMS:
                row[system] = round(pearson(scores[system][mask], subset.target[mask]), 4)
            rows[name] = row
        out[part] = rows
    return out


@click.command("similarity")
@data_option
@cache_option
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def similarity_command(data_dir: Path | None, cache: bool, as_json: bool) -> None:
    """Pearson with human similarity ratings (SemEval-2022 Task 8), beside the baselines."""
    from rich.console import Console
    from rich.progress import Progress
    from rich.table import Table

    from storyline.eval.extraction import default_data_dir

    started = time.perf_counter()
    try:
        model = SimilarityModel()
        path = semeval_path(data_dir or default_data_dir())
        pairs = load_pairs(path)
        embedder = E5Embedder()
        with Progress(transient=True, disable=as_json) as bar:
            task = bar.add_task("embedding", total=None)

            def update(done: int, total: int) -> None:
                bar.update(task, completed=done, total=total)

            vectors = VectorCache(default_cache_dir(), embedder) if cache else None
            features = featurise(pairs, embedder, vectors=vectors, progress=update)
        results = evaluate(model, features)
    except StorylineError as error:
        raise click.ClickException(str(error)) from error
    wall = time.perf_counter() - started
    if as_json:
        click.echo(json.dumps({"results": results, "seconds": round(wall, 1)}, indent=2))
        return
    console = Console()
    table = Table(title="Pearson with -Overall (SemEval-2022 Task 8 sample)")
    for column in ("part", "pairs", "n", *SYSTEMS):
        table.add_column(column, justify="left" if column in ("part", "pairs") else "right")
    for part, rows in results.items():
        for name, row in rows.items():
            table.add_row(part, name, str(int(row["pairs"])), *(f"{row[s]:.3f}" for s in SYSTEMS))
    console.print(table)
    console.print(
        f"wall time {wall:.0f} s. held-out: the {len(features.subset(held_out).pairs)} pairs "
        "never used to fit the weights (groups of translated copies kept on one side). "
        f"Embedder {embedder.name}; model fitted by python -m storyline.eval.fit_similarity."
    )
