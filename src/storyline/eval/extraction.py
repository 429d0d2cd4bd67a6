"""Extraction evaluation: Storyline and plain trafilatura, side by side, on the shared sets.

Data sets (read in place from ``../shared/data/extraction``, never copied):

* ``scrapinghub``: ScrapingHub article-extraction-benchmark, ``html/<id>.html.gz`` and
  ``ground-truth.json`` = ``{id: {"articleBody", "url"}}``;
* ``wcxb``: WCXB development split, article pages, ``html/<id>.html.gz`` and
  ``ground-truth/<id>.json`` with ``ground_truth.{main_content, title, author,
  publish_date}``. Some fields are strings holding a Python or JSON literal (``"None"``,
  ``"['a', 'b']"``); :func:`literal` decodes them. Pages without ``main_content`` are skipped.

Both systems see the same bytes and URL. The baseline is ``trafilatura.extract(html,
url=url)`` with its defaults (text), plus ``trafilatura.extract_metadata`` for title and date
(outside its timing). Speed is single-core throughput: pages divided by the summed per-page
extraction time, whatever ``jobs`` is.
"""

from __future__ import annotations

import ast
import gzip
import json
import os
import statistics
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from storyline.errors import BadInputError
from storyline.eval.metrics import (
    PRF,
    shingle_counts,
    shingle_scores,
    title_match,
    word_prf,
    word_scores,
)
from storyline.extract import DEFAULT_OPTIONS, ExtractOptions, extract
from storyline.model import RawDoc

__all__ = [
    "SETS",
    "Page",
    "PageResult",
    "SystemScores",
    "default_data_dir",
    "evaluate_pages",
    "literal",
    "load_pages",
    "load_scrapinghub",
    "load_wcxb",
    "run_page",
    "subsample",
    "summarise",
    "warm_up",
]

SETS = ("scrapinghub", "wcxb")
SYSTEMS = ("storyline", "trafilatura")


def default_data_dir() -> Path:
    """``$STORYLINE_SHARED/data`` if set, else ``<repo>/../shared/data``."""
    shared = os.environ.get("STORYLINE_SHARED")
    if shared:
        return Path(shared) / "data"
    return Path(__file__).resolve().parents[3].parent / "shared" / "data"


def literal(value: Any) -> Any:
    """Decode a ground-truth field that may be a string holding a JSON/Python literal."""
    if not isinstance(value, str):
        return value
    text = value.strip()
    if text in ("None", "null", ""):
        return None
    if text[:1] in "[{(" and text[-1:] in "]})":
        try:
            return json.loads(text)
        except ValueError:
            try:
                return ast.literal_eval(text)
            except (ValueError, SyntaxError, MemoryError, RecursionError):
                return value
    return value


@dataclass(frozen=True, slots=True)
class Page:
    """One evaluation page and its gold fields."""

    set: str
    id: str
    path: str
    url: str | None
    body: str
    title: str | None = None
    date: str | None = None


def load_scrapinghub(root: Path) -> list[Page]:
    """The ScrapingHub pages under ``root`` (the folder holding ``ground-truth.json``)."""
    gold = json.loads((root / "ground-truth.json").read_text(encoding="utf-8"))
    pages = []
    for key in sorted(gold):
        entry = gold[key]
        path = root / "html" / f"{key}.html.gz"
        if path.is_file() and isinstance(entry.get("articleBody"), str):
            pages.append(
                Page("scrapinghub", key, str(path), entry.get("url"), entry["articleBody"])
            )
    return pages


def load_wcxb(root: Path) -> list[Page]:
    """The WCXB pages under ``root`` that have a gold main content."""
    pages = []
    for gold_path in sorted((root / "ground-truth").glob("*.json")):
        data = json.loads(gold_path.read_text(encoding="utf-8"))
        gold = literal(data.get("ground_truth"))
        if not isinstance(gold, dict):
            continue
        body = literal(gold.get("main_content"))
        path = root / "html" / f"{gold_path.stem}.html.gz"
        if not isinstance(body, str) or not body.strip() or not path.is_file():
            continue
        title = literal(gold.get("title"))
        date = literal(gold.get("publish_date"))
        url = literal(data.get("url"))
        pages.append(
            Page(
                "wcxb",
                gold_path.stem,
                str(path),
                url if isinstance(url, str) else None,
                body,
                title if isinstance(title, str) else None,
                date if isinstance(date, str) else None,
            )
        )
    return pages


def load_pages(data_dir: Path, which: str) -> list[Page]:
    """Pages of ``which`` (``scrapinghub``, ``wcxb`` or ``all``) under ``data_dir``."""
    extraction = data_dir / "extraction"
    pages: list[Page] = []
    if which in ("scrapinghub", "all"):
        pages += load_scrapinghub(extraction / "scrapinghub")
    if which in ("wcxb", "all"):
        pages += load_wcxb(extraction / "wcxb-dev-articles")
    return pages


