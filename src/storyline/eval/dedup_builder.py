"""The parts of the synthetic syndication set: labelled items and the builder that makes them.

:class:`Builder` turns one real article body into an original and its copies (pool A), hard
negatives (pool B: boilerplate-wrapped bodies and template twins), short texts (pool S) and
robot reports, drawing every choice from one seeded ``random.Random``. The copy transforms
themselves live in :mod:`storyline.eval.dedup_transforms`; :mod:`storyline.eval.dedup_set`
loads the bodies and assembles the set.
"""

from __future__ import annotations

import hashlib
import random
import re
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from storyline.eval.dedup_transforms import (
    AGENCY_CREDITS,
    Publisher,
    add_boilerplate,
    add_credit,
    add_dateline,
    add_read_more,
    copy_edit,
    fill_template,
    new_headline,
    paragraphs,
    revise,
    sentences,
    swap_facts,
    truncate,
)
from storyline.model import Article

__all__ = ["BASE", "Body", "Builder", "Item", "lead", "prose_changed", "words"]

BASE = datetime(2024, 3, 1, tzinfo=UTC)
_TRANSFORMS = (
    ("headline", 0.6),
    ("dateline", 0.0),
    ("readmore", 0.4),
    ("truncate", 0.35),
    ("boilerplate", 0.5),
    ("edit", 0.35),
)


@dataclass(frozen=True, slots=True)
class Item:
    """One article of the set with its gold labels.

    ``story``: items of one story are duplicates of each other (revisions excepted).
    ``revision_of``: for a revision, the id of the article it updates.
    ``original``: the story's original article id (the earliest published copy).
    """

    article: Article
    story: str
    kind: str
    transforms: tuple[str, ...] = ()
    revision_of: str | None = None
    wire: str | None = None
    original: str | None = None


@dataclass(frozen=True, slots=True)
class Body:
    key: str
    title: str
    text: str
    url: str | None


def words(text: str) -> list[str]:
    return re.findall(r"\w+", text.casefold())


def lead(text: str, budget: int) -> str:
    """The first paragraphs of ``text``, about ``budget`` words."""
    kept: list[str] = []
    count = 0
    for para in paragraphs(text):
        if count >= budget:
            break
        kept.append(para)
        count += len(para.split())
    return "\n".join(kept)


def prose_changed(before: str, after: str) -> float:
    """The share of words changed in the prose lines (8 words or more) of a text."""
    changed = total = 0
    for old, new in zip(before.splitlines(), after.splitlines(), strict=False):
        words_old, words_new = words(old), words(new)
        if len(words_old) >= 8:
            total += len(words_old)
            changed += sum(a != b for a, b in zip(words_old, words_new, strict=False))
    return changed / total if total else 0.0


