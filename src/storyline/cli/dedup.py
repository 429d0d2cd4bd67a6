"""``storyline dedup ...``: explain matches, list duplicate groups, versions, scope, index.

Duplicates are marked as articles are stored (``ingest``, ``run``, ``cluster``); these
commands show and steer what was decided. See ``docs/dedup.md``.
"""

from __future__ import annotations

import itertools
import json
from typing import Any, cast

import click

from storyline.cli.common import db_option, err_console, json_option, opened_store
from storyline.dedup import Deduplicator, DedupOptions, ScopeMode, compare
from storyline.dedup.revisions import version_diff
from storyline.dedup.syndication import count_origins, origin_key
from storyline.store.base import Store
from storyline.store.sqlite import SQLiteStore
from storyline.store.sqlite_dedup import SQLiteDedupMixin

__all__ = ["dedup"]

_MODES = click.Choice([m.value for m in ScopeMode])


def _sqlite(store: Store) -> SQLiteStore:
    """The store, if it keeps the dedup index: SQLite, and PostgreSQL through the same mixin."""
    if not isinstance(store, SQLiteDedupMixin):
        raise click.ClickException(f"{store.url}: this store does not keep a duplicate index")
    return cast(SQLiteStore, store)


@click.group()
def dedup() -> None:
    """Duplicates, syndication and revisions: explain, list, steer and rebuild."""


@dedup.command("explain")
@click.argument("article_id")
@click.argument("other_id", required=False)
@db_option
@json_option
def explain(article_id: str, other_id: str | None, db_url: str, as_json: bool) -> None:
    """Why an article is (or is not) a duplicate: its group, original and matches.

    With OTHER_ID, compare the two articles now and print the score, the deciding signal
    and the measures (text overlap, headline similarity, fact agreement).
    """
    with opened_store(db_url) as opened:
        store = _sqlite(opened)
        article = store.get_article(article_id)
        fp = store.dedup_fingerprint(article_id)
        if article is None or fp is None:
            raise click.ClickException(
                f"no indexed article {article_id!r}; find ids with `storyline articles`, "
                "index old articles with `storyline dedup index --rebuild`"
            )
        others = [other_id] if other_id else [m[0] for m in store.dedup_matches(article_id)]
        matches = []
        for other in others:
            ofp = store.dedup_fingerprint(other)
            if ofp is None:
                raise click.ClickException(f"no indexed article {other!r}")
            matches.append(compare(fp, ofp, DedupOptions()))
        group = store.dedup_group(fp.group)
    payload: dict[str, Any] = {
        "id": article_id,
        "title": article.title,
        "duplicate_of": article.duplicate_of,
        "syndicated_from": article.syndicated_from,
        "wire": fp.wire,
        "group": [g.article_id for g in group],
        "origin": origin_key(group) if group else None,
        "matches": [
            {
                "other": m.other_id,
                "duplicate": m.duplicate,
                "score": m.score,
                "signal": m.signal,
                "reason": m.reason,
                "jaccard": m.jaccard,
                "containment": m.containment,
                "title": m.title,
                "facts": m.facts,
            }
            for m in matches
        ],
    }
    if as_json:
        click.echo(json.dumps(payload, ensure_ascii=False, indent=2))
        return
    click.echo(f"{article_id}  {article.title}")
    if article.duplicate_of:
        click.echo(f"duplicate of {article.duplicate_of} (group of {len(group)})")
    else:
        click.echo(f"not a duplicate; heads a group of {len(group)}")
    click.echo(f"original: {article.syndicated_from or article_id}; origin {payload['origin']}")
    if fp.wire:
        click.echo(f"credits wire agency: {fp.wire}")
    if not matches:
        click.echo("no matches were found when it was stored")
    for m in matches:
        verdict = "duplicate" if m.duplicate else "not a duplicate"
        click.echo(f"  {m.other_id}: {verdict}, score {m.score:.2f}, signal {m.signal}")
        click.echo(f"    {m.reason}")


