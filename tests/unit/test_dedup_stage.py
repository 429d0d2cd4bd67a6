"""The dedup stage in memory: copies, hard negatives, revisions, syndication and scope.

Bodies are the two real seed articles shipped in the package; copies are made the way
outlets make them (new headline, dateline, read-more line, cut ending, boilerplate).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from storyline.dedup import (
    Deduplicator,
    DedupOptions,
    Scope,
    ScopeMode,
    compare,
    fingerprint,
)
from storyline.dedup.syndication import choose_original, count_origins, detect_wire
from storyline.model import Article

T0 = datetime(2024, 8, 21, 12, tzinfo=UTC)


def body(seeds: dict[str, Path], key: str) -> tuple[str, str]:
    lines = seeds[key].read_text("utf-8").strip().splitlines()
    return lines[0][:90], "\n".join(lines)


def art(
    aid: str, title: str, text: str, *, source: str = "s", minutes: int = 0, **kw: object
) -> Article:
    return Article(
        id=aid,
        title=title,
        text=text,
        source_id=source,
        published=T0 + timedelta(minutes=minutes),
        fetched=T0 + timedelta(minutes=minutes),
        **kw,  # type: ignore[arg-type]
    )


@pytest.fixture
def story(seeds: dict[str, Path]) -> tuple[str, str]:
    title, text = body(seeds, "000")
    # Without its "(CNN) —" dateline: the tests add the credits they need.
    return title.removeprefix("(CNN) — "), text.removeprefix("(CNN) — ")


def cut(text: str, share: float) -> str:
    words = text.split(" ")
    return " ".join(words[: int(len(words) * share)])


@pytest.mark.parametrize(
    "make",
    [
        lambda t, x: ("Biden and Netanyahu talk ceasefire", x),
        lambda t, x: (t, "WASHINGTON (AP) — " + x),
        lambda t, x: (t, x + "\nRead more: " + t),
        lambda t, x: (t, cut(x, 0.55)),
        lambda t, x: (
            t,
            "Home\nNews\nWorld\nSubscribe now\n" + x + "\nAbout us\nContact\n© 2024 Valley Post",
        ),
        lambda t, x: ("Biden call: " + t[:30], "(AP) — " + cut(x, 0.7) + "\nRead more »"),
    ],
    ids=["headline", "dateline", "readmore", "truncated", "boilerplate", "all"],
)
def test_a_transformed_copy_is_a_duplicate(story: tuple[str, str], make) -> None:  # type: ignore[no-untyped-def]
    title, text = story
    other_title, other_text = make(title, text)
    match = compare(
        fingerprint(art("a", title, text)), fingerprint(art("b", other_title, other_text))
    )
    assert match.duplicate, match.reason
    assert match.signal in {"near-text", "near-text+title", "exact-text"}
    assert 0.5 <= match.score <= 1.0


def test_the_two_seed_stories_are_not_duplicates(seeds: dict[str, Path]) -> None:
    (ta, xa), (tb, xb) = body(seeds, "000"), body(seeds, "003")
    match = compare(fingerprint(art("a", ta, xa)), fingerprint(art("b", tb, xb)))
    assert not match.duplicate and match.score < 0.2


def test_shared_boilerplate_does_not_make_a_duplicate(seeds: dict[str, Path]) -> None:
    (ta, xa), (tb, xb) = body(seeds, "000"), body(seeds, "003")
    wrap = "Home\nNews\nSport\nWeather\nSubscribe to our newsletter\n{}\nAbout us\nContact us\nJobs"
    match = compare(
        fingerprint(art("a", ta, wrap.format(xa[:600]))),
        fingerprint(art("b", tb, wrap.format(xb[:600]))),
    )
    assert not match.duplicate, match.reason


def test_one_template_with_other_facts_is_not_a_duplicate() -> None:
    text = (
        "A magnitude {m} earthquake struck {k} kilometres north of {p} at 14:{mm} local time on "
        "{d}, the geological survey said. The quake had a depth of {z} kilometres. There were no "
        "immediate reports of damage or injuries, and no tsunami warning was issued by {a}."
    )
    one = text.format(m="5.1", k=12, p="Kyoto", mm=15, d="Monday", z=10, a="JMA")
    two = text.format(m="6.3", k=40, p="Izmir", mm=47, d="Friday", z=7, a="AFAD")
    match = compare(
        fingerprint(art("a", "Magnitude 5.1 earthquake strikes near Kyoto", one)),
        fingerprint(art("b", "Magnitude 6.3 earthquake strikes near Izmir", two)),
    )
    assert not match.duplicate
    assert match.signal == "facts-differ"


def test_short_texts_need_near_identity_and_agreeing_headlines() -> None:
    a = art("a", "Storm closes schools in Bergen", "Schools in Bergen are closed on Monday.")
    b = art("b", "Power cut hits Bergen", "Shops in Bergen are closed on Monday.")
    assert not compare(fingerprint(a), fingerprint(b)).duplicate
    c = art(
        "c",
        "Storm closes schools in Bergen",
        "BERGEN (NTB) – Schools in Bergen are closed on Monday.",
    )
    assert compare(fingerprint(a), fingerprint(c)).duplicate


def test_stage_marks_copies_and_names_the_wire_original(story: tuple[str, str]) -> None:
    title, text = story
    stage = Deduplicator()
    first = art(
        "copy1", "Biden, Netanyahu discuss deal", text + "\nRead more »", source="p1", minutes=30
    )
    wire = art(
        "wire",
        title,
        "WASHINGTON (AP) — " + text,
        source="ap",
        minutes=60,
        url="https://apnews.com/article/biden-netanyahu",
        site_name="AP News",
    )
    late = art("copy2", title, cut(text, 0.6), source="p2", minutes=10)
    decisions = [stage.stage(a) for a in (first, wire, late)]
    assert decisions[0].duplicate_of is None
    assert decisions[1].duplicate_of == "copy1" and decisions[2].duplicate_of == "copy1"
    assert decisions[1].fingerprint.wire == "AP"
    # The agency's own copy is the original, though it was published later than others.
    assert wire.syndicated_from is None
    assert first.syndicated_from == "wire" and late.syndicated_from == "wire"
    assert count_origins(d.fingerprint for d in decisions) == 1


def test_earliest_published_is_the_original_without_a_wire(story: tuple[str, str]) -> None:
    title, text = story
    stage = Deduplicator()
    a = art("a", title, text + "\nRead more »", source="p1", minutes=50)
    b = art("b", title, cut(text, 0.8), source="p2", minutes=5)
    stage.stage(a)
    decision = stage.stage(b)
    assert decision.duplicate_of == "a"
    assert b.syndicated_from is None and a.syndicated_from == "b"
    assert choose_original([decision.fingerprint, fingerprint(a)]).article_id == "b"


def test_an_edit_at_the_same_url_is_a_revision_not_a_duplicate(story: tuple[str, str]) -> None:
    title, text = story
    stage = Deduplicator()
    url = "https://news.example/world/biden-call"
    stage.stage(art("v1", title, text, url=url))
    again = stage.stage(art("v1", title, text, url=url))
    assert again.repeat
    edited = art("v1", "UPDATED: " + title, text + "\nUpdate: the call lasted an hour.", url=url)
    decision = stage.stage(edited)
    assert decision.revision_of == "v1" and decision.duplicate_of is None
    tracked = art("v1-rss", title + " (updated)", text, url=url + "?utm_source=rss")
    assert stage.stage(tracked).revision_of == "v1"
    assert [r.article_id for r in stage.take_changes().revisions] == ["v1", "v1"]


def test_scope_off_and_per_category_refuse_folding(story: tuple[str, str]) -> None:
    title, text = story
    scope = Scope(
        ScopeMode.CATEGORY,
        {"raw": ScopeMode.OFF},
        {"p1": "world", "p2": "world", "p3": "sport", "raw": "world"},
    )
    stage = Deduplicator(scope=scope)
    stage.stage(art("a", title, text, source="p1"))
    assert stage.stage(art("b", title, "(AP) — " + text, source="p2")).duplicate_of == "a"
    other = stage.stage(art("c", title, text + "\nRead more", source="p3"))
    assert (
        other.duplicate_of is None
        and other.matches
        and "categories differ" in (other.refused or "")
    )
    off = stage.stage(art("d", title, cut(text, 0.9), source="raw"))
    assert off.duplicate_of is None and "off for source raw" in (off.refused or "")


def test_thresholds_are_validated() -> None:
    with pytest.raises(ValueError, match="containment"):
        DedupOptions(containment=1.5)


@pytest.mark.parametrize(
    ("lines", "agency"),
    [
        (["WASHINGTON (AP) — The Senate voted.", "More text here."], "AP"),
        (["LONDON, May 1 (Reuters) - Shares fell.", "x"], "Reuters"),
        (["Text of the story.", "Reporting by Jane Doe; Editing by John Smith"], "Reuters"),
        (["Text of the story.", "© Agence France-Presse"], "AFP"),
        (["Oslo (NTB): Regjeringen gikk av.", "mer tekst"], "NTB"),
        (["Text.", "Kilde: NTB"], "NTB"),
        (["A photo caption. Evan Vucci/AP", "The ap was wrong."], None),
    ],
)
def test_wire_credits_are_found_in_datelines_and_closing_lines(
    lines: list[str], agency: str | None
) -> None:
    assert detect_wire(lines) == agency
