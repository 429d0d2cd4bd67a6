"""Rules around the statistical recogniser: safe fixes of its slips, and a fallback.

``fix_mentions`` corrects what spaCy's small pipelines get wrong in a way a rule can detect
without guessing: a name right after "spokesperson" tagged as an organisation, a place name
tagged as a nationality before "corridor", a stray "State" out of "Secretary of State", a
leading "the" or a trailing "'s". Everything else the model says is kept.

``RuleRecogniser`` is the fallback for languages without a pipeline: capitalised spans (a
sentence's first word only when it is not a function word), typed by cues: a title before it
("President", "Präsident"), an organisation word in it ("Ministry", "Partei"), a place noun
after it ("corridor") or a place preposition before a single word, and names already known
from other articles. Capitalised-span heuristics are the classic baseline for NER in
languages without training data (Nadeau and Sekine 2007, "A survey of named entity
recognition and classification", section 3); they favour precision on single words (dropped
unless known or cued) and recall on multi-word names.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from storyline.enrich.base import Mention
from storyline.enrich.lexicon import (
    CAPITALISED_FUNCTION_WORDS,
    NAME_PARTICLES,
    ORG_WORDS,
    PERSON_CUES,
    PLACE_FIRST_WORDS,
    PLACE_PREPOSITIONS,
    PLACE_WORDS,
    TITLE_ENDINGS,
    TITLES,
)
from storyline.model import EntityKind

__all__ = ["RuleRecogniser", "fix_mentions"]

_WORD = re.compile(r"[^\W\d_](?:[\w’'.-]*\w)?")
_LETTERS = re.compile(r"[^\W\d_]")
_PREV_WORD = re.compile(r"([^\W\d_][\w-]*)\W{0,2}\s*$")
_NEXT_WORD = re.compile(r"^\s+([^\W\d_][\w-]*)")
#: Short all-capital names the small English model may tag as places; others ("AI") are not.
_PLACE_ACRONYMS = frozenset(["US", "U.S.", "UK", "U.K.", "UAE", "USA", "DRC", "EU", "DC", "NYC"])
_POSSESSIVE = re.compile(r"(?:['’]s|['’])$")

#: Looks a name up among entities already known: its kind, or None.
KnownLookup = Callable[[str], EntityKind | None]


def _previous_word(text: str, start: int) -> str:
    match = _PREV_WORD.search(text[max(0, start - 40) : start])
    return match.group(1).casefold() if match else ""


def _next_word(text: str, end: int) -> tuple[str, int]:
    match = _NEXT_WORD.match(text[end : end + 40])
    if match is None:
        return "", end
    return match.group(1), end + match.end(1)


def is_title(word: str) -> bool:
    """A title or role word, also as a compound ("SPÖ-Parteichef", "Außenminister")."""
    folded = word.casefold().rstrip(".")
    return folded in TITLES or (
        len(folded) > 7 and folded.endswith(TITLE_ENDINGS) and word[:1].isupper()
    )


def _trim(text: str, mention: Mention) -> Mention | None:
    """Strip a leading "the", a trailing possessive and punctuation; None if nothing is left."""
    start, end = mention.start, mention.end
    surface = text[start:end]
    # "World Health Organization (WHO", "Murray - who": cut at the bracket or dash.
    for cut in (" (", " - ", " – ", " — "):
        at = surface.find(cut)
        if at > 0 and (cut != " (" or ")" not in surface[at:]):
            end = start + at
            surface = text[start:end]
    lead = re.match(r"(?:the|The|THE)\s+", surface)
    if lead:
        start += lead.end()
    surface = text[start:end]
    possessive = _POSSESSIVE.search(surface)
    if possessive and len(surface) > 3:
        end -= len(possessive.group(0))
    while end > start and not text[end - 1].isalnum() and text[end - 1] not in ").":
        end -= 1
    surface = text[start:end]
    letters = _LETTERS.findall(surface)
    if len(letters) < 2 or surface.islower():
        return None
    if re.fullmatch(r"[^\W\d_]\.", surface):  # "X." from "posted on X."
        return None
    if " " not in surface and any(c.isdigit() for c in surface):  # "H5N1", "GLP-1"
        return None
    return Mention(surface, mention.kind, start, end, mention.source)


def _dateline(text: str, mention: Mention) -> bool:
    """Whether a mention is a capitalised dateline place ("BAGHDAD, Iraq (CNN) --")."""
    line_start = text.rfind("\n", 0, mention.start) + 1
    return (
        mention.text.isupper()
        and text[line_start : mention.start].strip(" |") == ""
        and re.match(r"\s*(?:,|\(|--|—|–)", text[mention.end : mention.end + 4]) is not None
    )


def fix_mentions(text: str, mentions: list[Mention]) -> list[Mention]:
    """Correct the statistical model's detectable slips (see the module docstring)."""
    fixed: list[Mention] = []
    for raw in mentions:
        mention = _trim(text, raw)
        if mention is None:
            continue
        words = mention.text.split()
        before = _previous_word(text, mention.start)
        kind = mention.kind
        source = mention.source
        if (
            kind in (EntityKind.ORG, EntityKind.OTHER)
            and before in PERSON_CUES
            and 2 <= len(words) <= 3
            and all(w[:1].isupper() for w in words)
            and not any(w.casefold() in ORG_WORDS for w in words)
        ):
            kind, source = EntityKind.PERSON, "rule:cue"
        # "Secretary of State", "Department of Justice": a part of a title, not an org.
        if (
            kind is EntityKind.ORG
            and len(words) == 1
            and text[max(0, mention.start - 20) : mention.start]
            .casefold()
            .rstrip()
            .endswith(("secretary of", "department of", "minister of", "ministry of"))
        ):
            continue
        if _dateline(text, mention):
            kind, source = EntityKind.PLACE, "rule:dateline"
        if (
            kind is EntityKind.PLACE
            and mention.text.isupper()
            and len(mention.text) <= 3
            and mention.text not in _PLACE_ACRONYMS
        ):
            continue
        after, after_end = _next_word(text, mention.end)
        if kind is EntityKind.OTHER and after.casefold() in PLACE_WORDS and after.islower():
            fixed.append(
                Mention(
                    text[mention.start : after_end],
                    EntityKind.PLACE,
                    mention.start,
                    after_end,
                    "rule:place-noun",
                )
            )
            continue
        if kind is EntityKind.OTHER:
            continue
        fixed.append(Mention(mention.text, kind, mention.start, mention.end, source))
    return fixed