class Builder:
    """Makes items and opaque ids, keeping the random stream in one place."""

    def __init__(self, seed: int, publishers: list[Publisher]) -> None:
        self.rng = random.Random(seed)
        self.seed = seed
        self.pubs = publishers
        self.items: list[Item] = []
        self._n = 0

    def new_id(self) -> str:
        self._n += 1
        return "d" + hashlib.blake2b(f"{self.seed}:{self._n}".encode(), digest_size=6).hexdigest()

    def when(self, start: datetime, low_min: float, high_min: float) -> datetime:
        return start + timedelta(minutes=self.rng.uniform(low_min, high_min))

    def add(self, item: Item) -> Item:
        self.items.append(item)
        return item

    def article(
        self,
        title: str,
        text: str,
        *,
        source: str,
        url: str | None,
        published: datetime | None,
        fetched: datetime,
        aid: str | None = None,
    ) -> Article:
        return Article(
            id=aid or self.new_id(),
            title=title,
            text=text,
            source_id=source,
            url=url,
            published=published,
            fetched=fetched,
        )

    # -- pool A ----------------------------------------------------------------------------

    def story_with_copies(self, body: Body, donor: Body) -> None:
        rng = self.rng
        published = self.when(BASE, 0, 60 * 24 * 60)
        story = f"story:{body.key}"
        wire = rng.choice(sorted(AGENCY_CREDITS)) if rng.random() < 0.4 else None
        text = body.text
        if wire and rng.random() < 0.5:
            text = add_dateline(rng, text, wire)
        host = (re.match(r"https?://([^/]+)", body.url or "") or [None, "origin.example"])[1]
        url = body.url or f"https://{host}/{body.key}"
        article = self.article(
            body.title,
            text,
            source=f"site:{host}",
            url=url,
            published=published,
            fetched=self.when(published, 0, 600),
        )
        self.add(
            Item(
                article,
                story,
                "original",
                wire=wire if text != body.text else None,
                original=article.id,
            )
        )
        for pub in rng.sample(self.pubs, k=rng.choice((1, 1, 2, 2, 2, 3))):
            self._copy(body, article, story, wire, pub)
        if rng.random() < 0.08:
            self._url_variant(article, story, wire if text != body.text else None)
        if rng.random() < 0.10:
            self._revision(article, story, donor, same_id=rng.random() < 0.5)

    def _copy(
        self, body: Body, orig: Article, story: str, wire: str | None, pub: Publisher
    ) -> None:
        rng = self.rng
        done = [name for name, p in _TRANSFORMS if rng.random() < p]
        if wire and rng.random() < 0.8:
            done.append("dateline" if rng.random() < 0.7 else "credit")
        if not done:
            done.append(rng.choice(("headline", "readmore", "truncate", "boilerplate", "edit")))
        title, text = body.title, body.text
        if "edit" in done:
            text = copy_edit(rng, text)
        if "truncate" in done:
            text = truncate(rng, text)
        if "headline" in done:
            title = new_headline(rng, title, text, pub)
        if "dateline" in done and wire:
            text = add_dateline(rng, text, wire)
        if "credit" in done and wire:
            text = add_credit(rng, text, wire)
        if "readmore" in done:
            text = add_read_more(rng, text, title, pub)
        if "boilerplate" in done:
            text = add_boilerplate(rng, text, pub)
        published = self.when(orig.published or BASE, 10, 20 * 60)
        slug = re.sub(r"\W+", "-", title.casefold()).strip("-")[:60] or "story"
        article = self.article(
            title,
            text,
            source=f"pub:{pub.host}",
            url=f"https://www.{pub.host}/news/{slug}-{self._n + 1}",
            published=None if rng.random() < 0.1 else published,
            fetched=self.when(published, 0, 600),
        )
        self.add(
            Item(
                article,
                story,
                "copy",
                tuple(done),
                wire=wire if {"dateline", "credit"} & set(done) else None,
                original=orig.id,
            )
        )

    def _url_variant(self, orig: Article, story: str, wire: str | None) -> None:
        rng = self.rng
        url = orig.url or ""
        variants = (
            url + ("&" if "?" in url else "?") + "utm_source=twitter&utm_medium=social",
            url.rstrip("/") + "/amp",
            url.replace("://www.", "://m.", 1) + "?fbclid=x1",
        )
        text = re.sub(r"\n", "\n\n", orig.text).replace('"', "“")
        fetched = self.when(orig.fetched or BASE, 60, 3 * 24 * 60)
        self.add(
            Item(
                self.article(
                    orig.title,
                    text,
                    source=orig.source_id or "",
                    url=rng.choice(variants),
                    published=orig.published,
                    fetched=fetched,
                ),
                story,
                "url-variant",
                ("url",),
                wire=wire,
                original=orig.id,
            )
        )

    def _revision(self, orig: Article, story: str, donor: Body, *, same_id: bool) -> None:
        rng = self.rng
        title, text, what = revise(rng, orig.title, orig.text, donor.text)
        url = orig.url or ""
        url = url if same_id else url + ("&" if "?" in url else "?") + "ref=rss"
        fetched = self.when(orig.fetched or BASE, 60, 2 * 24 * 60)
        article = self.article(
            title,
            text,
            source=orig.source_id or "",
            url=url,
            published=orig.published,
            fetched=fetched,
            aid=orig.id if same_id else None,
        )
        self.add(Item(article, story, "revision", (what,), revision_of=orig.id, original=orig.id))

    # -- pools B and S, robots -------------------------------------------------------------

    def negative(self, body: Body, names: list[str]) -> None:
        rng = self.rng
        pub = rng.choice(self.pubs)
        published = self.when(BASE, 0, 60 * 24 * 60)
        text = add_boilerplate(rng, body.text, pub)
        slug = re.sub(r"\W+", "-", body.title.casefold()).strip("-")[:60]
        self.add(
            Item(
                self.article(
                    body.title,
                    text,
                    source=f"pub:{pub.host}",
                    url=f"https://www.{pub.host}/n/{slug}",
                    published=published,
                    fetched=self.when(published, 0, 600),
                ),
                f"neg:{body.key}",
                "boilerplate-negative",
            )
        )
        twin_of = lead(body.text, 200)
        title, twin = swap_facts(rng, body.title, twin_of, names)
        if rng.random() < 0.5 and prose_changed(twin_of, twin) >= 0.12:
            twin = add_boilerplate(rng, twin, pub)
            self.add(
                Item(
                    self.article(
                        title,
                        twin,
                        source=f"pub:{pub.host}",
                        url=f"https://www.{pub.host}/t/{slug}",
                        published=self.when(published, 60, 6000),
                        fetched=self.when(published, 60, 6000),
                    ),
                    f"twin:{body.key}",
                    "template-twin",
                )
            )

    def short(self, body: Body) -> None:
        rng = self.rng
        parts = sentences(" ".join(paragraphs(body.text)))
        count = rng.randint(1, 3)
        while count < len(parts) and len(" ".join(parts[:count]).split()) < 12:
            count += 1
        text = " ".join(parts[:count]) or body.text[:300]
        published = self.when(BASE, 0, 60 * 24 * 60)
        host = f"brief{rng.randint(1, 9)}.example"
        orig = self.add(
            Item(
                self.article(
                    body.title,
                    text,
                    source=f"site:{host}",
                    url=f"https://{host}/{body.key}",
                    published=published,
                    fetched=self.when(published, 0, 600),
                ),
                f"short:{body.key}",
                "short",
            )
        )
        if rng.random() < 0.5:
            pub = rng.choice(self.pubs)
            wire = rng.choice(sorted(AGENCY_CREDITS))
            moves = rng.sample(("dateline", "readmore", "edit"), k=rng.randint(1, 2))
            copy = add_dateline(rng, text, wire) if "dateline" in moves else text
            copy = copy.replace('"', "“") if "edit" in moves else copy
            copy = add_read_more(rng, copy, body.title, pub) if "readmore" in moves else copy
            self.add(
                Item(
                    self.article(
                        body.title,
                        copy,
                        source=f"pub:{pub.host}",
                        url=f"https://www.{pub.host}/b/{body.key}",
                        published=self.when(published, 10, 600),
                        fetched=self.when(published, 10, 900),
                    ),
                    f"short:{body.key}",
                    "short-copy",
                    tuple(moves),
                    wire=wire if "dateline" in moves else None,
                    original=orig.article.id,
                )
            )
        elif rng.random() < 0.4:
            pub = rng.choice(self.pubs)
            self.items[-1] = replace(
                orig,
                article=replace(
                    orig.article, text=add_boilerplate(rng, text, pub), source_id=f"pub:{pub.host}"
                ),
                kind="short-boilerplate",
            )

    def robot(self, name: str, n: int) -> None:
        rng = self.rng
        title, text = fill_template(rng, name)
        published = self.when(BASE, 0, 60 * 24 * 60)
        orig = self.add(
            Item(
                self.article(
                    title,
                    text,
                    source="site:robot.example",
                    url=f"https://robot.example/{name}/{n}",
                    published=published,
                    fetched=self.when(published, 0, 60),
                ),
                f"robot:{name}:{n}",
                "robot",
            )
        )
        if rng.random() < 0.2:
            pub = rng.choice(self.pubs)
            copy = add_dateline(rng, text, "NTB")
            copy = add_read_more(rng, copy, title, pub) if rng.random() < 0.5 else copy
            self.add(
                Item(
                    self.article(
                        new_headline(rng, title, text, pub),
                        copy,
                        source=f"pub:{pub.host}",
                        url=f"https://www.{pub.host}/r/{name}-{n}",
                        published=self.when(published, 10, 300),
                        fetched=self.when(published, 10, 400),
                    ),
                    f"robot:{name}:{n}",
                    "robot-copy",
                    ("dateline",),
                    wire="NTB",
                    original=orig.article.id,
                )
            )
