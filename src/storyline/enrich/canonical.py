"""One name per entity, within an article and across articles and languages.

Within an article, a person's short mentions ("Netanyahu") join the full name they end with
("Benjamin Netanyahu"), titles are dropped ("President Joe Biden", "Präsident Biden"), and an
organisation's acronym joins its spelled-out name when the initials agree ("IDF", "Israel
Defense Forces"). Across articles, an :class:`EntityRegistry` remembers canonical names, so a
German article's "Präsident Biden" becomes the "Joe Biden" an English article named in full.
This is the "longest name in the document, then match by surname" heuristic of classic
cross-document coreference systems (Bagga and Baldwin 1998, "Entity-based cross-document
coreferencing using the vector space model"), without the vector part: a short name that
matches two known full names stays as it is rather than be merged by guess.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from storyline.enrich.base import EntityRef, Mention
from storyline.enrich.lexicon import TITLES
from storyline.model import EntityKind

__all__ = ["EntityRegistry", "group_mentions", "name_key", "strip_titles"]

_PUNCT = re.compile(r"[^\w\s-]")
_SPACES = re.compile(r"[\s-]+")
_ACRONYM_SKIP = frozenset(
    [
        "of",
        "for",
        "the",
        "and",
        "de",
        "du",
        "des",
        "la",
        "le",
        "of",
        "der",
        "die",
        "das",
        "für",
        "und",
    ]
)
_KIND_ORDER = (EntityKind.PERSON, EntityKind.ORG, EntityKind.PLACE, EntityKind.OTHER)


def name_key(name: str) -> str:
    """A name folded for matching: accents, case, dots and hyphens removed ("U.S." -> "us")."""
    decomposed = unicodedata.normalize("NFKD", name)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    bare = bare.replace("’", "'").casefold()
    bare = bare.replace(".", "")
    return _SPACES.sub(" ", _PUNCT.sub("", bare)).strip()


def strip_titles(name: str) -> str:
    """Drop leading titles and roles ("President Joe Biden" -> "Joe Biden"), keeping one word."""
    words = name.split()
    index = 0
    while index < len(words) - 1 and (
        words[index].casefold().rstrip(".") in TITLES
        or (index > 0 and words[index].casefold() == "of")
        or (index > 0 and words[index - 1].casefold() == "of")  # "Secretary of State"
    ):
        index += 1
    return " ".join(words[index:])


def _acronym(name: str) -> str:
    words = [w for w in re.split(r"[\s-]+", name) if w and w.casefold() not in _ACRONYM_SKIP]
    return "".join(w[0] for w in words).casefold() if len(words) >= 2 else ""


def _is_acronym(name: str) -> bool:
    bare = name.replace(".", "")
    return 2 <= len(bare) <= 6 and bare.isupper() and bare.isalpha()


@dataclass(slots=True)
class _Known:
    name: str
    kind: EntityKind


@dataclass(slots=True)
class EntityRegistry:
    """Canonical names seen so far (thread-safe); seeded from the store, grown per article."""

    _by_key: dict[str, _Known] = field(default_factory=dict)
    _by_last: dict[str, set[str]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, name: str, kind: EntityKind, aliases: Iterable[str] = ()) -> None:
        """Remember ``name`` as canonical for itself and its aliases (first one wins)."""
        with self._lock:
            known = _Known(name, kind)
            for alias in (name, *aliases):
                key = name_key(strip_titles(alias) if kind is EntityKind.PERSON else alias)
                if key:
                    self._by_key.setdefault(key, known)
            if kind is EntityKind.PERSON:
                parts = name_key(name).split()
                if len(parts) >= 2:
                    self._by_last.setdefault(parts[-1], set()).add(name)

    def __len__(self) -> int:
        return len(self._by_key)

    def kind_of(self, surface: str) -> EntityKind | None:
        """The kind of a known name (or the surname of one known person), else None."""
        key = name_key(strip_titles(surface))
        known = self._by_key.get(key)
        if known is not None:
            return known.kind
        if len(self._by_last.get(key, ())) == 1:
            return EntityKind.PERSON
        return None

    def resolve(self, name: str, kind: EntityKind) -> str | None:
        """The canonical name this name stands for, if it is known unambiguously."""
        key = name_key(name)
        known = self._by_key.get(key)
        if known is not None and known.kind is kind:
            return known.name
        if kind is EntityKind.PERSON and " " not in key:
            full = self._by_last.get(key, set())
            if len(full) == 1:
                return next(iter(full))
        return None


@dataclass(slots=True)
class _Group:
    name: str
    kind: EntityKind
    surfaces: Counter[str] = field(default_factory=Counter)
    first: int = 0

    @property
    def mentions(self) -> int:
        return sum(self.surfaces.values())


def _vote_kinds(mentions: list[Mention], registry: EntityRegistry | None) -> dict[str, EntityKind]:
    """One kind per name key: the majority of the model's labels, a known kind breaking ties."""
    votes: dict[str, Counter[EntityKind]] = {}
    for mention in mentions:
        votes.setdefault(name_key(mention.text), Counter())[mention.kind] += 1
    kinds: dict[str, EntityKind] = {}
    for key, counter in votes.items():
        best = max(counter.values())
        tied = [k for k in _KIND_ORDER if counter.get(k) == best]
        known = registry.kind_of(key) if registry is not None else None
        kinds[key] = known if known in tied and known is not None else tied[0]
    return kinds


