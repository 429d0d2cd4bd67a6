"""The batch engines' pure parts: inputs, agreement figures, blocks and components."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from storyline.engines.agreement import adjusted_rand, agreement
from storyline.engines.blocks import UNDATED, EventSummary, UnionFind, block_of, combine_events
from storyline.engines.inputs import expand_inputs, input_kind, row_document
from storyline.engines.spark import _bucket_pairs
from storyline.errors import BadInputError


def test_input_kinds_and_expansion(tmp_path: Path) -> None:
    assert input_kind("a/CC-NEWS-1.warc.gz") == "warc"
    assert input_kind("s3a://b/x/*.parquet") == "parquet"
    assert input_kind("x.jsonl.gz") == "jsonl"
    assert input_kind("s3a://bucket/folder/") is None
    (tmp_path / "a.warc.gz").write_bytes(b"")
    (tmp_path / "_SUCCESS").write_bytes(b"")
    (tmp_path / "notes.pdf").write_bytes(b"")
    found = expand_inputs([str(tmp_path), str(tmp_path / "missing.warc"), "s3a://b/dir/"])
    assert found.files == [(str(tmp_path / "a.warc.gz"), "warc")]
    reasons = {e.origin: e.reason for e in found.errors}
    assert reasons[str(tmp_path / "missing.warc")] == "no such file or folder"
    assert "glob" in reasons["s3a://b/dir/"]


def test_row_document_needs_an_id() -> None:
    assert isinstance(row_document("f.parquet", {"title": "x"}), BadInputError)
    when = datetime(2024, 3, 1, tzinfo=UTC)
    doc = row_document("f.parquet", {"id": 7, "title": "T", "published": when, "text": None})
    assert not isinstance(doc, BadInputError)
    assert doc.origin == "f.parquet#7" and doc.fields["published"] == when.isoformat()
    assert "text" not in doc.fields


def test_agreement_figures() -> None:
    a = {"1": "x", "2": "x", "3": "y", "4": "y"}
    assert agreement(a, {k: v.upper() for k, v in a.items()})["bcubed_f1"] == 1.0
    assert adjusted_rand(a, {"1": "p", "2": "q", "3": "r", "4": "s"}) == 0.0
    split = agreement(a, {"1": "x", "2": "z", "3": "y", "4": "y"})
    assert split["bcubed_precision"] == 1.0 and split["bcubed_recall"] == 0.75


def test_blocks_components_and_pairs() -> None:
    assert block_of(None, 7) == UNDATED
    day = datetime(2024, 3, 4, tzinfo=UTC)
    assert block_of(day, 1) + 1 == block_of(day.replace(day=5), 1)
    uf = UnionFind(lambda node: (False, 0.0, node))
    for a, b in [("c", "b"), ("b", "a"), ("e", "d")]:
        uf.union(a, b)
    assert {uf.find(n) for n in "abc"} == {"a"} and uf.find("e") == "d"
    pairs = list(_bucket_pairs([(False, 2.0, "b"), (False, 1.0, "a"), (False, 3.0, "c")], 1))
    assert [(p[0][2], p[1][2]) for p in pairs] == [("b", "a"), ("c", "b")]


def test_combine_events_keeps_the_earliest_title() -> None:
    early = datetime(2024, 3, 1, tzinfo=UTC)
    late = datetime(2024, 3, 3, tzinfo=UTC)
    a = EventSummary("e1", "s1", "first", ["x"], first=late, last=late, languages={"de"})
    b = EventSummary("e2", "s2", "second", ["y", "z"], first=early, last=early, sources={"p"})
    out = combine_events([a, b], "e2", "s2")
    assert out.title == "second" and out.members == ["y", "z", "x"]
    assert (out.first, out.last, out.languages, out.sources) == (early, late, {"de"}, {"p"})


def test_remote_inputs_are_named_by_their_uri_and_keep_their_compression() -> None:
    # Spark hands remote files (s3a://, hdfs://) over as bytes; they go through a local
    # copy. Origins and source ids must name the URI (not a random temp file, which made
    # one source per run), and a .jsonl.gz copy must still be read as gzip.
    import gzip
    import json

    from storyline.engines.spark import _remote
    from storyline.engines.stages import EngineOptions

    line = {"id": "r1", "title": "Delta 4 Heavy", "text": "The rocket launched. " * 30}
    blob = gzip.compress((json.dumps(line) + "\n").encode())
    page = (
        b"<html><head><title>Launch</title></head><body><article><p>"
        + (b"The Delta 4 Heavy rocket lifted off from Cape Canaveral on Tuesday. " * 20)
        + b"</p></article></body></html>"
    )
    options = EngineOptions(embed=False, enrich=False)
    uris = ["s3a://news/day/a.jsonl.gz", "s3a://news/day/b.html"]
    done = [
        *_remote(options, "jsonl", [(uris[0], blob)]),
        *_remote(options, "html", [(uris[1], page)]),
    ]
    articles = [item.article for item in done]
    assert len(articles) == 2, done  # no "not valid UTF-8" failure for the gzip copy
    assert articles[0].origin == f"{uris[0]}:1" and articles[0].source_id == f"file:{uris[0]}"
    assert articles[1].origin == uris[1] and articles[1].source_id == "file:s3a://news/day"
