"""Coverage-guided fuzzing with atheris (libFuzzer for Python), bounded in time.

Each target of :mod:`storyline.reliability.targets` runs in its own child process
(``python -m storyline.reliability.fuzz TARGET [libFuzzer flags]``) for ``seconds``, starting
from a small seed corpus (:func:`seeds`) so the mutator begins from valid feeds, pages, WARC
records and queries instead of noise. Our own modules are instrumented for coverage;
libFuzzer keeps the inputs that reach new code and mutates them. A crash (an exception other
than a StorylineError, see :func:`~storyline.reliability.targets.run_target`) stops the child
and leaves the input as ``crash-*`` in the artifacts folder, to be made a regression test.

atheris is in the ``dev`` extra; without it the selftest says so and relies on hypothesis.
Reference: Serebryany, "Continuous fuzzing with libFuzzer and AddressSanitizer" (2016), and
Google's atheris documentation.
"""

from __future__ import annotations

import gzip
import json
import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["FuzzResult", "atheris_available", "fuzz_target", "seeds"]

_RUNS = re.compile(r"Done (\d+) runs in (\d+) second")
_STAT_RUNS = re.compile(r"stat::number_of_executed_units:\s*(\d+)")
_COV = re.compile(r"cov: (\d+)")


@dataclass(slots=True)
class FuzzResult:
    """One bounded fuzzing run: executions, coverage edges reached, crashes and their files."""

    target: str
    executions: int = 0
    seconds: float = 0.0
    coverage: int = 0
    crashes: list[str] = field(default_factory=list)
    error: str | None = None


def atheris_available() -> bool:
    """Whether atheris can be imported (it needs a prebuilt wheel for this Python)."""
    try:
        import atheris  # noqa: F401
    except ImportError:
        return False
    return True


