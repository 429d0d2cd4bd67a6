"""The unit the cleaning works on: one line of body text with what we know about it.

HTML extraction yields blocks with a kind (paragraph, heading, list item, table row...) and,
when the whole line is the text of one link, its target; plain text yields paragraphs. The
cleaning rules then run unchanged over both, so an aggregator's "Similar News" block is
removed the same way whether it came as HTML or as a text scrape.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

__all__ = ["Block", "blocks_from_text", "join_blocks", "normalise_space", "word_count"]

_WORDS = re.compile(r"\w+")
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200b\u202f\u205f\u3000]+")


@dataclass(frozen=True, slots=True)
class Block:
    """One line of body text.

    ``kind`` is ``p`` (paragraph), ``head``, ``item`` (list item), ``row`` (table row),
    ``quote`` or ``code``. ``is_link`` says the whole line is the text of one link (``href``
    its target when known): the mark of teaser lists and navigation.
    """

    text: str
    kind: str = "p"
    is_link: bool = False
    href: str | None = None


@lru_cache(maxsize=8192)
def word_count(text: str) -> int:
    """Number of word tokens (``\\w+`` runs), the unit every length rule uses (cached: the
    cleaning asks for the same lines' counts several times)."""
    return len(_WORDS.findall(text))


def normalise_space(text: str) -> str:
    """Collapse runs of horizontal white space (incl. no-break and zero-width) to one space."""
    return _SPACES.sub(" ", text).strip()


def blocks_from_text(text: str) -> list[Block]:
    """Paragraph blocks from plain text: one per non-empty line."""
    return [Block(line) for line in (normalise_space(x) for x in text.splitlines()) if line]


def join_blocks(blocks: list[Block]) -> str:
    """The body text: one block per line (paragraph breaks are ``\\n``)."""
    return "\n".join(b.text for b in blocks)
