"""The cleaning rules of storyline.extract.clean, one by one, and learned boilerplate."""

from __future__ import annotations

import pytest

from storyline.extract import ExtractOptions, LineStats, MemoryLineStats, line_hash
from storyline.extract.blocks import Block, blocks_from_text
from storyline.extract.clean import clean_blocks, split_copyright, split_credits, split_teaser
from storyline.extract.linestats import normalise_line

LONG = "The committee met for six hours on Tuesday and agreed on a plan for the new harbour."


def body(cleaned_blocks: list[Block]) -> list[str]:
    return [b.text for b in cleaned_blocks]


# --- photo credits ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "pieces", "credits"),
    [
        (
            "threat to Israel’s security. | Evan Vucci/APIsraeli Prime Minister "
            "Benjamin Netanyahu said",
            ["threat to Israel’s security.", "Israeli Prime Minister Benjamin Netanyahu said"],
            ["Evan Vucci/AP"],
        ),
        (
            "The minister spoke to reporters. Ole Berg Rusten/NTBRegjeringen la fram budsjettet.",
            ["The minister spoke to reporters.", "Regjeringen la fram budsjettet."],
            ["Ole Berg Rusten/NTB"],
        ),
        (
            "Crowds gathered outside. | Jane Doe/Getty ImagesThe protest continued into the night.",
            ["Crowds gathered outside.", "The protest continued into the night."],
            ["Jane Doe/Getty Images"],
        ),
        (
            "Rescue teams arrived at dawn. Foto: NTB ScanpixFlere ble evakuert.",
            ["Rescue teams arrived at dawn.", "Flere ble evakuert."],
            ["NTB Scanpix"],
        ),
        (
            "The ship sank near the coast. (Photo: John Smith/Reuters) Survivors were rescued.",
            ["The ship sank near the coast.", "Survivors were rescued."],
            ["John Smith/Reuters"],
        ),
        (
            "Markets fell sharply. | AFPInvestors sold shares across Asia.",
            ["Markets fell sharply.", "Investors sold shares across Asia."],
            ["AFP"],
        ),
    ],
)
def test_glued_credits_are_split(text: str, pieces: list[str], credits: list[str]) -> None:
    assert split_credits(text) == (pieces, credits)


@pytest.mark.parametrize(
    "text",
    [
        "AP reported that the talks would resume on Friday.",
        "She said the AP was wrong about the figures.",
        "The data is at https://example.com/AP/Reuters/data.csv for anyone to read.",
        "Photos are great for remembering holidays with the family.",
        "The 50/50 split was agreed by both parties.",
    ],
)
def test_text_without_credits_is_unchanged(text: str) -> None:
    assert split_credits(text) == ([text], [])


@pytest.mark.parametrize(
    ("line", "credit"),
    [
        ("Photo: Jane Doe", "Jane Doe"),
        ("Foto: Heiko Junge / NTB", "Heiko Junge / NTB"),
        ("Mark Lens/Reuters", "Mark Lens/Reuters"),
        ("(Photo by Chip Somodevilla/Getty Images)", "Chip Somodevilla/Getty Images"),
        ("Image: © Silke Woweries/Getty Images", "Silke Woweries/Getty Images"),
    ],
)
def test_whole_line_credits_leave_the_body(line: str, credit: str) -> None:
    cleaned = clean_blocks(blocks_from_text(f"{LONG}\n{line}\n{LONG} Again."))
    assert [c.text for c in cleaned.credits] == [credit]
    assert line not in body(cleaned.blocks)


def test_credits_can_be_kept() -> None:
    text = (
        "A long enough sentence about the security situation. | Evan Vucci/APIsraeli officials said"
    )
    cleaned = clean_blocks(blocks_from_text(text), options=ExtractOptions(split_credits=False))
    assert cleaned.credits == []
    assert body(cleaned.blocks) == [text]


# --- copyright ----------------------------------------------------------------------------------


def test_glued_copyright_keeps_the_following_sentence() -> None:
    text = (
        "The-CNN-Wire™ & © 2024 Cable News Network, Inc., a Time Warner Company. "
        "All rights reserved.The talks comes as negotiations had stalled."
    )
    before, notice, after = split_copyright(text)
    assert before == ""
    assert notice.startswith("The-CNN-Wire™") and notice.endswith("All rights reserved.")
    assert after == "The talks comes as negotiations had stalled."


def test_copyright_after_text_in_the_same_line() -> None:
    before, notice, after = split_copyright(
        "He thanked the team. © 2024 NTB. Alle rettigheter reservert."
    )
    assert (before, notice, after) == (
        "He thanked the team.",
        "© 2024 NTB. Alle rettigheter reservert.",
        "",
    )


