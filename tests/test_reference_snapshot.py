"""Reference data is read once inside a snapshot, and every time outside one."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from allie.core.snapshot import reference_snapshot, remembered
from allie.mail.models import MailSettings
from allie.sla.models import SlaSettings


@pytest.mark.django_db
def test_settings_are_read_once_per_snapshot_and_changes_show_in_the_next():
    with CaptureQueriesContext(connection) as outside:
        MailSettings.current()
        MailSettings.current()
    assert len(outside) == 2

    with CaptureQueriesContext(connection) as inside, reference_snapshot():
        first = MailSettings.current()
        assert MailSettings.current() is first
        with reference_snapshot():  # nested: shares the outer snapshot
            assert MailSettings.current() is first
        SlaSettings.current()  # another class, its own entry
    assert len(inside) == 2

    changed = MailSettings.current()
    changed.rate_limit = first.rate_limit + 7
    changed.save()
    with reference_snapshot():
        assert MailSettings.current().rate_limit == first.rate_limit + 7


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
