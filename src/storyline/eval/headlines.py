"""``storyline eval headlines``: are event headlines the ones an editor would write?

WikinewsSum gives, for each event, the sources (the news pages a Wikinews editor read) and
the editor's own headline (the Wikinews report's title). For every event with at least two
titled sources, the headline Storyline would show is chosen among the *sources'* titles
only (:func:`storyline.link.headline.choose_headline`; the report is left out, else it
would simply be picked) and compared with the editor's headline by ROUGE-1 F1 over
content words (Lin 2004, "ROUGE: A Package for Automatic Evaluation of Summaries"), beside
two references from the same run:

* ``founder``: the title of the source that arrived first (what an event showed before);
* ``best possible``: the source title closest to the editor's headline (an oracle bound).

The sources are grouped by the gold events, so the figure measures the choice of title,
not the clustering. Document frequencies come from every article of the set, as a store
would have them.
"""

from __future__ import annotations

import json
import re
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import click

from storyline.embed.lexical import CorpusStats
from storyline.errors import StorylineError
from storyline.eval.events_data import GoldArticle, load_wikinewssum, wikinewssum_path
from storyline.eval.options import data_option
from storyline.link.headline import choose_headline
from storyline.link.signals import Centroid, item_terms, make_item

__all__ = ["HeadlineScores", "evaluate_headlines", "headlines_command", "rouge1"]

_WORD = re.compile(r"\w+")
#: Function words left out of ROUGE-1 (short words are dropped by length as well).
_STOP = frozenset(
    [
        "the",
        "and",
        "for",
        "with",
        "from",
        "that",
        "this",
        "into",
        "over",
        "after",
        "about",
        "has",
        "have",
        "had",
        "was",
        "were",
        "are",
        "its",
        "his",
        "her",
        "their",
        "will",
        "would",
        "been",
        "not",
        "but",
        "new",
        "says",
        "said",
    ]
)


def _words(text: str) -> set[str]:
    return {w for w in _WORD.findall(text.lower()) if len(w) > 2 and w not in _STOP}


def rouge1(candidate: str, reference: str) -> float:
    """ROUGE-1 F1 of two headlines over distinct content words (0 when either has none)."""
    a, b = _words(candidate), _words(reference)
    hit = len(a & b)
    if not hit:
        return 0.0
    p, r = hit / len(a), hit / len(b)
    return 2 * p * r / (p + r)


@dataclass(frozen=True, slots=True)
class HeadlineScores:
    events: int
    chosen: float
    founder: float
    best_possible: float
    #: Events whose chosen headline differs from the founder's title.
    changed: int

    def as_dict(self) -> dict[str, float | int]:
        return {
            "events": self.events,
            "chosen": round(self.chosen, 4),
            "founder": round(self.founder, 4),
            "best possible": round(self.best_possible, 4),
            "changed": self.changed,
        }


def evaluate_headlines(stream: Sequence[GoldArticle]) -> HeadlineScores:
    """Mean ROUGE-1 F1 of chosen, founder and oracle headlines (module docstring)."""
    stats = CorpusStats()
    for gold in stream:  # every document frequency first, as a grown store has them
        stats.add(item_terms(gold.article))
    items = [make_item(g.article, None, stats) for g in stream]
    editor: dict[str, str] = {}
    groups: dict[str, list[int]] = defaultdict(list)
    for i, gold in enumerate(stream):
        if gold.article.id.endswith("-report"):
            editor[gold.gold] = gold.article.title
        elif gold.article.title.strip():
            groups[gold.gold].append(i)
    chosen = founder = best = 0.0
    events = changed = 0
    for event, members in sorted(groups.items()):
        if len(members) < 2 or event not in editor:
            continue
        centroid = Centroid()
        for i in members:
            centroid.add(items[i])
        pick = choose_headline([items[i] for i in members], centroid.lex, stats) or ""
        first = items[members[0]].title
        reference = editor[event]
        events += 1
        changed += pick != first
        chosen += rouge1(pick, reference)
        founder += rouge1(first, reference)
        best += max(rouge1(items[i].title, reference) for i in members)
    n = max(events, 1)
    return HeadlineScores(events, chosen / n, founder / n, best / n, changed)


@click.command("headlines")
@data_option
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def headlines_command(data_dir: Path | None, as_json: bool) -> None:
    """Event headlines on WikinewsSum: ROUGE-1 F1 against the editors' headlines."""
    from storyline.eval.extraction import default_data_dir

    started = time.perf_counter()
    try:
        stream = load_wikinewssum(wikinewssum_path(data_dir or default_data_dir()))
        scores = evaluate_headlines(stream)
    except StorylineError as error:
        raise click.ClickException(str(error)) from error
    wall = time.perf_counter() - started
    if as_json:
        click.echo(json.dumps({"results": scores.as_dict(), "seconds": round(wall, 1)}))
        return
    click.echo(
        f"Event headlines, WikinewsSum ({scores.events} events with two or more titled "
        "sources): ROUGE-1 F1 against the Wikinews editors' headline\n"
        f"  chosen by Storyline   {scores.chosen:.3f}\n"
        f"  founder's title       {scores.founder:.3f}  (the first source to arrive)\n"
        f"  best possible         {scores.best_possible:.3f}  (the closest source title)\n"
        f"  {scores.changed} of {scores.events} events show another title than the founder's "
        f"({wall:.1f} s)"
    )
