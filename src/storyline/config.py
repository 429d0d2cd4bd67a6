"""Where Storyline keeps its data, from the environment, with defaults that need no set-up.

Precedence, as in most command-line tools: a ``--db`` option, then ``STORYLINE_DB``, then a
database under ``$XDG_DATA_HOME/storyline`` (``~/.local/share/storyline``).
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["default_data_dir", "default_db_url"]


def default_data_dir() -> Path:
    """The folder for Storyline's own files when nothing else is configured."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "storyline"


def default_db_url() -> str:
    """The store URL to use when the command line names none."""
    env = os.environ.get("STORYLINE_DB")
    if env:
        return env
    return f"sqlite:///{default_data_dir() / 'storyline.db'}"
