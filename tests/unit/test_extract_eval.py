"""The extraction evaluation: metrics as the benchmarks define them, loaders, the CLI."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from storyline.eval.cli import eval_group
from storyline.eval.extraction import (
    Page,
    default_data_dir,
    literal,
    load_pages,
    subsample,
)
from storyline.eval.metrics import (
    shingle_counts,
    shingle_scores,
    title_match,
    tokens,
    word_prf,
    word_scores,
)


def test_tokens() -> None:
    assert tokens("Hello, World! It's 2024.") == ["hello", "world", "it", "s", "2024"]
    assert tokens("Hello World", lower=False) == ["Hello", "World"]
    assert tokens(None) == []


def test_word_prf_is_multiset_overlap() -> None:
    # gold: a a b c (4 tokens); prediction: a b b d (4 tokens); overlap: a, b = 2
    prf = word_prf("a b b d", "A a b c")
    assert (prf.precision, prf.recall) == (0.5, 0.5)
    assert prf.f1 == pytest.approx(0.5)
    assert word_prf("", "gold text").f1 == 0.0
    assert word_prf("", "").f1 == 1.0
    assert word_prf("extra", "").f1 == 0.0
    assert word_prf("the whole gold text", "the whole gold text").f1 == 1.0


def test_word_scores_are_means_over_pages() -> None:
    pages = [word_prf("a b", "a b"), word_prf("a", "a b")]
    scores = word_scores(pages)
    assert scores.precision == 1.0
    assert scores.recall == pytest.approx(0.75)
    assert scores.f1 == pytest.approx((1.0 + 2 / 3) / 2)


def test_shingles_follow_the_scrapinghub_benchmark() -> None:
    gold = "one two three four five"  # shingles: (1,2,3,4), (2,3,4,5)
    assert shingle_counts(gold, gold) == (1.0, 0.0, 0.0)
    tp, fp, fn = shingle_counts("one two three four", gold)  # 1 shingle, matching
    assert (tp, fp, fn) == pytest.approx((0.5, 0.0, 0.5))
    # case is kept: "One ..." matches nothing (fp 1, fn 2, normalised to sum 1)
    assert shingle_counts("One two three four", gold) == pytest.approx((0.0, 1 / 3, 2 / 3))
    scores = shingle_scores([(1.0, 0.0, 0.0), (0.5, 0.0, 0.5), (0.0, 0.0, 1.0)])
    # precision over pages with a prediction (two), recall over all three pages
    assert scores.precision == pytest.approx(1.0)
    assert scores.recall == pytest.approx(0.5)
    assert scores.f1 == pytest.approx(2 / 3)


def test_title_match() -> None:
    assert title_match("Storm closes roads!", "storm closes roads")
    assert not title_match("Storm closes roads | Site", "Storm closes roads")
    assert not title_match(None, "x")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("None", None),
        ("['a', 'b']", ["a", "b"]),
        ('{"x": 1}', {"x": 1}),
        ("{'x': None}", {"x": None}),
        ("[broken", "[broken"),
        ("plain", "plain"),
        (3, 3),
    ],
)
def test_literal(value: object, expected: object) -> None:
    assert literal(value) == expected


def page(set_: str, id_: str) -> Page:
    return Page(set_, id_, "", None, "")


def test_subsample_is_deterministic_every_kth() -> None:
    pages = [page("wcxb", f"{i:04d}") for i in range(10, 0, -1)] + [page("scrapinghub", "x")]
    sample = subsample(pages, 3)
    assert [p.id for p in sample] == ["x", "0001", "0005", "0009"]
    assert subsample(pages, 3) == sample
    assert subsample(pages, None) == pages


ARTICLE = """<html><head><title>{title} | Example</title></head><body><article><h1>{title}</h1>
<p>{body}</p><p>Second paragraph with more words about the {title} story and what happened.</p>
</article><footer>Contact | Privacy</footer></body></html>"""


def make_data(root: Path) -> Path:
    """A tiny shared-data folder in the layout of the real one."""
    sh = root / "extraction" / "scrapinghub"
    (sh / "html").mkdir(parents=True)
    wc = root / "extraction" / "wcxb-dev-articles"
    (wc / "html").mkdir(parents=True)
    (wc / "ground-truth").mkdir()
    body = "The first paragraph tells the reader what happened in the harbour on Monday morning."
    gold = {}
    for i, title in enumerate(["Harbour fire", "Bridge opening"]):
        html = ARTICLE.format(title=title, body=body)
        (sh / "html" / f"p{i}.html.gz").write_bytes(gzip.compress(html.encode()))
        gold[f"p{i}"] = {"articleBody": f"{body}\nSecond paragraph", "url": f"https://e.com/{i}"}
        (wc / "html" / f"000{i}.html.gz").write_bytes(gzip.compress(html.encode()))
        record = {
            "url": f"https://w.com/{i}",
            "ground_truth": {"title": title, "publish_date": "None", "main_content": body},
        }
        (wc / "ground-truth" / f"000{i}.json").write_text(json.dumps(record))
    (sh / "ground-truth.json").write_text(json.dumps(gold))
    # a gold record without main content is skipped
    (wc / "ground-truth" / "0009.json").write_text(json.dumps({"ground_truth": {"title": "x"}}))
    return root


def test_loaders_read_both_layouts(tmp_path: Path) -> None:
    root = make_data(tmp_path)
    pages = load_pages(root, "all")
    assert [(p.set, p.id) for p in pages] == [
        ("scrapinghub", "p0"),
        ("scrapinghub", "p1"),
        ("wcxb", "0000"),
        ("wcxb", "0001"),
    ]
    assert pages[2].title == "Harbour fire" and pages[2].date is None
    assert len(load_pages(root, "wcxb")) == 2


def test_cli_json_reports_both_systems(tmp_path: Path) -> None:
    root = make_data(tmp_path)
    result = CliRunner().invoke(eval_group, ["extraction", "--data", str(root), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert set(report["sets"]) == {"scrapinghub", "wcxb"}
    for systems in report["sets"].values():
        assert set(systems) == {"storyline", "trafilatura"}
        story = systems["storyline"]
        assert story["pages"] == 2 and story["failures"] == 0
        assert story["word"]["recall"] > 0.9
        assert story["pages_per_second"] > 0
    assert report["sets"]["wcxb"]["storyline"]["title_accuracy"] == 1.0


def test_cli_table_and_errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_data(tmp_path)
    result = CliRunner().invoke(
        eval_group, ["extraction", "--data", str(root), "--set", "wcxb", "--sample", "1"]
    )
    assert result.exit_code == 0, result.output
    assert "storyline" in result.output and "trafilatura" in result.output
    missing = CliRunner().invoke(eval_group, ["extraction", "--data", str(tmp_path / "nowhere")])
    assert missing.exit_code == 2 and "no extraction data" in missing.output
    monkeypatch.setenv("STORYLINE_SHARED", str(tmp_path / "shared"))
    assert default_data_dir() == tmp_path / "shared" / "data"
