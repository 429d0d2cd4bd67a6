"""End to end through the real command line: files -> extraction -> SQLite, and back out."""

from __future__ import annotations

import gzip
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from storyline.cli import cli
from storyline.store.base import open_store

GOOD_HTML = """<!DOCTYPE html><html lang="en"><head>
<title>Harbour reopens after storm | Coast News</title>
<meta property="og:title" content="Harbour reopens after storm">
<meta name="author" content="Kari Nordmann">
<meta property="article:published_time" content="2024-08-21T09:30:00Z"></head>
<body><nav><a href="/">Home</a> <a href="/world">World</a></nav>
<article><h1>Harbour reopens after storm</h1>
<p>The harbour in the old town reopened on Wednesday after a storm closed it for three days,
the port authority said in a statement published on its website.</p>
<p>Fishing boats returned to the quay in the morning, and the ferry to the islands resumed
its normal timetable at noon, according to the operator.</p>
<p>Repairs to the breakwater, which was damaged by waves of up to eight metres, are expected
to take several weeks and cost the municipality an estimated two million kroner.</p>
</article><footer>© 2024 Coast News. All rights reserved.</footer></body></html>"""


def run_cli(*args: str, input: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), input=input, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def db(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'news.db'}"


def count(db: str) -> int:
    store = open_store(db)
    try:
        store.migrate()
        return store.count_articles()
    finally:
        store.close()


def test_seeds_ingest_clean_and_reingest_adds_nothing(db: str, seeds: dict[str, Path]) -> None:
    code, _, err = run_cli("ingest", "--db", db, "-q", str(seeds["000"]), str(seeds["003"]))
    assert code == 0, err
    store = open_store(db)
    store.migrate()
    try:
        articles = {Path(a.origin or "").name[:3]: a for a in store.iter_articles()}
        assert set(articles) == {"000", "003"}
        scraped = articles["003"]
        for junk in ("Similar News", "Les mer", "Norge Siste Nytt", "Du kan også lese"):
            assert junk not in scraped.text
        assert "Evan Vucci/AP" not in scraped.text
        assert any(c.text == "Evan Vucci/AP" for c in scraped.credits)
        assert scraped.language == "en"
        assert "Israeli Prime Minister Benjamin Netanyahu and President Joe Biden" in scraped.text
        assert scraped.related, "the similar-news teasers are kept as related links"
        assert store.get_article(scraped.id) == scraped
        assert "All rights reserved" not in articles["000"].text
        assert "Blinken" in articles["000"].text
        hits = store.search("Philadelphi corridor")
        assert [h.article_id for h in hits] == [articles["000"].id]
    finally:
        store.close()
    code, _, err = run_cli("ingest", "--db", db, str(seeds["000"]), str(seeds["003"]))
    assert code == 0
    assert "0 added, 2 already stored" in err
    assert count(db) == 2