def subsample(pages: Sequence[Page], n: int | None) -> list[Page]:
    """A fixed, deterministic sample of about ``n`` pages per set: every k-th id in sorted
    order, k = ceil(size / n)."""
    if not n or n <= 0:
        return list(pages)
    result: list[Page] = []
    for name in SETS:
        members = sorted((p for p in pages if p.set == name), key=lambda p: p.id)
        if members:
            step = max(1, -(-len(members) // n))
            result += members[::step]
    return result


@dataclass(slots=True)
class SystemOutput:
    """What one system produced for one page."""

    text: str = ""
    title: str | None = None
    date: str | None = None
    seconds: float = 0.0
    error: str | None = None


@dataclass(slots=True)
class PageResult:
    """Both systems' outputs for one page."""

    page: Page
    outputs: dict[str, SystemOutput] = field(default_factory=dict)


def _storyline(page: Page, html: bytes, options: ExtractOptions) -> SystemOutput:
    raw = RawDoc(origin=page.path, content=html, media_type="text/html", url=page.url)
    start = time.perf_counter()
    try:
        article = extract(raw, options)
    except BadInputError as exc:
        return SystemOutput(seconds=time.perf_counter() - start, error=exc.reason)
    seconds = time.perf_counter() - start
    date = article.published.date().isoformat() if article.published else None
    return SystemOutput(article.text, article.title, date, seconds)


def _trafilatura(page: Page, html: bytes) -> SystemOutput:
    import trafilatura

    start = time.perf_counter()
    try:
        text = trafilatura.extract(html, url=page.url) or ""
        error = None if text else "no output"
    except Exception as exc:  # the baseline may fail any way; count it as empty
        text, error = "", f"{type(exc).__name__}: {exc}"
    seconds = time.perf_counter() - start
    try:
        meta = trafilatura.extract_metadata(html, default_url=page.url)
    except Exception:  # metadata failures only affect title/date accuracy
        meta = None
    return SystemOutput(
        text,
        getattr(meta, "title", None) if meta else None,
        getattr(meta, "date", None) if meta else None,
        seconds,
        error,
    )


def run_page(page: Page, options: ExtractOptions = DEFAULT_OPTIONS) -> PageResult:
    """Run both systems on one page."""
    with gzip.open(page.path, "rb") as handle:
        html = handle.read()
    return PageResult(
        page,
        {"storyline": _storyline(page, html, options), "trafilatura": _trafilatura(page, html)},
    )


def _run_star(args: tuple[Page, ExtractOptions]) -> PageResult:
    return run_page(*args)


_WARM_PAGE = (
    "<html><head><title>Warm-up</title></head><body><article><h1>Warm-up</h1>"
    + "<p>This paragraph only loads the libraries and models before any page is timed.</p>" * 5
    + "</article></body></html>"
)


def warm_up() -> None:
    """Import trafilatura and load the language model, so no page's time includes them."""
    import trafilatura

    trafilatura.extract(_WARM_PAGE)
    extract(RawDoc(origin="warm-up", content=_WARM_PAGE, media_type="text/html"))


def evaluate_pages(
    pages: Sequence[Page],
    *,
    options: ExtractOptions = DEFAULT_OPTIONS,
    jobs: int = 1,
    progress: Callable[[PageResult], None] | None = None,
) -> list[PageResult]:
    """Run both systems over ``pages`` (in ``jobs`` processes), in page order."""
    results: list[PageResult] = []
    iterator: Iterator[PageResult]
    if jobs > 1:
        executor = ProcessPoolExecutor(jobs, initializer=warm_up)
        iterator = executor.map(_run_star, [(p, options) for p in pages], chunksize=2)
    else:
        executor = None
        warm_up()
        iterator = (run_page(p, options) for p in pages)
    try:
        for result in iterator:
            results.append(result)
            if progress is not None:
                progress(result)
    finally:
        if executor is not None:
            executor.shutdown(cancel_futures=True)
    return results


@dataclass(slots=True)
class SystemScores:
    """One system's figures on one set."""

    pages: int
    word: PRF
    shingle: PRF
    pages_per_second: float
    failures: int
    title_accuracy: float | None = None
    title_pages: int = 0
    date_accuracy: float | None = None
    date_within_one_day: float | None = None
    date_pages: int = 0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _date_scores(pairs: list[tuple[str | None, str]]) -> tuple[float | None, float | None]:
    from datetime import date

    if not pairs:
        return None, None
    exact = near = 0
    for predicted, gold in pairs:
        if not predicted:
            continue
        if predicted[: len(gold)] == gold:
            exact += 1
            near += 1
            continue
        try:
            delta = abs((date.fromisoformat(predicted[:10]) - date.fromisoformat(gold[:10])).days)
        except ValueError:
            continue
        near += delta <= 1
    return exact / len(pairs), near / len(pairs)


def summarise(results: Sequence[PageResult]) -> dict[str, dict[str, SystemScores]]:
    """Figures per set and system: ``{set: {system: SystemScores}}``."""
    summary: dict[str, dict[str, SystemScores]] = {}
    for name in SETS:
        members = [r for r in results if r.page.set == name]
        if not members:
            continue
        summary[name] = {}
        for system in SYSTEMS:
            outputs = [(r.page, r.outputs[system]) for r in members]
            seconds = sum(o.seconds for _, o in outputs)
            titled = [(o.title, p.title) for p, o in outputs if p.title]
            dated = [(o.date, p.date) for p, o in outputs if p.date and len(p.date) >= 7]
            exact, near = _date_scores(dated)
            summary[name][system] = SystemScores(
                pages=len(outputs),
                word=word_scores([word_prf(o.text, p.body) for p, o in outputs]),
                shingle=shingle_scores([shingle_counts(o.text, p.body) for p, o in outputs]),
                pages_per_second=len(outputs) / seconds if seconds else 0.0,
                failures=sum(1 for _, o in outputs if not o.text),
                title_accuracy=(
                    statistics.fmean(title_match(t, g) for t, g in titled) if titled else None
                ),
                title_pages=len(titled),
                date_accuracy=exact,
                date_within_one_day=near,
                date_pages=len(dated),
            )
    return summary
