"""Plain text: title line or not, derived titles, leads, decoding.

A text file may start with its headline ("Biden and Netanyahu speak as talks resume") or
directly with the report ("(CNN) — President Joe Biden spoke with ..."). A first line is
taken as the title only when it reads like a headline: a few words, no sentence-final
period, no news dateline, and more text after it. Otherwise the title is *derived* from the
first sentence of the body (dateline removed, cut at a word boundary and marked with "…"
when cut), which :func:`split_title` reports so callers can say so.
"""

from __future__ import annotations

import codecs
import re

from storyline.errors import BadInputError
from storyline.extract import patterns as pat
from storyline.extract.blocks import Block, normalise_space, word_count

__all__ = [
    "decode_text",
    "derive_title",
    "looks_binary",
    "make_lead",
    "split_title",
    "truncate",
]

_TITLE_MAX_WORDS = 20
_TITLE_MAX_CHARS = 200
_FIRST_SENTENCE = re.compile(r"(.+?[.!?])(?:[\"'”’)\]]*)(?=\s+[\"'“‘(]?[A-ZÀ-Þ0-9]|$)", re.S)
_SENTENCE_END = re.compile(r"[.!?][\"'”’)\]]*(?=\s|$)")


def looks_binary(data: bytes) -> bool:
    """Whether bytes are binary data rather than text (NUL bytes or many control bytes).

    UTF-16/32 text (with a byte-order mark) is text, though it holds NUL bytes.
    """
    if data.startswith(
        (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)
    ):
        return False
    sample = data[:8192]
    if b"\x00" in sample:
        return True
    controls = sum(1 for byte in sample if byte < 32 and byte not in (9, 10, 12, 13, 27))
    return controls > max(8, len(sample) // 50)


def decode_text(content: bytes | str, origin: str) -> str:
    """Text from ``content``: UTF-8 (or the BOM's encoding), else Windows-1252; binary data
    is a :class:`~storyline.errors.BadInputError`."""
    if isinstance(content, str):
        text = content
    else:
        if looks_binary(content):
            raise BadInputError(origin, "binary data, not text")
        for bom, encoding in (
            (codecs.BOM_UTF32_LE, "utf-32"),
            (codecs.BOM_UTF32_BE, "utf-32"),
            (codecs.BOM_UTF8, "utf-8-sig"),
            (codecs.BOM_UTF16_LE, "utf-16"),
            (codecs.BOM_UTF16_BE, "utf-16"),
        ):
            if content.startswith(bom):
                try:
                    text = content.decode(encoding)
                except UnicodeDecodeError as exc:
                    raise BadInputError(origin, f"invalid {encoding} text ({exc.reason})") from exc
                break
        else:
            try:
                text = content.decode("utf-8")
            except UnicodeDecodeError:
                text = content.decode("cp1252", errors="replace")
    if "\x00" in text:
        raise BadInputError(origin, "binary data, not text")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def truncate(text: str, limit: int) -> str:
    """``text`` cut at the last word boundary before ``limit`` characters, with "…"."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut[limit // 2 :]:
        cut = cut[: cut.rfind(" ")]
    return cut.rstrip(" ,;:–—-") + "…"


def _strip_dateline(text: str) -> str:
    match = pat.DATELINE.match(text)
    return text[match.end() :] if match and match.end() < len(text) else text


def derive_title(blocks: list[Block], limit: int) -> str:
    """A title from the body: the first sentence of the first paragraph, without its
    dateline and final period, cut to ``limit`` characters."""
    for block in blocks:
        text = _strip_dateline(block.text).strip()
        if word_count(text) == 0:
            continue
        match = _FIRST_SENTENCE.match(text)
        sentence = match.group(1) if match else text
        sentence = sentence.rstrip()
        if sentence.endswith(".") and not sentence.endswith(".."):
            sentence = sentence[:-1]
        return truncate(sentence, limit)
    return ""


def _is_title_line(line: str, rest: list[str]) -> bool:
    """Whether the first line of a text reads as its headline (see the module docstring)."""
    if not rest or not any(word_count(x) for x in rest):
        return False
    words = word_count(line)
    if not 3 <= words <= _TITLE_MAX_WORDS or len(line) > _TITLE_MAX_CHARS:
        return False
    if line[-1] in ".,;:" or pat.DATELINE.match(line):
        return False
    if not (line[0].isupper() or line[0].isdigit() or line[0] in "\"'“‘«"):
        return False
    return pat.CREDIT_LINE.fullmatch(line) is None and pat.BOILERPLATE_LINE.fullmatch(line) is None


def split_title(text: str) -> tuple[str | None, list[str]]:
    """``(title line or None, remaining non-empty lines)`` of a plain text."""
    lines = [normalise_space(x) for x in text.split("\n")]
    lines = [x for x in lines if x]
    if lines and _is_title_line(lines[0], lines[1:]):
        return lines[0], lines[1:]
    return None, lines


def make_lead(blocks: list[Block], limit: int) -> str | None:
    """The lead: the first paragraph of at least 8 words (headings and list items skipped),
    cut at the last sentence end within ``limit`` characters, else at a word boundary."""
    candidates = [b for b in blocks if b.kind in ("p", "quote") and word_count(b.text) >= 8]
    if not candidates:
        candidates = [b for b in blocks if word_count(b.text) > 0]
    if not candidates:
        return None
    text = candidates[0].text
    if len(text) <= limit:
        return text
    ends = [m.end() for m in _SENTENCE_END.finditer(text, 0, limit)]
    if ends and ends[-1] >= limit // 2:
        return text[: ends[-1]]
    return truncate(text, limit)
