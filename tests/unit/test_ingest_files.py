"""Reading files into RawDoc records: formats, caps and one clear error per bad input."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from storyline.errors import BadInputError
from storyline.ingest.files import (
    ARTICLE_MEDIA_TYPE,
    FileOptions,
    expand_paths,
    file_kind,
    read_file,
    sniff_kind,
)
from storyline.model import RawDoc


def read_all(path: Path, max_bytes: int = 1_000_000) -> list[RawDoc | BadInputError]:
    return list(read_file(path, FileOptions(max_bytes=max_bytes)))


def only_error(items: list[RawDoc | BadInputError]) -> BadInputError:
    assert len(items) == 1, items
    assert isinstance(items[0], BadInputError), items
    return items[0]


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("a.txt", "text"),
        ("a.HTML", "html"),
        ("a.html.gz", "html"),
        ("a.jsonl.gz", "jsonl"),
        ("a.ndjson", "jsonl"),
        ("a.pdf", None),
        ("a.gz", None),
        ("README", None),
    ],
)
def test_file_kind(name: str, kind: str | None) -> None:
    assert file_kind(Path(name)) == kind


def test_text_file_is_read_as_utf8(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_text("Tittel\nÆrlig talt: blåbær.\n", encoding="utf-8")
    (doc,) = read_all(path)
    assert isinstance(doc, RawDoc)
    assert doc.media_type == "text/plain"
    assert doc.content == "Tittel\nÆrlig talt: blåbær.\n"
    assert doc.origin == str(path)
    assert doc.source_id == f"file:{tmp_path.resolve()}"


def test_html_gz_is_decompressed(tmp_path: Path) -> None:
    path = tmp_path / "page.html.gz"
    html = b"<html><body><p>Hello</p></body></html>"
    path.write_bytes(gzip.compress(html))
    (doc,) = read_all(path)
    assert isinstance(doc, RawDoc)
    assert doc.media_type == "text/html"
    assert doc.content == html


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.txt"
    path.write_text("  \n\n")
    error = only_error(read_all(path))
    assert str(error) == f"{path}: empty file"


def test_binary_junk(tmp_path: Path) -> None:
    path = tmp_path / "junk.html"
    path.write_bytes(bytes(range(256)) * 40)
    error = only_error(read_all(path))
    assert error.origin == str(path)
    assert "binary" in error.reason


def test_control_characters_without_nul_are_binary(tmp_path: Path) -> None:
    path = tmp_path / "ctl.txt"
    path.write_bytes(bytes([1, 2, 3, 4, 5, 6, 7, 8]) * 500)
    assert "binary" in only_error(read_all(path)).reason


def test_invalid_utf8_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "latin1.txt"
    path.write_bytes("Title\nfirst line\nbl\u00e5b\u00e6r\n".encode("latin-1"))
    error = only_error(read_all(path))
    assert "not valid UTF-8 at line 3" in error.reason
    assert "iconv" in error.reason


def test_oversized_file_is_refused_without_reading(tmp_path: Path) -> None:
    path = tmp_path / "big.html"
    with path.open("wb") as handle:
        handle.write(b"<html><body>" + b"<p>x</p>" * (50 * 1024 * 1024 // 8))
    error = only_error(read_all(path, max_bytes=20 * 1024 * 1024))
    assert "over the 20.0 MB limit" in error.reason
    assert "--max-bytes" in error.reason


def test_gzip_bomb_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bomb.html.gz"
    path.write_bytes(gzip.compress(b"<p>" + b"a" * 5_000_000))
    assert path.stat().st_size < 100_000
    error = only_error(read_all(path, max_bytes=1_000_000))
    assert "decompresses to more than" in error.reason


def test_truncated_gzip(tmp_path: Path) -> None:
    path = tmp_path / "cut.html.gz"
    data = gzip.compress(b"<html><body>" + b"<p>words and more words</p>" * 2000)
    path.write_bytes(data[: len(data) // 2])
    error = only_error(read_all(path))
    assert "truncated or corrupt gzip" in error.reason


def test_jsonl_good_and_bad_lines(tmp_path: Path) -> None:
    path = tmp_path / "feed.jsonl"
    lines = [
        json.dumps({"id": "a1", "title": "One", "text": "Body one.", "source": "wire"}),
        '{"id": "a2", "title": "Broken"',
        json.dumps([1, 2]),
        json.dumps({"title": "no id"}),
        json.dumps({"id": 7, "text": "numeric id is fine"}),
        "",
        json.dumps({"id": "a4", "title": "", "text": "  "}),
        json.dumps({"id": "a5", "title": 5}),
    ]
    path.write_text("\n".join(lines) + "\n")
    items = read_all(path)
    docs = [i for i in items if isinstance(i, RawDoc)]
    errors = [i for i in items if isinstance(i, BadInputError)]
    assert [d.fields["id"] for d in docs] == ["a1", "7"]
    assert docs[0].media_type == ARTICLE_MEDIA_TYPE
    assert docs[0].source_id == "wire"
    assert docs[1].source_id == f"file:{path.resolve()}"
    assert docs[0].origin == f"{path}:1"
    assert [e.origin for e in errors] == [f"{path}:{n}" for n in (2, 3, 4, 7, 8)]
    assert "invalid JSON" in errors[0].reason
    assert "expected a JSON object" in errors[1].reason
    assert 'missing "id"' in errors[2].reason
    assert "title" in errors[3].reason
    assert '"title" must be a string' in errors[4].reason


def test_jsonl_overlong_line_is_skipped_in_bounded_memory(tmp_path: Path) -> None:
    path = tmp_path / "long.jsonl"
    with path.open("w") as handle:
        handle.write(json.dumps({"id": "big", "text": "x" * 3_000_000}) + "\n")
        handle.write(json.dumps({"id": "ok", "text": "fine"}) + "\n")
    items = read_all(path, max_bytes=100_000)
    assert isinstance(items[0], BadInputError)
    assert items[0].origin == f"{path}:1"
    assert "line longer than" in items[0].reason
    assert isinstance(items[1], RawDoc)
    assert items[1].fields["id"] == "ok"


def test_jsonl_invalid_utf8_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_bytes(b'{"id": "x", "text": "caf\xe9"}\n{"id": "y", "text": "ok"}\n')
    items = read_all(path)
    assert isinstance(items[0], BadInputError)
    assert "not valid UTF-8" in items[0].reason
    assert isinstance(items[1], RawDoc)


def test_truncated_jsonl_gz_reports_and_keeps_earlier_lines(tmp_path: Path) -> None:
    path = tmp_path / "cut.jsonl.gz"
    body = "".join(json.dumps({"id": str(i), "text": f"text {i} " * 50}) + "\n" for i in range(400))
    data = gzip.compress(body.encode())
    path.write_bytes(data[: len(data) * 2 // 3])
    items = read_all(path)
    docs = [i for i in items if isinstance(i, RawDoc)]
    assert len(docs) > 10
    assert isinstance(items[-1], BadInputError)
    assert "gzip" in items[-1].reason


def test_expand_paths(tmp_path: Path) -> None:
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "b.html").write_text("<p>b</p>")
    (tmp_path / "site" / "a.txt").write_text("a")
    (tmp_path / "site" / "image.png").write_bytes(b"\x89PNG")
    (tmp_path / "site" / ".hidden.txt").write_text("h")
    (tmp_path / "note.pdf").write_bytes(b"%PDF")
    result = expand_paths(
        [
            tmp_path / "site",
            tmp_path / "site" / "a.txt",
            tmp_path / "note.pdf",
            tmp_path / "missing.txt",
        ]
    )
    assert [p.name for p in result.files] == ["a.txt", "b.html"]
    assert result.ignored == 1
    reasons = {Path(e.origin).name: e.reason for e in result.errors}
    assert reasons["note.pdf"].startswith("unsupported file type")
    assert reasons["missing.txt"] == "no such file or folder"


def test_sniff_kind() -> None:
    assert sniff_kind(b"  <!DOCTYPE html><html>") == "html"
    assert sniff_kind(b"Title\n\nSome text about <p> tags") == "text"