@pytest.mark.parametrize(
    "text",
    [
        "The label said all rights reserved under the old contract would return to the band.",
        "Copyright law was the main topic of the hearing, which lasted for over four hours.",
    ],
)
def test_prose_about_rights_is_not_a_notice(text: str) -> None:
    assert split_copyright(text) == (text, "", "")


def test_short_copyright_line_is_removed() -> None:
    cleaned = clean_blocks(blocks_from_text(f"{LONG}\n© 2024 Example Media Group"))
    assert body(cleaned.blocks) == [LONG]
    assert cleaned.removed == ["© 2024 Example Media Group"]


# --- related/similar news blocks ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "title", "snippet"),
    [
        (
            "Netanyahu set to speak to Biden about as Israel weighs latest Hamas cease-fire "
            "proposalCasualties, injuries reported following Israeli strikes in Gaza",
            "Netanyahu set to speak to Biden about as Israel weighs latest Hamas "
            "cease-fire proposal",
            "Casualties, injuries reported following Israeli strikes in Gaza",
        ),
        (
            "Why did the vote fail?Lawmakers blame each other",
            "Why did the vote fail?",
            "Lawmakers blame each other",
        ),
        (
            "Record heat in 2024Scientists warn of more",
            "Record heat in 2024",
            "Scientists warn of more",
        ),
        (
            "YouTube removes videos about the election",
            "YouTube removes videos about the election",
            None,
        ),
        (
            "Apple unveils a new iPhone with a bigger screen",
            "Apple unveils a new iPhone with a bigger screen",
            None,
        ),
        (
            "McDonald's raises prices across the country",
            "McDonald's raises prices across the country",
            None,
        ),
    ],
)
def test_split_teaser(text: str, title: str, snippet: str | None) -> None:
    assert split_teaser(text) == (title, snippet)


def test_related_block_with_read_more_links() -> None:
    text = "\n".join(
        [
            LONG,
            "Les også:",
            "Strømprisen stiger igjen i vinterStrømprisen i Sør-Norge er ventet å stige.",
            "Les mer »",
            "Ny bro åpnet i TrondheimBroen har kostet 300 millioner kroner.",
            "Les mer »",
        ]
    )
    cleaned = clean_blocks(blocks_from_text(text))
    assert body(cleaned.blocks) == [LONG]
    assert [(r.title, r.snippet) for r in cleaned.related] == [
        ("Strømprisen stiger igjen i vinter", "Strømprisen i Sør-Norge er ventet å stige."),
        ("Ny bro åpnet i Trondheim", "Broen har kostet 300 millioner kroner."),
    ]
    assert cleaned.removed.count("Les mer »") == 2


def test_related_marker_in_the_middle_keeps_the_prose_after_it() -> None:
    blocks = [
        Block(LONG),
        Block("Related Articles", kind="head"),
        Block("Officials expect the works to start in spring and to last for about three years."),
    ]
    cleaned = clean_blocks(blocks)
    assert body(cleaned.blocks) == [LONG, blocks[2].text]
    assert cleaned.related == []
    assert "Related Articles" in cleaned.removed


def test_related_colon_headline_becomes_a_link() -> None:
    blocks = [
        Block(LONG),
        Block("Related: Harbour plan approved after long debate", is_link=True, href="/h"),
    ]
    cleaned = clean_blocks(blocks)
    assert body(cleaned.blocks) == [LONG]
    assert [(r.title, r.url) for r in cleaned.related] == [
        ("Harbour plan approved after long debate", "/h")
    ]


def test_related_link_list_with_urls() -> None:
    blocks = [
        Block(LONG),
        Block("Similar news", kind="head"),
        Block("- River levels rise after week of rain", kind="item", is_link=True, href="/a"),
        Block("- Forecasters warn of more storms", kind="item", is_link=True, href="/b"),
    ]
    cleaned = clean_blocks(blocks)
    assert body(cleaned.blocks) == [LONG]
    assert [r.url for r in cleaned.related] == ["/a", "/b"]


def test_trailing_link_lines_become_related_links() -> None:
    blocks = [
        Block(LONG),
        Block(LONG + " More."),
        Block("Who will make the Rock Hall in 2020?", is_link=True, href="/r"),
    ]
    cleaned = clean_blocks(blocks)
    assert body(cleaned.blocks) == [LONG, LONG + " More."]
    assert [(r.title, r.url) for r in cleaned.related] == [
        ("Who will make the Rock Hall in 2020?", "/r")
    ]


