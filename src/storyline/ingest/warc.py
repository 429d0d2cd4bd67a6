"""Back-filling from web archives: HTML responses in WARC and WARC.gz files (fastwarc).

Only ``response`` records are read, and of those only successful HTTP answers (2xx) whose
payload is HTML; everything else (requests, metadata, images, redirects, 404 pages) is
counted and skipped. fastwarc detects gzip per record, so ``.warc`` and ``.warc.gz`` work
alike; ``auto_decode`` undoes HTTP content and transfer encodings. A record larger than
``max_bytes`` is skipped unread, so one huge capture cannot exhaust memory.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from storyline.errors import BadInputError
from storyline.model import RawDoc, Source, SourceKind

__all__ = ["WarcStats", "read_warc", "warc_source"]

_HTML = ("text/html", "application/xhtml+xml")


@dataclass(slots=True)
class WarcStats:
    """What a WARC file held: records seen, HTML pages yielded, and what was skipped why."""

    records: int = 0
    pages: int = 0
    not_html: int = 0
    not_ok: int = 0
    too_large: int = 0


def warc_source(path: Path) -> Source:
    """The source a WARC file's pages are filed under: the file itself."""
    resolved = path.resolve()
    return Source(
        id=f"warc:{resolved}", kind=SourceKind.WARC, url=resolved.as_uri(), title=path.name
    )


def read_warc(
    path: Path,
    *,
    max_bytes: int = 20 * 1024 * 1024,
    stats: WarcStats | None = None,
    label: str | None = None,
) -> Iterator[RawDoc | BadInputError]:
    """Yield one ``text/html`` document per archived HTML page; errors are yielded, not
    raised (a truncated archive yields the pages before the damage, then the error).

    ``label`` names the archive in origins and its source id when ``path`` is only a local
    copy (a remote URI the Spark engine fetched)."""
    from fastwarc.warc import ArchiveIterator, WarcRecordType

    stats = stats if stats is not None else WarcStats()
    origin = label or str(path)
    source_id = f"warc:{label}" if label else warc_source(path).id
    try:
        handle = path.open("rb")
    except OSError as error:
        yield BadInputError(origin, f"cannot read: {error.strerror or error}")
        return
    with handle:
        try:
            records = ArchiveIterator(
                handle,
                record_types=WarcRecordType.response,
                parse_http=True,
                auto_decode="all",
            )
            for number, record in enumerate(records, start=1):
                stats.records += 1
                if record.content_length > max_bytes:
                    stats.too_large += 1
                    continue
                status = record.http_headers.status_code if record.is_http else None
                if status is None or not 200 <= status < 300:
                    stats.not_ok += 1
                    continue
                kind = (record.http_content_type or "").split(";", 1)[0].strip().lower()
                if kind not in _HTML:
                    stats.not_html += 1
                    continue
                url = record.headers.get("WARC-Target-URI")
                body = record.reader.read(max_bytes + 1)
                if len(body) > max_bytes:
                    stats.too_large += 1
                    continue
                stats.pages += 1
                fetched = _record_date(record.headers.get("WARC-Date"))
                yield RawDoc(
                    origin=f"{origin}#{number}" + (f" ({url})" if url else ""),
                    content=body,
                    media_type="text/html",
                    source_id=source_id,
                    url=url,
                    fetched=fetched,
                )
        except (OSError, ValueError) as error:
            yield BadInputError(origin, f"damaged or not a WARC file: {error}")
    if stats.records == 0:
        yield BadInputError(origin, "no WARC response records found (is this a WARC file?)")


def _record_date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
