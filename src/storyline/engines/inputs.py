"""Reading the batch engines' inputs: WARC/WARC.gz, JSONL and Parquet (and HTML/text files).

One reader per kind, all yielding :class:`~storyline.model.RawDoc` or the
:class:`~storyline.errors.BadInputError` that says which input failed and why. WARC files go
through :func:`storyline.ingest.warc.read_warc` and JSONL through the file reader, so a
page read by a batch engine is exactly what ``storyline ingest`` reads. A Parquet row is an
article in the shape of DESIGN.md section 5 (``id`` and ``title`` or ``text`` required).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from storyline.errors import BadInputError
from storyline.ingest.files import FileOptions, file_kind, read_file
from storyline.ingest.warc import read_warc
from storyline.model import ARTICLE_MEDIA_TYPE, RawDoc

__all__ = [
    "Inputs",
    "expand_inputs",
    "input_kind",
    "read_input",
    "row_document",
]


def input_kind(name: str) -> str | None:
    """``warc``, ``parquet``, ``jsonl``, ``html`` or ``text`` from a file name, else None."""
    lower = name.lower().rstrip("/")
    if lower.endswith((".warc", ".warc.gz", ".arc.gz")):
        return "warc"
    if lower.endswith(".parquet"):
        return "parquet"
    return file_kind(Path(lower))


@dataclass(slots=True)
class Inputs:
    """Files to read (path or URI, kind) and the named inputs that cannot be read."""

    files: list[tuple[str, str]] = field(default_factory=list)
    errors: list[BadInputError] = field(default_factory=list)


def _is_uri(name: str) -> bool:
    return "://" in name and not name.startswith("file://")


def expand_inputs(names: Sequence[str]) -> Inputs:
    """Local files and the readable files inside local folders, in a stable order.

    URIs (``s3a://``, ``hdfs://``...) are passed on as they are: only Spark can list them.
    A local folder that is a Parquet dataset (``*.parquet`` inside) is one Parquet input.
    """
    out = Inputs()
    for name in names:
        if _is_uri(name):
            kind = input_kind(name)
            if kind is None:
                out.errors.append(
                    BadInputError(
                        name,
                        "unknown input type; name WARC, JSONL or Parquet files, with a glob "
                        "for a folder (s3a://bucket/path/*.warc.gz, .../*.parquet)",
                    )
                )
            else:
                out.files.append((name, kind))
            continue
        path = Path(name.removeprefix("file://"))
        if path.is_dir():
            found = 0
            for child in sorted(path.rglob("*")):
                rel = child.relative_to(path).parts
                if any(p.startswith((".", "_")) for p in rel) or not child.is_file():
                    continue
                kind = input_kind(child.name)
                if kind is not None:
                    out.files.append((str(child), kind))
                    found += 1
            if not found:
                out.errors.append(BadInputError(name, "no WARC, JSONL, Parquet or HTML files"))
        elif not path.exists():
            out.errors.append(BadInputError(name, "no such file or folder"))
        else:
            kind = input_kind(path.name)
            if kind is None:
                out.errors.append(
                    BadInputError(
                        name, "unsupported file type; use .warc, .warc.gz, .jsonl, .parquet"
                    )
                )
            else:
                out.files.append((str(path), kind))
    return out


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def row_document(origin: str, row: Mapping[str, Any]) -> RawDoc | BadInputError:
    """One Parquet (or Spark) row as an article document; a row without an id is an error."""
    fields = {k: _plain(v) for k, v in row.items() if v is not None}
    if fields.get("id") in (None, ""):
        return BadInputError(origin, 'missing "id"')
    fields["id"] = str(fields["id"])
    origin = f"{origin}#{fields['id']}"
    source = fields.get("source")
    return RawDoc(
        origin=origin,
        content=str(fields.get("text") or ""),
        media_type=ARTICLE_MEDIA_TYPE,
        source_id=str(source) if source else None,
        url=str(fields["url"]) if fields.get("url") else None,
        fields=fields,
    )


def _read_parquet(path: str) -> Iterator[RawDoc | BadInputError]:
    try:
        import pyarrow.parquet as pq
    except ImportError:
        yield BadInputError(path, "reading Parquet needs pyarrow: pip install 'storyline[spark]'")
        return
    try:
        table = pq.read_table(path)
    except (OSError, ValueError) as error:
        yield BadInputError(path, f"not a readable Parquet file: {error}")
        return
    for row in table.to_pylist():
        yield row_document(path, row)


def read_input(
    name: str, kind: str, options: FileOptions, *, label: str | None = None
) -> Iterator[RawDoc | BadInputError]:
    """The documents of one local input file (``label``: what to call it in origins and
    source ids when it is a local copy of a remote input)."""
    if kind == "warc":
        yield from read_warc(Path(name), max_bytes=options.max_bytes, label=label)
    elif kind == "parquet":
        yield from _read_parquet(name)
    else:
        yield from read_file(Path(name), options, label=label)
