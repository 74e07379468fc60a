"""Done when (issue 3): a ticket walks through warnings, a breach and a hierarchical escalation.

Injected clock: the sweep runs at successive moments of an ordinary Monday.
"""

from __future__ import annotations

from allie.escalations.models import Escalation, Trigger
from allie.escalations.services import acknowledge_escalation, close_escalation
from allie.sla.models import TicketSla
from allie.sla.services import sweep_deadlines
from allie.tickets.models import TimelineEvent
from allie.tickets.services import acknowledge

from .conftest import at


def system_events(ticket):
    return list(ticket.events.filter(kind=TimelineEvent.Kind.SYSTEM).order_by("created_at", "id"))


def test_a_ticket_walks_through_warnings_a_breach_and_a_hierarchical_escalation(
    desk, ticket, manager, sponsor
):
    agathe = desk.person("agathe")
    acknowledge(ticket, by=agathe, now=at(0.5))  # owned, but no reply: first response runs

    # 11:00: 50 % of the first response (240 min from 09:00): a warning, no escalation.
    assert sweep_deadlines(now=at(2)) == 1
    assert not Escalation.objects.exists()

    # 12:40: 75 % and 90 %: the 90 % warning escalates to the team lead.
    assert sweep_deadlines(now=at(3 + 40 / 60)) == 2
    [to_lead] = Escalation.objects.all()
    assert to_lead.level == "team_lead"
    assert to_lead.trigger == Trigger.THRESHOLD
    assert (to_lead.clock, to_lead.threshold) == ("first_response", 90)
    assert to_lead.raised_by is None
    assert [alert.person for alert in to_lead.alerts.all()] == [desk.lea]

    # Léa acknowledges.
    acknowledge_escalation(to_lead, by=desk.person("lea"), now=at(3.75))

    # 13:00: the first response breaches: the manager is alerted.
    sweep_deadlines(now=at(4))
    assert TicketSla.objects.get(ticket=ticket).first_response_state == "breached"
    to_manager = Escalation.objects.get(level="manager")
    assert to_manager.trigger == Trigger.BREACH
    assert [alert.person for alert in to_manager.alerts.all()] == [manager]
    acknowledge_escalation(to_manager, by=manager, now=at(4.25))

    # Later warnings and the next-update breach raise nothing again; the sponsor only hears
    # of a resolution breach.
    sweep_deadlines(now=at(0, days=1))
    assert Escalation.objects.count() == 2
    assert not Escalation.objects.filter(level="executive_sponsor").exists()

    close_escalation(to_manager, by=manager, outcome="Renfort affecté", now=at(1, days=1))

    # The timeline tells the whole story, in order, all internal.
    story = [
        (e.data.get("sla") or f"escalation:{e.data['escalation']}", e.data.get("threshold"))
        for e in system_events(ticket)
        if e.data.get("clock", "first_response") == "first_response" or "escalation" in e.data
    ]
    assert story[:8] == [
        ("warning", 50),
        ("warning", 75),
        ("warning", 90),
        ("escalation:raised", 90),
        ("escalation:acknowledged", None),
        ("breach", 100),
        ("escalation:raised", 100),
        ("escalation:acknowledged", None),
    ]
    assert story[-1] == ("escalation:closed", None)
    assert all(not event.is_public for event in system_events(ticket))
    to_lead.refresh_from_db()
    to_manager.refresh_from_db()
    assert to_lead.state == Escalation.State.ACKNOWLEDGED
    assert to_lead.acknowledged_by == desk.lea
    assert to_manager.state == Escalation.State.CLOSED
    ticket.refresh_from_db()
    assert ticket.owner == agathe


def test_a_resolution_breach_reaches_the_executive_sponsor(desk, ticket, manager, sponsor):
    sweep_deadlines(now=at(8, days=7))  # far past every target

    levels = list(Escalation.objects.order_by("id").values_list("level", flat=True))
    sponsor_alert = Escalation.objects.get(level="executive_sponsor").alerts.get()

    assert levels == ["team_lead", "manager", "executive_sponsor"]
    assert sponsor_alert.person == sponsor


def test_a_stopped_ticket_is_not_escalated_by_its_remaining_deadlines(desk, ticket):
    from allie.tickets.services import transition

    # Cancelled at 13:00 before any sweep: the first response's due deadlines remain.
    transition(ticket, by=desk.person("alice"), command="cancel", now=at(4))

    handled = sweep_deadlines(now=at(4))

    assert handled >= 4
    assert not Escalation.objects.exists()