@dedup.command("groups")
@db_option
@click.option("-n", "--limit", type=click.IntRange(1, 10_000), default=20, show_default=True)
@json_option
def groups(db_url: str, limit: int, as_json: bool) -> None:
    """List stories with copies: one line per story (its original) and the copy count."""
    rows: list[dict[str, Any]] = []
    with opened_store(db_url) as opened:
        store = _sqlite(opened)
        for head, size in store.dedup_group_heads(limit=limit):
            members = store.dedup_group(head)
            article = store.get_article(head)
            rows.append(
                {
                    "group": head,
                    "title": article.title if article else "",
                    "copies": size - 1,
                    "original": (article.syndicated_from if article else None) or head,
                    "origins": count_origins(members),
                }
            )
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    if not rows:
        click.echo("no duplicate groups")
    for row in rows:
        click.echo(
            f"{row['group']}  +{row['copies']} copies  original {row['original']}  {row['title']}"
        )


@dedup.command("versions")
@click.argument("article_id")
@db_option
@json_option
def versions(article_id: str, db_url: str, as_json: bool) -> None:
    """The versions of an article edited at the same address, and what changed."""
    with opened_store(db_url) as opened:
        found = _sqlite(opened).article_versions(article_id)
    if as_json:
        click.echo(
            json.dumps(
                [
                    {
                        "version": v.version,
                        "title": v.title,
                        "text": v.text,
                        "url": v.url,
                        "seen": v.seen,
                    }
                    for v in found
                ],
                ensure_ascii=False,
                indent=2,
            )
        )
        return
    if not found:
        click.echo(f"{article_id}: one version (never revised)")
        return
    for old, new in itertools.pairwise(found):
        click.echo(f"version {old.version} -> {new.version} (seen {new.seen}):")
        for line in version_diff(old.title, old.text, new.title, new.text):
            click.echo(f"  {line}")


@dedup.command("scope")
@click.option("--default", "default", type=_MODES, help="Scope for all sources.")
@click.option(
    "--source",
    "sources",
    multiple=True,
    metavar="ID=MODE",
    help="Scope for one source (global, category or off); ID= removes the override.",
)
@click.option("--user", default="", help="Whose setting ('' is the local user).")
@db_option
@json_option
def scope(
    default: str | None, sources: tuple[str, ...], user: str, db_url: str, as_json: bool
) -> None:
    """Show or set which articles may be folded together: global, per category, or off
    for a source. Applies to articles stored from now on (or after an index rebuild)."""
    with opened_store(db_url) as opened:
        store = _sqlite(opened)
        if default is not None:
            store.set_dedup_scope(ScopeMode(default), user=user)
        for item in sources:
            source_id, sep, mode = item.partition("=")
            if not sep or not source_id:
                raise click.BadParameter(f"{item!r}: expected ID=MODE", param_hint="--source")
            if mode and mode not in _MODES.choices:
                raise click.BadParameter(
                    f"{item!r}: mode must be global, category or off", param_hint="--source"
                )
            store.set_dedup_scope(ScopeMode(mode) if mode else None, source_id=source_id, user=user)
        current = store.dedup_scope(user)
    overrides = {k: v.value for k, v in sorted(current.sources.items())}
    if as_json:
        click.echo(json.dumps({"default": current.default.value, "sources": overrides}, indent=2))
        return
    click.echo(f"default: {current.default.value}")
    for source_id, mode in overrides.items():
        click.echo(f"  {source_id}: {mode}")


@dedup.command("index")
@click.option("--rebuild", is_flag=True, help="Forget the index and re-check every article.")
@db_option
@json_option
def index(rebuild: bool, db_url: str, as_json: bool) -> None:
    """Show the duplicate index's size; ``--rebuild`` re-checks every stored article in the
    order stored (after a scope change, or for articles stored before dedup existed)."""
    with opened_store(db_url) as opened:
        store = _sqlite(opened)
        if rebuild:
            _rebuild(store)
        stats = store.dedup_stats()
    if as_json:
        click.echo(json.dumps(stats, indent=2))
        return
    for name, value in stats.items():
        click.echo(f"{name}: {value}")


def _rebuild(store: SQLiteStore, batch_size: int = 500) -> None:
    store.reset_dedup()
    stage = Deduplicator(store)
    stage.revisions = False
    batch = []
    done = 0
    for article in store.iter_articles():
        article.duplicate_of = article.syndicated_from = None
        stage.stage(article)
        batch.append(article)
        if len(batch) >= batch_size:
            store.add_deduped(batch, stage.take_changes(), update_existing=True)
            done += len(batch)
            batch.clear()
    store.add_deduped(batch, stage.take_changes(), update_existing=True)
    err_console.print(f"re-checked {done + len(batch)} articles")
