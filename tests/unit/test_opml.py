"""OPML import/export with categories, refusals, and the starter list."""

from __future__ import annotations

from pathlib import Path

import pytest

from storyline.errors import BadInputError
from storyline.ingest.opml import parse_opml, starter_feeds, write_opml
from storyline.ingest.sources import feed_source

DATA = Path(__file__).resolve().parents[1] / "data" / "feeds"


def test_nested_folders_become_category_paths() -> None:
    feeds = parse_opml("subs", (DATA / "subscriptions.opml").read_bytes())
    got = {f.url.rsplit("/", 1)[1]: (f.title, f.category) for f in feeds}
    assert got == {
        "loose.xml": ("Loose feed", None),
        "euro.xml": ("Euro Daily", "News/Europe"),
        "world.xml": ("World Wire", "News"),
        "gadgets.xml": ("Gadgets", "Tech"),
    }
    assert next(f for f in feeds if f.title == "Euro Daily").language == "en"


def test_export_then_import_keeps_titles_and_categories() -> None:
    sources = [
        feed_source("http://a.example/rss", title="A & B <news>", category="News/Europe"),
        feed_source("http://b.example/rss", title="Loose", language="nb"),
    ]
    text = write_opml(sources)
    back = {f.url: f for f in parse_opml("export", text.encode())}
    assert back["http://a.example/rss"].title == "A & B <news>"
    assert back["http://a.example/rss"].category == "News/Europe"
    assert back["http://b.example/rss"].category is None
    assert back["http://b.example/rss"].language == "nb"


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"<opml><body>", "not valid OPML"),
        (b"<rss/>", "not an OPML file"),
        (b"<opml/>", "<body>"),
        (b'<!DOCTYPE opml [<!ENTITY x "y">]><opml><body/></opml>', "entities"),
    ],
)
def test_bad_opml_is_refused_with_a_reason(data: bytes, reason: str) -> None:
    with pytest.raises(BadInputError, match=reason):
        parse_opml("bad.opml", data)


def test_the_starter_list_covers_the_languages() -> None:
    feeds = starter_feeds()
    languages = {f.language for f in feeds}
    assert {"en", "no", "de", "fr", "es"} <= languages
    assert all(f.url.startswith("https://") and f.title and f.category for f in feeds)
    assert len({f.url for f in feeds}) == len(feeds) >= 15
