"""SLA countdowns on the agent pages, the "at risk" queue, the portal promise and the API."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils import timezone, translation

from allie.sla.calendars import clear_calendar_cache
from allie.sla.models import BusinessCalendar, CalendarException, TicketSla
from allie.tickets.services import acknowledge, open_ticket, reply, transition

MONTREAL = ZoneInfo("America/Toronto")
MONDAY_9 = datetime(2026, 3, 2, 9, 0, tzinfo=MONTREAL)  # an ordinary Monday


def at(hours: float = 0, days: int = 0) -> datetime:
    return MONDAY_9 + timedelta(days=days, hours=hours)


@pytest.fixture(autouse=True)
def cold_calendar_cache():
    clear_calendar_cache()
    yield
    clear_calendar_cache()


@pytest.fixture
def english():
    with translation.override("en"):
        yield


def open_at(desk, when, title="Lent", **kwargs):
    # P4 by default: first response 240, next update 480, resolution 2700 business minutes.
    kwargs.setdefault("service", desk.service)
    return open_ticket(requester=desk.person("alice"), title=title, now=when, **kwargs)


def in_english(desk, name):
    """The persona, reading the pages in English (the profile's language wins)."""
    person = desk.person(name)
    person.language = "en"
    person.save(update_fields=["language"])
    return person


def countdown(ticket, now):
    ticket = type(ticket).objects.select_related("sla").get(pk=ticket.pk)
    return Template("{% load sla %}{% sla_countdown ticket %}").render(
        Context({"ticket": ticket, "now": now})
    )


# --- The countdown badge ----------------------------------------------------------------------


def test_the_countdown_shows_the_business_time_left_on_the_most_urgent_clock(desk, english):
    ticket = open_at(desk, at())

    badge = countdown(ticket, at(hours=1.75))

    # First response: 240 min, 105 used since 09:00 → 2 h 15 left (the others have more).
    assert "2 h 15 left" in badge
    assert 'class="sla sla-ok"' in badge
    assert 'title="First response"' in badge


def test_the_countdown_counts_business_hours_only_across_the_night(desk, english):
    ticket = open_at(desk, at(hours=7))  # Monday 16:00, hours end at 17:00

    badge = countdown(ticket, at(days=1))  # Tuesday 09:00: 1 h Monday + 30 min Tuesday

    assert "2 h 30 left" in badge


def test_the_countdown_warns_under_a_quarter_of_the_target_left(desk, english):
    ticket = open_at(desk, at())

    badge = countdown(ticket, at(hours=3.5))

    assert "30 min left" in badge
    assert "sla-warning" in badge


def test_the_countdown_says_how_long_ago_a_clock_breached(desk, english):
    ticket = open_at(desk, at())

    badge = countdown(ticket, at(hours=4, days=0) + timedelta(minutes=35))

    assert "breached 35 min ago" in badge
    assert "sla-breached" in badge


def test_a_closure_on_the_calendar_stops_the_countdown(desk, english):
    calendar = BusinessCalendar.objects.get(is_default=True)
    ticket = open_at(desk, at())
    CalendarException.objects.create(
        calendar=calendar,
        kind=CalendarException.Kind.CLOSURE,
        starts_at=at(hours=1),
        ends_at=at(hours=2),
    )

    badge = countdown(ticket, at(hours=1.75))

    # 60 business minutes used, not 105: the closure from 10:00 to 11:00 counts nothing.
    assert "3 h 00 left" in badge


def test_the_countdown_says_paused_while_waiting_on_the_requester(desk, english):
    agathe = desk.person("agathe")
    ticket = open_at(desk, at())
    acknowledge(ticket, by=agathe, now=at(hours=0.5))
    reply(ticket, by=agathe, body="Pouvez-vous vérifier ?", now=at(hours=0.6))

    transition(ticket, by=agathe, command="wait_on_requester", now=at(hours=0.7))

    badge = countdown(ticket, at(days=2))
    assert "paused" in badge
    assert "sla-paused" in badge


def test_the_countdown_uses_the_clock_when_the_context_has_no_now(desk, english):
    ticket = open_at(desk, timezone.now())

    badge = Template("{% load sla %}{% sla_countdown ticket %}").render(
        Context({"ticket": TicketSla.objects.get(ticket=ticket).ticket})
    )

    assert "left" in badge or "breached" in badge


# --- Pages ------------------------------------------------------------------------------------


def queue_url(name):
    return reverse("workspace:queue_named", args=[name])


def test_the_at_risk_queue_lists_open_tickets_soonest_breach_first(client, desk, english):
    now = timezone.now()
    slow = open_at(desk, now - timedelta(minutes=1), "Lent")  # P4
    urgent = open_at(desk, now, "Urgent", impact="high", urgency="high")  # P1: 15 min
    middling = open_at(desk, now, "Moyen", impact="high", urgency="medium")  # P2: 30 min
    done = open_at(desk, now, "Réglé", impact="high", urgency="high")
    agathe = desk.person("agathe")
    acknowledge(done, by=agathe)
    transition(done, by=agathe, command="resolve", reason="Fait")
    client.force_login(in_english(desk, "agathe"))

    response = client.get(queue_url("at_risk"))

    references = [ticket.reference for ticket in response.context["page"].object_list]
    assert references == [urgent.reference, middling.reference, slow.reference]
    content = response.content.decode()
    assert "Time left" in content
    assert "At risk" in content


@pytest.mark.parametrize("rows", [5, 50])
def test_the_at_risk_queue_runs_a_fixed_number_of_queries(
    client, desk, django_assert_num_queries, rows
):
    for number in range(rows):
        open_at(desk, timezone.now() - timedelta(minutes=number), f"Demande {number}")
    client.force_login(desk.person("agathe"))

    # session, user, roles, served organisations, desk settings, count, rows with their SLA,
    # the three choice lists of the filter form, calendars and their exceptions (cold cache).
    clear_calendar_cache()  # measure the cold cache: the worst case
    with django_assert_num_queries(12):
        response = client.get(queue_url("at_risk"))

    assert len(response.context["page"].object_list) == min(rows, 25)
    assert response.content.decode().count('class="sla sla-') == min(rows, 25)


def test_the_ticket_page_shows_each_clock_calendar_and_policy(client, desk, english):
    ticket = open_at(desk, at())
    client.force_login(in_english(desk, "agathe"))

    response = client.get(reverse("workspace:ticket", args=[ticket.reference]))

    content = response.content.decode()
    assert 'id="sla-title"' in content
    for label in ("First response", "Next update", "Resolution", "Late updates"):
        assert label in content
    assert "Heures de bureau (Montréal)" in content  # the default calendar (migration sla 0002)
    assert "All services · P4 · Low" in content  # the default policy of its priority
    assert "breached" in content  # opened on 2 March 2026: long breached by now


def test_the_ticket_page_shows_due_times_in_the_agents_zone(client, desk, english):
    agathe = desk.person("agathe")
    agathe.time_zone = "Europe/Paris"
    agathe.save(update_fields=["time_zone"])
    ticket = open_at(desk, timezone.now())
    due = TicketSla.objects.get(ticket=ticket).first_response_due_at
    client.force_login(agathe)

    response = client.get(reverse("workspace:ticket", args=[ticket.reference]))

    paris = due.astimezone(ZoneInfo("Europe/Paris"))
    assert f'datetime="{paris.isoformat()}"' in response.content.decode()


def test_the_requester_sees_when_we_will_next_give_news(client, desk, english):
    ticket = open_at(desk, timezone.now())
    due = TicketSla.objects.get(ticket=ticket).next_update_due_at
    client.force_login(in_english(desk, "alice"))

    response = client.get(reverse("portal:ticket", args=[ticket.reference]))

    content = response.content.decode()
    assert "We will give you news by" in content
    local = due.astimezone(ZoneInfo("America/Toronto"))
    assert f'datetime="{local.isoformat()}"' in content


def test_the_requester_sees_no_promise_while_we_wait_on_them(client, desk, english):
    agathe = desk.person("agathe")
    ticket = open_at(desk, timezone.now())
    acknowledge(ticket, by=agathe)
    transition(ticket, by=agathe, command="wait_on_requester")
    client.force_login(in_english(desk, "alice"))

    response = client.get(reverse("portal:ticket", args=[ticket.reference]))

    assert response.status_code == 200
    assert "We will give you news by" not in response.content.decode()


def test_the_requester_sees_no_promise_once_resolved(client, desk, english):
    agathe = desk.person("agathe")
    ticket = open_at(desk, timezone.now())
    acknowledge(ticket, by=agathe)
    transition(ticket, by=agathe, command="resolve", reason="Fait")
    client.force_login(in_english(desk, "alice"))

    response = client.get(reverse("portal:ticket", args=[ticket.reference]))

    assert "We will give you news by" not in response.content.decode()


# --- API --------------------------------------------------------------------------------------


def test_the_api_gives_agents_the_clocks_in_business_seconds(client, desk):
    ticket = open_at(desk, timezone.now() - timedelta(seconds=5))
    client.force_login(desk.person("agathe"))

    response = client.get(f"/api/v1/tickets/{ticket.reference}/")

    sla = response.json()["sla"]
    assert set(sla) == {"first_response", "next_update", "resolution", "next_breach_at"}
    first = sla["first_response"]
    assert first["state"] == "running"
    assert first["target_seconds"] == 240 * 60
    assert first["due"] is not None
    assert first["remaining_seconds"] == first["target_seconds"] - first["elapsed_seconds"]
    assert sla["next_update"]["breaches"] == 0


def test_the_api_keeps_sla_figures_from_requesters(client, desk):
    ticket = open_at(desk, timezone.now())
    client.force_login(desk.person("alice"))

    response = client.get(f"/api/v1/tickets/{ticket.reference}/")

    assert response.status_code == 200
    assert response.json()["sla"] is None
