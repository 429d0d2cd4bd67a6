"""Syndication: which copy of a story is the original, and how many independent origins.

News agencies sell one text to hundreds of outlets, who print it with their own headline,
a dateline ("OSLO (NTB) –") or a credit line ("— The Associated Press"), often trimmed. A
reader wants the story once; a researcher wants to count *independent* reports, not copies
(Media Cloud issue #240; the "wire copy" problem described by Boumans et al. 2018, "The
agency makes the (online) news world go round", Digital Journalism 6(9)).

* :func:`detect_wire` finds the agency a text credits, in its dateline or its last lines.
  Photo credits ("Evan Vucci/AP") are *not* text credits and are ignored.
* :func:`choose_original` names a group's original: a copy from the agency's own site if
  the group credits one, else the earliest published (then earliest seen) copy.
* :func:`origin_key` and :func:`count_origins`: a group is one origin; groups that credit
  the same agency are one origin (the agency), otherwise the original's source is.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from storyline.dedup.fingerprints import Fingerprint

__all__ = [
    "AGENCIES",
    "agency_of_source",
    "choose_original",
    "count_origins",
    "detect_wire",
    "origin_key",
]

#: Agency name -> (names it goes by in text, web domains of its own site).
AGENCIES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "AP": (("AP", "Associated Press", "The Associated Press"), ("apnews.com", "ap.org")),
    "Reuters": (("Reuters", "Thomson Reuters"), ("reuters.com",)),
    "AFP": (("AFP", "Agence France-Presse", "Agence France Presse"), ("afp.com",)),
    "NTB": (("NTB", "Norsk Telegrambyrå"), ("ntb.no",)),
    "dpa": (("dpa", "DPA", "Deutsche Presse-Agentur"), ("dpa.com", "dpa-international.com")),
    "ANP": (("ANP",), ("anp.nl",)),
    "EFE": (("EFE", "Agencia EFE"), ("efe.com",)),
    "ANSA": (("ANSA",), ("ansa.it",)),
    "TT": (("TT", "TT Nyhetsbyrån"), ("tt.se",)),
    "Ritzau": (("Ritzau",), ("ritzau.dk",)),
    "STT": (("STT",), ("stt.fi",)),
    "PA": (("PA", "PA Media", "Press Association"), ("pamediagroup.com",)),
    "AAP": (("AAP", "Australian Associated Press"), ("aap.com.au",)),
    "CP": (("CP", "The Canadian Press", "Canadian Press"), ("thecanadianpress.com",)),
    "UPI": (("UPI", "United Press International"), ("upi.com",)),
    "Xinhua": (("Xinhua",), ("xinhuanet.com", "news.cn")),
    "Kyodo": (("Kyodo", "Kyodo News"), ("kyodonews.net",)),
    "Yonhap": (("Yonhap",), ("yna.co.kr",)),
    "Lusa": (("Lusa",), ("lusa.pt",)),
    "Belga": (("Belga",), ("belganewsagency.eu",)),
    "APA": (("APA", "Austria Presse Agentur"), ("apa.at",)),
    "Bloomberg": (("Bloomberg", "Bloomberg News"), ("bloomberg.com",)),
    "CNN": (("CNN", "CNN Wire"), ("cnn.com",)),
}
_ALIASES = {alias.casefold(): name for name, (aliases, _) in AGENCIES.items() for alias in aliases}
_ALIAS_RE = "|".join(
    re.escape(alias) for alias in sorted(_ALIASES, key=len, reverse=True) if len(alias) > 1
)
_AGENCY = rf"(?P<agency>{_ALIAS_RE})"

#: The agency in an opening dateline: "WASHINGTON (AP) —", "LONDON, May 1 (Reuters) -".
_DATELINE = re.compile(r"^[^\n()]{0,60}?\(\s*" + _AGENCY + r"\s*\)\s*(?:[—–:-]|\s)", re.IGNORECASE)
#: Credit lines at the end of a text (each matched against one whole short line).
_CREDIT_LINES = (
    re.compile(
        r"^[\s—–-]*\(?\s*(?:©|\(c\)|copyright)?\s*(?:\d{4}\s+)?" + _AGENCY + r"\s*\)?\.?$",
        re.IGNORECASE,
    ),
    re.compile(
        r"^[\s—–-]*(?:source|kilde|källa|kilde|quelle|fuente|fonte|bron)\s*:\s*" + _AGENCY + r"\b",
        re.IGNORECASE,
    ),
    re.compile(r"^[\s—–-]*(?:©|\(c\)|copyright)\s*(?:\d{4}\s+)?" + _AGENCY + r"\b", re.IGNORECASE),
    re.compile(
        r"\b" + _AGENCY + r"\s+(?:writers?|reporters?|correspondents?)\b.{0,80}"
        r"\bcontributed\b",
        re.IGNORECASE,
    ),
    re.compile(
        r"\b(?:originally\s+)?(?:published|provided|distributed)\s+by\s+" + _AGENCY + r"\b",
        re.IGNORECASE,
    ),
    re.compile(
        r"^[\s—–-]*(?:by|av|von|par|por)\s+[^,]{2,60},\s*" + _AGENCY + r"\s*$", re.IGNORECASE
    ),
)
_REUTERS_SIGNOFF = re.compile(
    r"^\(?\s*reporting\s+by\s+.{2,200}\b(?:editing|writing)\s+by\b", re.IGNORECASE
)
_CREDIT_WINDOW = 6
_DATELINE_WINDOW = 5
_CREDIT_MAX_WORDS = 40


_EXACT = {alias: name for name, (aliases, _) in AGENCIES.items() for alias in aliases}


def _canonical(alias: str) -> str | None:
    """The agency an alias names; short ones ("AP", "dpa") only as the agency writes them,
    so "ap" or "Tt" in running text is not taken for an agency."""
    if alias in _EXACT:
        return _EXACT[alias]
    return _ALIASES.get(alias.casefold()) if len(alias) > 3 else None


def detect_wire(lines: Sequence[str]) -> str | None:
    """The agency a text credits in its dateline or closing credit lines, else ``None``.

    ``lines`` are the text's lines as written (before credit lines are dropped). Case
    matters for the short names: "(AP)" and "(Reuters)" count, "ap" in running text does
    not.
    """
    present = [line.strip() for line in lines if line.strip()]
    if not present:
        return None
    for line in present[:_DATELINE_WINDOW]:
        match = _DATELINE.match(line)
        if match and (name := _canonical(match.group("agency"))):
            return name
    for line in reversed(present[-_CREDIT_WINDOW:]):
        if len(line.split()) > _CREDIT_MAX_WORDS:
            continue
        if _REUTERS_SIGNOFF.search(line):
            return "Reuters"
        for pattern in _CREDIT_LINES:
            found = pattern.search(line)
            if found and (name := _canonical(found.group("agency"))):
                return name
    return None


def agency_of_source(url: str | None, site_name: str | None) -> str | None:
    """The agency whose own site an article comes from (by URL host or site name)."""
    host = (urlsplit(url).hostname or "").casefold() if url else ""
    for name, (_aliases, domains) in AGENCIES.items():
        if host and any(host == d or host.endswith("." + d) for d in domains):
            return name
    if site_name:
        return _ALIASES.get(site_name.strip().casefold())
    return None


_FAR_FUTURE = datetime.max.replace(tzinfo=UTC)


def _when(fp: Fingerprint) -> datetime:
    moment = fp.published or fp.seen
    if moment is None:
        return _FAR_FUTURE
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def group_wire(members: Iterable[Fingerprint]) -> str | None:
    """The agency most members of a group credit (ties: the first credited)."""
    counts = Counter(fp.wire for fp in members if fp.wire)
    return counts.most_common(1)[0][0] if counts else None


def choose_original(members: Sequence[Fingerprint]) -> Fingerprint:
    """The original of a duplicate group, given in the order the copies were seen.

    A copy from the credited agency's own site wins; otherwise the earliest published copy
    (an unknown date counts as when it was seen), ties going to the first seen.
    """
    if not members:
        raise ValueError("a group has at least one member")
    wire = group_wire(members)
    order = {id(fp): n for n, fp in enumerate(members)}
    return min(
        members,
        key=lambda fp: (
            not (wire and fp.wire_source and fp.wire == wire),
            _when(fp),
            order[id(fp)],
        ),
    )


def origin_key(members: Sequence[Fingerprint]) -> str:
    """Who a group's story comes from: ``wire:AGENCY`` when credited, else the original's
    source (``source:ID``), else the original itself (``article:ID``)."""
    wire = group_wire(members)
    if wire:
        return f"wire:{wire}"
    original = choose_original(members)
    if original.source_id:
        return f"source:{original.source_id}"
    return f"article:{original.article_id}"


def count_origins(fingerprints: Iterable[Fingerprint]) -> int:
    """How many independent origins a set of articles (an event, a search result) has:
    duplicate groups counted once, groups crediting one agency counted once."""
    groups: dict[str, list[Fingerprint]] = {}
    for fp in fingerprints:
        groups.setdefault(fp.group, []).append(fp)
    return len({origin_key(members) for members in groups.values()})