# --- boilerplate lines, head furniture, repeats, tail ---------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        "Read more »",
        "Les mer »",
        "Weiterlesen",
        "Advertisement",
        "Norge Siste Nytt, Norge Overskrifter",
        "Sverige Senaste Nytt, Sverige Rubriker",
        "Follow us on Facebook, Twitter and Instagram",
        "Sign up for our daily newsletter",
        "We use cookies on our website to give you the most relevant experience by "
        "remembering your preferences.",
    ],
)
def test_boilerplate_lines_are_removed(line: str) -> None:
    cleaned = clean_blocks(blocks_from_text(f"{LONG}\n{line}\n{LONG} Still going."))
    assert body(cleaned.blocks) == [LONG, f"{LONG} Still going."]
    assert line in cleaned.removed


def test_boilerplate_words_inside_prose_are_kept() -> None:
    text = "Officials said readers can read more about the plan on the council website next week."
    cleaned = clean_blocks(blocks_from_text(f"{LONG}\n{text}"))
    assert body(cleaned.blocks) == [LONG, text]


def test_disclosure_only_at_the_edges() -> None:
    disclosure = "We may earn a commission when you buy through links on our site."
    paragraphs = [f"{LONG} Part {n}." for n in range(7)]
    middle = [*paragraphs[:4], disclosure, *paragraphs[4:]]
    assert disclosure in body(clean_blocks(blocks_from_text("\n".join(middle))).blocks)
    for edge in ([disclosure, *paragraphs], [*paragraphs, disclosure]):
        cleaned = clean_blocks(blocks_from_text("\n".join(edge)))
        assert body(cleaned.blocks) == paragraphs


def test_head_furniture_is_dropped_before_the_first_paragraph() -> None:
    text = "\n".join(["Jan 13, 2025", "5 min read", "By Jane Reporter", LONG, "Published 2024"])
    cleaned = clean_blocks(blocks_from_text(text))
    assert body(cleaned.blocks) == [LONG, "Published 2024"]


def test_repeated_paragraph_is_dropped_short_lines_are_not() -> None:
    text = "\n".join([LONG, "Yes.", "Pros", LONG, "Yes.", "Pros"])
    cleaned = clean_blocks(blocks_from_text(text))
    assert body(cleaned.blocks) == [LONG, "Yes.", "Pros", "Yes.", "Pros"]


def test_title_repeated_in_the_body_is_dropped() -> None:
    blocks = [Block("Storm closes roads | Daily Example", kind="head"), Block(LONG)]
    assert body(clean_blocks(blocks, title="Storm closes roads").blocks) == [LONG]
    assert body(
        clean_blocks([Block("Storm closes roads"), Block(LONG)], title="Storm closes roads").blocks
    ) == [LONG]


def test_end_marker_in_the_second_half_cuts_the_tail() -> None:
    text = "\n".join(
        [LONG, LONG + " Two.", LONG + " Three.", "About the author", "Jane writes about ports."]
    )
    cleaned = clean_blocks(blocks_from_text(text))
    assert body(cleaned.blocks) == [LONG, LONG + " Two.", LONG + " Three."]
    assert cleaned.removed == ["About the author", "Jane writes about ports."]


def test_end_marker_in_the_first_half_is_kept() -> None:
    text = "\n".join(["Comments", LONG, LONG + " Two."])
    assert body(clean_blocks(blocks_from_text(text)).blocks) == ["Comments", LONG, LONG + " Two."]


def test_author_box_is_cut() -> None:
    blocks = blocks_from_text(
        "\n".join(
            [
                LONG,
                LONG + " Two.",
                "Jane Reporter is a senior writer who covers harbours and ships.",
            ]
        )
    )
    assert body(clean_blocks(blocks, author="Jane Reporter").blocks) == [LONG, LONG + " Two."]
    assert len(clean_blocks(blocks, author="Someone Else").blocks) == 3


def test_no_boilerplate_option_keeps_lines() -> None:
    text = f"{LONG}\nRead more »"
    options = ExtractOptions(drop_boilerplate=False)
    assert body(clean_blocks(blocks_from_text(text), options=options).blocks) == [
        LONG,
        "Read more »",
    ]


# --- learned boilerplate -----------------------------------------------------------------------


TAGLINE = "Harbour Times: independent news for the coast since 1901"


def run_docs(
    stats: MemoryLineStats, docs: list[str], options: ExtractOptions, source: str = "ht"
) -> list[list[str]]:
    return [
        body(
            clean_blocks(
                blocks_from_text(doc),
                options=options,
                source_id=source,
                doc_key=f"d{i}",
                line_stats=stats,
            ).blocks
        )
        for i, doc in enumerate(docs)
    ]


