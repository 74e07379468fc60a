"""GET /api/v1/figures/outcomes/: the outcome figures for leads, managers and administrators."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from allie.sla.calendars import clear_calendar_cache
from allie.voice.tests.outcome_week import more_tickets
from allie.voice.tests.outcome_week import week as week_fixture

week = week_fixture  # the fixture, under its name here

URL = "/api/v1/figures/outcomes/"
MARCH = {"start": "2026-03-02", "end": "2026-03-08"}


def test_a_lead_reads_their_team_s_agents(api, desk, week):
    response = api.as_(desk.person("lea")).get(URL, {**MARCH, "by": "agent"})

    assert response.status_code == 200
    body = response.json()
    assert (body["by"], body["start"], body["end"]) == ("agent", "2026-03-02", "2026-03-08")
    rows = {row["name"]: row for row in body["rows"]}
    assert set(rows) == {"Agathe Tremblay", "Bruno Gagnon"}
    agathe = rows["Agathe Tremblay"]
    # Counted by hand (see allie/voice/tests/outcome_week.py): T1 to T5.
    assert agathe["key"] == desk.agathe.pk
    assert (agathe["resolved"], agathe["first_contact"], agathe["fcr_rate"]) == (5, 3, 0.6)
    assert (agathe["reopened"], agathe["handoffs"]) == (1, 1)
    assert (agathe["surveys_sent"], agathe["surveys_answered"]) == (5, 4)
    assert agathe["csat"] == 0.5
    assert agathe["ces"] == pytest.approx(11 / 3)
    assert (agathe["follow_ups_closed"], agathe["follow_ups_on_time"]) == (2, 1)
    assert (agathe["commitments_kept"], agathe["commitments_broken"]) == (1, 1)
    assert agathe["commitments_kept_rate"] == 0.5
    assert rows["Bruno Gagnon"]["ces"] is None  # nothing to count is null, never 0


def test_an_administrator_reads_every_team(api, desk, week):
    response = api.as_(desk.person("admin")).get(URL, {**MARCH, "by": "team"})

    assert [(row["name"], row["resolved"]) for row in response.json()["rows"]] == [
        ("Clients", 2),
        ("Soutien", 7),
    ]


def test_the_grouping_defaults_to_team(api, desk, week):
    response = api.as_(desk.person("lea")).get(URL, MARCH)

    assert response.json()["by"] == "team"


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"by": "organisation"}, "by"),
        ({"start": "2026-03-08", "end": "2026-03-01"}, "start"),
        ({"start": "2024-01-01", "end": "2026-03-01"}, "start"),
        ({"start": "hier"}, "start"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(api, desk, params, field):
    response = api.as_(desk.person("lea")).get(URL, params)

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert field in response.json()["fields"]


@pytest.mark.parametrize("name", ["agathe", "chloe", "alice"])
def test_others_get_a_404(api, desk, name):
    response = api.as_(desk.person(name)).get(URL)

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_without_credentials_the_api_asks_for_them(api, db):
    response = api.get(URL)

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_the_endpoint_takes_a_fixed_number_of_queries(api, desk, week):
    client = api.as_(desk.person("lea"))

    def measure():
        clear_calendar_cache()
        with CaptureQueriesContext(connection) as queries:
            assert client.get(URL, {**MARCH, "by": "service"}).status_code == 200
        return len(queries)

    small = measure()
    more_tickets(desk, 6)

    assert measure() == small


def test_the_schema_documents_the_endpoint(client, db):
    text = client.get("/api/schema/").content.decode()

    assert "/api/v1/figures/outcomes/" in text
    assert "fcr_rate" in text
