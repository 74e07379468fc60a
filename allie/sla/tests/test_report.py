"""SLA compliance per service and priority, in business time, for those who lead."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from allie.accounts.models import Role
from allie.core.reports import neutralise
from allie.sla.calendars import clear_calendar_cache
from allie.sla.models import TicketSla
from allie.tickets.services import acknowledge, open_ticket, reply, transition
from tests.factories import AgentFactory, ServiceFactory, UserFactory

MONTREAL = ZoneInfo("America/Toronto")
MONDAY_9 = datetime(2026, 3, 2, 9, 0, tzinfo=MONTREAL)  # hours 08:30-17:00, Mon-Fri
REPORT = reverse("sla:compliance")
PERIOD = {"start": "2026-03-01", "end": "2026-03-07"}


def at(minutes: float = 0, days: int = 0) -> datetime:
    return MONDAY_9 + timedelta(days=days, minutes=minutes)


@pytest.fixture(autouse=True)
def cold_calendar_cache():
    clear_calendar_cache()
    yield
    clear_calendar_cache()


def english(person):
    person.language = "en"
    person.save(update_fields=["language"])
    return person


@pytest.fixture
def odd_service(desk):
    return ServiceFactory(name_fr="=SOMME(1+1)", name_en="=SUM(1+1)", owner_team=desk.support)


@pytest.fixture
def week(desk, odd_service):
    """Tickets opened in the week of 2 March 2026 (and one after), with known outcomes."""
    alice, agathe = desk.person("alice"), desk.person("agathe")

    def opened(title, minutes=0, days=0, **kwargs):
        kwargs.setdefault("service", desk.service)
        kwargs.setdefault("requester", alice)
        return open_ticket(title=title, now=at(minutes, days), **kwargs)

    # Laptop, P4 (first response 240, next update 480, resolution 2700 business minutes).
    quick = opened("Rapide")
    acknowledge(quick, by=agathe, now=at(30))
    reply(quick, by=agathe, body="Voici", now=at(60))  # first response met in 60 min
    transition(quick, by=agathe, command="resolve", reason="Fait", now=at(120))  # met
    late = opened("En retard")
    acknowledge(late, by=agathe, now=at(10))
    reply(late, by=agathe, body="Désolé", now=at(300))  # 300 > 240: breached
    silent = opened("Silence")
    acknowledge(silent, by=agathe, now=at(5))
    reply(silent, by=agathe, body="Je regarde", now=at(20))  # met in 20 min
    # Next reply on Wednesday 09:20: 460 + 510 + 50 = 1020 minutes without news > 480.
    reply(silent, by=agathe, body="Toujours là", now=at(20, days=2))
    # Laptop, P1 (first response 15, resolution 240).
    urgent = opened("Urgent", impact="high", urgency="high")
    acknowledge(urgent, by=agathe, now=at(5))
    reply(urgent, by=agathe, body="On y va", now=at(10))  # met in 10 min
    transition(urgent, by=agathe, command="resolve", reason="Fait", now=at(300))  # breached
    # Another organisation (not served by Léa's team), odd service name, no answer yet.
    clinic = english(UserFactory(organisation=desk.clinic))
    opened("Clinique", service=odd_service, requester=clinic)
    # Opened after the period.
    opened("Plus tard", days=8)
    return {"quick": quick, "late": late, "silent": silent, "urgent": urgent}


def rows_of(response):
    return {(row.service, row.priority): row for row in response.context["rows"]}


def test_figures_agree_with_the_hand_computation(client, desk, week, odd_service):
    assert TicketSla.objects.get(ticket=week["silent"]).next_update_breaches == 1
    client.force_login(english(desk.person("admin")))

    response = client.get(REPORT, PERIOD)

    assert response.status_code == 200
    rows = rows_of(response)
    assert set(rows) == {("Laptop", "p4"), ("Laptop", "p1"), ("=SUM(1+1)", "p4")}
    laptop = rows[("Laptop", "p4")]
    assert laptop.count == 3
    assert laptop.first_response_met_percent == 66.7  # quick and silent, not late
    assert laptop.resolution_met_percent == 100.0  # quick met; the others still run in time
    assert laptop.next_update_breaches == 1
    assert laptop.median_first_response_minutes == 60.0  # of 20, 60 and 300
    urgent = rows[("Laptop", "p1")]
    assert (urgent.count, urgent.first_response_met_percent) == (1, 100.0)
    assert urgent.resolution_met_percent == 0.0  # 300 business minutes > 240
    assert urgent.median_first_response_minutes == 10.0
    clinic = rows[("=SUM(1+1)", "p4")]
    assert clinic.count == 1
    assert clinic.first_response_met_percent is None  # nobody answered yet: not decided
    assert clinic.median_first_response_minutes is None
    content = response.content.decode("utf-8-sig")
    assert "<caption>" in content
    assert 'scope="col"' in content
    assert "66.7 %" in content


def test_the_median_of_an_even_count_is_the_mean_of_the_middle_two(client, desk):
    alice, agathe = desk.person("alice"), desk.person("agathe")
    for number, minutes in enumerate([10, 40, 20, 100]):
        ticket = open_ticket(
            requester=alice, title=f"T{number}", service=desk.service, now=at(days=number)
        )
        reply(ticket, by=agathe, body="Oui", now=at(minutes, days=number))
    client.force_login(english(desk.person("admin")))

    response = client.get(REPORT, PERIOD)

    assert rows_of(response)[("Laptop", "p4")].median_first_response_minutes == 30.0


def test_a_team_lead_sees_only_the_tickets_they_may_see(client, desk, week):
    client.force_login(english(desk.person("lea")))

    response = client.get(REPORT, PERIOD)

    assert response.status_code == 200
    assert set(rows_of(response)) == {("Laptop", "p4"), ("Laptop", "p1")}


def test_the_period_filters_by_opening_date(client, desk, week):
    client.force_login(english(desk.person("admin")))

    response = client.get(REPORT, {"start": "2026-03-08", "end": "2026-03-14"})

    rows = rows_of(response)
    assert set(rows) == {("Laptop", "p4")}
    assert rows[("Laptop", "p4")].count == 1


def test_the_period_defaults_to_the_last_30_days(client, desk):
    open_ticket(requester=desk.person("alice"), title="Aujourd'hui", service=desk.service)
    client.force_login(english(desk.person("admin")))

    response = client.get(REPORT)

    assert response.status_code == 200
    assert (response.context["end"] - response.context["start"]).days == 30
    assert rows_of(response)[("Laptop", "p4")].count == 1


def test_a_period_ending_before_it_starts_is_refused(client, desk):
    client.force_login(english(desk.person("admin")))

    response = client.get(REPORT, {"start": "2026-03-07", "end": "2026-03-01"})

    assert response.status_code == 400
    assert "must come before its end" in response.content.decode("utf-8-sig")


@pytest.mark.parametrize("role", [Role.TEAM_LEAD, Role.MANAGER, Role.EXECUTIVE, Role.ADMINISTRATOR])
def test_leads_managers_executives_and_administrators_see_the_report(client, desk, role):
    client.force_login(AgentFactory(roles=[role]))

    assert client.get(REPORT).status_code == 200


@pytest.mark.parametrize("name", ["agathe", "alice", "carole", "oscar"])
def test_agents_and_requesters_get_a_404(client, desk, name):
    client.force_login(desk.person(name))

    assert client.get(REPORT).status_code == 404
    assert client.get(REPORT, {"format": "csv"}).status_code == 404


def test_anonymous_visitors_are_sent_to_sign_in(client, desk):
    response = client.get(REPORT)

    assert response.status_code == 302


def test_the_csv_has_the_same_figures_with_formulas_neutralised(client, desk, week):
    client.force_login(english(desk.person("admin")))

    response = client.get(REPORT, {**PERIOD, "format": "csv"})

    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    lines = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert lines[0][0] == "Service"
    by_key = {(line[0], line[1]): line for line in lines[1:]}
    assert by_key[("Laptop", "P4 · Low")][2:] == ["3", "66.7", "100", "1", "60"]
    assert ("'=SUM(1+1)", "P4 · Low") in by_key
    assert not any(cell.startswith("=") for line in lines for cell in line)


@pytest.mark.parametrize("cell", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"])
def test_cells_that_a_spreadsheet_would_run_get_a_leading_quote(cell):
    assert neutralise(cell) == "'" + cell


@pytest.mark.parametrize("cell", ["Laptop", "12", "", None, "a=b"])
def test_ordinary_cells_stay_as_they_are(cell):
    assert neutralise(cell) == ("" if cell is None else cell)


@pytest.mark.parametrize("tickets", [5, 50])
def test_the_report_runs_a_fixed_number_of_queries(
    client, desk, django_assert_num_queries, tickets
):
    alice, agathe = desk.person("alice"), desk.person("agathe")
    services = [desk.service, ServiceFactory(owner_team=desk.support)]
    for number in range(tickets):
        ticket = open_ticket(
            requester=alice,
            title=f"T{number}",
            service=services[number % 2],
            impact="high" if number % 3 == 0 else None,
            urgency="high" if number % 3 == 0 else None,
            now=at(number),
        )
        reply(ticket, by=agathe, body="Oui", now=at(number + 5))
    client.force_login(english(desk.person("lea")))

    # session, user, roles, served organisations, the day figures' counts, the tickets read one
    # by one (the hours around whole UTC days), the medians, the services' names
    with django_assert_num_queries(8):
        response = client.get(REPORT, PERIOD)

    assert sum(row.count for row in response.context["rows"]) == tickets
