"""The synthetic syndication set: real article bodies, copied the way outlets copy them.

Built on the fly, deterministically for one seed, from the shared evaluation data (read in
place, never copied):

* **bodies**: the gold article texts of the ScrapingHub and WCXB extraction sets, after
  removing bodies that overlap an earlier one (so the raw material has no duplicates of its
  own); they are split into three pools;
* **pool A, originals with copies**: 1-3 copies each, every copy changed by one or more of
  the transforms in :mod:`storyline.eval.dedup_transforms` (headline, dateline, read-more,
  truncation, boilerplate, edits); some originals also get a URL variant (tracking
  parameters, AMP, mobile host) and some a later **revision** at the same URL;
* **pool B, hard negatives**: bodies wrapped in the boilerplate the copies use (different
  stories sharing a publisher's template), and *template twins*, a body with its numbers and
  names replaced;
* **pool S, short texts**: the first sentences of a body, half with a copy;
* **robot reports**: short template reports (quakes, results, weather...), 20 % copied;
* **same topic**: the WikinewsSum source articles, several outlets reporting one event.
  Pairs among them are labelled by their exact shingle containment: at least 0.8 is one
  story (syndicated or archived copies do occur there), 0.25-0.8 is ambiguous and left out
  of the pair counts, below 0.25 different stories.

Publisher boilerplate comes from the WCXB ``without`` snippets: real navigation and footer
text of real pages. Run ``python -m storyline.eval.dedup_set`` to print the set's make-up.
"""

from __future__ import annotations

import gzip
import html
import json
import random
import re
import sys
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

from storyline.eval.dedup_builder import BASE, Body, Builder, Item, words
from storyline.eval.dedup_transforms import TEMPLATES, Publisher, sentences
from storyline.eval.extraction import default_data_dir, literal, load_scrapinghub, load_wcxb

__all__ = ["DEFAULT_SEED", "DedupSet", "Item", "build_set", "overlaps"]

DEFAULT_SEED = 20240501
_MIN_WORDS = 60
_OVERLAP_DROP = 0.25
_SAME_STORY = 0.8


@dataclass(slots=True)
class DedupSet:
    """The items in arrival order, ambiguous pairs to leave out, and how it was made."""

    items: list[Item]
    seed: int
    excluded: set[frozenset[str]] = field(default_factory=set)
    dropped_bodies: int = 0

    def counts(self) -> dict[str, int]:
        """Items per kind."""
        return dict(sorted(Counter(item.kind for item in self.items).items()))


def _shingles(text: str, k: int = 5) -> set[str]:
    found = words(text)
    return {" ".join(found[i : i + k]) for i in range(max(1, len(found) - k + 1))}


def overlaps(texts: list[str]) -> dict[tuple[int, int], float]:
    """Exact shingle containment of every overlapping pair (inverted index, rare shingles)."""
    sets = [_shingles(t) for t in texts]
    postings: dict[str, list[int]] = {}
    for n, shingles in enumerate(sets):
        for shingle in shingles:
            postings.setdefault(shingle, []).append(n)
    shared: Counter[tuple[int, int]] = Counter()
    for docs in postings.values():
        if 1 < len(docs) <= 50:
            for i, a in enumerate(docs):
                for b in docs[i + 1 :]:
                    shared[(a, b)] += 1
    return {
        pair: count / max(1, min(len(sets[pair[0]]), len(sets[pair[1]])))
        for pair, count in shared.items()
    }


_TITLE = re.compile(
    r'<meta[^>]+property=["\']og:title["\'][^>]+content=["\']([^"\']+)|<title[^>]*>([^<]+)', re.I
)


def _html_title(path: str) -> str | None:
    try:
        with gzip.open(path, "rt", encoding="utf-8", errors="replace") as handle:
            head = handle.read(200_000)
    except OSError:
        return None
    match = _TITLE.search(head)
    if not match:
        return None
    return html.unescape(match.group(1) or match.group(2)).strip() or None


def _load_bodies(root: Path) -> tuple[list[Body], list[list[str]]]:
    """Extraction-set bodies (title, text, URL) and the WCXB boilerplate snippets."""
    extraction = root / "extraction"
    bodies: list[Body] = []
    snippets: list[list[str]] = []
    for page in load_scrapinghub(extraction / "scrapinghub"):
        title = _html_title(page.path) or (sentences(page.body)[:1] or [page.body[:80]])[0]
        bodies.append(Body(f"sh:{page.id}", title, page.body, page.url))
    wcxb = extraction / "wcxb-dev-articles"
    for page in load_wcxb(wcxb):
        bodies.append(Body(f"wc:{page.id}", page.title or page.body[:80], page.body, page.url))
        gold = json.loads((wcxb / "ground-truth" / f"{page.id}.json").read_text("utf-8"))
        without = literal((gold.get("ground_truth") or {}).get("without"))
        if isinstance(without, list):
            lines = [s.strip() for s in without if isinstance(s, str) and 1 <= len(s.split()) <= 25]
            if len(lines) >= 2:
                snippets.append(lines)
    bodies = [b for b in bodies if len(words(b.text)) >= _MIN_WORDS]
    return bodies, snippets


