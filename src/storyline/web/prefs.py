"""Hidden and muted sources and entities: the reader's own preferences, kept in a JSON file.

*Hide* takes a source's reports (or an entity) off every page; *mute* keeps them reachable
but out of the front page ranking and key-entity lists. These are display preferences, not
corrections of the data, so they live beside the database (``<db>.web.json``) rather than in
it; writes replace the file atomically.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from storyline.errors import BadInputError, ConfigError

__all__ = ["Kind", "Mode", "Preferences"]

Kind = Literal["source", "entity"]
Mode = Literal["hide", "mute"]


@dataclass
class Preferences:
    """Thread-safe hidden/muted sets, persisted to ``path`` (memory only when ``None``)."""

    path: Path | None = None
    hidden: dict[str, set[str]] = field(default_factory=lambda: {"source": set(), "entity": set()})
    muted: dict[str, set[str]] = field(default_factory=lambda: {"source": set(), "entity": set()})
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @classmethod
    def load(cls, path: Path | None) -> Preferences:
        prefs = cls(path)
        if path is None or not path.exists():
            return prefs
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            for mode, target in (("hide", prefs.hidden), ("mute", prefs.muted)):
                for kind in ("source", "entity"):
                    target[kind] = {str(v) for v in data.get(mode, {}).get(kind, [])}
        except (OSError, ValueError, AttributeError) as error:
            raise ConfigError(
                f"{path}: cannot read the web preferences ({error}); fix or delete the file"
            ) from error
        return prefs

    def set(self, kind: str, key: str, mode: str, on: bool) -> None:
        """Hide or mute (``on``), or show again, one source or entity."""
        if kind not in {"source", "entity"}:
            raise BadInputError(kind, "kind must be 'source' or 'entity'")
        if mode not in {"hide", "mute"}:
            raise BadInputError(mode, "mode must be 'hide' or 'mute'")
        if not key or len(key) > 500:
            raise BadInputError(key or "<empty>", "give the id of the source or entity")
        with self._lock:
            target = self.hidden if mode == "hide" else self.muted
            if on:
                target[kind].add(key)
            else:
                self.hidden[kind].discard(key)
                self.muted[kind].discard(key)
            self._save()

    def is_hidden(self, kind: str, key: str | None) -> bool:
        return key is not None and key in self.hidden.get(kind, set())

    def is_quiet(self, kind: str, key: str | None) -> bool:
        """Hidden or muted."""
        return key is not None and (
            key in self.hidden.get(kind, set()) or key in self.muted.get(kind, set())
        )

    def as_dict(self) -> dict[str, dict[str, list[str]]]:
        return {
            "hide": {k: sorted(v) for k, v in self.hidden.items()},
            "mute": {k: sorted(v) for k, v in self.muted.items()},
        }

    def _save(self) -> None:
        if self.path is None:
            return
        partial = self.path.with_name(self.path.name + ".partial")
        try:
            partial.write_text(json.dumps(self.as_dict(), indent=2), encoding="utf-8")
            partial.replace(self.path)
        except OSError as error:
            raise ConfigError(
                f"{self.path}: cannot save the web preferences ({error}); check the folder "
                "is writable"
            ) from error
