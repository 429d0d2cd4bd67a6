"""How the synthetic syndication set changes a story: the copy transforms and the templates.

Each transform imitates one thing outlets do to a wire story (docs/dedup.md lists them with
examples): a new **headline**, a **dateline** in front, a **read-more** line after, the
ending **truncated**, the publisher's **boilerplate** around it, light copy **edits**.
**Revisions** are edits the same site makes to its own page later. The **templates** are
short machine-written reports (quakes, results, weather...) whose instances share most words
but are different stories: the hard negatives of "same template, different story".

Every function takes a ``random.Random`` so the set is the same on every run for one seed.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = [
    "AGENCY_CREDITS",
    "TEMPLATES",
    "Publisher",
    "add_boilerplate",
    "add_dateline",
    "add_read_more",
    "copy_edit",
    "fill_template",
    "new_headline",
    "revise",
    "swap_facts",
    "truncate",
]

CITIES = (
    "OSLO",
    "WASHINGTON",
    "LONDON",
    "PARIS",
    "BERLIN",
    "BRUSSELS",
    "NEW YORK",
    "TOKYO",
    "NAIROBI",
    "SYDNEY",
    "MADRID",
    "ROME",
    "STOCKHOLM",
    "TORONTO",
    "MEXICO CITY",
    "DELHI",
)
#: Agency -> (dateline form, closing credit lines it is known by).
AGENCY_CREDITS: dict[str, tuple[str, tuple[str, ...]]] = {
    "AP": (
        "AP",
        ("— The Associated Press", "Associated Press writers contributed to this report."),
    ),
    "Reuters": ("Reuters", ("Reporting by Jane Doe; Editing by John Smith",)),
    "AFP": ("AFP", ("© Agence France-Presse",)),
    "NTB": ("NTB", ("(NTB)", "Kilde: NTB")),
    "dpa": ("dpa", ("Source: dpa",)),
}
_READ_MORE = (
    "Read more: {title}",
    "Read more »",
    "Continue reading on {pub}",
    "Read the full story at {pub}",
    "Les mer »",
)
_HEADLINE_PREFIX = ("UPDATE 1-", "UPDATE 2-", "BREAKING: ", "WATCH: ", "Exclusive: ")
_SPELLING = (
    ("percent", "per cent"),
    ("color", "colour"),
    ("center", "centre"),
    ("organization", "organisation"),
    ("analyze", "analyse"),
    ("program", "programme"),
    ("defense", "defence"),
    ("said", "told reporters"),
    ("However, ", "But "),
    ("will", "would"),
    ("about", "around"),
)
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z“\"])")


@dataclass(frozen=True, slots=True)
class Publisher:
    """A synthetic outlet: its name, web host and the boilerplate around its articles."""

    name: str
    host: str
    header: tuple[str, ...]
    footer: tuple[str, ...]


def sentences(text: str) -> list[str]:
    """Rough sentence split (enough to cut texts at sentence ends)."""
    return [s for s in _SENTENCE.split(text.strip()) if s]


def paragraphs(text: str) -> list[str]:
    return [p.strip() for p in text.splitlines() if p.strip()]


def new_headline(rng: random.Random, title: str, body: str, pub: Publisher) -> str:
    """Another outlet's headline for the same story: from the lead, trimmed, or new."""
    choice = rng.random()
    lead = sentences(paragraphs(body)[0])[0] if paragraphs(body) else title
    words = title.split()
    if choice < 0.35:
        cut = lead.split()[: rng.randint(6, 12)]
        return " ".join(cut).rstrip(",;:") or title
    if choice < 0.7 and len(words) > 4:
        keep = sorted(rng.sample(range(len(words)), k=max(3, len(words) - rng.randint(1, 3))))
        text = " ".join(words[i] for i in keep)
        if rng.random() < 0.5:
            text = rng.choice(_HEADLINE_PREFIX) + text
        return text + (f" | {pub.name}" if rng.random() < 0.5 else "")
    pool = sentences(body)
    pick = rng.choice(pool[1:] or pool or [title]).split()[: rng.randint(7, 12)]
    return " ".join(pick).rstrip(",;:.")


def add_dateline(rng: random.Random, body: str, agency: str) -> str:
    """``CITY (AGENCY) — `` in front of the first paragraph."""
    city = rng.choice(CITIES)
    form = AGENCY_CREDITS[agency][0]
    dash = rng.choice(("—", "–", "-", ":"))
    return f"{city} ({form}) {dash} {body.lstrip()}"


