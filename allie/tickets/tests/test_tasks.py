from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from allie.tickets.models import Status, Ticket
from allie.tickets.services import acknowledge, open_ticket, transition
from allie.tickets.tasks import close_resolved_tickets


def resolved_ticket(desk, *, days_ago):
    moment = timezone.now() - timedelta(days=days_ago)
    ticket = open_ticket(
        requester=desk.person("alice"), title="Écran noir", service=desk.service, now=moment
    )
    acknowledge(ticket, by=desk.person("agathe"), now=moment)
    transition(ticket, by=desk.person("agathe"), command="resolve", now=moment)
    return ticket


def test_the_periodic_task_closes_a_resolved_ticket_once_its_reopen_window_has_passed(desk):
    expired = resolved_ticket(desk, days_ago=8)
    recent = resolved_ticket(desk, days_ago=2)

    close_resolved_tickets()

    expired.refresh_from_db()
    recent.refresh_from_db()
    assert expired.status == Status.CLOSED
    assert expired.closed_at is not None
    assert expired.events.filter(kind="status_change", data__to="closed").count() == 1
    assert recent.status == Status.RESOLVED


def test_the_periodic_task_changes_nothing_when_nothing_is_due(desk):
    resolved_ticket(desk, days_ago=1)

    close_resolved_tickets()

    assert Ticket.objects.filter(status=Status.CLOSED).count() == 0
