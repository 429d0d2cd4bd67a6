"""Pages that are not articles: error pages and walls served where an article was.

An aggregator that fetches a story's page does not always get the story. The site may
answer "page not found", "999 Unable to process request" or "the story has expired" with
status 200 (a *soft 404*, Bar-Yossef et al. 2004, "Sic transit gloria telae"), or put a
wall in front of it: a login or registration form, a captcha ("Are you a robot?"), a
purchase page. Stored as articles, such pages show as news, join unrelated events and
pollute search. Of the 234 pages the WikinewsSum editors cited, 57 no longer show (or
never were) a report of the event, and ten of them are exactly this.

The test is deliberately narrow, because losing a real article is worse than keeping a
wall: a page is refused only when its text is *short* (:data:`ERROR_MAX_CHARS` for an
error page, :data:`MAX_CHARS` for a wall; a real report that quotes "page not found" is
longer) and its title or the start of its text says what it is, in the words such pages
use ("the page you requested", "story id may be invalid"; not "the document could not be
found", which a news brief may say). A refused page raises
:class:`~storyline.errors.BadInputError` with the reason; a feed item then falls back to the
feed's own text (``ingest/scheduler.py``).

``storyline eval non-articles`` measures it: how many of those ten pages are refused, and
how many of 1,252 article texts and 974 article pages would be (the figure that matters).
"""

from __future__ import annotations

import re

__all__ = ["ERROR_MAX_CHARS", "MAX_CHARS", "not_an_article"]

#: Longer texts are never refused: a wall or an error page says little.
MAX_CHARS = 1500
#: An error page says even less (the longest of the ten measured is 716 characters).
ERROR_MAX_CHARS = 800
#: Characters at the start of the text read for the tell-tale phrases.
HEAD_CHARS = 300
ERROR_HEAD_CHARS = 200

_ERROR = re.compile(
    r"\bpage (?:you requested|you are looking for)\b"
    r"|\b(?:page|document|file) not found\b"
    r"|\bpage\b[^.\n]{0,40}\b(?:can ?not|could not|couldn't|can't) be (?:found|displayed)\b"
    r"|\b(?:page|site|service) is (?:currently |temporarily )?unavailable\b"
    r"|\bunable to (?:find|process) (?:the |your )?request(?:ed)?\b"
    r"|\berror (?:404|999)\b|\b404 (?:error|not found)\b|\b999 unable\b"
    r"|\bstory id may be invalid\b|\b(?:story|page|link) has expired\b",
    re.IGNORECASE,
)
_WALL = re.compile(
    r"\b(?:are you a (?:robot|human)|verify (?:that )?you are (?:a )?human|"
    r"(?:please )?enable (?:javascript and cookies|cookies and javascript)|"
    r"your browser supports javascript and cookies|recaptcha|"
    r"register for [\w.-]+\.(?:com|net|org|co\.uk)|registering for [\w.-]+ is free|"
    r"already a (?:member|subscriber)\?\s*(?:log|sign) in|forgot your (?:id|password|"
    r"username)|member id:|subscribe (?:now )?to (?:continue|keep) reading|"
    r"(?:log|sign) in to (?:continue|read)|available to institutional customers|"
    r"purchase this article)\b",
    re.IGNORECASE,
)
_TITLE_WALL = re.compile(
    r"^(?:.*>\s*)?(?:log ?in|sign ?in|member center|register|access denied|"
    r"are you a robot\??|accessing article|subscribe)\s*$",
    re.IGNORECASE,
)


def not_an_article(title: str, text: str) -> str | None:
    """Why the page is an error page or a wall (a reason for the user), or ``None``.

    ``title`` and ``text`` are the page's extracted title and main text. Only short texts
    are judged (see the module docstring), except that a
    title which is itself a login or registration page ("The New York Times > Log In",
    "Member Center") is enough when the text starts like a form.
    """
    text = text.strip()
    if len(text) < ERROR_MAX_CHARS:
        found = _ERROR.search(f"{title}\n{text[:ERROR_HEAD_CHARS]}")
        if found:
            return f"an error page, not an article (it says {found.group(0).strip()!r})"
    if len(text) < MAX_CHARS:
        found = _WALL.search(f"{title}\n{text[:HEAD_CHARS]}")
        if found:
            return (
                "a login, registration or captcha page, not an article "
                f"(it says {found.group(0).strip()!r})"
            )
    if _TITLE_WALL.match(title.strip()) and _WALL.search(text[:HEAD_CHARS]):
        return f"a login or registration page, not an article (titled {title.strip()!r})"
    return None
