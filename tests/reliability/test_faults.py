"""Faults: after kill -9, a full disk, a locked database or a stalled network, nothing
committed is lost, nothing is stored twice, and `storyline db check` passes."""

from __future__ import annotations

from pathlib import Path

import pytest

from storyline.reliability.faults import FaultResult, kill_during_migration, run_fault
from tests.reliability.conftest import full_only

pytestmark = pytest.mark.reliability


def check(result: FaultResult) -> None:
    assert result.faults >= 1, result
    assert (result.lost, result.duplicated, result.db_check_failures) == (0, 0, 0), result
    assert result.problems == [], result


@pytest.mark.parametrize("name", ["locked", "disk-full", "network"])
def test_fault_leaves_nothing_lost_or_doubled(name: str, tmp_path: Path) -> None:
    check(run_fault(name, tmp_path))


def test_kill_during_the_newest_migrations(tmp_path: Path) -> None:
    from storyline.store.migrate import load_migrations

    latest = len(load_migrations())
    result = kill_during_migration(tmp_path, versions=(latest - 1, latest))
    check(result)
    assert result.faults == 2


@full_only
@pytest.mark.parametrize("name", ["migration", "merge", "ingest"])
def test_long_fault_scenario(name: str, tmp_path: Path) -> None:
    check(run_fault(name, tmp_path))
