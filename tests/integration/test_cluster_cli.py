"""`storyline cluster`: the batch contract of DESIGN.md section 5 through the real CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from storyline.cli import cli
from storyline.cli.ingest import example_paths
from storyline.store.sqlite import SQLiteStore


def run_cli(*args: str, input: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), input=input, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def lines(seeds: dict[str, Path]) -> list[str]:
    one = seeds["000"].read_text("utf-8")
    two = seeds["003"].read_text("utf-8")
    records = [
        {
            "id": "cnn",
            "title": "Biden speaks with Netanyahu",
            "text": one,
            "source": "cnn",
            "published": "2024-08-21T18:00:00Z",
            "url": "https://edition.cnn.com/a",
        },
        {"id": 7, "title": "Gaza talks", "text": two, "source": "nrk"},
        {
            "id": "copy",
            "title": "Biden, Netanyahu discuss ceasefire deal",
            "text": one[: len(one) * 2 // 3] + "\nRead more »",
            "source": "vg",
            "url": "https://www.vg.no/a?utm_source=rss",
        },
    ]
    out = [json.dumps(r) for r in records]
    out.insert(2, '{"id": "x", "title": 3}')
    out.insert(3, "")
    out.append("[1, 2]")
    return out


def test_cluster_marks_duplicates_and_reports_bad_lines(tmp_path: Path, lines: list[str]) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text("\n".join(lines) + "\n", "utf-8")
    out = tmp_path / "out.jsonl"
    code, stdout, stderr = run_cli("cluster", str(src), "-o", str(out))
    assert code == 1 and stdout == ""
    assert f"error: {src}:3: " in stderr and f"error: {src}:6: " in stderr
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert all(set(row) == {"id", "event", "storyline", "duplicate_of"} for row in rows)
    assert [(row["id"], row["duplicate_of"]) for row in rows] == [
        ("cnn", None),
        ("7", None),
        ("copy", "cnn"),
    ]


def test_cluster_reads_stdin_and_writes_stdout(lines: list[str]) -> None:
    good = [line for line in lines if line.startswith('{"id": "cnn"') or '"copy"' in line]
    code, stdout, stderr = run_cli("cluster", "-", input="\n".join(good) + "\n")
    assert code == 0, stderr
    assert [json.loads(line)["duplicate_of"] for line in stdout.splitlines()] == [None, "cnn"]


def test_cluster_with_a_store_checks_against_stored_articles(
    tmp_path: Path, lines: list[str]
) -> None:
    db = tmp_path / "news.db"
    first, second = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    first.write_text(lines[0] + "\n", "utf-8")
    copy = next(x for x in lines if '"copy"' in x)
    second.write_text(lines[0] + "\n" + copy + "\n", "utf-8")
    assert run_cli("cluster", str(first), "--db", str(db))[0] == 0
    code, stdout, _ = run_cli("cluster", str(second), "--db", str(db))
    assert code == 0
    assert [json.loads(line)["duplicate_of"] for line in stdout.splitlines()] == [None, "cnn"]
    with SQLiteStore(str(db)) as store:
        assert store.count_articles() == 2


def test_cluster_names_a_missing_file(tmp_path: Path) -> None:
    code, _, stderr = run_cli("cluster", str(tmp_path / "nope.jsonl"))
    assert code == 2 and "no such file" in stderr


def test_undated_seeds_are_two_events_of_one_storyline(tmp_path: Path) -> None:
    """The seeds as `make run` ingests them: bare text files with no publication date.

    Their texts alone make them one happening; what tells the calls apart is when they
    took place, read from the text: 000 reports a call "on Wednesday", 003 one "Thursday".
    """
    db = tmp_path / "news.db"
    code, _, stderr = run_cli("ingest", "--db", str(db), "-q", *map(str, example_paths()))
    assert code == 0, stderr
    code, stdout, stderr = run_cli("events", "list", "--db", str(db), "--json")
    assert code == 0, stderr
    events = json.loads(stdout)
    assert [e["articles"] for e in events] == [1, 1]
    assert events[0]["storyline_id"] == events[1]["storyline_id"] is not None
    with SQLiteStore(str(db)) as store:
        assert [a.published for a in store.iter_articles()] == [None, None]