def add_credit(rng: random.Random, body: str, agency: str) -> str:
    """The agency's closing credit line after the text."""
    return body.rstrip() + "\n" + rng.choice(AGENCY_CREDITS[agency][1])


def add_read_more(rng: random.Random, body: str, title: str, pub: Publisher) -> str:
    """A "Read more" link line after the text."""
    return body.rstrip() + "\n" + rng.choice(_READ_MORE).format(title=title, pub=pub.name)


def truncate(rng: random.Random, body: str, low: float = 0.4, high: float = 0.9) -> str:
    """The text cut after a sentence, keeping ``low``-``high`` of its words."""
    paras = paragraphs(body)
    total = sum(len(p.split()) for p in paras)
    target = total * rng.uniform(low, high)
    kept: list[str] = []
    count = 0
    for para in paras:
        parts: list[str] = []
        for sentence in sentences(para):
            if count >= target:
                break
            parts.append(sentence)
            count += len(sentence.split())
        if parts:
            kept.append(" ".join(parts))
        if count >= target:
            break
    text = "\n".join(kept)
    return text + (" …" if rng.random() < 0.3 else "")


def add_boilerplate(rng: random.Random, body: str, pub: Publisher) -> str:
    """The publisher's navigation and footer lines around the text."""
    head = list(pub.header[: rng.randint(1, len(pub.header))]) if pub.header else []
    foot = list(pub.footer[: rng.randint(1, len(pub.footer))]) if pub.footer else []
    return "\n".join([*head, body.strip(), *foot])


def copy_edit(rng: random.Random, body: str) -> str:
    """Light copy editing: spelling and wording swaps, typography, merged paragraphs."""
    text = body
    for old, new in rng.sample(_SPELLING, k=3):
        if old in text:
            text = text.replace(old, new, 1)
    text = text.replace('"', "“", 1).replace("'", "’")
    paras = paragraphs(text)
    if len(paras) > 3 and rng.random() < 0.5:
        at = rng.randrange(len(paras) - 1)
        paras[at : at + 2] = [paras[at] + " " + paras[at + 1]]
    if len(paras) > 4 and rng.random() < 0.3:
        del paras[rng.randrange(1, len(paras))]
    return "\n".join(paras)


def revise(rng: random.Random, title: str, body: str, donor: str) -> tuple[str, str, str]:
    """An update of the same page: (new title, new body, what changed)."""
    paras = paragraphs(body)
    changes: list[str] = []
    if rng.random() < 0.5:
        title = (
            rng.choice(("UPDATED: ", ""))
            + title
            + rng.choice((" (updated)", ", officials say", " as talks continue"))
        )
        changes.append("headline")
    if rng.random() < 0.6 or not changes:
        extra = " ".join(sentences(donor)[:2]) or donor[:200]
        paras.append("Update: " + extra)
        changes.append("added paragraph")
    if len(paras) > 2 and rng.random() < 0.5:
        at = rng.randrange(len(paras))
        fixed = re.sub(
            r"\d+", lambda m: str(int(m.group()) + rng.randint(1, 9)), paras[at], count=1
        )
        fixed = fixed.replace(" the ", " a ", 1)
        if fixed != paras[at]:
            paras[at] = fixed
            changes.append("corrected figure")
    return title, "\n".join(paras), ", ".join(changes)


_FACT = re.compile(r"(?<![.!?]\s)(?<!^)\b([A-Z][a-z]{2,}|\d+)\b", re.MULTILINE)


def swap_facts(
    rng: random.Random, title: str, body: str, donor_names: Sequence[str]
) -> tuple[str, str]:
    """The same text with its numbers and names replaced: one template, another story."""
    mapping: dict[str, str] = {}

    def replace(match: re.Match[str]) -> str:
        word = match.group(1)
        if word not in mapping:
            if word.isdigit():
                value = str(int(word) + rng.randint(1, 97))
            else:
                value = rng.choice(donor_names) if donor_names else word[::-1].title()
            mapping[word] = value
        return mapping[word]

    return _FACT.sub(replace, title), _FACT.sub(replace, body)


# -- short machine-written reports ------------------------------------------------------

