"""A sample WARC built from the shared evaluation sets, with known duplicates and events.

Tests and the benchmark of the batch engines need a web archive whose answers are known.
This writes one WARC.gz of HTTP ``response`` records:

* article pages of the ScrapingHub extraction benchmark (real publishers' HTML, mostly
  unrelated stories),
* the source articles of WikinewsSum events, as simple news pages dated so that the events
  spread over several weeks (each event's reports within a day; several time blocks),
  leaving out the sources that are error pages or login walls (Storyline's labels of that
  set, :func:`storyline.eval.events_data.source_annotations`): they are not news pages, and
  extraction refuses them,
* copies: some pages again under another site's URL with a different navigation bar and
  a trimmed last paragraph (syndication), whose originals are known.

Gold answers: the event of every WikinewsSum page and the duplicate pairs (the copies, and
WikinewsSum sources listed twice with the same text, e.g. a page and its archive copy).
"""

from __future__ import annotations

import gzip
import html
import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

from storyline.eval.events_data import source_annotations
from storyline.model import normalise_text

__all__ = ["Sample", "build_sample_warc"]

BASE = datetime(2024, 3, 4, 8, 0, tzinfo=UTC)


@dataclass(slots=True)
class Sample:
    """What was written: the WARC, the URL of each page's gold event and duplicate pairs."""

    path: Path
    pages: int = 0
    #: Every file written (``path`` alone unless the archive was split).
    paths: list[Path] = field(default_factory=list)
    event_of: dict[str, str] = field(default_factory=dict)
    copies: list[tuple[str, str]] = field(default_factory=list)


def _record(url: str, body: bytes, when: datetime) -> bytes:
    http = (
        b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n"
        + f"Content-Length: {len(body)}\r\n\r\n".encode()
        + body
    )
    head = (
        "WARC/1.0\r\nWARC-Type: response\r\n"
        f"WARC-Record-ID: <urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, url)}>\r\n"
        f"WARC-Date: {when.strftime('%Y-%m-%dT%H:%M:%SZ')}\r\n"
        f"WARC-Target-URI: {url}\r\n"
        "Content-Type: application/http; msgtype=response\r\n"
        f"Content-Length: {len(http)}\r\n\r\n"
    ).encode()
    return gzip.compress(head + http + b"\r\n\r\n", mtime=0)


def _page(title: str, text: str, when: datetime, site: str, nav: str) -> bytes:
    paragraphs = "".join(
        f"<p>{html.escape(p.strip())}</p>\n" for p in text.split("\n") if p.strip()
    )
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)} | {html.escape(site)}</title>"
        f"<meta property='article:published_time' content='{when.isoformat()}'>"
        f"<meta property='og:site_name' content='{html.escape(site)}'>"
        f"</head><body><nav>{html.escape(nav)}</nav><article>"
        f"<h1>{html.escape(title)}</h1>\n<time datetime='{when.isoformat()}'>"
        f"{when.strftime('%d %B %Y')}</time>\n{paragraphs}</article>"
        "<footer>Copyright. All rights reserved.</footer></body></html>"
    ).encode()


def _trimmed(text: str) -> str:
    parts = [p for p in text.split("\n") if p.strip()]
    return "\n".join(parts[:-1] if len(parts) > 3 else parts)


def build_sample_warc(
    data_dir: Path,
    path: Path,
    *,
    pages: int = 40,
    events: int = 30,
    copies: int = 12,
    spacing_days: float = 1.3,
    split: int = 1,
) -> Sample:
    """Write the sample WARC.gz to ``path`` (see the module docstring) and its gold.

    ``split`` > 1 deals the records round-robin into that many files (``NAME-00.warc.gz``
    ...), so an engine can read them in parallel.
    """
    sample = Sample(path)
    out = _Records()
    truth = json.loads((data_dir / "extraction/scrapinghub/ground-truth.json").read_text())
    for i, pid in enumerate(sorted(truth)[:pages]):
        body = gzip.decompress(
            (data_dir / f"extraction/scrapinghub/html/{pid}.html.gz").read_bytes()
        )
        url = truth[pid].get("url") or f"https://pages.example/{pid}"
        out.write(_record(url, body, BASE + timedelta(hours=13 * i)))
        sample.pages += 1
    rows = []
    with (data_dir / "events/wikinewssum-en.jsonl").open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                rows.append(json.loads(line))
    written: list[tuple[str, str, str, datetime, str]] = []
    walls = {k for k, v in source_annotations().items() if v.get("category") in ("error", "wall")}
    for e, row in enumerate(rows[:events]):
        day = BASE + timedelta(days=spacing_days * e)
        seen: dict[str, str] = {}
        for s, source in enumerate(row.get("sources") or []):
            text = source.get("maintext") or ""
            title = source.get("title") or row.get("title") or ""
            if len(text.split()) < 40 or not title.strip() or f"w{e:04d}-s{s:02d}" in walls:
                continue
            host = urlsplit(source.get("url") or "").hostname or f"news{s}.example"
            url = f"https://{host}/wikinews/{e:03d}/{s:02d}.html"
            when = day + timedelta(hours=4 * s)
            site = host.removeprefix("www.")
            out.write(_record(url, _page(title, text, when, site, "Home | World | Business"), when))
            sample.pages += 1
            sample.event_of[url] = f"w{e:03d}"
            key = normalise_text(text)
            if key in seen:
                sample.copies.append((seen[key], url))
            else:
                seen[key] = url
            written.append((url, title, text, when, f"w{e:03d}"))
    for k, (url, title, text, when, event) in enumerate(written[: copies * 3 : 3]):
        copy = f"https://mirror{k % 4}.example/syndicated/{k:03d}.html"
        later = when + timedelta(hours=2)
        page = _page(title, _trimmed(text), later, f"mirror{k % 4}.example", "News | Local | Sport")
        out.write(_record(copy, page, later))
        sample.pages += 1
        sample.event_of[copy] = event
        sample.copies.append((url, copy))
    if split <= 1:
        path.write_bytes(b"".join(out.records))
        sample.paths = [path]
        return sample
    stem = path.name.removesuffix(".warc.gz")
    for part in range(split):
        target = path.with_name(f"{stem}-{part:02d}.warc.gz")
        target.write_bytes(b"".join(out.records[part::split]))
        sample.paths.append(target)
    return sample


class _Records:
    """The gzipped records written so far (each a gzip member of its own)."""

    def __init__(self) -> None:
        self.records: list[bytes] = []

    def write(self, record: bytes) -> None:
        self.records.append(record)
