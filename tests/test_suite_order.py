"""The suite's own order: the tests that commit for real come after all the others."""

from __future__ import annotations

import pytest

from conftest import _commits_for_real


def test_no_test_that_commits_runs_before_one_that_relies_on_the_migrations_rows(
    request: pytest.FixtureRequest,
) -> None:
    # Their teardown flushes the default calendar, ladder and settings the others expect.
    kinds = [_commits_for_real(item) for item in request.session.items]

    assert kinds == sorted(kinds)
