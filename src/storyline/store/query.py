"""A small search-query language, parsed once and rendered for each back end.

Users type into a search box, so the input is untrusted and often "wrong". Handing it to
FTS5 as-is would turn ``"``, ``*``, ``^``, ``NEAR(``, ``AND`` or ``title:`` into syntax errors
or into features nobody asked for. Instead the input is parsed into this tiny language, which
every input satisfies, and rendered so that each user term is a quoted FTS5 string:

* plain words are ANDed: ``climate summit``
* ``"quoted phrases"`` match words next to each other (an unclosed quote runs to the end)
* ``OR`` (upper case, between two terms) matches either: ``oslo OR bergen``
* a leading ``-`` excludes: ``election -poll``, ``-"opinion poll"``

Everything else is text: ``title:foo`` searches for the words *title* and *foo*, ``*`` and
``^`` are punctuation and ignored. ``OR`` binds tighter than the implicit AND, as in web search
engines: ``a b OR c d`` means a AND (b OR c) AND d. The parsed form (:class:`ParsedQuery`) is
back-end neutral, so a PostgreSQL store can render it as a ``tsquery`` instead.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

__all__ = ["MAX_QUERY_CHARS", "MAX_TERMS", "ParsedQuery", "Term", "parse_query", "to_fts5"]

#: Longer input is cut here: nobody types more, and it bounds the work a query can cause.
MAX_QUERY_CHARS = 1000
#: At most this many terms (words, phrases, exclusions) are used; the rest are ignored.
MAX_TERMS = 32

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


@dataclass(frozen=True, slots=True)
class Term:
    """One word or phrase as the user wrote it (never containing a double quote)."""

    text: str
    phrase: bool = False


@dataclass(frozen=True, slots=True)
class ParsedQuery:
    """All ``groups`` must match (each group is terms ORed); no ``excluded`` term may match."""

    groups: tuple[tuple[Term, ...], ...] = ()
    excluded: tuple[Term, ...] = ()

    @property
    def empty(self) -> bool:
        """True when nothing positive is left to search for (exclusions alone match nothing)."""
        return not self.groups


def _clean(text: str) -> str:
    """Make arbitrary input safe to tokenise: valid UTF-8, NFC, no control characters.

    Lone surrogates cannot be encoded for SQLite and NUL bytes end C strings, so both become
    plain separators before anything else looks at the text.
    """
    text = text.encode("utf-8", "replace").decode("utf-8")
    text = unicodedata.normalize("NFC", text[: MAX_QUERY_CHARS * 2])[:MAX_QUERY_CHARS]
    return _CONTROL.sub(" ", text)


def _searchable(text: str) -> bool:
    """Whether the FTS tokenizer will find a token in ``text`` (letters and digits only).

    A term without one would become an empty phrase, which matches nothing and would make the
    whole query match nothing.
    """
    return any(ch.isalnum() for ch in text)


def _lex(text: str) -> list[tuple[str, Term | None, bool]]:
    """Split input into ``("term", Term, negated)`` and ``("or", None, False)`` tokens."""
    tokens: list[tuple[str, Term | None, bool]] = []
    i, n = 0, len(text)
    while i < n:
        if text[i].isspace():
            i += 1
            continue
        negated = False
        if text[i] == "-" and i + 1 < n and not text[i + 1].isspace():
            negated = True
            i += 1
        if text[i] == '"':
            end = text.find('"', i + 1)
            end = n if end == -1 else end
            tokens.append(("term", Term(text[i + 1 : end], phrase=True), negated))
            i = end + 1
            continue
        start = i
        while i < n and not text[i].isspace() and text[i] != '"':
            i += 1
        word = text[start:i]
        if word == "OR" and not negated:
            tokens.append(("or", None, False))
        else:
            tokens.append(("term", Term(word), negated))
    return tokens


def parse_query(text: str) -> ParsedQuery:
    """Parse search-box input; never fails. Terms without letters or digits are dropped."""
    groups: list[list[Term]] = []
    excluded: list[Term] = []
    pending_or = False
    previous_positive = False
    used = 0
    for kind, term, negated in _lex(_clean(text)):
        if kind == "or":
            pending_or = previous_positive
            continue
        assert term is not None
        if used >= MAX_TERMS:
            break
        if not _searchable(term.text):
            continue
        used += 1
        if negated:
            if term not in excluded:
                excluded.append(term)
            previous_positive = pending_or = False
            continue
        if pending_or and groups:
            groups[-1].append(term)
        else:
            groups.append([term])
        pending_or = False
        previous_positive = True
    return ParsedQuery(tuple(tuple(g) for g in groups), tuple(excluded))


def _fts5_string(term: Term) -> str:
    """A term as an FTS5 string: inside double quotes every character is text, not syntax."""
    return '"' + term.text.replace('"', '""') + '"'


def to_fts5(query: ParsedQuery) -> str | None:
    """The FTS5 ``MATCH`` expression for a parsed query, or None if it can match nothing.

    Every operator is parenthesised, so FTS5's own precedence rules never matter. The result
    is still passed to SQLite as a bound parameter, never spliced into SQL.
    """
    if query.empty:
        return None
    parts = []
    for group in query.groups:
        rendered = [_fts5_string(t) for t in group]
        parts.append(rendered[0] if len(rendered) == 1 else "(" + " OR ".join(rendered) + ")")
    expression = " AND ".join(parts)
    for term in query.excluded:
        expression = f"({expression}) NOT {_fts5_string(term)}"
    return expression