_FEED = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>News</title><link>https://example.org/</link>
<item><title>Summit opens in Oslo</title><link>https://example.org/a?utm_source=x</link>
<guid>a1</guid><pubDate>Thu, 04 Jul 2024 10:00:00 +0200</pubDate>
<description>&lt;p&gt;Leaders met &lt;b&gt;today&lt;/b&gt;.&lt;/p&gt;</description></item>
</channel></rss>"""
_ATOM = b"""<feed xmlns="http://www.w3.org/2005/Atom"><title>T</title>
<entry><id>urn:x</id><title type="html">A &amp;amp; B</title><updated>2024-07-04T10:00:00Z</updated>
<content type="html">&lt;div&gt;Body&lt;/div&gt;</content><link href="/rel"/></entry></feed>"""
_JSONFEED = json.dumps(
    {
        "version": "https://jsonfeed.org/version/1.1",
        "title": "J",
        "items": [
            {
                "id": 1,
                "url": "/x",
                "content_html": "<p>Hi</p>",
                "date_published": "2024-07-04T10:00:00+02:00",
            }
        ],
    }
).encode()
_PAGE = b"""<!doctype html><html lang="en"><head><title>Summit opens | Daily</title>
<meta property="article:published_time" content="2024-07-04T10:00:00+02:00">
<link rel="alternate" type="application/rss+xml" href="/feed.xml"></head>
<body><nav><a href="/">Home</a></nav><article><h1>Summit opens in Oslo</h1>
<p>Published 4 July 2024</p>
<p>World leaders gathered in Oslo on Thursday for a climate summit that organisers say
will decide the next decade of emissions policy. Talks run until Saturday.</p>
<p>Photo: Jane Doe/AP</p><p>Read more: Other story</p></article>
<footer>Copyright 2024 Daily</footer></body></html>"""
_JSONL = (
    json.dumps(
        {
            "id": "a",
            "title": "Summit",
            "text": "Leaders met on Monday, 3 June 2024.",
            "published": "2024-06-04T08:00:00+02:00",
            "url": "https://example.org/a",
        }
    )
    + "\n"
).encode()
_DATES = b"\x01\x02\x03Published 4 July 2024. Last Tuesday, two weeks ago, next month, 21/04/2001"
_QUERY = b'climate "summit talks" OR oslo -poll -"opinion poll" title:x NEAR(a b) *^'


def _warc_record(url: str, body: bytes) -> bytes:
    http = b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n"
    http += b"Content-Length: %d\r\n\r\n" % len(body) + body
    head = (
        "WARC/1.0\r\nWARC-Type: response\r\nWARC-Date: 2024-07-04T10:00:00Z\r\n"
        f"WARC-Record-ID: <urn:uuid:{abs(hash(url)):032x}>\r\nWARC-Target-URI: {url}\r\n"
        f"Content-Type: application/http; msgtype=response\r\nContent-Length: {len(http)}\r\n\r\n"
    ).encode()
    return head + http + b"\r\n\r\n"


def warc_record(url: str, body: bytes, *, compress: bool = False) -> bytes:
    """One WARC ``response`` record holding an HTTP 200 HTML answer (optionally gzipped)."""
    record = _warc_record(url, body)
    return gzip.compress(record) if compress else record


def seeds(target: str) -> list[bytes]:
    """Valid starting inputs for a target, so mutations start from meaningful structure."""
    return {
        "feed": [_FEED, _ATOM, _JSONFEED],
        "html": [_PAGE],
        "fragment": [_PAGE, b"<p>a<br>b</p><script>x</script>"],
        "text": [_PAGE.replace(b"<", b" "), b"Title\n\nBody text of a story."],
        "jsonl": [_JSONL, _JSONL * 2 + b"[]\n{}\n"],
        "warc": [warc_record("https://example.org/a", _PAGE)],
        "dates": [_DATES, b"\x05\x00\x01" + b"2024-07-04T10:00:00+02:00"],
        "query": [_QUERY, b"a OR b OR -c"],
    }[target]


def fuzz_target(
    target: str, seconds: int, workdir: Path, *, rss_limit_mb: int = 2048
) -> FuzzResult:
    """Fuzz one target for ``seconds`` in a child process; returns executions and crashes."""
    result = FuzzResult(target)
    corpus = workdir / f"corpus-{target}"
    artifacts = workdir / f"artifacts-{target}"
    corpus.mkdir(parents=True, exist_ok=True)
    artifacts.mkdir(parents=True, exist_ok=True)
    for index, seed in enumerate(seeds(target)):
        (corpus / f"seed-{index}").write_bytes(seed)
    command = [
        sys.executable,
        "-m",
        "storyline.reliability.fuzz",
        target,
        f"-max_total_time={seconds}",
        f"-rss_limit_mb={rss_limit_mb}",
        "-timeout=30",
        "-max_len=65536",
        "-print_final_stats=1",
        f"-artifact_prefix={artifacts}/",
        str(corpus),
    ]
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    started = time.monotonic()
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=seconds + 120, env=env, check=False
        )
    except subprocess.TimeoutExpired:
        result.error = f"the fuzzer did not stop within {seconds + 120} s"
        return result
    log = done.stdout + done.stderr
    runs = _RUNS.search(log)
    stat = _STAT_RUNS.search(log)
    if runs:
        result.executions, result.seconds = int(runs.group(1)), float(runs.group(2))
    elif stat:  # a crash stops libFuzzer before its "Done" line
        result.executions = int(stat.group(1))
        result.seconds = round(time.monotonic() - started, 1)
    coverage = _COV.findall(log)
    result.coverage = int(coverage[-1]) if coverage else 0
    result.crashes = sorted(str(p) for p in artifacts.glob("crash-*"))
    result.crashes += sorted(str(p) for p in artifacts.glob("oom-*"))
    result.crashes += sorted(str(p) for p in artifacts.glob("timeout-*"))
    if done.returncode != 0 and not result.crashes:
        result.error = f"fuzzer exited with {done.returncode}: {log.strip()[-400:]}"
    elif result.crashes:
        result.error = log.strip()[-800:]
    return result


def main(argv: list[str]) -> None:
    """Child entry point: ``python -m storyline.reliability.fuzz TARGET [libFuzzer args]``."""
    import atheris

    from storyline.reliability import targets

    with atheris.instrument_imports(include=["storyline"]):
        targets.preload()

    name = argv[1]
    if name not in targets.TARGETS:
        raise SystemExit(f"unknown fuzz target {name!r}; choose from {', '.join(targets.TARGETS)}")

    def one(data: bytes) -> None:
        targets.run_target(name, data)

    atheris.Setup([argv[0], *argv[2:]], one)
    atheris.Fuzz()


if __name__ == "__main__":
    main(sys.argv)
