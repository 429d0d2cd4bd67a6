"""Revisions: an article edited at the same address is a new version, not a duplicate.

News sites correct and update stories in place (a new headline, an added paragraph, a fixed
figure). Storyline keeps every version and shows what changed, the way NewsDiffs and
diffengine do (and Fujiwara et al. 2022 study at scale, "The ever-changing news").

One trap: when a source's boilerplate is learned (``extract.linestats``), re-extracting an
unchanged page can drop a line the first extraction kept. :func:`same_story_text` treats
that as the same version, so re-running an ingest never invents revisions.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence

from storyline.dedup.text import body_lines, tokens
from storyline.model import Article

__all__ = ["same_story_text", "version_diff"]


def same_story_text(old: Article, new: Article) -> bool:
    """Whether ``new`` is ``old`` unchanged, up to lines the new extraction removed as
    boilerplate (``new.boilerplate``) and to case, spacing and punctuation. The headline
    is compared whole: an "UPDATED:" prefix is an edit of the same site's page."""
    if tokens(old.title) != tokens(new.title):
        return False
    removed = {" ".join(tokens(line)) for line in new.boilerplate}
    kept = [line for line in body_lines(old.text) if " ".join(tokens(line)) not in removed]
    return tokens("\n".join(kept)) == tokens("\n".join(body_lines(new.text)))


def version_diff(
    old_title: str, old_text: str, new_title: str, new_text: str, *, context: int = 1
) -> list[str]:
    """A unified diff of two versions, title first, by line (what a reader scans)."""
    lines: list[str] = []
    if old_title != new_title:
        lines += [f"- title: {old_title}", f"+ title: {new_title}"]
    old_lines: Sequence[str] = old_text.splitlines()
    new_lines: Sequence[str] = new_text.splitlines()
    for line in difflib.unified_diff(old_lines, new_lines, lineterm="", n=context):
        if line.startswith(("---", "+++")):
            continue
        lines.append(line)
    return lines
