"""Duplicates end to end through the real command line: ingest, run, and `storyline dedup`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from storyline.cli import cli
from storyline.store.sqlite import SQLiteStore
from tests.pg import open_any


def run_cli(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "news.db"


def marks(db: Path) -> dict[str, str | None]:
    with SQLiteStore(str(db)) as store:
        return {a.id: a.duplicate_of for a in store.iter_articles()}


def test_the_two_seeds_together_are_not_duplicates(db: Path, seeds: dict[str, Path]) -> None:
    code, _, err = run_cli("ingest", str(seeds["000"]), str(seeds["003"]), "--db", str(db), "-q")
    assert code == 0, err
    found = marks(db)
    assert len(found) == 2 and set(found.values()) == {None}
    with SQLiteStore(str(db)) as store:
        stats = store.dedup_stats()
        assert (stats["fingerprints"], stats["duplicates"], stats["unindexed"]) == (2, 0, 0)
        ids = [a.id for a in store.iter_articles()]
    code, out, _ = run_cli("dedup", "explain", ids[0], ids[1], "--db", str(db), "--json")
    assert code == 0
    match = json.loads(out)["matches"][0]
    assert match["duplicate"] is False and match["signal"] == "different"
    assert match["containment"] < 0.1


def test_run_marks_a_syndicated_copy_in_the_inbox(
    db: Path, seeds: dict[str, Path], tmp_path: Path
) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    text = seeds["000"].read_text("utf-8")
    copy = "WASHINGTON (AP) — " + text.removeprefix("(CNN) — ")
    (inbox / "copy.txt").write_text(copy[: len(copy) * 3 // 4] + "\nRead more »\n", "utf-8")
    code, _, err = run_cli("run", "--db", str(db), "--inbox", str(inbox), "--once")
    assert code == 0, err
    with SQLiteStore(str(db)) as store:
        articles = list(store.iter_articles())
        assert len(articles) == 3  # nothing is lost: the copy is stored, marked
        seed = next(a for a in articles if a.origin and a.origin.endswith(seeds["000"].name))
        marked = [a for a in articles if a.duplicate_of]
        assert [a.duplicate_of for a in marked] == [seed.id]
        copy_id = marked[0].id
    code, out, _ = run_cli("dedup", "explain", copy_id, "--db", str(db))
    assert code == 0
    assert f"duplicate of {seed.id}" in out and "near-text" in out and "AP" in out
    code, out, _ = run_cli("dedup", "groups", "--db", str(db), "--json")
    groups = json.loads(out)
    assert [(g["group"], g["copies"]) for g in groups] == [(seed.id, 1)]
    code, out, _ = run_cli("dedup", "index", "--db", str(db), "--json")
    assert json.loads(out)["duplicates"] == 1


def test_rebuild_applies_a_new_scope(
    store_url: str, seeds: dict[str, Path], tmp_path: Path
) -> None:
    """On both back ends (the PostgreSQL store keeps the same dedup index)."""
    db = store_url
    text = seeds["000"].read_text("utf-8")
    lines = [
        {"id": "a", "title": "Biden call", "text": text, "source": "nrk"},
        {"id": "b", "title": "Biden call", "text": text + "\nLes mer »", "source": "vg"},
    ]
    path = tmp_path / "in.jsonl"
    path.write_text("".join(json.dumps(line) + "\n" for line in lines), "utf-8")
    code, _, err = run_cli("ingest", str(path), "--db", str(db))
    assert code == 0 and "1 of the added are copies of stored" in " ".join(err.split())
    with open_any(db) as store:
        assert {a.id: a.duplicate_of for a in store.iter_articles()} == {"a": None, "b": "a"}
    code, out, _ = run_cli("dedup", "scope", "--source", "vg=off", "--db", str(db))
    assert code == 0 and "vg: off" in out
    assert run_cli("dedup", "index", "--rebuild", "--db", str(db))[0] == 0
    with open_any(db) as store:
        assert store.get_article("b").duplicate_of is None  # type: ignore[union-attr]
    run_cli("dedup", "scope", "--source", "vg=", "--db", str(db))
    assert run_cli("dedup", "index", "--rebuild", "--db", str(db))[0] == 0
    with open_any(db) as store:
        assert store.get_article("b").duplicate_of == "a"  # type: ignore[union-attr]
        assert store.dedup_stats()["unindexed"] == 0


def test_revisions_are_listed_with_what_changed(db: Path, tmp_path: Path) -> None:
    base = {"id": "r1", "url": "https://news.example/a", "source": "nrk"}
    one = "The council approved the budget on Monday after a long debate about schools."
    two = one + "\nThe vote was 31 to 20, the mayor said late on Monday evening."
    for n, text in enumerate((one, two)):
        path = tmp_path / f"v{n}.jsonl"
        path.write_text(json.dumps({**base, "title": "Budget approved", "text": text}) + "\n")
        assert run_cli("ingest", str(path), "--db", str(db), "-q")[0] == 0
    code, out, _ = run_cli("dedup", "versions", "r1", "--db", str(db))
    assert code == 0
    assert "version 1 -> 2" in out and "+The vote was 31 to 20" in out


def test_explain_names_a_missing_article(db: Path) -> None:
    code, _, err = run_cli("dedup", "explain", "nope", "--db", str(db))
    assert code == 1 and "no indexed article 'nope'" in err


def test_an_event_counts_independent_origins(
    db: Path, seeds: dict[str, Path], tmp_path: Path
) -> None:
    """Two outlets running one story are one origin; a report of its own is another."""
    text = seeds["000"].read_text("utf-8")
    own = (  # a report of its own on the same call
        "President Joe Biden spoke with Israeli Prime Minister Benjamin Netanyahu on Wednesday "
        "about the ceasefire and hostage deal being negotiated in Cairo. Biden urged Netanyahu "
        "to close the remaining gaps, the White House said, while Israeli officials said "
        "disagreements over the Philadelphi corridor remained. Qatar and Egypt are mediating."
    )
    lines = [
        {"id": "a", "title": "Biden call", "text": text, "source": "nrk"},
        {"id": "b", "title": "Biden call", "text": text + "\nLes mer »", "source": "vg"},
        {"id": "c", "title": "Biden presses Netanyahu", "text": own, "source": "dn"},
    ]
    path = tmp_path / "in.jsonl"
    path.write_text("".join(json.dumps(line) + "\n" for line in lines), "utf-8")
    assert run_cli("ingest", str(path), "--db", str(db), "-q")[0] == 0
    assert marks(db) == {"a": None, "b": "a", "c": None}
    code, out, _ = run_cli("events", "list", "--db", str(db), "--json")
    assert code == 0
    events = json.loads(out)
    shown = [
        json.loads(run_cli("events", "show", e["id"], "--db", str(db), "--json")[1]) for e in events
    ]
    of_a = next(e for e in shown if "a" in e["article_ids"])
    assert "b" in of_a["article_ids"]
    expected = 2 if "c" in of_a["article_ids"] else 1
    assert of_a["origins"] == expected < len(of_a["article_ids"])
