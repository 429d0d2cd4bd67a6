"""Read local files into ``RawDoc`` records: plain text, HTML (``.html``, ``.html.gz``), JSONL.

This is the first line of defence against bad input. Every problem becomes a
``BadInputError`` that names the file (and line, for JSONL) and says why, and is *yielded*
rather than raised, so one broken file never stops a run: the caller reports it and goes on.

Caps protect memory: a file (or a decompressed gzip stream, which could be a bomb) larger
than ``max_bytes`` is refused, and so is a JSONL line longer than ``max_bytes``; both are read
in bounded chunks, never whole.
"""

from __future__ import annotations

import gzip
import json
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, cast

from storyline.errors import BadInputError
from storyline.model import ARTICLE_MEDIA_TYPE, RawDoc, Source, SourceKind, utcnow

__all__ = [
    "ARTICLE_MEDIA_TYPE",
    "DEFAULT_MAX_BYTES",
    "FileOptions",
    "document_from_bytes",
    "expand_paths",
    "file_kind",
    "read_file",
    "sniff_kind",
    "source_for",
]

DEFAULT_MAX_BYTES = 20 * 1024 * 1024

_KINDS: dict[str, str] = {
    ".txt": "text",
    ".text": "text",
    ".html": "html",
    ".htm": "html",
    ".xhtml": "html",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
}


@dataclass(frozen=True, slots=True)
class FileOptions:
    """How files are read. ``max_bytes`` caps a file, a decompressed stream and a JSONL line."""

    max_bytes: int = DEFAULT_MAX_BYTES


def file_kind(path: Path) -> str | None:
    """``text``, ``html`` or ``jsonl`` from the file name (``.gz`` allowed), else ``None``."""
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes = suffixes[:-1]
    return _KINDS.get(suffixes[-1]) if suffixes else None


@dataclass(slots=True)
class Expansion:
    """The files to read, the named inputs that cannot be read, and what folders held besides."""

    files: list[Path] = field(default_factory=list)
    errors: list[BadInputError] = field(default_factory=list)
    ignored: int = 0


def expand_paths(paths: Iterable[Path]) -> Expansion:
    """Files named directly and the supported files inside named folders, in a stable order.

    A named file of an unknown type is an error (the user asked for it); unknown files met
    inside a folder are only counted, as are hidden files and folders.
    """
    out = Expansion()
    seen: set[Path] = set()

    def add(path: Path) -> None:
        resolved = path.resolve()
        if resolved not in seen:
            seen.add(resolved)
            out.files.append(path)

    for path in paths:
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                rel = child.relative_to(path).parts
                if any(part.startswith(".") for part in rel) or not child.is_file():
                    continue
                if file_kind(child) is None:
                    out.ignored += 1
                else:
                    add(child)
        elif not path.exists():
            out.errors.append(BadInputError(str(path), "no such file or folder"))
        elif file_kind(path) is None:
            out.errors.append(
                BadInputError(
                    str(path),
                    "unsupported file type; use .txt, .html, .htm, .jsonl (optionally .gz)",
                )
            )
        else:
            add(path)
    return out


def source_for(path: Path) -> Source:
    """The file source a path belongs to: its folder (a folder usually holds one site's pages)."""
    folder = path.resolve().parent
    return Source(id=f"file:{folder}", kind=SourceKind.FILE, url=folder.as_uri(), title=folder.name)


def read_file(
    path: Path, options: FileOptions = FileOptions(), *, label: str | None = None
) -> Iterator[RawDoc | BadInputError]:
    """Yield the documents in one file, or ``BadInputError`` for each part that cannot be read.

    ``label`` names the file in origins and source ids when ``path`` is only a local copy (a
    remote URI the Spark engine fetched): the source is then the URI's folder."""
    kind = file_kind(path)
    origin = label or str(path)
    try:
        if kind == "jsonl":
            yield from _read_jsonl(path, options, label)
            return
        data = _read_bytes(path, options.max_bytes)
        source = f"file:{label.rsplit('/', 1)[0]}" if label else source_for(path).id
        yield document_from_bytes(origin, data, kind or "text", source)
    except BadInputError as error:
        yield error
    except OSError as error:
        yield BadInputError(origin, f"cannot read: {error.strerror or error}")


def sniff_kind(data: bytes) -> str:
    """``html`` when the bytes look like markup, else ``text`` (for stdin, which has no name)."""
    head = data[:4096].lstrip().lower()
    if head.startswith(b"\xef\xbb\xbf"):
        head = head[3:]
    if head.startswith(b"<") or any(m in head for m in (b"<html", b"<body", b"<!doctype html")):
        return "html"
    return "text"


def document_from_bytes(origin: str, data: bytes, kind: str, source_id: str | None) -> RawDoc:
    """A text or HTML document from its bytes, after the empty/binary/encoding checks."""
    _check_content(origin, data)
    if kind == "html":
        return RawDoc(origin, data, "text/html", source_id=source_id, fetched=utcnow())
    text = _decode_text(origin, data)
    return RawDoc(origin, text, "text/plain", source_id=source_id, fetched=utcnow())


def _open(path: Path) -> IO[bytes]:
    if path.suffix.lower() == ".gz":
        return cast(IO[bytes], gzip.open(path, "rb"))
    return path.open("rb")


