"""Untrusted XML: entity declarations are refused wherever Storyline parses XML."""

from __future__ import annotations

import pytest

from storyline.errors import SourceError
from storyline.ingest.sitemaps import parse_sitemap
from storyline.ingest.xmlsafe import declares_entities, safe_parser

LAUGHS = b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]>'


def test_entities_are_found_in_the_prolog_in_any_case_and_utf16() -> None:
    assert declares_entities(LAUGHS + b"<urlset/>")
    assert declares_entities(b"<!doctype x [<!entity a 'b'>]><x/>")
    assert declares_entities((LAUGHS.decode() + "<urlset/>").encode("utf-16"))
    assert not declares_entities(b'<?xml version="1.0"?><!DOCTYPE rss><rss/>')
    # After the root element the text is content (CDATA here), not a declaration.
    assert not declares_entities(b"<rss><![CDATA[ <!ENTITY x 'y'> ]]></rss>")


def test_a_sitemap_declaring_entities_is_refused() -> None:
    data = LAUGHS + b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"/>'
    with pytest.raises(SourceError, match="entities"):
        parse_sitemap("https://news.example/sitemap.xml", data)


def test_the_safe_parser_neither_expands_nor_loads() -> None:
    from lxml import etree

    doc = b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>'
    root = etree.fromstring(doc, safe_parser(recover=False))
    assert "root:" not in etree.tostring(root).decode()


def test_a_sitemap_link_that_is_not_a_url_is_skipped() -> None:
    # urljoin raises ValueError on "http://[oops/"; the other links still count.
    data = (
        b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        b"<url><loc>http://[oops/a</loc></url><url><loc>/news/b.html</loc></url></urlset>"
    )
    children, entries = parse_sitemap("https://news.example/sitemap.xml", data)
    assert children == []
    assert [e.url for e in entries] == ["https://news.example/news/b.html"]