PLACES = (
    "Tromsø",
    "Bergen",
    "Kyoto",
    "Valparaíso",
    "Izmir",
    "Palermo",
    "Anchorage",
    "Lima",
    "Manila",
    "Reykjavik",
    "Tbilisi",
    "Quito",
    "Christchurch",
    "Jakarta",
    "Antalya",
    "Naples",
)
TEAMS = (
    "Rosenborg",
    "Molde",
    "Brann",
    "Viking",
    "Bodø/Glimt",
    "Vålerenga",
    "Lillestrøm",
    "Strømsgodset",
    "Sarpsborg",
    "Haugesund",
    "Odd",
    "Tromsø IL",
)
PLAYERS = ("Hansen", "Berg", "Johansen", "Larsen", "Olsen", "Nilsen", "Pedersen", "Dahl")
COMPANIES = (
    "Equinor",
    "Telenor",
    "Orkla",
    "Yara",
    "Mowi",
    "Storebrand",
    "Kongsberg",
    "Schibsted",
    "Aker BP",
    "Norsk Hydro",
)
DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
DIRECTIONS = ("north", "south", "east", "west", "north-east", "south-west")

TEMPLATES: dict[str, tuple[str, str]] = {
    "quake": (
        "Magnitude {m1}.{m2} earthquake strikes near {place}",
        "A magnitude {m1}.{m2} earthquake struck {n1} kilometres {dir} of {place} at {hh}:{mm} "
        "local time on {day}, the geological survey said. The quake had a depth of {n2} "
        "kilometres. There were no immediate reports of damage or injuries.",
    ),
    "shares": (
        "{company} shares {move} {n1} percent after quarterly results",
        "Shares of {company} {moved} {n1} percent to {n2} kroner on {day} after the company "
        "reported quarterly revenue of {n3} million kroner, compared with {n4} million a year "
        "earlier. Net profit came in at {n5} million. Analysts polled by the news agency had "
        "expected revenue of {n6} million.",
    ),
    "football": (
        "{team1} beat {team2} {g1}-{g2}",
        "{team1} beat {team2} {g1}-{g2} at home on {day}. {player1} opened the scoring in the "
        "{n1}th minute before {player2} doubled the lead after {n2} minutes. The win lifts "
        "{team1} to {n3} points, while {team2} stay on {n4} points after {n5} matches.",
    ),
    "weather": (
        "Weather in {place} on {day}: {cond}",
        "{place} can expect {cond} weather on {day}, with temperatures between {n1} and {n2} "
        "degrees. The wind will blow from the {dir} at {n3} metres per second, and the chance "
        "of rain is {n4} percent. Sunrise is at 0{n5}:{mm} and sunset at {n6}:{hh}.",
    ),
    "traffic": (
        "Road near {place} reopened after collision",
        "The main road between {place} and {place2} was closed for {n1} hours on {day} after a "
        "collision involving {n2} vehicles, police said. {n3} people were taken to hospital "
        "with minor injuries. The road reopened at {n4}:{mm}, and police asked drivers to "
        "expect delays.",
    ),
}


def fill_template(rng: random.Random, name: str) -> tuple[str, str]:
    """One instance of a template: (title, text) with fresh facts."""
    title, text = TEMPLATES[name]
    team1, team2 = rng.sample(TEAMS, 2)
    place, place2 = rng.sample(PLACES, 2)
    player1, player2 = rng.sample(PLAYERS, 2)
    values = {
        "m1": rng.randint(3, 7),
        "m2": rng.randint(0, 9),
        "place": place,
        "place2": place2,
        "dir": rng.choice(DIRECTIONS),
        "hh": f"{rng.randint(10, 23)}",
        "mm": f"{rng.randint(10, 59)}",
        "day": rng.choice(DAYS),
        "company": rng.choice(COMPANIES),
        "team1": team1,
        "team2": team2,
        "player1": player1,
        "player2": player2,
        "g1": rng.randint(1, 5),
        "g2": rng.randint(0, 3),
        "cond": rng.choice(("sunny", "cloudy", "rainy", "snowy", "windy", "foggy")),
        **{f"n{i}": rng.randint(2, 99) for i in range(1, 7)},
    }
    up = rng.random() < 0.5
    values["move"] = "rise" if up else "fall"
    values["moved"] = "rose" if up else "fell"
    return title.format(**values), text.format(**values)
