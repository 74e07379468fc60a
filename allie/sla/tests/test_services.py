"""SLA summaries and deadlines follow the ticket, with an injected clock."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from allie.sla.models import Deadline, SlaPolicy, TicketSla
from allie.sla.services import handle_deadline, sweep_deadlines
from allie.tickets.models import TimelineEvent
from allie.tickets.services import (
    acknowledge,
    open_ticket,
    reply,
    transition,
    update_ticket_fields,
)

MONTREAL = ZoneInfo("America/Toronto")
MONDAY_9 = datetime(2026, 3, 2, 9, 0, tzinfo=MONTREAL)  # an ordinary Monday


def at(hours: float = 0, days: int = 0) -> datetime:
    return MONDAY_9 + timedelta(days=days, hours=hours)


@pytest.fixture
def ticket(desk):
    # P4 by default: first response 240, next update 480, resolution 2700 business minutes.
    return open_ticket(requester=desk.person("alice"), title="Lent", service=desk.service, now=at())


def pending(ticket, clock):
    return sorted(
        Deadline.objects.filter(ticket=ticket, clock=clock, handled_at__isnull=True).values_list(
            "threshold", "due_at"
        )
    )


def test_opening_plans_warnings_and_breach_in_business_time(ticket):
    summary = TicketSla.objects.get(ticket=ticket)

    assert summary.first_response_state == "running"
    # 240 business minutes from Monday 09:00 with 08:30-17:00 hours: Monday 13:00.
    assert summary.first_response_due_at == at(hours=4)
    thresholds = [threshold for threshold, _due in pending(ticket, "first_response")]
    assert thresholds == [50, 75, 90, 100]
    assert dict(pending(ticket, "first_response"))[50] == at(hours=2)
    # Resolution, 2700 minutes = 45 hours: Monday 8 h + Tuesday to Friday 4 x 8.5 h = 42 h,
    # then 3 h from 08:30 on the next Monday (after the change to daylight time): 11:30.
    assert summary.resolution_due_at == at(days=7, hours=2.5)


def test_a_public_reply_meets_first_response_and_restarts_next_update(desk, ticket):
    agathe = desk.person("agathe")
    acknowledge(ticket, by=agathe, now=at(hours=0.5))

    reply(ticket, by=agathe, body="Je regarde.", now=at(hours=1))

    summary = TicketSla.objects.get(ticket=ticket)
    assert summary.first_response_state == "met"
    assert pending(ticket, "first_response") == []
    # Next update (480 min) runs again from the reply at 10:00: Tuesday 09:30.
    assert summary.next_update_due_at == at(days=1, hours=0.5)
    assert Deadline.objects.filter(ticket=ticket, clock="next_update", cycle=1).count() == 4


def test_waiting_on_requester_pauses_and_drops_future_deadlines(desk, ticket):
    agathe = desk.person("agathe")
    acknowledge(ticket, by=agathe, now=at(hours=0.5))

    transition(ticket, by=agathe, command="wait_on_requester", now=at(hours=1))

    summary = TicketSla.objects.get(ticket=ticket)
    assert summary.resolution_state == "paused"
    assert summary.resolution_due_at is None
    assert pending(ticket, "resolution") == []
    assert pending(ticket, "first_response") != []  # first response never pauses


def test_a_priority_change_recomputes_targets_and_says_so(desk, ticket):
    agathe = desk.person("agathe")
    acknowledge(ticket, by=agathe, now=at(hours=0.25))

    update_ticket_fields(ticket, by=agathe, impact="high", urgency="high", now=at(hours=0.5))

    summary = TicketSla.objects.get(ticket=ticket)
    assert summary.first_response_target == 15
    assert summary.first_response_due_at == at(hours=0.25)  # already past: breached
    change = ticket.events.filter(kind=TimelineEvent.Kind.SYSTEM, data__sla="targets_changed")
    assert change.count() == 1


def test_a_service_policy_wins_over_the_default(desk):
    SlaPolicy.objects.create(
        service=desk.service,
        priority="p4",
        first_response_minutes=30,
        next_update_minutes=60,
        resolution_minutes=120,
    )

    ticket = open_ticket(
        requester=desk.person("alice"), title="Vite", service=desk.service, now=at()
    )

    assert TicketSla.objects.get(ticket=ticket).first_response_due_at == at(hours=0.5)


def test_the_sweep_handles_each_due_deadline_once_with_a_timeline_entry(ticket):
    handled = sweep_deadlines(now=at(hours=3.7))  # past 50, 75 and 90 % of first response

    assert handled == 3
    warnings = ticket.events.filter(kind=TimelineEvent.Kind.SYSTEM, data__sla="warning")
    assert sorted(e.data["threshold"] for e in warnings) == [50, 75, 90]
    assert sweep_deadlines(now=at(hours=3.7)) == 0

    # At 13:00 first response breaches and next update (480 min) reaches its 50 %.
    assert sweep_deadlines(now=at(hours=4)) == 2
    summary = TicketSla.objects.get(ticket=ticket)
    assert summary.first_response_state == "breached"
    assert ticket.events.filter(data__sla="breach").count() == 1


def test_handling_an_already_handled_deadline_does_nothing(ticket):
    deadline = Deadline.objects.filter(ticket=ticket).order_by("due_at").first()

    assert handle_deadline(deadline.pk, now=at(hours=5)) is True
    assert handle_deadline(deadline.pk, now=at(hours=5)) is False
    assert ticket.events.filter(data__sla="warning").count() == 1


def test_resolving_stops_the_clocks_and_leaves_no_future_deadline(desk, ticket):
    agathe = desk.person("agathe")
    acknowledge(ticket, by=agathe, now=at(hours=0.5))
    reply(ticket, by=agathe, body="Réglé", now=at(hours=1))

    transition(ticket, by=agathe, command="resolve", now=at(hours=1.5))

    summary = TicketSla.objects.get(ticket=ticket)
    assert summary.resolution_state == "met"
    assert summary.next_breach_at is None
    assert not Deadline.objects.filter(
        ticket=ticket, handled_at__isnull=True, due_at__gt=at(hours=1.5)
    ).exists()


def test_a_deadline_whose_effect_fails_stays_pending_and_does_not_hold_back_the_others(
    ticket, monkeypatch, caplog
):
    from allie.sla import services

    broken = Deadline.objects.filter(ticket=ticket).order_by("due_at").first()

    def fail_on_broken(items, batch):
        if any(deadline.pk == broken.pk for deadline, _summary in items):
            raise RuntimeError("boom")

    monkeypatch.setattr(services, "deadline_handlers", [fail_on_broken])

    handled = sweep_deadlines(now=at(hours=3.7))

    assert handled == 2  # 75 and 90 %, the 50 % one failed
    broken.refresh_from_db()
    assert broken.handled_at is None
    assert ticket.events.filter(data__sla="warning", data__threshold=50).count() == 0
    assert "could not be handled" in caplog.text
