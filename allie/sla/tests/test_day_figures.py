"""The SLA day figures follow every change of a ticket's clocks, and the compliance report read
from them agrees with reading every ticket one by one, in any time zone and for any reader."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import override_settings
from django.utils import timezone, translation

from allie.catalog.models import Service
from allie.sla import figures
from allie.sla.domain.figures import Tally
from allie.sla.models import DayFigures, TicketSla
from allie.sla.selectors import compliance
from allie.sla.services import sweep_deadlines
from allie.tickets.models import Ticket
from allie.tickets.services import (
    acknowledge,
    open_ticket,
    reply,
    transition,
    update_ticket_fields,
)
from tests.factories import ServiceFactory, UserFactory

MONTREAL = ZoneInfo("America/Toronto")
# Monday 2 March 2026, 18:30 in Montréal: 23:30 UTC, so its evening tickets fall on the next
# UTC day.
EVENING = datetime(2026, 3, 2, 18, 30, tzinfo=MONTREAL)


def at(hours: float = 0, days: int = 0) -> datetime:
    return EVENING + timedelta(days=days, hours=hours)


def stored() -> dict[tuple, tuple]:
    """The day figures as kept, without the groups left empty by tickets that moved away."""
    kept = {}
    for row in DayFigures.objects.all():
        tally = Tally(first_response_seconds=list(row.first_response_seconds))
        tally.add_counts({name: getattr(row, name) for name in tally.counts()}, [])
        if any(tally.counts().values()) or tally.first_response_seconds:
            key = (row.day, row.organisation_id, row.service_key, row.priority)
            kept[key] = (tally.counts(), sorted(tally.first_response_seconds))
    return kept


def rebuilt() -> dict[tuple, tuple]:
    figures.rebuild()
    return stored()


@pytest.fixture
def busy_week(desk):
    """A week of tickets whose clocks move every way a ticket's clocks can."""
    alice, agathe, lea = desk.person("alice"), desk.person("agathe"), desk.person("lea")
    printer = ServiceFactory(name_fr="Imprimante", name_en="Printer", owner_team=desk.support)
    clinic = UserFactory(organisation=desk.clinic)
    tickets = []
    for number in range(6):
        tickets.append(
            open_ticket(
                requester=clinic if number == 5 else alice,
                title=f"Billet {number}",
                service=desk.service,
                now=at(hours=number),
            )
        )
    quick, late, moved, reopened, silent, elsewhere = tickets
    acknowledge(quick, by=agathe, now=at(1))
    reply(quick, by=agathe, body="Voici", now=at(2))
    transition(quick, by=agathe, command="resolve", reason="Fait", now=at(3))
    reply(late, by=agathe, body="Enfin", now=at(days=3))
    reply(moved, by=lea, body="Je regarde", now=at(3))
    update_ticket_fields(moved, by=lea, service=printer, impact="high", urgency="high", now=at(4))
    acknowledge(reopened, by=agathe, now=at(3.5))
    reply(reopened, by=agathe, body="Réglé?", now=at(4))
    transition(reopened, by=agathe, command="resolve", reason="Fait", now=at(5))
    transition(reopened, by=alice, command="reopen", reason="Non", now=at(days=1))
    sweep_deadlines(now=at(days=6))  # the silent ones breach
    return {"silent": silent, "elsewhere": elsewhere, "moved": moved}


def test_the_figures_kept_as_clocks_move_are_those_rebuilt_from_the_summaries(busy_week):
    kept = stored()

    assert kept == rebuilt()
    assert sum(counts["tickets"] for counts, _seconds in kept.values()) == 6
    assert sum(counts["first_response_decided"] for counts, _seconds in kept.values()) >= 5


def test_a_ticket_changing_service_and_priority_moves_to_its_new_group(desk, busy_week):
    moved = Ticket.objects.get(pk=busy_week["moved"].pk)
    key = figures.key_of(moved)

    assert key[2] != desk.service.pk
    assert key[3] == "p1"
    assert stored()[key][0]["tickets"] == 1
    summary = TicketSla.objects.get(ticket=moved)
    assert (summary.counted_service_key, summary.counted_priority) == key[2:]


