"""Direct quotations and their speakers.

Rule-based attribution in the manner of Pouliquen, Steinberger and Best (2007), "Automatic
detection of quotations in multilingual news" (RANLP), which the EMM news monitor runs in
many languages: a quotation is text between quotation marks (“…”, "…", «…», „…“) of at
least three words; its speaker is a person or organisation next to a speech verb right after
the quotation ("…," said Blinken; "…," Blinken said in remarks) or before it (Blinken said:
"…"; Netanyahu was reported to have said "…"). A pronoun subject ("he said") points to the
last person named before the quotation. A quotation without an attribution of its own that
follows an attributed one in the same or next paragraph continues it (the split-quote
convention of news writing). Quotations may span sentences; a quoted paragraph that is left
open and continued by the next one opening with a quotation mark is joined.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from storyline.enrich.base import Quote
from storyline.model import EntityKind

__all__ = ["SpeakerMention", "find_quotes"]

_QUOTE_PATTERNS = (
    re.compile(r"“([^“”\n]{2,}?)[”“]"),
    re.compile(r"„([^„“”\n]{2,}?)[“”]"),
    re.compile(r"«\s?([^«»\n]{2,}?)\s?»"),
    re.compile(r"”([^“”\n]{2,}?)”"),
    re.compile(r"(?<![\w'])''(?=\S)([^'\n]{2,}?)''(?!\w)"),
    re.compile(r"(?<!\w)‘(?=\S)([^‘’\n]{2,}?)’(?!\w)"),
    re.compile(r"(?<![\w\"])\"(?=\S)([^\"\n]{2,}?)(?<=\S)\"(?!\w)"),
)
_SPEECH_VERBS = (
    r"said|says|say|saying|told|tells|telling|added|adds|asked|asks|wrote|writes|posted|"
    r"stated|states|noted|notes|explained|insisted|insists|warned|warns|argued|argues|declared|"
    r"announced|acknowledged|acknowledges|stressed|continued|replied|responded|tweeted|"
    r"according\s+to|quoted|claimed|claims|recalled|urged|describes|described|calls|called|"
    r"insisting|adding|warning|asking|"
    r"a\s+dit|dit|a\s+déclaré|déclare|a\s+affirmé|affirme|a\s+ajouté|selon|a\s+expliqué|"
    r"sagte|sagt|erklärte|erklärt|betonte|so|laut|meinte|"
    r"dijo|dice|afirmó|declaró|según|añadió|"
    r"disse|diz|afirmou|declarou|segundo|"
    r"zei|zegt|verklaarde|volgens|"
    r"sa|sier|sade|säger|skriver|enligt|ifølge|ifølje|uttalte|"
    r"ha\s+detto|secondo"
)
_VERB = re.compile(rf"(?<!\w)(?:{_SPEECH_VERBS})(?!\w)", re.I)
_PRONOUN = re.compile(r"(?<!\w)(?:he|she|il|elle|er|hij|zij|han|hon|ele|ela|él|ella)(?!\w)", re.I)
_SENTENCE_END = re.compile(r"[.!?](?=\s+[A-ZÀ-Ý“\"«„])|\n")
_MIN_WORDS = 3
_AFTER_WINDOW = 160
_SUBJECT_REACH = 60
_BEFORE_REACH = 100


@dataclass(frozen=True, slots=True)
class SpeakerMention:
    """A mention that can speak: offsets, canonical name and kind."""

    start: int
    end: int
    name: str
    kind: EntityKind


def _spans(text: str) -> list[tuple[int, int, int, int]]:
    """(outer start, outer end, inner start, inner end) of every quotation, in text order."""
    taken: list[tuple[int, int, int, int]] = []
    for pattern in _QUOTE_PATTERNS:
        for match in pattern.finditer(text):
            outer = (match.start(), match.end())
            if any(outer[0] < t[1] and t[0] < outer[1] for t in taken):
                continue
            taken.append((outer[0], outer[1], match.start(1), match.end(1)))
    # A paragraph opened with “ and left open, continued by one that opens with “ again.
    for match in re.finditer(r"(?m)^“([^”\n]{20,})$\n(?=“)", text):
        outer = (match.start(), match.end())
        if not any(outer[0] < t[1] and t[0] < outer[1] for t in taken):
            taken.append((outer[0], outer[1] - 1, match.start(1), match.end(1)))
    return sorted(taken)


def _speakers_in(speakers: list[SpeakerMention], start: int, end: int) -> list[SpeakerMention]:
    return [
        s for s in speakers if s.start >= start and s.end <= end and s.kind is not EntityKind.PLACE
    ]


def _last_person_before(speakers: list[SpeakerMention], offset: int) -> str | None:
    people = [s for s in speakers if s.end <= offset and s.kind is EntityKind.PERSON]
    return people[-1].name if people else None


def _after(text: str, end: int, closed: bool, speakers: list[SpeakerMention]) -> str | None:
    """The speaker in '…," said X' or '…," X said' right after a quotation.

    ``closed`` says the quotation ended its clause (a comma, "?" or "!" inside the marks);
    otherwise the text after it must start with a comma or dash, or with the verb itself.
    """
    window = text[end : end + _AFTER_WINDOW]
    stop = _SENTENCE_END.search(window)
    if stop is not None:
        window = window[: stop.start()]
    if re.match(r"\s*[.!?]", window):
        return None
    verb = _VERB.search(window)
    if verb is None or verb.start() > _SUBJECT_REACH:
        return None
    if not (closed or re.match(r"\s*[,—–:]", window) or verb.start() <= 2):
        return None
    # "said Blinken" (speaker after the verb) or "Emilie Simons posted" (before it).
    candidates = _speakers_in(speakers, end, end + verb.start())
    if candidates:
        people = [c for c in candidates if c.kind is EntityKind.PERSON]
        return (people or candidates)[-1].name
    tail = _speakers_in(speakers, end + verb.end(), end + verb.end() + 45)
    if tail and text[end + verb.end() : tail[0].start].strip(" ,").count(" ") <= 3:
        return tail[0].name
    if _PRONOUN.search(window[: verb.start() + 12]):
        return _last_person_before(speakers, end)
    return None


def _before(text: str, start: int, floor: int, speakers: list[SpeakerMention]) -> str | None:
    """The speaker in 'X said: "…"' or 'X was reported to have said "…"' before a quotation."""
    left = max(floor, start - 300)
    window = text[left:start]
    stops = list(_SENTENCE_END.finditer(window))
    if stops:
        left += stops[-1].end()
        window = text[left:start]
    verbs = list(_VERB.finditer(window))
    if not verbs:
        if window.rstrip().endswith(":"):  # 'Als Ziel nannte Gusenbauer: "..."'
            people = [s for s in _speakers_in(speakers, left, start) if s.kind is EntityKind.PERSON]
            return people[-1].name if people else None
        return None
    verb = verbs[-1]
    verb_at = left + verb.start()
    subjects = _speakers_in(speakers, max(left, verb_at - _BEFORE_REACH), verb_at)
    if verb.group(0).casefold() in {
        "according to",
        "selon",
        "laut",
        "según",
        "segundo",
        "volgens",
        "enligt",
        "ifølge",
        "secondo",
    }:
        subjects = _speakers_in(speakers, left + verb.end(), left + verb.end() + 60)
        return subjects[0].name if subjects else None
    if subjects:
        people = [s for s in subjects if s.kind is EntityKind.PERSON]
        return (people or subjects)[-1].name
    if _PRONOUN.search(text[max(left, verb_at - 15) : verb_at]):
        return _last_person_before(speakers, left)
    return None


def find_quotes(text: str, speakers: list[SpeakerMention]) -> list[Quote]:
    """Quotations of at least three words in ``text``, with speakers where the text says.

    ``speakers`` are the article's person and organisation mentions with canonical names.
    """
    ordered = sorted(speakers, key=lambda s: s.start)
    quotes: list[Quote] = []
    previous_end = 0
    previous_speaker: str | None = None
    for outer_start, outer_end, inner_start, inner_end in _spans(text):
        inner = text[inner_start:inner_end].strip().rstrip(",").strip()
        if len(inner.split()) < _MIN_WORDS:
            continue
        closed = text[inner_start:inner_end].rstrip()[-1:] in {",", "?", "!", "…"}
        speaker = _after(text, outer_end, closed, ordered) or _before(
            text, outer_start, previous_end, ordered
        )
        if speaker is None and previous_speaker is not None and quotes:
            between = text[previous_end:outer_start]
            if (
                between.count("\n") <= 1
                and not _speakers_in(ordered, previous_end, outer_start)
                and not _VERB.search(between)
            ):
                speaker = previous_speaker
        quotes.append(Quote(inner, speaker, inner_start, inner_end))
        previous_end, previous_speaker = outer_end, speaker
    return quotes
