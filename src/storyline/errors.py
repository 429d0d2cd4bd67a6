"""One exception tree for all of Storyline (after httpx's ``_exceptions.py``).

Third-party errors are translated at the boundary that calls the library, so callers catch
``StorylineError`` (or one of its subclasses) and never ``lxml`` or ``sqlite3`` errors. Every
message names the input and says how to fix the problem where we know how.
This module imports nothing from the package.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "BadInputError",
    "ConfigError",
    "MissingExtraError",
    "SourceError",
    "StorageError",
    "StorylineError",
]


class StorylineError(Exception):
    """The root of every error Storyline raises on purpose."""

    def __reduce__(self) -> tuple[Any, ...]:
        # Exceptions pickle as cls(*args), which loses (or cannot rebuild) the fields a
        # subclass keeps beside its message. Rebuild the bare object from its args and put
        # every field back (engines ship errors between processes).
        return (_rebuild, (type(self), self.args, self.__dict__))


def _rebuild(
    cls: type[StorylineError], args: tuple[Any, ...], fields: dict[str, Any]
) -> StorylineError:
    error = cls.__new__(cls, *args)
    error.args = args
    error.__dict__.update(fields)
    return error


class BadInputError(StorylineError):
    """An input document or record cannot be used.

    ``origin`` names the input (a path, ``path:line`` or URL) and ``reason`` says why, so
    ``str(error)`` is one line a user can act on: ``notes.txt: empty file``.
    """

    def __init__(self, origin: str, reason: str) -> None:
        self.origin = origin
        self.reason = reason
        super().__init__(f"{origin}: {reason}")


class SourceError(StorylineError):
    """A source (feed, page, file system, archive) could not be reached or read."""

    def __init__(self, origin: str, reason: str) -> None:
        self.origin = origin
        self.reason = reason
        super().__init__(f"{origin}: {reason}")


class StorageError(StorylineError):
    """The store failed: the database is missing, locked, corrupt, full or of a newer schema."""


class ConfigError(StorylineError):
    """A setting or command-line option is invalid."""


class MissingExtraError(StorylineError):
    """An optional dependency is not installed; the message names the extra to install."""

    def __init__(self, package: str, extra: str) -> None:
        self.package = package
        self.extra = extra
        super().__init__(
            f"this feature needs the {package!r} package: pip install 'storyline[{extra}]'"
        )