def group_mentions(
    mentions: list[Mention], registry: EntityRegistry | None = None
) -> list[EntityRef]:
    """Merge an article's mentions into entities with canonical names (see module docstring).

    The registry is read, not written: the caller adds the result once it is final.
    """
    kinds = _vote_kinds(mentions, registry)
    groups: dict[tuple[EntityKind, str], _Group] = {}
    for mention in mentions:
        kind = kinds[name_key(mention.text)]
        name = strip_titles(mention.text) if kind is EntityKind.PERSON else mention.text
        key = name_key(name)
        if not key:
            continue
        group = groups.get((kind, key))
        if group is None:
            group = groups[(kind, key)] = _Group(name, kind, first=mention.start)
        group.surfaces[mention.text] += 1
    _merge_people(groups)
    _merge_acronyms(groups)
    refs: list[EntityRef] = []
    for group in groups.values():
        name = group.name
        if group.kind is EntityKind.ORG:
            # The most used form of an organisation's name ("IDF" over "Israel Defense Forces").
            name = max(group.surfaces.items(), key=lambda item: (item[1], len(item[0])))[0]
        if registry is not None:
            candidates = [name, *group.surfaces]
            for candidate in candidates:
                plain = strip_titles(candidate) if group.kind is EntityKind.PERSON else candidate
                resolved = registry.resolve(plain, group.kind)
                if resolved is not None:
                    name = resolved
                    break
        aliases = sorted({s for s in group.surfaces if s != name} | ({group.name} - {name}))
        refs.append(EntityRef(name, group.kind, group.mentions, aliases, group.first))
    # Two groups may resolve to one known name: fold them.
    folded: dict[tuple[EntityKind, str], EntityRef] = {}
    for ref in refs:
        fold = (ref.kind, name_key(ref.name))
        if fold in folded:
            other = folded[fold]
            other.mentions += ref.mentions
            other.first = min(other.first, ref.first)
            other.aliases = sorted(set(other.aliases) | set(ref.aliases) - {other.name})
        else:
            folded[fold] = ref
    return sorted(folded.values(), key=lambda r: (-r.mentions, r.first))


def _absorb(
    groups: dict[tuple[EntityKind, str], _Group],
    small: tuple[EntityKind, str],
    big: tuple[EntityKind, str],
) -> None:
    target, source = groups[big], groups.pop(small)
    target.surfaces.update(source.surfaces)
    target.first = min(target.first, source.first)


def _merge_people(groups: dict[tuple[EntityKind, str], _Group]) -> None:
    """A person's short name joins the one full name in the article ending (or starting) with it."""
    people = [key for key in groups if key[0] is EntityKind.PERSON]
    full = [key for key in people if len(key[1].split()) >= 2]
    for key in people:
        words = key[1].split()
        if len(words) >= 2 and key not in full:
            continue
        matches = [
            other
            for other in full
            if other != key
            and len(other[1].split()) > len(words)
            and (other[1].split()[-len(words) :] == words)
        ]
        if not matches and len(words) == 1:
            matches = [other for other in full if other[1].split()[0] == words[0]]
        if len(matches) == 1 and key in groups and matches[0] in groups:
            _absorb(groups, key, matches[0])


def _merge_acronyms(groups: dict[tuple[EntityKind, str], _Group]) -> None:
    """An acronym joins the spelled-out name whose initials it is (same kind or org/place)."""
    shorts = [k for k, g in groups.items() if _is_acronym(g.name)]
    for short in shorts:
        matches = [
            key
            for key, group in groups.items()
            if key != short
            and key[0] in (short[0], EntityKind.ORG, EntityKind.PLACE)
            and _acronym(group.name) == short[1].replace(" ", "")
        ]
        if len(matches) == 1 and short in groups:
            target = groups[matches[0]]
            source = groups.pop(short)
            target.surfaces.update(source.surfaces)
            target.first = min(target.first, source.first)
            if (
                target.kind is not source.kind
                and source.mentions > target.mentions - source.mentions
            ):
                target.kind = source.kind
