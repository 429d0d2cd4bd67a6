"""Options every ``storyline eval`` command shares."""

from __future__ import annotations

from pathlib import Path

import click

__all__ = ["cache_option", "data_option"]

#: ``--data DIR``: where the public evaluation sets are (see docs/development.md).
data_option = click.option(
    "--data",
    "data_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="The shared data folder (default: $STORYLINE_SHARED/data or <repo>/../shared/data).",
)

#: ``--cache/--no-cache``: keep embedded evaluation texts between runs (they take minutes).
cache_option = click.option(
    "--cache/--no-cache",
    default=True,
    show_default=True,
    help="Keep the evaluation texts' vectors in ~/.cache/storyline to make re-runs fast.",
)
