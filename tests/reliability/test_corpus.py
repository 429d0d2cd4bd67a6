"""The bad-input corpus: every hostile input is refused cleanly or read, within its time and
memory caps, in a child process whose peak RSS is measured (docs/reliability.md)."""

from __future__ import annotations

from pathlib import Path

import pytest

from storyline.reliability.corpus import all_cases, run_case
from tests.reliability.conftest import FULL

pytestmark = pytest.mark.reliability

CASES = all_cases()
LIGHT = [name for name, case in CASES.items() if not case.heavy]
HEAVY = [name for name, case in CASES.items() if case.heavy]


def test_the_corpus_has_at_least_forty_inputs_over_every_reader() -> None:
    assert len(CASES) >= 40
    assert {c.target for c in CASES.values()} >= {"feed", "html", "file", "jsonl", "warc", "http"}


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("corpus")


@pytest.mark.parametrize("name", LIGHT)
def test_light_input_is_handled(name: str, workdir: Path) -> None:
    result = run_case(CASES[name], workdir)
    assert result.passed, f"{result.problem}\n{result.message}"


@pytest.mark.skipif(not FULL, reason="heavy input: make reliability")
@pytest.mark.parametrize("name", HEAVY)
def test_heavy_input_is_handled(name: str, workdir: Path) -> None:
    result = run_case(CASES[name], workdir)
    assert result.passed, f"{result.problem}\n{result.message}"


def test_a_crashing_case_is_reported_as_a_crash(workdir: Path) -> None:
    # The runner must tell a crash from a clean refusal: a case that raises a plain
    # exception in the child is a crash, with its traceback, and fails.
    from dataclasses import replace

    case = replace(CASES["feed_binary"], name="always_crashes")
    CASES["always_crashes"] = case
    try:
        result = run_case(case, workdir)
    finally:
        del CASES["always_crashes"]
    # The child looks the name up again and fails to find it: a KeyError in the child.
    assert not result.passed and result.crashed
    assert "crashed" in (result.problem or "") and "KeyError" in result.message
