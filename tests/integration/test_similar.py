"""Similar news end to end: ingest (with embedding) into real SQLite files, query, group, CLI.

The seed documents are the acceptance case: in a store that also holds the WikinewsSum
source articles, each seed's top similar article is the other, and their score says "same
storyline" but not "same event" (their events are weeks apart and differ in who called whom
about what).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
from click.testing import CliRunner

from storyline.cli import cli
from storyline.embed import E5Embedder, Embedder, FloatMatrix
from storyline.errors import BadInputError, ConfigError, StorylineError
from storyline.link.similarity import SimilarityModel
from storyline.model import Article
from storyline.pipeline import Pipeline
from storyline.similar import SimilarNews
from storyline.store.sqlite import SQLiteStore

WIRE = (
    "Storm closes harbour in Bergen",
    "A storm with waves of up to eight metres closed the harbour in Bergen on Tuesday, the "
    "port authority said. Ferries to Askøy and Sotra were cancelled and the fish market stayed "
    "shut. The authority expects to reopen the quay on Thursday once divers have checked the "
    "breakwater, which was damaged in a similar storm in 2019.",
)


def run_cli(*args: str, input: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), input=input, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(scope="module")
def seeded(
    tmp_path_factory: pytest.TempPathFactory, shared_data: Path, seeds: dict[str, Path]
) -> tuple[str, dict[str, str]]:
    """A store with the WikinewsSum sources and the two seeds, ingested like a user would."""
    folder = tmp_path_factory.mktemp("seeded")
    feed = folder / "wikinews.jsonl"
    with feed.open("w", encoding="utf-8") as out:
        for n, line in enumerate((shared_data / "events" / "wikinewssum-en.jsonl").open()):
            for m, source in enumerate(json.loads(line)["sources"]):
                record = {
                    "id": f"wn{n:03d}-{m}",
                    "title": source.get("title") or None,
                    "text": source["maintext"],
                    "url": source.get("url"),
                    "language": source.get("language"),
                }
                out.write(json.dumps(record) + "\n")
    db = f"sqlite:///{folder / 'news.db'}"
    code, _, err = run_cli(
        "ingest", "--db", db, "-q", str(feed), str(seeds["000"]), str(seeds["003"])
    )
    assert code in (0, 1), err  # a few WikinewsSum sources may have no usable text
    store = SQLiteStore(db)
    try:
        ids = {
            name: next(a.id for a in store.iter_articles() if (a.origin or "").endswith(path.name))
            for name, path in seeds.items()
        }
        assert store.count_vectors(E5Embedder().name) == store.count_articles()  # ingest embedded
    finally:
        store.close()
    return db, ids


@pytest.mark.slow
def test_seeds_are_each_others_top_similar_news(seeded: tuple[str, dict[str, str]]) -> None:
    db, ids = seeded
    store = SQLiteStore(db)
    try:
        finder = SimilarNews(store, E5Embedder())
        for me, other in (("000", "003"), ("003", "000")):
            result = finder.for_article(ids[me], limit=5)
            top = result.groups[0]
            assert top.article.id == ids[other], [g.article.title for g in result.groups]
            assert top.scored.label == "same storyline", top.scored
            assert result.groups[1].scored.score < top.scored.score - 0.1
            assert result.index_kind == "exact"
    finally:
        store.close()


@pytest.mark.slow
def test_similar_cli_table_json_explain_and_text(seeded: tuple[str, dict[str, str]]) -> None:
    db, ids = seeded
    code, out, _ = run_cli("similar", ids["000"], "--db", db, "-n", "3")
    assert code == 0
    assert "The talks comes as" in out and "same storyline" in out  # a wrapped title
    code, out, _ = run_cli("similar", ids["003"], "--db", db, "--json", "--explain", "-n", "2")
    payload = json.loads(out)
    first = payload["similar"][0]
    assert first["id"] == ids["000"] and 0 <= first["score"] <= 1
    assert {"vectors", "words", "names", "baseline"} <= set(first["signals"])
    assert set(first["terms"]) == {"baseline", *SimilarityModel().params.weights}
    assert sum(first["terms"].values()) == pytest.approx(first["score"], abs=2e-3)
    assert sum(first["signals"].values()) == pytest.approx(first["score"], abs=2e-3)
    text = "Biden and Netanyahu talk about the Gaza ceasefire and the hostage deal on the phone."
    code, out, _ = run_cli("similar", "--text", "-", "--db", db, "--json", input=text)
    assert code == 0
    assert json.loads(out)["similar"][0]["id"] in ids.values()


@pytest.mark.slow
def test_similar_cli_errors(seeded: tuple[str, dict[str, str]]) -> None:
    db, _ = seeded
    code, _, err = run_cli("similar", "no-such-id", "--db", db)
    assert code == 1 and "no stored article has this id" in err
    code, _, err = run_cli("similar", "--text", "-", "--db", db, input="   \n")
    assert code == 1 and "empty text" in err
    code, _, err = run_cli("similar", "--db", db)
    assert code == 2 and "either an ARTICLE_ID or --text" in err


def wire_copy(n: int) -> Article:
    title, text = WIRE
    return Article(
        id=f"copy{n}",
        title=title if n % 2 else f"{title} (NTB)",
        text=f"{text} Updated {n} minutes ago." if n else text,
        source_id=f"paper{n}",
        language="en",
    )


@pytest.fixture
def wire_store(tmp_path: Path) -> Iterator[SQLiteStore]:
    store = SQLiteStore(f"sqlite:///{tmp_path / 'wire.db'}")
    store.migrate()
    others = [
        Article(
            id="ferry",
            title="Ferry services resume in western Norway after storm",
            text=(
                "Ferries between Bergen, Askøy and Sotra run again after Tuesday's storm, the "
                "operator said on Thursday. The harbour reopened after divers checked the quay."
            ),
            language="en",
        ),
        Article(
            id="football",
            title="Brann beat Rosenborg",
            text=("Brann beat Rosenborg 2-0 in Bergen on Sunday with two late goals."),
            language="en",
        ),
        Article(
            id="marked",
            title="Storm closes harbour in Bergen",
            text=WIRE[1] + " (AP)",
            duplicate_of="copy0",
            language="en",
        ),
    ]
    store.add_articles([wire_copy(n) for n in range(5)] + others)
    yield store
    store.close()


def test_copies_of_one_wire_story_show_as_one_line(wire_store: SQLiteStore) -> None:
    finder = SimilarNews(wire_store, E5Embedder())
    assert finder.fill_cache() == 8  # nothing was embedded at ingest here
    result = finder.for_article("ferry", limit=10)
    wire = [g for g in result.groups if g.article.id.startswith("copy") or g.article.id == "marked"]
    assert len(wire) == 1, [(g.article.id, [a.id for a in g.more]) for g in result.groups]
    assert len(wire[0].more) == 5  # four unmarked copies folded, one marked by dedup
    assert result.groups[0] is wire[0]
    # Asking about one copy: the others are its copies, not other coverage.
    own = finder.for_article("copy0", limit=10)
    assert {a.id for a in own.copies} == {"marked"}
    assert own.groups[0].article.id.startswith("copy") and len(own.groups[0].more) == 3
    code, out, _ = run_cli("similar", "ferry", "--db", wire_store.url)
    assert code == 0 and "and 5 more" in out


class Broken:
    """An embedder that fails, as a missing or damaged model would."""

    name = "multilingual-e5-small-q4/t64"
    dim = 384

    def embed(self, texts: Sequence[str]) -> FloatMatrix:
        raise StorylineError("the model file is damaged")


@pytest.mark.parametrize("threshold", [0, 10**9], ids=["hnsw", "exact"])
def test_index_grows_with_the_store_without_a_rebuild(
    wire_store: SQLiteStore, threshold: int
) -> None:
    finder = SimilarNews(wire_store, E5Embedder(), hnsw_threshold=threshold)
    finder.fill_cache()
    index = finder.index()
    assert index.kind == ("hnsw" if threshold == 0 else "exact")
    assert len(index) == 8
    assert all(g.article.id != "late" for g in finder.for_article("ferry", limit=10).groups)
    late = Article(
        id="late",
        title="Bergen harbour quay repaired after storm damage",
        text="Divers finished repairing the breakwater of Bergen harbour after Tuesday's storm.",
        language="en",
    )
    wire_store.add_articles([late])
    finder.fill_cache()
    assert finder.index() is index and len(index) == 9  # extended in place, not rebuilt
    assert "late" in [g.article.id for g in finder.for_article("ferry", limit=10).groups]
    lazy = SimilarNews(wire_store, E5Embedder(), hnsw_threshold=threshold, refresh_seconds=3600)
    assert len(lazy.index()) == 9
    wire_store.add_articles([Article(id="extra", title="Extra", text="Ferry news.", language="en")])
    assert lazy.fill_cache() == 1
    assert wire_store.count_vectors(lazy.embedder.name) == 10
    assert len(lazy.index()) == 9  # not checked again within refresh_seconds


def test_failing_embedder_loses_no_article_and_query_fills_in(tmp_path: Path) -> None:
    store = SQLiteStore(f"sqlite:///{tmp_path / 'b.db'}")
    store.migrate()
    feed = tmp_path / "in.jsonl"
    feed.write_text(
        "\n".join(
            json.dumps({"id": f"x{i}", "title": t, "text": t * 3})
            for i, t in enumerate(
                [
                    "Storm closes harbour in Bergen. ",
                    "Harbour in Bergen shut by storm. ",
                    "Election in Peru. ",
                ]
            )
        )
    )
    broken: Embedder = Broken()
    report = Pipeline(store, embedder=broken).ingest_paths([feed])
    assert report.inserted == 3 and report.embedded == 0
    assert report.embed_error is not None and "damaged" in report.embed_error
    assert store.count_vectors(E5Embedder().name) == 0
    result = SimilarNews(store, E5Embedder()).for_article("x0")
    assert store.count_vectors(E5Embedder().name) == 3
    assert result.groups[0].article.id == "x1"
    with pytest.raises(BadInputError):
        SimilarNews(store, E5Embedder()).for_text("")
    store.close()


def test_huge_and_unsupported_script_texts_get_defined_results(wire_store: SQLiteStore) -> None:
    finder = SimilarNews(wire_store, E5Embedder())
    huge = "Storm closes the harbour in Bergen, ferries cancelled. " * 190_000  # ~10 MB
    assert len(huge) > 10_000_000
    result = finder.for_text(huge, limit=3)
    top = result.groups[0]
    assert {top.article.id, *(a.id for a in top.more)} == {f"copy{n}" for n in range(5)} | {
        "marked"
    }
    meitei = finder.for_text("ꯀꯥꯡꯂꯩꯄꯥꯛ ꯃꯤꯇꯩ ꯂꯣꯟ ꯑꯁꯤ ꯑꯩꯈꯣꯌꯒꯤ " * 30, limit=3)
    assert meitei.groups and all(0.0 <= g.scored.score <= 1.0 for g in meitei.groups)
    assert all(g.scored.label in ("related", "different") for g in meitei.groups)


def test_vectors_of_another_model_are_refused(wire_store: SQLiteStore) -> None:
    other = Broken()
    other.name = "hub:intfloat/multilingual-e5-base/t64"
    with pytest.raises(ConfigError, match="refit"):
        SimilarNews(wire_store, other)
