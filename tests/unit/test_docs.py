"""Every command is documented (after sqlite-utils' tests/test_docs.py), and the README keeps
its two set-up commands up front."""

from __future__ import annotations

from pathlib import Path

import click
import pytest

from storyline.cli import cli

REPO = Path(__file__).resolve().parents[2]


def command_names(group: click.Group, prefix: str = "") -> list[str]:
    names = []
    for name, command in sorted(group.commands.items()):
        full = f"{prefix}{name}"
        if isinstance(command, click.Group):
            names.extend(command_names(command, f"{full} "))
        else:
            names.append(full)
    return names


@pytest.mark.parametrize("name", command_names(cli))
def test_command_is_documented(name: str) -> None:
    docs = (REPO / "docs" / "cli.md").read_text()
    assert f"## `storyline {name}" in docs, f"document `storyline {name}` in docs/cli.md"


def test_command_list_is_not_empty() -> None:
    assert {"ingest", "extract", "run", "db check", "eval extraction"} <= set(command_names(cli))


def test_readme_starts_with_the_two_setup_commands() -> None:
    readme = (REPO / "README.md").read_text()
    block = readme.split("```sh\n", 1)[1].split("```", 1)[0]
    commands = [line.split("#")[0].strip() for line in block.splitlines() if line.strip()]
    assert commands == ["make run", "make test"]
    assert readme.index("make run") < readme.index("\n## ")


def test_docs_links_resolve() -> None:
    for page in [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]:
        text = page.read_text()
        for target in [part.split(")", 1)[0] for part in text.split("](")[1:]]:
            if target.startswith(("http", "#")):
                continue
            assert (page.parent / target.split("#")[0]).exists(), f"{page.name} -> {target}"