def _read_bytes(path: Path, max_bytes: int) -> bytes:
    """The file's bytes (decompressed), refusing more than ``max_bytes`` without reading them."""
    origin = str(path)
    size = path.stat().st_size
    if size > max_bytes:
        raise BadInputError(
            origin,
            f"file is {_mb(size)}, over the {_mb(max_bytes)} limit (raise it with --max-bytes)",
        )
    try:
        with _open(path) as handle:
            data = handle.read(max_bytes + 1)
    except (gzip.BadGzipFile, EOFError, zlib.error) as error:
        raise BadInputError(origin, f"truncated or corrupt gzip data ({error})") from error
    if len(data) > max_bytes:
        raise BadInputError(
            origin, f"decompresses to more than {_mb(max_bytes)} (raise it with --max-bytes)"
        )
    return data


def _check_content(origin: str, data: bytes) -> None:
    """Refuse empty files and binary data before any parser sees them."""
    if not data.strip():
        raise BadInputError(origin, "empty file")
    head = data[:8192]
    if b"\x00" in head:
        raise BadInputError(origin, "contains NUL bytes: binary data, not text or HTML")
    controls = sum(1 for b in head if b < 32 and b not in (9, 10, 12, 13, 27))
    if controls > len(head) * 0.05:
        raise BadInputError(origin, "mostly control characters: binary data, not text or HTML")


def _decode_text(origin: str, data: bytes) -> str:
    """UTF-8 (with or without BOM); anything else is refused with the line and a fix."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise BadInputError(
            origin,
            f"not valid UTF-8 at line {line} (byte {error.start}); re-save the file as UTF-8, "
            "e.g. iconv -f latin1 -t utf-8",
        ) from error


def _mb(n: int) -> str:
    return f"{n / 1_048_576:.1f} MB"


def _read_jsonl(
    path: Path, options: FileOptions, label: str | None = None
) -> Iterator[RawDoc | BadInputError]:
    """One article per line, in the shape of DESIGN.md section 5; bad lines are reported alone."""
    fetched = utcnow()
    name = label or str(path)
    default_source = f"file:{label or path.resolve()}"
    try:
        handle = _open(path)
    except OSError as error:
        yield BadInputError(name, f"cannot read: {error.strerror or error}")
        return
    with handle:
        lineno = 0
        any_line = False
        while True:
            origin = f"{name}:{lineno + 1}"
            try:
                line, complete = _bounded_line(handle, options.max_bytes)
            except (gzip.BadGzipFile, EOFError, zlib.error) as error:
                yield BadInputError(origin, f"truncated or corrupt gzip data ({error})")
                return
            if not line and complete:
                break
            lineno += 1
            if not complete:
                yield BadInputError(
                    origin, f"line longer than {_mb(options.max_bytes)}; skipped (see --max-bytes)"
                )
                continue
            if not line.strip():
                continue
            any_line = True
            item = _parse_line(origin, line)
            if isinstance(item, BadInputError):
                yield item
                continue
            source = item.get("source")
            yield RawDoc(
                origin=origin,
                content=str(item.get("text") or ""),
                media_type=ARTICLE_MEDIA_TYPE,
                source_id=str(source) if source else default_source,
                url=str(item["url"]) if item.get("url") else None,
                fetched=fetched,
                fields=item,
            )
        if not any_line:
            yield BadInputError(name, "empty file")


def _bounded_line(reader: IO[bytes], limit: int) -> tuple[bytes, bool]:
    """Read one line of at most ``limit`` bytes; a longer line is consumed and dropped.

    Returns ``(line, True)``, or ``(b"", False)`` for an over-long line, or ``(b"", True)`` at
    the end of the file. Memory stays bounded by ``limit`` whatever the line length.
    """
    line = reader.readline(limit + 1)
    if len(line) <= limit or line.endswith(b"\n"):
        return line, True
    while True:
        chunk = reader.readline(1 << 20)
        if not chunk or chunk.endswith(b"\n"):
            return b"", False


def _parse_line(origin: str, line: bytes) -> dict[str, Any] | BadInputError:
    try:
        item = json.loads(line.decode("utf-8-sig"))
    except UnicodeDecodeError as error:
        return BadInputError(origin, f"not valid UTF-8 (byte {error.start} of the line)")
    except json.JSONDecodeError as error:
        return BadInputError(origin, f"invalid JSON: {error.msg} at column {error.colno}")
    except RecursionError:
        return BadInputError(origin, "invalid JSON: nested too deeply")
    except ValueError as error:  # an integer of more than 4300 digits
        return BadInputError(origin, f"invalid JSON: {error}")
    if not isinstance(item, dict):
        return BadInputError(origin, f"expected a JSON object, got {type(item).__name__}")
    if item.get("id") in (None, ""):
        return BadInputError(origin, 'missing "id"')
    for key in ("title", "text", "url", "source", "language", "published"):
        value = item.get(key)
        if value is not None and not isinstance(value, str):
            return BadInputError(origin, f'"{key}" must be a string or null')
    if not (item.get("title") or "").strip() and not (item.get("text") or "").strip():
        return BadInputError(origin, 'needs a non-empty "title" or "text"')
    item["id"] = str(item["id"])
    return item
