"""``storyline search``, ``show`` and ``articles``: reading what is stored."""

from __future__ import annotations

import json
from dataclasses import asdict

import click
from rich.console import Console
from rich.table import Table

from storyline.cli.common import db_option, json_option, opened_store

__all__ = ["list_articles", "search", "show"]


@click.command()
@click.argument("query")
@db_option
@click.option("-n", "--limit", type=click.IntRange(1, 1000), default=20, show_default=True)
@click.option("--copies", is_flag=True, help="List duplicate copies of a story one by one.")
@json_option
def search(query: str, db_url: str, limit: int, copies: bool, as_json: bool) -> None:
    """Full-text search over titles and texts: words, "phrases", OR, -exclusions.

    One line per story: copies of one story (duplicates, syndicated versions) fold into
    their original, shown with "and N more"; --copies lists them one by one.
    """
    with opened_store(db_url) as store:
        hits = store.search(query, limit=limit, copies=copies)
    if as_json:
        click.echo(json.dumps([asdict(hit) for hit in hits], ensure_ascii=False, indent=2))
        return
    if not hits:
        click.echo("no matches")
        return
    table = Table("id", "title", "snippet", box=None)
    for hit in hits:
        title = f"{hit.title} (and {hit.copies} more)" if hit.copies else hit.title
        table.add_row(hit.article_id, title, hit.snippet)
    Console().print(table)


@click.command()
@click.argument("article_id")
@db_option
@json_option
def show(article_id: str, db_url: str, as_json: bool) -> None:
    """Show one stored article: metadata, clean text, credits and related links."""
    with opened_store(db_url) as store:
        article = store.get_article(article_id)
    if article is None:
        raise click.ClickException(f"no article with id {article_id!r}; find ids with search")
    if as_json:
        click.echo(json.dumps(article.to_dict(), ensure_ascii=False, indent=2))
        return
    click.echo(article.title)
    meta = [
        article.published.isoformat() if article.published else "date unknown",
        article.language or "language unknown",
        article.author or "",
        article.url or "",
    ]
    click.echo(" · ".join(m for m in meta if m))
    click.echo()
    click.echo(article.text)
    for credit in article.credits:
        click.echo(f"\n[{credit.kind}] {credit.text}")
    if article.related:
        click.echo("\nRelated:")
        for link in article.related:
            click.echo(f"  - {link.title}")


@click.command("articles")
@db_option
@click.option("-n", "--limit", type=click.IntRange(1, 10_000), default=20, show_default=True)
@click.option("--copies", is_flag=True, help="Also list articles that are copies of another.")
@json_option
def list_articles(db_url: str, limit: int, copies: bool, as_json: bool) -> None:
    """List stored articles (id, language, title), oldest first, one copy of each story."""
    rows = []
    with opened_store(db_url) as store:
        for article in store.iter_articles():
            if article.duplicate_of and not copies:
                continue
            rows.append(article)
            if len(rows) >= limit:
                break
    if as_json:
        click.echo(
            json.dumps(
                [
                    {
                        "id": a.id,
                        "title": a.title,
                        "language": a.language,
                        "published": a.to_dict()["published"],
                    }
                    for a in rows
                ],
                ensure_ascii=False,
                indent=2,
            )
        )
        return
    for article in rows:
        click.echo(f"{article.id}  {article.language or '??'}  {article.title}")
