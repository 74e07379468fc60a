"""Dates at the ends of the calendar in API queries: a 400 with the field, never a 500."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize("field", ["created_after", "created_before"])
@pytest.mark.parametrize(
    "value",
    [
        "0001-01-01T00:00:00+05:00",  # overflowed on its way to UTC (SQLite)
        "9999-12-31T23:59:59-05:00",
        "1899-12-31T00:00:00Z",
    ],
)
def test_a_ticket_filter_date_outside_the_years_1900_to_9998_is_a_400(api, desk, field, value):
    response = api.as_(desk.person("agathe")).get("/api/v1/tickets/", {field: value})

    assert response.status_code == 400
    assert set(response.json()["fields"]) == {field}


def test_a_ticket_filter_date_inside_those_years_is_taken(api, desk):
    response = api.as_(desk.person("agathe")).get(
        "/api/v1/tickets/", {"created_after": "1900-01-01T00:00:00Z"}
    )

    assert response.status_code == 200


@pytest.mark.parametrize(
    "query",
    [
        {"end": "0001-01-05"},  # its default start, 30 days before, overflowed
        {"start": "9999-12-31", "end": "9999-12-31"},  # the day after the end overflowed
    ],
)
def test_an_outcome_period_at_the_ends_of_the_calendar_is_a_400(api, desk, query):
    response = api.as_(desk.person("admin")).get("/api/v1/figures/outcomes/", query)

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert set(response.json()["fields"]) <= {"start", "end"}
