"""Values `remembered` are read once inside a snapshot, and every time outside one.

(Settings rows, the priority matrix and the SLA policies are kept in-process for a minute
instead: tests/test_reference_cache.py.)"""

from __future__ import annotations

from allie.core.snapshot import reference_snapshot, remembered


def test_remembered_loads_every_time_outside_a_snapshot():
    calls = []

    def load():
        calls.append(1)
        return len(calls)

    assert remembered("key", load) == 1
    assert remembered("key", load) == 2
    with reference_snapshot():
        assert remembered("key", load) == 3
        assert remembered("key", load) == 3
    assert remembered("key", load) == 4


def test_a_nested_snapshot_shares_the_outer_one():
    calls = []

    def load():
        calls.append(1)
        return len(calls)

    with reference_snapshot():
        assert remembered("key", load) == 1
        with reference_snapshot():
            assert remembered("key", load) == 1
        assert remembered("other", load) == 2  # another key, its own entry
    assert len(calls) == 2
