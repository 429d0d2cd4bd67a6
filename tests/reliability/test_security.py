"""SQL injection through every search field, and secrets kept out of output and logs."""

from __future__ import annotations

import pytest

from storyline.reliability.security import UNENCODABLE, check_secrets, check_sql_injection

pytestmark = pytest.mark.reliability


@pytest.fixture(scope="module")
def injection(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    result = check_sql_injection(tmp_path_factory.mktemp("inject"))
    assert result.checks > 400
    return result.failures


def test_injection_strings_change_nothing_and_match_nothing(injection: list[str]) -> None:
    assert [f for f in injection if repr(UNENCODABLE)[1:20] not in f] == []


def test_unencodable_lookups_are_answered(injection: list[str]) -> None:
    assert injection == []


@pytest.fixture(scope="module")
def secrets(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[str], list[str]]:
    result = check_secrets(tmp_path_factory.mktemp("secrets"))
    return result.failures, result.notes


def test_polls_runs_and_logs_never_show_feed_credentials(
    secrets: tuple[list[str], list[str]],
) -> None:
    failures, _ = secrets
    assert [f for f in failures if not f.startswith("storyline source add")] == []


def test_source_add_errors_hide_credentials(secrets: tuple[list[str], list[str]]) -> None:
    failures, _ = secrets
    assert failures == []
