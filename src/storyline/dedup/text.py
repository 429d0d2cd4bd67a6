"""Text normalisation for duplicate detection: what two copies of one story have in common.

Syndicated copies differ in the same few ways (see ``docs/dedup.md``): a dateline put in
front ("OSLO (NTB) –"), a "Read more" or copyright line added at the end, a publisher's
navigation around the body, Unicode and typography changes. :func:`body_lines` removes the
universal ones (datelines, read-more, share and copyright lines) so they do not count as
differences; publisher boilerplate that is not universal is left to the similarity measure,
which is built to tolerate it (containment, see :mod:`storyline.dedup.compare`).

Everything here is pure and deterministic: the same text gives the same tokens on every
machine, which is what lets fingerprints be stored and compared later.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = [
    "DATELINE",
    "body_lines",
    "fact_tokens",
    "normalise_title",
    "strip_dateline",
    "tokens",
]

_I = re.IGNORECASE

#: Wire agencies and newsrooms that appear in datelines, as written there.
DATELINE_AGENCIES = (
    r"AP|Reuters|AFP|NTB|dpa|DPA|ANP|EFE|ANSA|TT|Ritzau|STT|PA|AAP|CP|UPI|Xinhua|Kyodo|Yonhap"
    r"|Bloomberg|CNN|BBC|Belga|APA|Lusa|Agencia EFE|Associated Press"
)
_CITY_WORD = r"[A-ZÀ-ÖØ-Þ][\w'’.-]*"
#: A news dateline opening the text: "WASHINGTON (AP) —", "LONDON, May 1 (Reuters) -",
#: "Oslo (NTB): ", "(CNN) —", "PARIS —". Groups: ``agency`` when one is named.
DATELINE = re.compile(
    rf"^\s*(?:(?:{_CITY_WORD}(?:[ /-]{_CITY_WORD}){{0,3}}\s*,?\s*)"
    r"(?:(?:[A-Z][a-z]{2,8}\.?|\d{1,2}\.?)\s+(?:\d{1,2}|[A-Z][a-z]{2,8}\.?),?\s*(?:\d{4},?\s*)?)?)?"
    rf"\(\s*(?P<agency>{DATELINE_AGENCIES}|[A-Z][\w.&' -]{{0,30}}?)\s*\)\s*(?:[—–:-]+|\s)\s*"
    r"|^\s*[A-ZÀ-ÖØ-Þ][A-ZÀ-ÖØ-Þ .'/-]{2,30}(?:,\s*[A-Z][\w.]*(?:\s+\d{1,2})?)?\s*[—–]\s+"
)

#: Lines that are links or notices, not story: "Read more »", "Continue reading",
#: "Share this article", "Follow us on X", "© 2024 ... All rights reserved", "Advertisement".
_NOTICE = re.compile(
    r"^[\s»›>→▸|•*-]*(?:"
    r"read\s+(?:more|the\s+full\s+(?:story|article)|also|next)\b|continue\s+reading|keep\s+reading"
    r"|les\s+(?:mer|også|hele)\b|läs\s+(?:mer|också|hela)\b|læs\s+(?:mere|også|hele)\b"
    r"|weiterlesen|mehr\s+(?:lesen|zum\s+thema)|lire\s+(?:la\s+suite|aussi)|en\s+savoir\s+plus"
    r"|leer\s+más|seguir\s+leyendo|lees\s+(?:meer|ook)"
    r"|share\s+(?:this|on)\b|del\s+(?:artikkelen|saken)|follow\s+us\b|følg\s+oss\b"
    r"|sign\s+up\s+(?:for|to)\b|subscribe\s+(?:to|now|for)\b|advertisement\s*$|annonse\s*$"
    r"|anzeige\s*$|©|\(c\)\s*\d{4}|copyright\b|all\s+rights\s+reserved"
    r"|alle\s+rettigheter|alle\s+rechte\s+vorbehalten|tous\s+droits\s+réservés"
    r")",
    _I,
)
_NOTICE_MAX_WORDS = 25
_DATELINE_LINES = 5
#: Facts are taken from prose lines only: menus and link lists are Capitalised Words too.
_PROSE_WORDS = 6
#: Facts are read from the first words of the prose: the lead names the story, and a
#: truncated copy keeps it.
_FACT_WORDS = 400
_WORD = re.compile(r"\w+")


def strip_dateline(line: str) -> str:
    """``line`` without a leading news dateline ("OSLO (NTB) – ", "(CNN) — ")."""
    match = DATELINE.match(line)
    if match is None:
        return line
    rest = line[match.end() :]
    # Only a dateline if real text follows: "PARIS (AFP)" alone is a credit line.
    return rest if len(rest.split()) >= 3 else line


def _is_notice(line: str) -> bool:
    return line.count(" ") < _NOTICE_MAX_WORDS and _NOTICE.match(line) is not None


def body_lines(text: str) -> list[str]:
    """The story lines of ``text``: non-empty lines, dateline removed from the first one,
    read-more, share, subscription and copyright notices dropped."""
    lines = [" ".join(parts) for line in text.splitlines() if (parts := line.split())]
    lines = [line for line in lines if not _is_notice(line)]
    # The dateline opens the story, which may come after a few lines of navigation.
    for n, line in enumerate(lines[:_DATELINE_LINES]):
        stripped = strip_dateline(line)
        if stripped != line:
            lines[n] = stripped
            break
    return lines


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


def tokens(text: str) -> list[str]:
    """Words for shingling: NFKC, case-folded, ``\\w+`` runs (punctuation and quotes vanish)."""
    return _WORD.findall(_fold(text))


_FACT_SCAN = re.compile(r"(\w+)|[.!?:;…\"“”«»]")


def fact_tokens(lines: list[str]) -> list[str]:
    """The "facts" of a text: numbers and capitalised words that do not open a sentence.

    Two stories written from one template (sports results, earnings, weather, quake
    reports) share most words but not these; two copies of one story share them. Only prose
    lines count (menus and link lists are Capitalised Words too), up to the first 400 words.
    Returned case-folded, in text order, with repeats.
    """
    found: list[str] = []
    budget = _FACT_WORDS
    for line in lines:
        if budget <= 0:
            break
        if len(line.split()) < _PROSE_WORDS:
            continue
        opening = True
        for word in _FACT_SCAN.findall(line):
            budget -= 1
            if not word:
                opening = True
                continue
            if word.isdigit() or (word[0].isupper() and not opening):
                found.append(word.casefold())
            opening = False
    return found


_TITLE_PREFIX = re.compile(
    r"^\s*(?:update\s*\d*\s*[-:–]|updated\s*:|breaking(?:\s+news)?\s*[:|-]|exclusive\s*[:|-]"
    r"|watch\s*[:|-]|video\s*[:|-]|live\s*[:|-]|analysis\s*[:|-]|opinion\s*[:|-]|siste\s*[:|-]"
    r"|oppdatert\s*[:|-])\s*",
    _I,
)
_TITLE_SUFFIX = re.compile(r"\s+[|–—-]\s+[^|–—-]{2,40}$")


def normalise_title(title: str) -> str:
    """A headline folded for comparison: "UPDATE 2-", "BREAKING:" and a trailing
    " | Publisher" or " - Site" removed, then case-folded words joined by single spaces."""
    text = _TITLE_PREFIX.sub("", title or "")
    text = _TITLE_SUFFIX.sub("", text)
    return " ".join(tokens(text))