def _distinct(bodies: list[Body]) -> tuple[list[Body], int]:
    """Drop every body that overlaps an earlier one by the drop threshold or more."""
    drop: set[int] = set()
    for (a, b), value in sorted(overlaps([x.text for x in bodies]).items()):
        if value >= _OVERLAP_DROP and a not in drop:
            drop.add(b)
    return [b for n, b in enumerate(bodies) if n not in drop], len(drop)


def _publishers(rng: random.Random, snippets: list[list[str]], n: int = 12) -> list[Publisher]:
    names = (
        "Daily Ledger",
        "Coast Herald",
        "Metro Wire",
        "Valley Post",
        "The Courier",
        "Evening Star",
        "North Times",
        "City Press",
        "Harbour News",
        "Plains Tribune",
        "Capital Journal",
        "Island Gazette",
    )
    pubs = []
    for name in names[:n]:
        head = rng.choice(snippets)[:4] if snippets else []
        foot = [*(rng.choice(snippets)[:3] if snippets else []), f"© 2024 {name}"]
        host = name.lower().replace("the ", "").replace(" ", "") + ".example"
        pubs.append(Publisher(name, host, tuple(head), tuple(foot)))
    return pubs


def _topic_items(
    builder: Builder, root: Path, excluded: set[frozenset[str]], events: int | None
) -> None:
    """WikinewsSum sources: several outlets on one event, labelled by exact overlap."""
    path = root / "events" / "wikinewssum-en.jsonl"
    rows = [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]
    made: list[Item] = []
    for number, row in enumerate(rows[: events if events is not None else len(rows)]):
        published = builder.when(BASE, 0, 60 * 24 * 60)
        for source in row.get("sources") or []:
            text = source.get("maintext") or ""
            if len(words(text)) < 40:
                continue
            url = source.get("url")
            host = (re.match(r"https?://([^/]+)", url or "") or [None, "topic.example"])[1]
            article = builder.article(
                source.get("title") or text[:80],
                text,
                source=f"site:{host}",
                url=url,
                published=builder.when(published, 0, 24 * 60),
                fetched=builder.when(published, 0, 30 * 60),
            )
            made.append(Item(article, f"topic:{number}:{len(made)}", "topic"))
    parent = list(range(len(made)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for (a, b), value in overlaps([i.article.text for i in made]).items():
        if value >= _SAME_STORY:
            parent[find(b)] = find(a)
        elif value >= _OVERLAP_DROP:
            excluded.add(frozenset((made[a].article.id, made[b].article.id)))
    for n, item in enumerate(made):
        builder.add(replace(item, story=made[find(n)].story))


def build_set(
    data_dir: Path | None = None, *, seed: int = DEFAULT_SEED, sample: int | None = None
) -> DedupSet:
    """Build the set from the shared data (``$STORYLINE_SHARED/data`` by default).

    ``sample`` limits the extraction bodies used (and the robot reports and WikinewsSum
    events in proportion), for quick runs and the test gate; the same seed and sample give
    the same set.
    """
    root = data_dir or default_data_dir()
    bodies, snippets = _load_bodies(root)
    bodies, dropped = _distinct(bodies)
    rng = random.Random(seed)
    rng.shuffle(bodies)
    share = 1.0 if sample is None else min(1.0, sample / max(1, len(bodies)))
    bodies = bodies[: sample or len(bodies)]
    builder = Builder(seed, _publishers(rng, snippets))
    a_end, b_end = int(len(bodies) * 0.5), int(len(bodies) * 0.8)
    names = sorted({w for b in bodies for w in re.findall(r"\b[A-Z][a-z]{3,}\b", b.text)})[:4000]
    for n, body in enumerate(bodies[:a_end]):
        builder.story_with_copies(body, bodies[(n + 1) % len(bodies)])
    for body in bodies[a_end:b_end]:
        builder.negative(body, names)
    for body in bodies[b_end:]:
        builder.short(body)
    per_template = max(2, round(24 * share))
    for name in sorted(TEMPLATES):
        for n in range(per_template):
            builder.robot(name, n)
    excluded: set[frozenset[str]] = set()
    _topic_items(builder, root, excluded, None if sample is None else max(5, round(101 * share)))
    items = sorted(builder.items, key=lambda i: (i.article.fetched or BASE, i.article.id))
    return DedupSet(items, seed, excluded, dropped)


def main(argv: Iterable[str] | None = None) -> int:
    """Print the make-up of the set (``python -m storyline.eval.dedup_set [SEED]``)."""
    args = list(sys.argv[1:] if argv is None else argv)
    made = build_set(seed=int(args[0]) if args else DEFAULT_SEED)
    print(
        f"{len(made.items)} articles (seed {made.seed}, {made.dropped_bodies} overlapping "
        f"bodies dropped, {len(made.excluded)} ambiguous pairs left out)"
    )
    for kind, count in made.counts().items():
        print(f"  {kind:22} {count}")
    transforms = Counter(t for i in made.items if i.kind == "copy" for t in i.transforms)
    print("copy transforms: " + ", ".join(f"{k} {v}" for k, v in sorted(transforms.items())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
