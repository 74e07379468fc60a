"""A sweep's queries do not grow with the number of due deadlines it handles (bulk writes)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from allie.escalations.models import Escalation, EscalationAlert
from allie.mail.models import OutboundMessage
from allie.sla.calendars import clear_calendar_cache
from allie.sla.models import Deadline
from allie.sla.services import sweep_deadlines
from allie.sla.tests.test_services import at
from allie.tickets.models import TimelineEvent
from allie.tickets.services import acknowledge, open_ticket


def open_owned(desk, count: int, *, days: int = 0) -> list:
    tickets = []
    for number in range(count):
        ticket = open_ticket(
            requester=desk.person("alice"),
            title=f"Lent {number}",
            service=desk.service,
            now=at(days=days),
        )
        acknowledge(ticket, by=desk.person("agathe"), now=at(days=days, hours=0.1))
        tickets.append(ticket)
    return tickets


def sweep_counting(now) -> tuple[int, int]:
    clear_calendar_cache()
    with CaptureQueriesContext(connection) as queries:
        handled = sweep_deadlines(now=now)
    return handled, len(queries)


@pytest.mark.parametrize("count", [2, 7])
def test_sweeping_more_due_deadlines_issues_no_more_queries(desk, count):
    open_owned(desk, 1)
    # A first sweep warms what a batch reads once (calendar, ladder): the baseline.
    baseline_handled, baseline = sweep_counting(at(hours=4.1))
    # First response: 50, 75, 90 % and the breach; next update: 50 % (240 of 480 minutes).
    assert baseline_handled == 5

    sweep_deadlines(now=at(days=2))  # what else of the first ticket fell due meanwhile
    tickets = open_owned(desk, count, days=2)  # Wednesday: nothing of the first is due then
    handled, queries = sweep_counting(at(days=2, hours=4.1))

    assert handled == 5 * count
    assert queries == baseline
    # ... and every effect was written: an entry per deadline, the ladder's escalations with
    # their alerts and entries, the owner's notices gathered into one digest per ticket.
    for ticket in tickets:
        assert not Deadline.objects.filter(
            ticket=ticket, handled_at__isnull=True, due_at__lte=at(days=2, hours=4.1)
        ).exists()
        sla_entries = TimelineEvent.objects.filter(
            ticket=ticket, data__sla__in=["warning", "breach"]
        )
        assert sla_entries.count() == 5
        escalations = Escalation.objects.filter(ticket=ticket)
        assert escalations.count() >= 1
        assert EscalationAlert.objects.filter(escalation__in=escalations).exists()
        assert TimelineEvent.objects.filter(ticket=ticket, data__escalation="raised").count() == (
            escalations.count()
        )
        owner_notices = OutboundMessage.objects.filter(
            ticket=ticket, recipient=desk.person("agathe"), kind="notification"
        )
        assert owner_notices.count() == 1
        notices = [event["notice"] for event in owner_notices.get().events]
        assert notices.count("sla_warning") == 4
        assert notices.count("sla_breach") == 1
