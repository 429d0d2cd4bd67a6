"""`storyline selftest` end to end on a small selection, and a bounded atheris run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from storyline.cli import cli
from storyline.reliability.fuzz import atheris_available, fuzz_target

pytestmark = pytest.mark.reliability


def test_selftest_prints_the_summary_and_passes_on_a_selection(tmp_path: Path) -> None:
    args = ["selftest", "--no-fuzz", "--case", "feed_billion_laughs", "--case", "http_drip"]
    result = CliRunner().invoke(cli, [*args, "--fault", "locked", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    summary = report["summary"]
    assert summary["bad inputs tried"] == "2 (2 handled as required)"
    assert summary["crashes"] == "0"
    assert summary["data lost after faults"] == summary["duplicates after faults"] == "0"
    assert summary["p99 under load"].startswith("not in this run")
    assert report["failures"] == []


def test_selftest_refuses_unknown_names() -> None:
    result = CliRunner().invoke(cli, ["selftest", "--case", "no_such_case"])
    assert result.exit_code == 2 and "unknown case or fault no_such_case" in result.output


@pytest.mark.skipif(not atheris_available(), reason="atheris is not installed")
def test_atheris_runs_for_a_bounded_time_and_counts_executions(tmp_path: Path) -> None:
    result = fuzz_target("query", 3, tmp_path)
    assert result.error is None and result.crashes == []
    assert result.executions > 100 and result.coverage > 10