def test_bad_inputs_are_reported_by_name_and_the_rest_goes_in(db: str, tmp_path: Path) -> None:
    first = tmp_path / "first.jsonl"
    first.write_text(
        json.dumps(
            {
                "id": "kept",
                "title": "Kept from before",
                "text": "An article stored before the bad run.",
            }
        )
        + "\n"
    )
    assert run_cli("ingest", "--db", db, "-q", str(first))[0] == 0

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "good.html").write_text(GOOD_HTML)
    (inbox / "empty.txt").write_text("")
    (inbox / "junk.html").write_bytes(os.urandom(4096) + b"\x00")
    (inbox / "latin1.txt").write_bytes("Tittel\nblåbær\n".encode("latin-1"))
    good_gz = gzip.compress(GOOD_HTML.replace("Harbour", "Airport").encode())
    (inbox / "cut.html.gz").write_bytes(good_gz[: len(good_gz) // 2])
    (inbox / "big.html").write_bytes(b"<p>" + b"a" * 2_000_000)
    (inbox / "feed.jsonl").write_text(
        json.dumps(
            {
                "id": "j1",
                "title": "Bridge opens",
                "text": "The new bridge opened today "
                "to traffic after two years of construction work on the river crossing.",
            }
        )
        + "\n{broken\n"
        + json.dumps(
            {
                "id": "j2",
                "title": "School year starts",
                "text": "Pupils returned to "
                "classrooms across the county on Monday as the school year began.",
            }
        )
        + "\n"
    )
    code, _, err = run_cli("ingest", "--db", db, "--max-bytes", "1000000", str(inbox))
    assert code == 1
    error_lines = [line for line in err.splitlines() if line.startswith("error:")]
    named = sorted(line.split(": ")[1] for line in error_lines)
    assert named == sorted(
        [
            str(inbox / n)
            for n in ("big.html", "cut.html.gz", "empty.txt", "junk.html", "latin1.txt")
        ]
        + [f"{inbox / 'feed.jsonl'}:2"]
    )
    assert "3 added" in err and "6 failed" in err
    store = open_store(db)
    store.migrate()
    try:
        titles = sorted(a.title for a in store.iter_articles())
        assert titles == [
            "Bridge opens",
            "Harbour reopens after storm",
            "Kept from before",
            "School year starts",
        ]
        harbour = next(a for a in store.iter_articles() if a.title.startswith("Harbour"))
        assert harbour.author == "Kari Nordmann"
        assert harbour.published is not None and harbour.published.isoformat().startswith(
            "2024-08-21"
        )
        assert "Home" not in harbour.text and "All rights reserved" not in harbour.text
        assert store.integrity_check() == []
    finally:
        store.close()


def test_extract_contract_and_stdin(tmp_path: Path, seeds: dict[str, Path]) -> None:
    page = tmp_path / "page.html"
    page.write_text(GOOD_HTML)
    out = tmp_path / "out.jsonl"
    code, _, err = run_cli("extract", str(page), str(seeds["003"]), "-o", str(out))
    assert code == 0, err
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert [set(line) for line in lines] == [
        {"path", "title", "text", "published", "author", "language"}
    ] * 2
    assert lines[0]["path"] == str(page)
    assert lines[0]["title"] == "Harbour reopens after storm"
    assert lines[0]["published"].startswith("2024-08-21")
    assert "Les mer" not in lines[1]["text"] and lines[1]["language"] == "en"
    code, stdout, _ = run_cli("extract", "-", input=GOOD_HTML)
    assert code == 0
    (line,) = [json.loads(x) for x in stdout.splitlines()]
    assert line["path"] == "<stdin>" and line["author"] == "Kari Nordmann"
    code, stdout, err = run_cli("extract", "-", input="")
    assert code == 1 and "<stdin>: empty file" in err and stdout == ""


def test_search_show_articles_and_db_commands(db: str, seeds: dict[str, Path]) -> None:
    assert run_cli("ingest", "--db", db, "-q", str(seeds["000"]))[0] == 0
    code, out, _ = run_cli("search", "--db", db, "--json", "Santa Ynez")
    hits = json.loads(out)
    assert code == 0 and len(hits) == 1
    code, out, _ = run_cli("show", "--db", db, "--json", hits[0]["article_id"])
    assert json.loads(out)["language"] == "en"
    code, out, _ = run_cli("search", "--db", db, "'; DROP TABLE articles; --")
    assert code == 0
    assert count(db) == 1
    code, out, _ = run_cli("articles", "--db", db, "--json")
    assert [a["id"] for a in json.loads(out)] == [hits[0]["article_id"]]
    assert run_cli("db", "check", "--db", db)[1].strip() == "ok"
    code, _, err = run_cli("show", "--db", db, "nope")
    assert code == 1 and "no article with id" in err


def test_run_once_ingests_examples_and_inbox(db: str, tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "page.html").write_text(GOOD_HTML)
    code, _, err = run_cli("run", "--db", db, "--inbox", str(inbox), "--once")
    assert code == 0, err
    assert count(db) == 3


def _make_corpus(folder: Path, n: int) -> None:
    folder.mkdir()
    words = [
        "harbour",
        "storm",
        "ferry",
        "council",
        "budget",
        "school",
        "bridge",
        "election",
        "river",
        "power",
    ]
    for i in range(n):
        body = " ".join(f"{words[(i * 7 + k) % len(words)]}{i + k}" for k in range(120))
        (folder / f"{i:05d}.txt").write_text(f"Report number {i}\n{body.capitalize()}.\n")


def test_kill_during_ingest_loses_nothing_and_resumes(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    # Every stage runs per batch (dedup, embedding, entities, events), so 1,000 documents
    # leave plenty of time to kill the ingest after its first committed batches.
    _make_corpus(corpus, 1000)
    db = f"sqlite:///{tmp_path / 'crash.db'}"
    cmd = [sys.executable, "-m", "storyline.cli", "ingest", "--db", db, "-q", str(corpus)]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    stored = 0
    while time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.2)
        try:
            stored = count(db)
        except Exception:  # the schema may not exist yet in the first instants
            continue
        if stored >= 400:
            break
    assert proc.poll() is None, "ingest finished before it could be killed; grow the corpus"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    after_kill = count(db)
    assert after_kill >= stored and after_kill % 200 == 0  # whole batches only
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert count(db) == 1000
    store = open_store(db)
    try:
        assert store.integrity_check() == []
    finally:
        store.close()


def test_a_rerun_finishes_articles_an_interrupted_run_stored(tmp_path: Path) -> None:
    """Stages after the commit (embed, enrich, cluster) are redone for articles a crashed run
    stored: here the first run stops right after its commits (those stages switched off)."""
    from storyline.pipeline import Pipeline, PipelineOptions
    from storyline.store.sqlite import SQLiteStore

    source = tmp_path / "news.jsonl"
    texts = [
        ("Storm closes harbour in Bergen", "Waves of eight metres closed the harbour on Tuesday."),
        ("Ferries cancelled in western Norway", "Ferries to Askøy were cancelled by the storm."),
        ("Brann beat Rosenborg", "Brann beat Rosenborg 2-0 in Bergen on Sunday."),
    ]
    source.write_text(
        "".join(
            json.dumps({"id": f"a{n}", "title": t, "text": x, "language": "en"}) + "\n"
            for n, (t, x) in enumerate(texts)
        ),
        encoding="utf-8",
    )
    store = SQLiteStore(f"sqlite:///{tmp_path / 'news.db'}")
    store.migrate()
    try:
        interrupted = PipelineOptions(embed=False, enrich=False, events=False)
        first = Pipeline(store, interrupted).ingest_paths([source])
        assert first.inserted == 3 and first.resumed == 0
        assert len(store.unclustered_ids()) == 3
        again = Pipeline(store).ingest_paths([source])
        assert (again.inserted, again.skipped, again.resumed) == (0, 3, 3)
        assert store.unclustered_ids() == []
        assert all(store.is_enriched(f"a{n}") for n in range(3))
        assert store.count_vectors(Pipeline(store)._embedder().name) == 3
        assert Pipeline(store).ingest_paths([source]).resumed == 0  # nothing left to finish
    finally:
        store.close()
