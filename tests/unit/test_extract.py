"""extract(): the seeds, article records, HTML pages and bad input."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from storyline.errors import BadInputError
from storyline.extract import (
    ARTICLE_MEDIA_TYPE,
    DEFAULT_OPTIONS,
    ExtractOptions,
    MemoryLineStats,
    extract,
)
from storyline.model import Article, RawDoc, article_id

TEASER_TITLES = [
    "Netanyahu set to speak to Biden about as Israel weighs latest Hamas cease-fire proposal",
    "Biden softens suggestion Netanyahu is prolonging Israel-Hamas war",
    "Where things stand on an Israel-Hamas cease-fire deal as Hamas responds to latest proposal",
    "Biden to speak with Netanyahu Thursday on latest Hamas cease-fire proposal",
    "Blinken meets with Netanyahu in Israel and urges Hamas to accept cease-fire proposal",
    "Israel targets 'Hamas compound' in a school, military says; Hamas-linked media says 39 killed",
]
CNN_COPYRIGHT = (
    "The-CNN-Wire™ & © 2024 Cable News Network, Inc., a Time Warner Company. All rights reserved."
)


def text_doc(path: Path) -> RawDoc:
    return RawDoc(origin=str(path), content=path.read_bytes(), media_type="text/plain")


@pytest.fixture(scope="module")
def seed000(seeds: dict[str, Path]) -> Article:
    return extract(text_doc(seeds["000"]))


@pytest.fixture(scope="module")
def seed003(seeds: dict[str, Path]) -> Article:
    return extract(text_doc(seeds["003"]))


# --- seed 000: a clean CNN report -----------------------------------------------------------


def test_seed000_keeps_every_paragraph_but_the_copyright(
    seed000: Article, seeds: dict[str, Path]
) -> None:
    lines = [x.strip() for x in seeds["000"].read_text(encoding="utf-8").splitlines() if x.strip()]
    assert lines[-1] == CNN_COPYRIGHT
    assert seed000.text.split("\n") == lines[:-1]
    assert CNN_COPYRIGHT not in seed000.text
    assert "All rights reserved" not in seed000.text
    assert CNN_COPYRIGHT in seed000.boilerplate


def test_seed000_has_a_derived_title_lead_and_language(
    seed000: Article, seeds: dict[str, Path]
) -> None:
    # the file has no title line: the first line is body, the title is derived from it
    assert seed000.text.startswith("(CNN) — President Joe Biden spoke with")
    assert seed000.title.startswith("President Joe Biden spoke with Israeli Prime Minister")
    assert not seed000.title.startswith("(CNN)")
    assert len(seed000.title) <= DEFAULT_OPTIONS.title_chars
    assert seed000.lead is not None and seed000.text.startswith(seed000.lead)
    assert seed000.language == "en"
    assert seed000.origin == str(seeds["000"])
    assert seed000.id == article_id(title=seed000.title, text=seed000.text)
    assert seed000.published is None and seed000.published_how is None


# --- seed 003: an aggregator scrape ---------------------------------------------------------


@pytest.mark.parametrize(
    "chrome", ["Similar News", "Les mer", "Norge Siste Nytt", "Du kan også lese", "Overskrifter"]
)
def test_seed003_body_has_no_aggregator_chrome(seed003: Article, chrome: str) -> None:
    assert chrome not in seed003.text


def test_seed003_teasers_become_related_links(seed003: Article) -> None:
    for title in TEASER_TITLES:
        assert title not in seed003.text
    assert [r.title for r in seed003.related] == TEASER_TITLES
    first = seed003.related[0]
    assert first.snippet == "Casualties, injuries reported following Israeli strikes in Gaza"
    assert seed003.related[1].snippet is not None
    assert seed003.related[1].snippet.startswith("Joe Biden tried to walk back")
    assert "Les mer »" in seed003.boilerplate
    assert "Norge Siste Nytt, Norge Overskrifter" in seed003.boilerplate


def test_seed003_photo_credit_is_split_off(seed003: Article) -> None:
    assert [c.text for c in seed003.credits] == ["Evan Vucci/AP"]
    assert "Vucci" not in seed003.text
    paragraphs = seed003.text.split("\n")
    index = next(i for i, p in enumerate(paragraphs) if p.startswith("Israeli Prime Minister"))
    assert paragraphs[index].startswith("Israeli Prime Minister Benjamin Netanyahu and President")
    assert paragraphs[index - 1].endswith("a much smaller threat to Israel’s security.")


def test_seed003_body_is_english_and_keeps_the_report(seed003: Article) -> None:
    assert seed003.language == "en"
    assert seed003.text.startswith("The talks comes as negotiations had stalled")
    assert seed003.text.endswith("“there’s a pretty significant opening here.”")
    assert len(seed003.text.split("\n")) == 4


def test_copyright_glued_to_the_next_sentence_keeps_the_sentence(seeds: dict[str, Path]) -> None:
    # an aggregator concatenating the CNN footer with the next item's first sentence
    text = seeds["003"].read_text(encoding="utf-8")
    glued = CNN_COPYRIGHT + text
    article = extract(RawDoc(origin="glued.txt", content=glued, media_type="text/plain"))
    assert article.text.startswith("The talks comes as negotiations had stalled")
    assert "rights reserved" not in article.text
    assert CNN_COPYRIGHT in article.boilerplate


# --- article records (application/x-storyline-article) --------------------------------------


def record(fields: dict[str, object]) -> RawDoc:
    return RawDoc(origin="in.jsonl:3", content="", media_type=ARTICLE_MEDIA_TYPE, fields=fields)


def test_record_is_cleaned_like_text_and_keeps_its_id(
    seeds: dict[str, Path], seed003: Article
) -> None:
    text = seeds["003"].read_text(encoding="utf-8")
    article = extract(record({"id": "a-17", "text": text, "source": "newsbeezer"}))
    assert article.id == "a-17"
    assert article.text == seed003.text
    assert [r.title for r in article.related] == TEASER_TITLES
    assert article.language == "en"
    assert article.source_id == "newsbeezer"
    assert article.published is None


def test_record_fields_are_used() -> None:
    article = extract(
        record(
            {
                "id": 42,
                "title": "  Storm  hits the coast ",
                "text": "Heavy rain fell on Tuesday.\nRoads were closed in three towns.",
                "published": "2024-08-21T10:00:00+02:00",
                "url": "https://example.com/storm",
                "language": "en-GB",
            }
        )
    )
    assert article.id == "42"
    assert article.title == "Storm hits the coast"
    assert article.published == datetime(2024, 8, 21, 8, 0, tzinfo=UTC)
    assert article.published_how == "input"
    assert article.url == "https://example.com/storm"
    assert article.language == "en"
    assert article.text == "Heavy rain fell on Tuesday.\nRoads were closed in three towns."


def test_record_with_title_only_detects_nothing_for_short_text() -> None:
    article = extract(record({"id": "x", "title": "Storm hits the coast"}))
    assert article.text == ""
    assert article.title == "Storm hits the coast"
    assert article.language is None  # too short to tell


def test_record_norwegian_language_is_detected_as_nb() -> None:
    text = (
        "Regjeringen la fram statsbudsjettet torsdag, og finansministeren sa at "
        "kommunene får mer penger til skole og eldreomsorg neste år."
    )
    assert extract(record({"id": "n1", "text": text})).language == "nb"


def test_record_naive_published_is_utc() -> None:
    article = extract(record({"id": "x", "title": "T t t", "published": "2024-08-21 10:00"}))
    assert article.published == datetime(2024, 8, 21, 10, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"title": "No id"}, "needs a non-empty 'id'"),
        ({"id": "  ", "title": "Blank id"}, "needs a non-empty 'id'"),
        ({"id": "x"}, "neither a title nor a text"),
        ({"id": "x", "title": " ", "text": ""}, "neither a title nor a text"),
        ({"id": "x", "title": "T", "published": "yesterday"}, "'published' is not ISO-8601"),
        ({"id": "x", "title": ["a"]}, "field 'title' must be a string"),
        ({}, "needs fields"),
    ],
)
def test_bad_records_are_rejected_with_a_reason(fields: dict[str, object], reason: str) -> None:
    with pytest.raises(BadInputError) as info:
        extract(record(fields))
    assert reason in info.value.reason
    assert str(info.value).startswith("in.jsonl:3: ")


# --- HTML -----------------------------------------------------------------------------------

ARTICLE_HTML = """<!DOCTYPE html>
<html lang="en"><head>
<meta charset="utf-8">
<title>Storm closes roads across the county | The Daily Example</title>
<meta property="og:site_name" content="The Daily Example">
<meta name="author" content="Jane Reporter">
<meta property="article:published_time" content="2024-08-21T14:05:00-04:00">
<link rel="canonical" href="https://daily.example.com/2024/08/21/storm-closes-roads">
</head><body>
<header><nav><a href="/">Home</a> <a href="/news">News</a> <a href="/sport">Sport</a></nav></header>
<main><article>
<h1>Storm closes roads across the county</h1>
<p class="byline">By Jane Reporter</p>
<p>Heavy rain and strong winds closed dozens of roads across the county on Wednesday, and
emergency crews worked through the night to clear fallen trees from the main routes.</p>
<figure><img src="storm.jpg" alt="A flooded road">
<figcaption>Photo: Mark Lens/Reuters</figcaption></figure>
<p>The county's road department said that most routes would reopen by Thursday morning, but
warned drivers to expect delays and standing water on rural roads for several days.</p>
<p>"We have not seen rainfall like this in a decade," said the county's emergency manager,
who asked residents to stay at home unless their journey was essential.</p>
<p>Schools in the northern districts will stay closed on Thursday while engineers inspect two
bridges that were damaged when the river burst its banks late on Wednesday evening.</p>
<h2>Related stories</h2>
<ul>
<li><a href="/2024/08/20/river-levels">River levels rise after week of rain</a></li>
<li><a href="/2024/08/19/forecast">Forecasters warn of more storms this weekend</a></li>
</ul>
<p>© 2024 The Daily Example. All rights reserved.</p>
</article></main>
<footer><p>Contact us | Privacy policy | Terms of use</p></footer>
</body></html>
"""


@pytest.fixture(scope="module")
def html_article() -> Article:
    return extract(
        RawDoc(
            origin="https://daily.example.com/s",
            content=ARTICLE_HTML.encode("utf-8"),
            media_type="text/html; charset=utf-8",
            url="https://daily.example.com/2024/08/21/storm-closes-roads",
            source_id="daily",
        )
    )


def test_html_article_body_and_metadata(html_article: Article) -> None:
    paragraphs = html_article.text.split("\n")
    assert paragraphs[0].startswith("Heavy rain and strong winds closed dozens of roads")
    assert paragraphs[-1].startswith("Schools in the northern districts will stay closed")
    assert len(paragraphs) == 4
    assert html_article.title == "Storm closes roads across the county"
    assert html_article.author == "Jane Reporter"
    assert html_article.site_name == "The Daily Example"
    assert html_article.published == datetime(2024, 8, 21, 18, 5, tzinfo=UTC)
    assert html_article.published_how == "html-meta"
    assert html_article.language == "en"
    assert html_article.url == "https://daily.example.com/2024/08/21/storm-closes-roads"
    assert html_article.canonical_url == "https://daily.example.com/2024/08/21/storm-closes-roads"
    assert html_article.id == article_id(url=html_article.url)
    assert html_article.source_id == "daily"
    assert html_article.lead == paragraphs[0]


def test_html_article_chrome_goes_to_records(html_article: Article) -> None:
    for chrome in (
        "Home",
        "Privacy policy",
        "All rights reserved",
        "Related stories",
        "River levels",
    ):
        assert chrome not in html_article.text
    assert [(r.title, r.url) for r in html_article.related] == [
        ("River levels rise after week of rain", "/2024/08/20/river-levels"),
        ("Forecasters warn of more storms this weekend", "/2024/08/19/forecast"),
    ]
    assert [c.text for c in html_article.credits] == ["Mark Lens/Reuters"]


def test_html_str_with_xml_declaration_is_read() -> None:
    page = '<?xml version="1.0" encoding="utf-8"?>\n' + ARTICLE_HTML.split("\n", 1)[1]
    article = extract(RawDoc(origin="p.xhtml", content=page, media_type="application/xhtml+xml"))
    assert article.title == "Storm closes roads across the county"
    assert article.url == "https://daily.example.com/2024/08/21/storm-closes-roads"  # canonical


def test_html_latin1_bytes_are_decoded() -> None:
    body = "<p>Blåbærene vokser godt i år, sier bønder i Trøndelag til avisen i dag.</p>" * 3
    head = '<html><head><meta charset="iso-8859-1"></head>'
    page = f"{head}<body><article>{body}</article></body></html>"
    article = extract(
        RawDoc(origin="nb.html", content=page.encode("latin-1"), media_type="text/html")
    )
    assert "Blåbærene vokser godt i år" in article.text


# --- bad input: a BadInputError with a reason, or a clean result, never another exception ----

LISTING_HTML = (
    "<html><head><title>Sections</title></head><body><nav><ul>"
    + "".join(f'<li><a href="/s{i}">Section {i}</a></li>' for i in range(30))
    + "</ul></nav></body></html>"
)


@pytest.mark.parametrize(
    ("content", "media_type", "reason"),
    [
        ("", "text/html", "empty document"),
        (b"", "text/html", "empty document"),
        ("  \n\t ", "text/html", "empty document"),
        (bytes(range(256)) * 8, "text/html", "binary data"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(200), "text/html", "binary data"),
        ("a\x00b" * 50, "text/html", "binary data"),
        (LISTING_HTML, "text/html", "no article text found (page may be a listing"),
        (
            "<html><body><script>app()</script><div id='root'></div></body></html>",
            "text/html",
            "no article text",
        ),
        ("", "text/plain", "empty document"),
        (b"\x00\x01\x02\x03" * 100, "text/plain", "binary data"),
        ("Hi.", "text/plain", "no article text found"),
        ("some text", "application/pdf", "unsupported media type 'application/pdf'"),
    ],
)
def test_bad_input_raises_bad_input_error(
    content: str | bytes, media_type: str, reason: str
) -> None:
    with pytest.raises(BadInputError) as info:
        extract(RawDoc(origin="bad-input", content=content, media_type=media_type))
    assert reason in info.value.reason
    assert info.value.origin == "bad-input"


def test_invalid_markup_with_text_gives_a_clean_result() -> None:
    broken = (
        "<html><body><div><p>Flooding closed the harbour road on Monday after a night of heavy rain"
        "<p>Officials said repairs would take a week <b>at least</i></div></span>"
        "<p>Residents were told to avoid the area until the water has gone down completely.<<>>"
    )
    article = extract(RawDoc(origin="broken.html", content=broken, media_type="text/html"))
    assert "Flooding closed the harbour road" in article.text
    assert "Officials said repairs would take a week at least" in article.text
    for tag in ("<p>", "<b>", "</i>", "</div>", "</span>"):
        assert tag not in article.text


def test_deeply_nested_html_is_bad_input_or_text() -> None:
    page = "<html><body>" + "<div>" * 5000 + "<p>" + "Deep text here. " * 30 + "</p></body></html>"
    try:
        article = extract(RawDoc(origin="deep.html", content=page, media_type="text/html"))
    except BadInputError as exc:
        assert exc.reason
    else:
        assert "Deep text here." in article.text


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    content=st.one_of(
        st.binary(max_size=600),
        st.text(max_size=600),
        st.lists(
            st.sampled_from(
                ["<p>", "</p>", "<div>", "<a href=x>", "text ", "Word. ", "<!--", "&amp;"]
            ),
            max_size=80,
        ).map("".join),
    ),
    media_type=st.sampled_from(["text/html", "text/plain"]),
)
def test_arbitrary_input_never_raises_anything_else(content: str | bytes, media_type: str) -> None:
    try:
        article = extract(RawDoc(origin="fuzz", content=content, media_type=media_type))
    except BadInputError as exc:
        assert exc.reason
    else:
        assert article.text.strip()
        assert article.title


# --- learned boilerplate through extract() ------------------------------------------------------


def test_learned_boilerplate_across_documents_of_a_source() -> None:
    stats = MemoryLineStats()
    options = ExtractOptions(min_repeats=2)
    tagline = "Oslo Daily brings you the news that matters in the capital"
    bodies = [
        "The city council approved a new budget for public transport on Monday evening.",
        "A new library opened in the eastern district with room for twelve thousand books.",
        "Firefighters put out a blaze in a warehouse near the harbour late on Friday night.",
    ]
    articles = [
        extract(
            RawDoc(
                origin=f"doc{i}.txt",
                content=f"{body}\n{tagline}",
                media_type="text/plain",
                source_id="oslo",
            ),
            options,
            stats,
        )
        for i, body in enumerate(bodies)
    ]
    assert tagline in articles[0].text and tagline in articles[1].text  # not yet learned
    assert tagline not in articles[2].text  # seen in 2 other documents
    assert tagline in articles[2].boilerplate
    # the same document again does not count twice
    again = extract(
        RawDoc(
            origin="doc0.txt",
            content=f"{bodies[0]}\n{tagline}",
            media_type="text/plain",
            source_id="oslo",
        ),
        options,
        stats,
    )
    assert tagline not in again.text
    assert stats.document_count("oslo") == 3