def test_a_ticket_is_counted_under_the_utc_day_it_was_opened(busy_week):
    late = Ticket.objects.filter(title="Billet 1").get()

    # Opened 19:30 in Montréal on 2 March: 00:30 UTC on 3 March.
    assert figures.key_of(late)[0] == date(2026, 3, 3)


def test_figures_gone_wrong_are_mended_by_a_rebuild(busy_week):
    right = stored()
    DayFigures.objects.update(tickets=99, first_response_seconds=[1.0])

    assert rebuilt() == right


# --- The report against reading every ticket one by one ------------------------------------


def one_by_one(user, start: datetime, end: datetime) -> dict[tuple, tuple]:
    expected: dict[tuple, Tally] = {}
    visible = Ticket.objects.visible_to(user).filter(created_at__gte=start, created_at__lt=end)
    for summary in TicketSla.objects.filter(ticket__in=visible).select_related("ticket"):
        key = (summary.ticket.service_id or 0, summary.ticket.priority)
        expected.setdefault(key, Tally()).add_share(figures.share_from(summary))
    return {
        key: (
            tally.tickets,
            tally.first_response_met,
            tally.resolution_decided,
            tally.median_first_response_seconds,
        )
        for key, tally in expected.items()
    }


def reported(user, start: datetime, end: datetime) -> dict[tuple, tuple]:
    keys = {service.name_fr: service.pk for service in Service.objects.all()}
    return {
        (keys.get(row.service, 0), row.priority): (
            row.count,
            row.first_response_met,
            row.resolution_decided,
            row.median_first_response_minutes,
        )
        for row in compliance(user, start, end)
    }


def rounded(figures_by_group: dict[tuple, tuple]) -> dict[tuple, tuple]:
    """Medians in minutes to a tenth, as the report shows them."""
    return {
        key: (*values[:3], None if values[3] is None else round(values[3] / 60, 1))
        for key, values in figures_by_group.items()
    }


@pytest.mark.parametrize(
    "zone", ["America/Toronto", "America/St_Johns", "Pacific/Kiritimati", "UTC", "Asia/Kathmandu"]
)
@pytest.mark.parametrize(("first_day", "last_day"), [(2, 2), (1, 3), (3, 9), (2, 28)])
@pytest.mark.parametrize("name", ["admin", "lea", "carole", "alice"])
def test_the_report_agrees_with_every_ticket_read_one_by_one(
    desk, busy_week, zone, first_day, last_day, name
):
    user = desk.person(name)
    tz = ZoneInfo(zone)
    start = datetime.combine(date(2026, 3, first_day), time.min, tz)
    end = datetime.combine(date(2026, 3, last_day) + timedelta(days=1), time.min, tz)

    with override_settings(TIME_ZONE=zone), timezone.override(tz):
        assert reported(user, start, end) == rounded(one_by_one(user, start, end))


def test_a_lead_sees_the_tickets_they_asked_for_or_own_outside_the_organisations_they_serve(
    desk, busy_week
):
    lea = desk.person("lea")
    lea.organisation = desk.person("oscar").organisation  # one her team does not serve
    lea.save(update_fields=["organisation"])
    open_ticket(requester=lea, title="Mon écran", service=desk.service, now=at(days=1))
    # A clinic ticket she still owns (her team no longer serves the clinic, say).
    Ticket.objects.filter(pk=busy_week["elsewhere"].pk).update(owner=lea)
    start, end = at(days=-1), at(days=8)

    groups = reported(lea, start, end)

    assert groups == rounded(one_by_one(lea, start, end))
    assert sum(count for count, *_rest in groups.values()) == 7  # five of Finances and two


def test_the_command_rebuilds_the_figures_and_says_how_many(busy_week):
    from io import StringIO

    from django.core.management import call_command

    right = stored()
    DayFigures.objects.all().delete()
    out = StringIO()

    with translation.override("en"):
        call_command("sla", "rebuild-figures", stdout=out)

    assert stored() == right
    assert f"{len(right)} day figures" in out.getvalue()