_WORDS = [
    "ferry",
    "bridge",
    "school",
    "library",
    "market",
    "festival",
    "storm",
    "council",
    "museum",
    "stadium",
    "hospital",
    "airport",
    "forest",
    "river",
    "theatre",
    "bakery",
    "harbour",
    "tunnel",
    "station",
    "garden",
    "prison",
    "church",
]


def story(i: int) -> str:
    """A line that differs from every other story in words, not only in digits."""
    first, second = _WORDS[i % len(_WORDS)], _WORDS[(i // len(_WORDS) + 3 * i) % len(_WORDS)]
    return f"The {first} story tells of a different event in town, near the {second}."


def test_first_documents_are_kept_then_the_line_is_learned() -> None:
    stats = MemoryLineStats()
    docs = [f"{story(i)}\n{TAGLINE}" for i in range(5)]
    out = run_docs(stats, docs, ExtractOptions(min_repeats=3))
    assert [TAGLINE in b for b in out] == [True, True, True, False, False]
    assert all(story(i) in out[i] for i in range(5))


def test_short_lines_are_never_learned() -> None:
    stats = MemoryLineStats()
    docs = [f"{story(i)}\nYes.\nNo comment." for i in range(6)]
    out = run_docs(stats, docs, ExtractOptions(min_repeats=2, learn_min_chars=12))
    assert out[-1] == [story(5), "Yes.", "No comment."]


def test_rare_repeats_in_a_big_source_are_kept() -> None:
    background = "The war began in February 2022 when Russian troops crossed the border."
    stats = MemoryLineStats()
    docs = [f"{story(i)}\n{background}" if i % 6 == 0 else story(i) for i in range(25)]
    assert len(set(docs)) == 25
    out = run_docs(stats, docs, ExtractOptions(min_repeats=3, min_repeat_share=0.2))
    # in 5 of 25 documents: 4 others for the last one, below 20 % of its 24 others
    assert background in out[24]
    out = run_docs(MemoryLineStats(), docs, ExtractOptions(min_repeats=3, min_repeat_share=0.0))
    assert background not in out[24]
    assert story(24) in out[24]


def test_repeated_story_keeps_its_body_and_loses_edge_lines() -> None:
    stats = MemoryLineStats()
    syndicated = [
        "Wire service report opens with this long first paragraph about the harbour strike, "
        "which has now lasted for three weeks and stopped most container traffic.",
        "The second paragraph of the same wire report gives the union's point of view, saying "
        "that wages have not kept up with prices for more than five years.",
        "The third paragraph quotes the port authority, which called the strike illegal and "
        "said it would ask a court to order the workers back to their posts.",
    ]
    docs = [
        "\n".join([TAGLINE, *syndicated])
        if i < 4
        else "\n".join([TAGLINE, *syndicated, "Local editor's note: more soon."])
        for i in range(5)
    ]
    out = run_docs(stats, docs, ExtractOptions(min_repeats=3))
    # everything but the note repeats: only the edge run (the tagline) is removed
    assert out[4] == [*syndicated, "Local editor's note: more soon."]


def test_learning_can_be_switched_off_and_sources_are_separate() -> None:
    stats = MemoryLineStats()
    docs = [f"{story(i)}\n{TAGLINE}" for i in range(5)]
    out = run_docs(stats, docs, ExtractOptions(min_repeats=2, learn_boilerplate=False))
    assert all(TAGLINE in b for b in out)
    other = run_docs(
        stats, [f"{story(9)}\n{TAGLINE}"], ExtractOptions(min_repeats=2), source="other"
    )
    assert TAGLINE in other[0]


def test_memory_line_stats_counts_distinct_documents() -> None:
    stats = MemoryLineStats()
    assert isinstance(stats, LineStats)
    h = line_hash(TAGLINE)
    assert stats.observe_lines("s", "a", [h, h]) is True
    assert stats.observe_lines("s", "a", [h]) is False
    assert stats.observe_lines("s", "b", [h]) is True
    assert stats.line_counts("s", [h, "0" * 16]) == {h: 2, "0" * 16: 0}
    assert stats.document_count("s") == 2
    assert stats.document_count("t") == 0


def test_line_hash_normalises_case_digits_and_punctuation() -> None:
    assert line_hash("© 2023 Harbour Times. All rights reserved.") == line_hash(
        "© 2024 harbour times - all rights reserved"
    )
    assert line_hash("3 min read") == line_hash("12 min read")
    assert line_hash("Harbour Times") != line_hash("Harbour News")
    assert normalise_line("  Les  mer » ") == "les mer"
