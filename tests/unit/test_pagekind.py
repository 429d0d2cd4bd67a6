"""Error pages and walls are refused at extraction; articles, even short ones, are kept."""

from __future__ import annotations

import pytest

from storyline.errors import BadInputError
from storyline.extract import extract
from storyline.extract.pagekind import MAX_CHARS, not_an_article
from storyline.model import RawDoc

SOFT_404 = (
    "The page you requested cannot be found. It might have been removed, had its name "
    "changed, or is temporarily unavailable. Please check the address and try again."
)
CAPTCHA = (
    "Why did this happen? Please make sure your browser supports JavaScript and cookies and "
    "that you are not blocking them from loading."
)
REGISTER = (
    "Registering for Example.com is free and easy! Already a member? Log in. We ask our users "
    "to register so that we can provide more of the content you like. " + "Country: " * 400
)
BRIEF = (
    "WASHINGTON (AP) - The Senate confirmed the nominee on Tuesday by a vote of 61 to 38, "
    "ending a months-long fight over the post."
)


@pytest.mark.parametrize(
    ("title", "text", "kind"),
    [
        ("floridatoday.com document not found", SOFT_404, "error page"),
        ("999 This page is currently unavailable", "Please try again later.", "error page"),
        ("Wired News", "Otherwise the story id may be invalid, or the story has expired.", "error"),
        ("Are you a robot?", CAPTCHA, "captcha"),
        ("Member Center", REGISTER, "registration"),
        ("The New York Times > Log In", "Register for NYTimes.com. Member ID: Password:", "login"),
    ],
)
def test_error_pages_and_walls_are_named(title: str, text: str, kind: str) -> None:
    reason = not_an_article(title, text)
    assert reason is not None and kind.split()[0] in reason


def test_articles_are_kept_even_short_or_quoting_the_phrases() -> None:
    assert not_an_article("Senate confirms nominee", BRIEF) is None
    long_report = (
        "Visitors to the ministry's site were told the page could not be found on Monday. "
        + "The outage lasted for hours while officials investigated the attack. " * 30
    )
    assert len(long_report) > MAX_CHARS
    assert not_an_article("Ministry website hit by outage", long_report) is None
    # A brief may say what an error page says, in a reporter's words.
    for brief in (
        "The document could not be found, police said on Monday, after a search of the office.",
        "The ministry said the article has been removed from its site after complaints.",
    ):
        assert not_an_article("Search ends", brief) is None
    # Words of a wall in a real headline do not make it a wall.
    assert not_an_article("Log in or sign up: banks move to passkeys", BRIEF * 3) is None


def test_extraction_refuses_a_soft_404_with_the_reason() -> None:
    html = (
        "<html><head><title>Page not found | Example News</title></head><body>"
        f"<main><h1>Sorry</h1><p>{SOFT_404}</p></main></body></html>"
    )
    with pytest.raises(BadInputError, match="not an article") as caught:
        extract(RawDoc(origin="https://example.org/x", content=html, media_type="text/html"))
    assert caught.value.origin == "https://example.org/x"
    article = (
        "<html><head><title>Senate confirms nominee</title></head><body><article>"
        f"<h1>Senate confirms nominee</h1><p>{BRIEF}</p><p>{BRIEF}</p></article></body></html>"
    )
    assert (
        "61 to 38"
        in extract(
            RawDoc(origin="https://example.org/y", content=article, media_type="text/html")
        ).text
    )
