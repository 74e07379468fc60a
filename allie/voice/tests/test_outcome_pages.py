"""The team lead's page and the outcome figures page: who sees what, CSV, charts, query counts."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from allie.accounts.models import Role, Team
from allie.sla.calendars import clear_calendar_cache
from allie.voice.models import Survey
from allie.voice.services.surveys import answer_survey
from tests.factories import AgentFactory, UserFactory

from .conftest import at
from .outcome_week import more_tickets
from .outcome_week import week as week_fixture

week = week_fixture  # the fixture, under its name here

MARCH = {"start": "2026-03-02", "end": "2026-03-08"}
TEAM = reverse("voice:team")
OUTCOMES = reverse("voice:outcomes")


@pytest.fixture
def manager(db):
    return UserFactory(
        email="marc@desk.test", full_name="Marc Roy", organisation=None, roles=[Role.MANAGER]
    )


def test_the_lead_sees_their_team_its_agents_and_the_monthly_charts(client, desk, week):
    client.force_login(desk.person("lea"))

    response = client.get(TEAM, MARCH)

    assert response.status_code == 200
    [team_row] = response.context["team_rows"]
    assert (team_row.name, team_row.tally.resolved, team_row.tally.first_contact) == (
        "Soutien",
        7,
        4,
    )
    assert {row.name for row in response.context["rows"]} == {"Agathe Tremblay", "Bruno Gagnon"}
    march = dict(response.context["csat_points"])
    assert len(response.context["csat_points"]) == 6  # October to March
    assert march[next(reversed(march))] == pytest.approx(2 / 5)
    html = response.content.decode()
    assert html.count('role="img"') == 2
    assert '<title id="chart-fcr-title">' in html
    assert "57,1 %" in html  # the period's FCR (4 of 7)
    assert "62,5 %" in html  # March's FCR in the chart's text alternative (5 of 8, with T9)


def test_the_page_carries_no_inline_script_or_style(client, desk, week):
    client.force_login(desk.person("lea"))

    html = client.get(TEAM, MARCH).content.decode()

    assert "style=" not in html
    assert "<style" not in html
    assert all("src=" in tag for tag in re.findall(r"<script[^>]*>", html))
    assert not re.search(r"\son[a-z]+=", html)  # no event handler attributes


def test_the_chart_draws_bars_in_proportion(client, desk, week):
    client.force_login(desk.person("lea"))

    html = client.get(TEAM, MARCH).content.decode()

    fcr_chart = html[html.index('id="chart-fcr"') : html.index("</svg>")]
    heights = [float(h) for h in re.findall(r'<rect class="bar"[^>]* height="([\d.]+)"', fcr_chart)]
    assert len(heights) == 1  # only March has resolved tickets: no bar for empty months
    # All of March: the week's 7 Soutien tickets (4 FCR) and T9, resolved on 9 March (FCR).
    assert heights[0] == pytest.approx(138 * 5 / 8, abs=0.1)


def test_the_team_page_lists_the_team_s_open_follow_ups_with_their_due_time(client, desk, week):
    survey = Survey.objects.get(ticket=week.tickets[5])
    answer_survey(survey, csat=1, now=at(days=3))
    client.force_login(desk.person("lea"))

    response = client.get(TEAM, MARCH)

    follow_ups = response.context["follow_ups"]
    assert [f.ticket_id for f in follow_ups] == [week.tickets[5].pk]
    assert follow_ups[0].due_at == at(days=5)
    assert week.tickets[5].reference in response.content.decode()


def test_a_lead_may_not_open_another_team(client, desk, week):
    client.force_login(desk.person("lea"))

    response = client.get(TEAM, {**MARCH, "team": desk.clients.pk})

    assert response.status_code == 404


def test_a_manager_may_open_any_team(client, desk, week, manager):
    client.force_login(manager)

    response = client.get(TEAM, {**MARCH, "team": desk.clients.pk})

    assert response.status_code == 200
    assert response.context["team_rows"][0].name == "Clients"
    assert [team.name for team in response.context["teams"]] == ["Clients", "Soutien"]


@pytest.mark.parametrize("name", ["agathe", "chloe", "alice"])
@pytest.mark.parametrize("url", [TEAM, OUTCOMES])
def test_others_get_a_404(client, desk, name, url):
    client.force_login(desk.person(name))

    assert client.get(url).status_code == 404


def test_a_lead_without_a_team_is_told_so(client, db):
    lead = AgentFactory(email="solo@desk.test", roles=[Role.AGENT, Role.TEAM_LEAD])
    client.force_login(lead)

    response = client.get(TEAM)

    assert response.status_code == 200
    assert response.context["team"] is None
    assert response.context["rows"] is None


def test_a_bad_period_is_refused_with_a_message(client, desk):
    client.force_login(desk.person("lea"))

    response = client.get(OUTCOMES, {"start": "2026-03-08", "end": "2026-03-01"})

    assert response.status_code == 400
    assert response.context["form"].non_field_errors()


def test_the_lead_sees_only_their_teams_on_the_figures_page(client, desk, week, manager):
    client.force_login(desk.person("lea"))
    lead_rows = client.get(OUTCOMES, {**MARCH, "by": "team"}).context["rows"]
    client.force_login(manager)
    manager_rows = client.get(OUTCOMES, {**MARCH, "by": "team"}).context["rows"]

    assert [row.name for row in lead_rows] == ["Soutien"]
    assert [row.name for row in manager_rows] == ["Clients", "Soutien"]


def test_the_figures_page_groups_by_service(client, desk, week):
    client.force_login(desk.person("admin"))

    rows = client.get(OUTCOMES, {**MARCH, "by": "service"}).context["rows"]

    assert [(row.name, row.tally.resolved) for row in rows] == [
        ("Portable", 6),
        ("RPV", 2),
        ("Aucun service", 1),
    ]


def read_csv(response):
    return list(csv.reader(io.StringIO(response.content.decode())))


def test_the_csv_has_every_figure_and_neutralises_formulas(client, desk, week):
    Team.objects.filter(pk=desk.clients.pk).update(name="=HYPERLINK(1)")
    client.force_login(desk.person("admin"))

    response = client.get(OUTCOMES, {**MARCH, "by": "team", "format": "csv"})

    assert response["Content-Type"].startswith("text/csv")
    assert response["X-Content-Type-Options"] == "nosniff"
    heading, *rows = read_csv(response)
    assert len(heading) == 16
    by_name = {row[0]: row for row in rows}
    assert set(by_name) == {"'=HYPERLINK(1)", "Soutien"}
    soutien = by_name["Soutien"]
    assert soutien[1:4] == ["7", "57.1", "14.3"]  # resolved, FCR, reopened
    assert soutien[5:10] == ["7", "5", "71.4", "40.0", "3.67"]  # surveys, CSAT, CES
    assert soutien[10:] == ["2", "50.0", "1", "1", "1", "66.7"]  # follow-ups, commitments


def test_a_name_starting_with_a_sign_is_neutralised_too(client, desk, week):
    desk.agathe.full_name = "@Agathe"
    desk.agathe.save(update_fields=["full_name"])
    client.force_login(desk.person("lea"))

    response = client.get(OUTCOMES, {**MARCH, "by": "agent", "format": "csv"})

    names = [row[0] for row in read_csv(response)[1:]]
    assert "'@Agathe" in names


def _queries(client, url, params):
    clear_calendar_cache()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize(
    ("url", "params"),
    [
        (TEAM, MARCH),
        (OUTCOMES, {**MARCH, "by": "agent"}),
        (OUTCOMES, {**MARCH, "by": "service", "format": "csv"}),
    ],
)
def test_the_pages_take_a_fixed_number_of_queries(client, desk, week, url, params):
    client.force_login(desk.person("lea"))
    small = _queries(client, url, params)

    more_tickets(desk, 6)
    large = _queries(client, url, params)

    assert small == large


def test_leads_find_the_team_page_in_the_navigation(client, desk):
    client.force_login(desk.person("lea"))
    lead_page = client.get(reverse("workspace:queue")).content.decode()
    client.force_login(desk.person("agathe"))
    agent_page = client.get(reverse("workspace:queue")).content.decode()

    assert f'href="{TEAM}"' in lead_page
    assert f'href="{TEAM}"' not in agent_page