def _strip_titles(words: list[tuple[str, int, int]]) -> tuple[list[tuple[str, int, int]], bool]:
    """Drop leading title words ("Präsident", "Prime Minister"); True if any were dropped."""
    index = 0
    while index < len(words) - 1 and (
        is_title(words[index][0])
        or (index > 0 and words[index][0] == "of")
        or (index > 0 and words[index - 1][0] == "of")  # "Secretary of State Antony Blinken"
    ):
        index += 1
    return words[index:], index > 0


class RuleRecogniser:
    """Capitalised-span recogniser for languages without a statistical pipeline."""

    name = "rules"

    def __init__(self, known: KnownLookup | None = None) -> None:
        self.known = known

    def supports(self, language: str | None) -> bool:
        return True

    def _spans(self, text: str) -> list[list[tuple[str, int, int]]]:
        """Runs of capitalised words (with name particles between them) separated by spaces."""
        spans: list[list[tuple[str, int, int]]] = []
        current: list[tuple[str, int, int]] = []
        pending: list[tuple[str, int, int]] = []
        last_end = -1
        for match in _WORD.finditer(text):
            word, start, end = match.group(0), match.start(), match.end()
            adjacent = last_end >= 0 and text[last_end:start] in (" ", "\u00a0")
            if word[0].isupper():
                if current and adjacent and not is_title(word):
                    current.extend(pending)
                    current.append((word, start, end))
                else:
                    if current:
                        spans.append(current)
                    current = [(word, start, end)]
                pending = []
            elif current and adjacent and word in NAME_PARTICLES and len(pending) < 2:
                pending.append((word, start, end))
            else:
                if current:
                    spans.append(current)
                current, pending = [], []
            last_end = end
        if current:
            spans.append(current)
        return spans

    def mentions(self, text: str, language: str | None) -> list[Mention]:
        found: list[Mention] = []
        surnames: set[str] = set()  # of the people found so far: "Netanyahu" after the full name
        for span in self._spans(text):
            while span and span[0][0].casefold() in CAPITALISED_FUNCTION_WORDS:
                span = span[1:]
            while span and span[-1][0].casefold() in CAPITALISED_FUNCTION_WORDS:
                span = span[:-1]
            if not span:
                continue
            span, titled = _strip_titles(span)
            start, end = span[0][1], span[-1][2]
            surface = text[start:end]
            possessive = _POSSESSIVE.search(surface)
            if possessive and len(surface) > 3:
                end -= len(possessive.group(0))
                surface = text[start:end]
            kind = self._kind(text, surface, span, start, end, titled, language)
            if len(span) == 1 and surface in surnames:
                kind = EntityKind.PERSON
            if kind is None:
                continue
            if kind is EntityKind.PERSON and len(span) >= 2:
                surnames.add(span[-1][0])
            if kind is EntityKind.PLACE:
                after, after_end = _next_word(text, end)
                if after.casefold() in PLACE_WORDS and after.islower():
                    end = after_end
                    surface = text[start:end]
            found.append(Mention(surface, kind, start, end, "rules"))
        return found

    def _kind(
        self,
        text: str,
        surface: str,
        span: list[tuple[str, int, int]],
        start: int,
        end: int,
        titled: bool,
        language: str | None,
    ) -> EntityKind | None:
        if self.known is not None:
            kind = self.known(surface)
            if kind is not None:
                return kind
        words = [w for w, _, _ in span]
        lowered = [w.casefold() for w in words]
        before = _previous_word(text, start)
        after, _ = _next_word(text, end)
        if titled or before in PERSON_CUES or is_title(before):
            return EntityKind.PERSON if len(words) <= 4 else None
        if lowered[0] in ORG_WORDS or lowered[-1] in ORG_WORDS:
            return EntityKind.ORG
        if after.casefold() in PLACE_WORDS and after.islower():
            return EntityKind.PLACE
        if len(words) > 1 and lowered[0] in PLACE_FIRST_WORDS:
            return EntityKind.PLACE
        prepositions = PLACE_PREPOSITIONS.get(language or "", PLACE_PREPOSITIONS["en"])
        sentence_start = start == 0 or text[max(0, start - 2) : start] in (". ", "\n")
        if before in prepositions and not sentence_start:
            return EntityKind.PLACE
        if len(words) == 1:
            word = words[0]
            capitals = sum(1 for c in word if c.isupper())
            if word in _PLACE_ACRONYMS:
                return EntityKind.PLACE
            if 2 <= len(word) <= 6 and (word.isupper() or capitals >= 2):
                return EntityKind.ORG
            return None
        if 2 <= len(words) <= 4 and all(w[0].isupper() or w in NAME_PARTICLES for w in words):
            return EntityKind.PERSON
        return None
