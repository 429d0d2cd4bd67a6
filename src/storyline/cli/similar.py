"""``storyline similar`` (what else covers this?) and ``storyline similarity`` (the batch
contract of DESIGN.md section 5: pairs of articles in, one score per pair out)."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

import click
from rich.console import Console
from rich.table import Table

from storyline.cli.common import (
    db_option,
    err_console,
    json_option,
    max_bytes_option,
    opened_store,
    output_stream,
    report_error,
)
from storyline.embed.e5 import E5Embedder
from storyline.errors import BadInputError, StorylineError
from storyline.link.index import EXACT_ONLY
from storyline.link.similarity import Scored
from storyline.model import Article
from storyline.pairs import PairInput, parse_pair_line, score_pairs
from storyline.similar import SimilarGroup, SimilarNews, SimilarResult
from storyline.store.vectors import VectorStore

__all__ = ["similar", "similarity"]


def _source(article: Article) -> str:
    if article.site_name:
        return article.site_name
    if article.url:
        from urllib.parse import urlsplit

        return urlsplit(article.url).hostname or article.url
    return (article.source_id or "").removeprefix("file:").rsplit("/", 1)[-1] or "?"


def _snippet(article: Article, width: int = 140) -> str:
    text = " ".join((article.lead or article.text).split())
    return text if len(text) <= width else text[: width - 1].rsplit(" ", 1)[0] + "…"


def _signals(scored: Scored) -> dict[str, float]:
    """What each family of signals contributed (they sum to the score before clipping)."""
    return {name: round(value, 4) for name, value in scored.by_family().items()}


def _terms(scored: Scored) -> dict[str, float]:
    """What each term of the fitted model contributed."""
    return {name: round(value, 4) for name, value in scored.contributions.items()}


def _group_json(group: SimilarGroup, explain: bool) -> dict[str, Any]:
    article = group.article
    line: dict[str, Any] = {
        "id": article.id,
        "title": article.title,
        "source": _source(article),
        "language": article.language,
        "published": article.to_dict()["published"],
        "url": article.url,
        "snippet": _snippet(article),
        "score": round(group.scored.score, 4),
        "label": group.scored.label,
        "more": [a.id for a in group.more],
    }
    if explain:
        line["signals"] = _signals(group.scored)
        line["terms"] = _terms(group.scored)
        line["features"] = {
            k: (None if v is None else round(v, 4)) for k, v in group.scored.features.items()
        }
    return line


def _print_result(result: SimilarResult, explain: bool) -> None:
    console = Console()
    query = result.query
    console.print(f"Similar to: [bold]{query.title}[/bold] ({query.language or '??'})")
    if result.copies:
        console.print(f"{len(result.copies)} copies of this article are stored (not listed).")
    if not result.groups:
        console.print("no similar news found")
        return
    table = Table("score", "", "headline", "source", "lang", box=None, pad_edge=False)
    for group in result.groups:
        article = group.article
        more = f"\n[dim]and {len(group.more)} more[/dim]" if group.more else ""
        snippet = _snippet(article)
        # A title derived from the first sentence would be printed twice.
        stem = article.title.rstrip("…. ")
        snippet = "" if snippet.startswith(stem) else f"\n[dim]{snippet}[/dim]"
        table.add_row(
            f"{group.scored.score:.2f}",
            group.scored.label,
            f"{article.title}{snippet}{more}\n[dim]{article.id}[/dim]",
            _source(article),
            article.language or "??",
        )
        if explain:
            families = sorted(group.scored.by_family().items(), key=lambda kv: -abs(kv[1]))
            parts = " · ".join(f"{name} {value:+.2f}" for name, value in families)
            table.add_row("", "", f"[cyan]{parts}[/cyan]", "", "")
    console.print(table)
    console.print(
        f"[dim]{result.candidates} candidates from the {result.index_kind} index, re-ranked by "
        "the similarity model; score 1 = same event.[/dim]"
    )


@click.command()
@click.argument("article_id", required=False)
@click.option(
    "--text",
    "text_file",
    metavar="FILE",
    default=None,
    help="Find news similar to this text file ('-' reads stdin) instead of a stored article.",
)
@db_option
@click.option("-n", "--limit", type=click.IntRange(1, 100), default=10, show_default=True)
@click.option("--explain", is_flag=True, help="Show what each signal contributed to a score.")
@json_option
def similar(
    article_id: str | None,
    text_file: str | None,
    db_url: str,
    limit: int,
    explain: bool,
    as_json: bool,
) -> None:
    """Similar news: what else covers this article (or pasted text), in any language.

    Copies of one story (wire reprints, duplicates) are grouped into one line.
    """
    if (article_id is None) == (text_file is None):
        raise click.UsageError("give either an ARTICLE_ID or --text FILE (or --text - for stdin)")
    text = None
    if text_file is not None:
        try:
            text = sys.stdin.read() if text_file == "-" else Path(text_file).read_text("utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise click.ClickException(f"{text_file}: cannot read the text: {error}") from error
    with opened_store(db_url) as store:
        if not isinstance(store, VectorStore):
            raise click.ClickException(f"{store.url}: this store cannot search similar news")
        # One query per process: building an HNSW graph costs more than thousands of exact
        # queries (docs/similar.md, "Switch-over size"), so the command always searches
        # exactly; long-lived callers (the web app) switch at HNSW_THRESHOLD.
        finder = SimilarNews(store, E5Embedder(), hnsw_threshold=EXACT_ONLY)
        missing = store.count_articles() - store.count_vectors(finder.embedder.name)
        if missing > 0:
            err_console.print(
                f"embedding {missing} articles that have no vector yet…", soft_wrap=True
            )
        try:
            if text is not None:
                origin = "<stdin>" if text_file == "-" else str(text_file)
                result = finder.for_text(text, limit=limit, origin=origin)
            else:
                assert article_id is not None
                result = finder.for_article(article_id, limit=limit)
        except BadInputError as error:
            raise click.ClickException(str(error)) from error
    if as_json:
        payload = {
            "query": {"id": result.query.id, "title": result.query.title},
            "copies": [a.id for a in result.copies],
            "similar": [_group_json(group, explain) for group in result.groups],
        }
        click.echo(json.dumps(payload, ensure_ascii=False, indent=2))
        return
    _print_result(result, explain)


@contextmanager
def _open_input(path: str) -> Iterator[IO[bytes]]:
    """``-`` is stdin (left open), anything else a file opened for reading bytes."""
    if path == "-":
        yield sys.stdin.buffer
        return
    with Path(path).open("rb") as handle:
        yield handle


def _lines(handle: IO[bytes], max_bytes: int) -> Iterator[tuple[int, bytes | None]]:
    """(line number, bytes) per line; ``None`` for a line longer than ``max_bytes``."""
    number = 0
    while True:
        line = handle.readline(max_bytes + 1)
        if not line:
            return
        number += 1
        if len(line) > max_bytes and not line.endswith(b"\n"):
            while (rest := handle.readline(1 << 20)) and not rest.endswith(b"\n"):
                pass
            yield number, None
            continue
        yield number, line


@click.command()
@click.argument("pairs_file", metavar="PAIRS.jsonl")
@click.option("-o", "--output", default="-", show_default=True, help="Output JSONL file.")
@click.option("--explain", is_flag=True, help="Add each pair's band and signal contributions.")
@max_bytes_option
def similarity(pairs_file: str, output: str, explain: bool, max_bytes: int) -> None:
    """Score pairs of articles: {"id","a":{article},"b":{article}} -> {"id","score"}.

    The score is in [0, 1]; 1 = the same event. Bad lines are reported as PATH:LINE: reason
    and skipped; the exit status is 1 if any line failed. '-' reads stdin / writes stdout.
    """
    name = "<stdin>" if pairs_file == "-" else pairs_file
    inputs: list[PairInput] = []
    failed = 0
    try:
        with _open_input(pairs_file) as handle:
            for number, line in _lines(handle, max_bytes):
                origin = f"{name}:{number}"
                if line is None:
                    reason = f"line longer than {max_bytes} bytes (see --max-bytes)"
                    report_error(BadInputError(origin, reason))
                    failed += 1
                    continue
                if not line.strip():
                    continue
                item = parse_pair_line(origin, line)
                if isinstance(item, BadInputError):
                    report_error(item)
                    failed += 1
                else:
                    inputs.append(item)
    except OSError as error:
        raise click.ClickException(f"{pairs_file}: cannot read: {error.strerror}") from error
    try:
        results = score_pairs(inputs, E5Embedder())
    except StorylineError as error:
        raise click.ClickException(str(error)) from error
    with output_stream(output) as out:
        for pair_id, scored in results:
            line_out: dict[str, Any] = {"id": pair_id, "score": round(scored.score, 4)}
            if explain:
                line_out["label"] = scored.label
                line_out["signals"] = _signals(scored)
            out.write(json.dumps(line_out, ensure_ascii=False) + "\n")
    if not inputs and not failed:
        err_console.print(f"{name}: no pairs found", soft_wrap=True)
    if failed:
        sys.exit(1)
