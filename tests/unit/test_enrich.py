"""The enrichment stage on real text: entities, canonical names, quotes, dates, keyphrases."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from storyline.enrich import Enricher, EnrichOptions, EntityRegistry, group_keyphrases, keyphrases
from storyline.enrich.base import Mention
from storyline.enrich.canonical import group_mentions, name_key, strip_titles
from storyline.enrich.quotes import SpeakerMention, find_quotes
from storyline.enrich.rules import RuleRecogniser, fix_mentions
from storyline.enrich.spacy_ner import SpacyRecogniser, spacy_available
from storyline.enrich.timeexpr import find_dates
from storyline.model import Article, EntityKind

needs_spacy = pytest.mark.skipif(
    not spacy_available("en"), reason="the 'nlp' extra (spaCy + pipelines) is not installed"
)

P, ORG, L = EntityKind.PERSON, EntityKind.ORG, EntityKind.PLACE


@pytest.fixture(scope="module")
def enricher() -> Enricher:
    return Enricher()


def _article(text: str, language: str = "en", published: datetime | None = None) -> Article:
    return Article(id="a", title="", text=text, language=language, published=published)


def _names(enricher: Enricher, article: Article) -> dict[str, EntityKind]:
    return {e.name: e.kind for e in enricher.enrich(article).entities}


@needs_spacy
def test_seed_000_entities_and_the_blinken_quote(seeds: dict[str, Path]) -> None:
    enrichment = Enricher().enrich(_article(seeds["000"].read_text(encoding="utf-8")))
    entities = {(e.name, e.kind) for e in enrichment.entities}
    aliases = {alias for e in enrichment.entities for alias in (e.name, *e.aliases)}
    for person in (
        "Joe Biden",
        "Benjamin Netanyahu",
        "Kamala Harris",
        "Antony Blinken",
        "Bill Burns",
        "Emilie Simons",
    ):
        assert (person, P) in entities
    orgs = {name for name, kind in entities if kind is ORG}
    assert {"White House", "CIA", "Hamas"} <= orgs
    assert "IDF" in aliases and any(
        e.kind is ORG and "IDF" in (e.name, *e.aliases) for e in enrichment.entities
    )
    places = {name for name, kind in entities if kind is L}
    assert {"Santa Ynez", "Gaza", "Qatar", "Egypt", "Cairo", "Philadelphi corridor"} <= places
    # One entity per person: short mentions were merged into the full names.
    assert not {"Biden", "Netanyahu", "Blinken"} & {name for name, _ in entities}
    blinken = [q for q in enrichment.quotes if q.text.startswith("The agreement is very clear")]
    assert len(blinken) == 1 and blinken[0].speaker == "Antony Blinken"
    simons = [q for q in enrichment.quotes if q.text.startswith("the ceasefire and hostage")]
    assert simons and simons[0].speaker == "Emilie Simons"


@needs_spacy
def test_spokesperson_tagged_org_becomes_a_person() -> None:
    text = "White House spokesperson Emilie Simons posted on X."
    raw = SpacyRecogniser().mentions(text, "en")
    fixed = {m.text: m.kind for m in fix_mentions(text, raw)}
    assert fixed.get("Emilie Simons") is P
    assert "X." not in fixed and "X" not in fixed


@needs_spacy
def test_a_long_running_recogniser_does_not_keep_every_word_it_read() -> None:
    """spaCy interns every new string; the recogniser reads inside a memory zone, so a
    service that enriches news all day does not grow with its vocabulary (issue 11 soak)."""
    recogniser = SpacyRecogniser()
    recogniser.mentions("Warm-up text about Oslo.", "en")
    strings = recogniser._nlp("en").vocab.strings
    before = len(strings)
    made_up = [f"Zorblat{n} Quexing{n} met Frobnitz{n} in Vlarmsted{n}." for n in range(300)]
    found = recogniser.mentions_many(made_up, "en")
    recogniser.mentions(" ".join(made_up[:50]), "en")
    assert any(found)  # the texts were read
    assert len(strings) - before < 50  # not the ~1,200 new words


def test_fix_mentions_rules_without_a_model() -> None:
    text = "Troops stay in the Philadelphi corridor, said spokesman Avi Cohen of the IDF's unit."
    mentions = [
        Mention(surface, kind, text.find(surface), text.find(surface) + len(surface), "spacy")
        for surface, kind in (
            ("Philadelphi", EntityKind.OTHER),
            ("Avi Cohen", ORG),
            ("the IDF's", ORG),
        )
    ]
    fixed = [(m.text, m.kind) for m in fix_mentions(text, mentions)]
    assert fixed == [("Philadelphi corridor", L), ("Avi Cohen", P), ("IDF", ORG)]


@pytest.mark.parametrize(
    ("name", "stripped"),
    [
        ("President Joe Biden", "Joe Biden"),
        ("Präsident Biden", "Biden"),
        ("Prime Minister Benjamin Netanyahu", "Benjamin Netanyahu"),
        ("Secretary of State Antony Blinken", "Antony Blinken"),
        ("President", "President"),
    ],
)
def test_strip_titles(name: str, stripped: str) -> None:
    assert strip_titles(name) == stripped


def test_name_key_folds_case_accents_and_dots() -> None:
    assert name_key("U.S.") == name_key("US") == "us"
    assert name_key("Sílvio Ávila") == "silvio avila"


def test_canonical_names_across_articles_and_languages() -> None:
    registry = EntityRegistry()
    first = group_mentions(
        [
            Mention("President Joe Biden", P, 0, 19),
            Mention("Biden", P, 40, 45),
            Mention("Netanyahu", P, 50, 59),
            Mention("Benjamin Netanyahu", P, 70, 88),
            Mention("Israel Defense Forces", ORG, 90, 111),
            Mention("IDF", ORG, 120, 123),
            Mention("IDF", ORG, 130, 133),
        ],
        registry,
    )
    names = {(e.name, e.kind): e for e in first}
    assert set(names) == {("Joe Biden", P), ("Benjamin Netanyahu", P), ("IDF", ORG)}
    assert "Israel Defense Forces" in names[("IDF", ORG)].aliases
    for ref in first:
        registry.add(ref.name, ref.kind, ref.aliases)
    # A later German article says only "Präsident Biden" and "Netanyahu".
    later = group_mentions(
        [Mention("Präsident Biden", P, 0, 15), Mention("Netanyahu", P, 20, 29)], registry
    )
    assert {e.name for e in later} == {"Joe Biden", "Benjamin Netanyahu"}


def test_ambiguous_surname_is_not_merged_by_guess() -> None:
    registry = EntityRegistry()
    registry.add("Joe Biden", P)
    registry.add("Jill Biden", P)
    refs = group_mentions([Mention("Biden", P, 0, 5)], registry)
    assert [e.name for e in refs] == ["Biden"]


def test_rule_fallback_finds_titled_and_known_names() -> None:
    enricher = Enricher(EnrichOptions(use_spacy=False))
    enricher.seed([("Joe Biden", P, ["Biden"]), ("Hamas", ORG, [])])
    text = (
        "Präsident Biden sagte am Mittwoch in Washington: „Wir sind sehr nah an einer "
        "Einigung.“ Die Hamas lehnte ab. Der Parteichef Alfred Gusenbauer kam nach Wien."
    )
    published = datetime(2024, 8, 22, tzinfo=UTC)
    enrichment = enricher.enrich(_article(text, "de", published))
    entities = {(e.name, e.kind) for e in enrichment.entities}
    assert {("Joe Biden", P), ("Hamas", ORG), ("Alfred Gusenbauer", P), ("Washington", L)} <= (
        entities
    )
    assert enrichment.recogniser == "rules"
    assert [(q.text, q.speaker) for q in enrichment.quotes] == [
        ("Wir sind sehr nah an einer Einigung.", "Joe Biden")
    ]
    assert [(d.text, d.value) for d in enrichment.dates] == [("Mittwoch", "2024-08-21")]


def test_missing_pipeline_falls_back_to_rules() -> None:
    enricher = Enricher(recogniser=SpacyRecogniser({"en": "no_such_pipeline_xx"}))
    enrichment = enricher.enrich(_article("Yesterday Prime Minister Keir Starmer met Mr Tusk."))
    assert enrichment.recogniser == "rules"
    assert ("Keir Starmer", P) in {(e.name, e.kind) for e in enrichment.entities}


def _speakers(text: str, names: dict[str, tuple[str, EntityKind]]) -> list[SpeakerMention]:
    found = []
    for surface, (name, kind) in names.items():
        start = text.find(surface)
        while start >= 0:
            found.append(SpeakerMention(start, start + len(surface), name, kind))
            start = text.find(surface, start + 1)
    return found


def test_quotes_speaker_after_before_pronoun_and_continuation() -> None:
    text = (
        "“The deal is close. We are not there yet,” said Blinken in remarks to reporters.\n"
        "Netanyahu told reporters: “There will be no withdrawal from the corridor.”\n"
        "Harris spoke later. “We will keep pushing,” she said. “Every day counts for them.”\n"
        "Critics called it “a very bad idea for everyone”, without naming anyone."
    )
    speakers = _speakers(
        text,
        {
            "Blinken": ("Antony Blinken", P),
            "Netanyahu": ("Benjamin Netanyahu", P),
            "Harris": ("Kamala Harris", P),
        },
    )
    quotes = [(q.text, q.speaker) for q in find_quotes(text, speakers)]
    assert quotes == [
        ("The deal is close. We are not there yet", "Antony Blinken"),
        ("There will be no withdrawal from the corridor.", "Benjamin Netanyahu"),
        ("We will keep pushing", "Kamala Harris"),
        ("Every day counts for them.", "Kamala Harris"),
        ("a very bad idea for everyone", None),
    ]


def test_short_scare_quotes_are_not_quotes() -> None:
    assert find_quotes("He called them “maximalist statements” again.", []) == []


def test_relative_dates_resolve_against_publication() -> None:
    # Published Thursday 22 August 2024.
    text = (
        "Biden spoke on Wednesday. Thursday's call follows talks late last week and "
        "meetings earlier this week. He will travel on Friday. Yesterday it rained; "
        "on 21 August 2024 and on Aug. 3 too."
    )
    found = [(d.text, d.value) for d in find_dates(text, date(2024, 8, 22))]
    assert found == [
        ("Wednesday", "2024-08-21"),
        ("Thursday's", "2024-08-22"),
        ("late last week", "2024-W33"),
        ("earlier this week", "2024-W34"),
        ("Friday", "2024-08-23"),
        ("Yesterday", "2024-08-21"),
        ("21 August 2024", "2024-08-21"),
        ("Aug. 3", "2024-08-03"),
    ]


def test_dates_in_other_languages_and_without_publication() -> None:
    found = [(d.text, d.value) for d in find_dates("am 3. Mai 2024 und gestern", date(2024, 5, 6))]
    assert found == [("3. Mai 2024", "2024-05-03"), ("gestern", "2024-05-05")]
    unresolved = find_dates("on Wednesday, 14 may be hurt", None)
    assert [(d.text, d.value, d.relative) for d in unresolved] == [("Wednesday", "", True)]
    assert [d.value for d in find_dates("le 21/04/2001 à Paris", None)] == ["2001-04-21"]


def test_keyphrases_and_group_keyphrases(seeds: dict[str, Path]) -> None:
    text = seeds["000"].read_text(encoding="utf-8")
    phrases = [p for p, _ in keyphrases(text, top=10)]
    assert len(phrases) == 10 and len({p.casefold() for p in phrases}) == 10
    assert {"Gaza", "ceasefire"} <= set(phrases)
    assert keyphrases("", top=5) == []
    group = group_keyphrases([["ceasefire", "Gaza"], ["Gaza", "Qatar"], ["Gaza", "Cairo"]])
    assert group[0] == "Gaza"


def test_contract_fields(enricher: Enricher) -> None:
    article = _article("“We are ready to sign today,” said Mayor Anne Hidalgo on Monday.")
    contract = enricher.enrich(article).contract()
    assert set(contract) == {"entities", "quotes", "dates", "keyphrases"}
    assert {"name": "Anne Hidalgo", "kind": "person"} in contract["entities"]
    assert contract["quotes"] == [{"text": "We are ready to sign today", "speaker": "Anne Hidalgo"}]
    assert contract["dates"] == [{"text": "today", "date": None}, {"text": "Monday", "date": None}]


def test_rule_recogniser_alone_keeps_single_unknown_words_out() -> None:
    mentions = RuleRecogniser().mentions(
        "Gestern kam Regen. Die Ministerin Anna Berg sprach.", "de"
    )
    assert [(m.text, m.kind) for m in mentions] == [("Anna Berg", P)]


def test_enrich_many_equals_enrich_one_by_one(seeds: dict[str, Path]) -> None:
    texts = [p.read_text(encoding="utf-8") for p in seeds.values()]
    articles = [
        _article(texts[0]),
        _article("Präsident Biden traf Kanzler Olaf Scholz in Berlin.", "de"),
        _article(texts[1]),
        _article("Le président Emmanuel Macron a parlé à Paris.", "fr"),
    ]
    sequential = Enricher()
    one = [sequential.enrich(a) for a in articles]
    batch = Enricher().enrich_many(articles)
    assert [r.contract() for r in batch] == [r.contract() for r in one]


def test_long_text_mentions_beyond_the_model_window_are_counted() -> None:
    filler = "Nothing happened here at all today. " * 150
    text = f"Mayor Anne Hidalgo opened the bridge. {filler}“We did it at last,” Hidalgo said."
    enricher = Enricher(EnrichOptions(use_spacy=False, ner_chars=500))
    enrichment = enricher.enrich(_article(text))
    hidalgo = [e for e in enrichment.entities if e.name == "Anne Hidalgo"]
    assert hidalgo and hidalgo[0].mentions == 2
    assert [(q.text, q.speaker) for q in enrichment.quotes] == [
        ("We did it at last", "Anne Hidalgo")
    ]


def test_seed_000_with_the_rule_fallback_alone(seeds: dict[str, Path]) -> None:
    """Without spaCy (plain `make run`), the rules still find the seed's people and quotes."""
    text = seeds["000"].read_text(encoding="utf-8")
    enrichment = Enricher(EnrichOptions(use_spacy=False)).enrich(_article(text))
    people = {e.name for e in enrichment.entities if e.kind is P}
    assert {"Joe Biden", "Benjamin Netanyahu", "Antony Blinken", "Bill Burns"} <= people
    assert "Netanyahu" not in people
    quotes = {q.text[:27]: q.speaker for q in enrichment.quotes}
    assert quotes["The agreement is very clear"] == "Antony Blinken"
