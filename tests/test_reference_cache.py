"""Settings, the priority matrix and the SLA policies are kept in-process for a minute; a saved
or deleted row clears them at once in this process, other processes see it within the TTL."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from allie.core import reference_cache
from allie.core.reference_cache import cached_reference, clear_reference_cache
from allie.core.snapshot import reference_snapshot
from allie.mail.models import MailSettings
from allie.sla.models import SlaPolicy, SlaSettings
from allie.sla.services import policy_for
from allie.tickets.models import DeskSettings, PriorityCell, Ticket
from allie.tickets.services.opening import compute_priority


@pytest.fixture
def clock(monkeypatch):
    """The monotonic clock the cache reads, moved by hand."""

    class Clock:
        now = 1000.0

        def advance(self, seconds: float) -> None:
            self.now += seconds

    fake = Clock()
    monkeypatch.setattr(reference_cache.time, "monotonic", lambda: fake.now)
    return fake


def test_a_value_is_loaded_once_until_its_ttl_has_passed(clock):
    calls = []

    def load():
        calls.append(1)
        return len(calls)

    assert cached_reference("key", load) == 1
    clock.advance(reference_cache.REFERENCE_TTL)
    assert cached_reference("key", load) == 1
    clock.advance(0.5)  # past the TTL: what another process saved is read now
    assert cached_reference("key", load) == 2
    clear_reference_cache()
    assert cached_reference("key", load) == 3


@pytest.mark.django_db
def test_settings_are_read_once_and_a_saved_change_shows_at_once():
    MailSettings.objects.get_or_create(pk=1)
    with CaptureQueriesContext(connection) as reads:
        first = MailSettings.current()
        assert MailSettings.current() is first
        with reference_snapshot():  # a batch shares the process's copy
            assert MailSettings.current() is first
        SlaSettings.current()  # another class, its own entry
        SlaSettings.current()
    assert len(reads) == 2

    expected = first.rate_limit + 7
    changed = MailSettings.objects.get(pk=first.pk)
    changed.rate_limit = expected
    changed.save()

    assert MailSettings.current().rate_limit == expected


@pytest.mark.django_db
def test_a_change_another_process_made_is_seen_once_the_ttl_has_passed(clock):
    DeskSettings.objects.update_or_create(pk=1, defaults={"reopen_window_days": 7})
    assert DeskSettings.current().reopen_window_days == 7
    # Another process's admin saved it: no signal reaches this one.
    DeskSettings.objects.filter(pk=1).update(reopen_window_days=3)

    assert DeskSettings.current().reopen_window_days == 7
    clock.advance(reference_cache.REFERENCE_TTL + 1)
    assert DeskSettings.current().reopen_window_days == 3


@pytest.mark.django_db
def test_a_read_between_a_save_and_its_commit_is_forgotten_at_the_commit(
    django_capture_on_commit_callbacks,
):
    settings_row, _created = DeskSettings.objects.update_or_create(
        pk=1, defaults={"reopen_window_days": 7}
    )
    assert DeskSettings.current().reopen_window_days == 7
    with django_capture_on_commit_callbacks(execute=True):
        settings_row.reopen_window_days = 2
        settings_row.save()
        DeskSettings.objects.filter(pk=1).update(reopen_window_days=4)  # not signalled
        assert DeskSettings.current().reopen_window_days == 4  # cached again before the commit
        DeskSettings.objects.filter(pk=1).update(reopen_window_days=5)
    assert DeskSettings.current().reopen_window_days == 5


@pytest.mark.django_db
def test_the_priority_matrix_is_read_once_and_an_edited_cell_applies_at_once():
    default = compute_priority("low", "low")
    with CaptureQueriesContext(connection) as reads:
        compute_priority("low", "low")
        compute_priority("high", "high")
    assert len(reads) == 0

    cell = PriorityCell.objects.create(impact="low", urgency="low", priority="p1")
    assert compute_priority("low", "low") == "p1"
    cell.priority = "p2"
    cell.save()
    assert compute_priority("low", "low") == "p2"
    cell.delete()
    assert compute_priority("low", "low") == default


@pytest.mark.django_db
def test_the_sla_policies_are_read_once_and_a_change_applies_at_once(desk):
    ticket = Ticket(priority="p3", service_id=desk.service.pk)
    paused = frozenset()
    row, policy = policy_for(ticket, paused)
    with CaptureQueriesContext(connection) as reads:
        assert policy_for(ticket, paused)[1] == policy
        policy_for(Ticket(priority="p1", service_id=None), paused)
    assert len(reads) == 0

    own = SlaPolicy.objects.create(
        service=desk.service,
        priority="p3",
        first_response_minutes=5,
        next_update_minutes=10,
        resolution_minutes=20,
    )
    assert policy_for(ticket, paused)[0] == own
    assert policy_for(ticket, paused)[1].first_response == 5
    own.delete()
    assert policy_for(ticket, paused)[0] == row
