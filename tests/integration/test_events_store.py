"""Events and storylines through a real store (SQLite and PostgreSQL), the real embedder and
the real CLI: the seeds, resuming, user corrections that persist, and ``storyline cluster``."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from storyline.cli import cli
from storyline.embed.e5 import E5Embedder
from storyline.extract import ARTICLE_MEDIA_TYPE, extract
from storyline.link.stream import EventStream
from storyline.model import Article, RawDoc
from storyline.pipeline import Pipeline, PipelineOptions
from storyline.store.postgres import PostgresStore
from storyline.store.sqlite import SQLiteStore
from tests.pg import open_any

#: When the two seed reports were published (the text files carry no date; a feed does):
#: 003 reports the Thursday 4 July 2024 call, 000 the Wednesday 21 August 2024 call.
SEED_DATES = {"003": "2024-07-05T10:00:00+00:00", "000": "2024-08-22T09:00:00+00:00"}


def run_cli(*args: str, input: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), input=input, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def seed_articles(seeds: dict[str, Path]) -> list[Article]:
    out = []
    for key in ("003", "000"):
        text = seeds[key].read_text("utf-8")
        fields = {"id": f"seed{key}", "text": text, "published": SEED_DATES[key]}
        raw = RawDoc(origin=key, content=text, media_type=ARTICLE_MEDIA_TYPE, fields=fields)
        out.append(extract(raw))
    return out


@pytest.fixture
def db_url(store_url: str) -> str:
    """A migrated database of each back end (these tests run on SQLite and PostgreSQL)."""
    return store_url


@pytest.fixture
def store(db_url: str) -> Iterator[SQLiteStore | PostgresStore]:
    with open_any(db_url) as opened:
        yield opened


def test_seeds_one_storyline_two_events(seeds: dict[str, Path], tmp_path: Path) -> None:
    lines = [json.dumps(a.to_dict() | {"id": a.id}) for a in seed_articles(seeds)]
    src = tmp_path / "seeds.jsonl"
    src.write_text("\n".join(lines) + "\n", "utf-8")
    code, stdout, stderr = run_cli("cluster", str(src))
    assert code == 0, stderr
    rows = {r["id"]: r for r in map(json.loads, stdout.splitlines())}
    one, two = rows["seed003"], rows["seed000"]
    assert one["event"] and two["event"] and one["event"] != two["event"]
    assert one["storyline"] == two["storyline"] is not None


def test_pipeline_clusters_and_corrections_persist(
    store: SQLiteStore | PostgresStore, seeds: dict[str, Path]
) -> None:
    embedder = E5Embedder()
    pipeline = Pipeline(store, PipelineOptions(enrich=False), embedder=embedder)
    articles = seed_articles(seeds)
    report = pipeline.store_articles(articles)
    assert report.clustered == 2 and report.cluster_error is None
    placed = store.events_of(["seed003", "seed000"])
    first, second = placed["seed003"], placed["seed000"]
    assert first[0] != second[0] and first[1] == second[1]
    assert {s.id for s in store.list_storylines()} == {first[1]}

    # A user merges the two events: the rows change, the merge is recorded...
    store.merge_events(second[0], first[0])
    assert store.events_of(["seed000"])["seed000"][0] == first[0]
    assert store.cluster_merges()[0].reason == "user"
    # ...and a resumed clusterer obeys it: a copy of 000 joins the merged event.
    stream = EventStream(store, embedder.name)
    assert stream.clusterer.corrections.redirect == {second[0]: first[0]}
    copy = Article(
        id="seed000b",
        title=articles[1].title,
        text=articles[1].text,
        published=articles[1].published,
    )
    pipeline2 = Pipeline(store, PipelineOptions(enrich=False, dedup=None), embedder=embedder)
    pipeline2.store_articles([copy])
    assert store.events_of(["seed000b"])["seed000b"][0] == first[0]

    # Splitting an article out sticks, and moving an event makes a new storyline.
    new_event = store.split_article("seed000b")
    assert store.events_of(["seed000b"])["seed000b"][0] == new_event != first[0]
    assert EventStream(store, embedder.name).clusterer.corrections.split["seed000b"] == first[0]
    target = store.move_event(new_event, None)
    assert store.get_event(new_event).storyline_id == target  # type: ignore[union-attr]


def test_event_commands(
    store: SQLiteStore | PostgresStore, db_url: str, seeds: dict[str, Path]
) -> None:
    Pipeline(store, PipelineOptions(enrich=False)).store_articles(seed_articles(seeds))
    db = db_url
    code, out, err = run_cli("events", "list", "--db", db, "--json")
    assert code == 0, err
    events = json.loads(out)
    assert len(events) == 2 and all(e["articles"] == 1 for e in events)
    storyline = events[0]["storyline_id"]
    code, out, err = run_cli("timeline", storyline, "--db", db, "--json")
    assert code == 0, err
    timeline = json.loads(out)["timeline"]
    assert [e["date"] for e in timeline] == ["2024-07-04", "2024-08-21"]
    assert all(e["sentence"] for e in timeline)
    code, out, err = run_cli("storylines", "--db", db, "--json")
    assert code == 0 and [s["id"] for s in json.loads(out)] == [storyline]
    code, out, err = run_cli("events", "merge", events[0]["id"], events[1]["id"], "--db", db)
    assert code == 0, err
    code, out, err = run_cli("events", "merge", events[0]["id"], events[1]["id"], "--db", db)
    assert code == 1 and "no such event" in err
    code, out, err = run_cli("events", "show", events[1]["id"], "--db", db, "--json")
    assert json.loads(out)["articles"] == 2
    code, out, err = run_cli("events", "split", "nonexistent", "--db", db)
    assert code == 1 and "not in any event" in err
    code, out, err = run_cli("events", "update", "--db", db, "--no-progress")
    assert code == 0 and "clustered 0" in out
