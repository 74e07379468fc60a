"""Dates at the ends of the calendar in a report's period: a form error, never a 500."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from allie.core.dates import validate_year
from allie.core.reports import PeriodForm

TODAY = date(2026, 3, 11)


@pytest.mark.parametrize("value", [date(1, 1, 1), date(1899, 12, 31), date(9999, 12, 31)])
def test_a_date_outside_the_years_1900_to_9998_is_refused(value):
    with pytest.raises(ValidationError) as refused:
        validate_year(value)
    assert refused.value.code == "year_out_of_range"


@pytest.mark.parametrize("value", [date(1900, 1, 1), datetime(9998, 12, 31, 23, 59)])
def test_a_date_inside_those_years_is_taken(value):
    validate_year(value)


@pytest.mark.parametrize(
    "query",
    [
        {"end": "0001-01-05"},  # its default start, 30 days before, overflowed
        {"start": "9999-12-31", "end": "9999-12-31"},  # the day after the end overflowed
        {"start": "0001-01-01", "end": "0001-01-01"},
    ],
)
def test_a_period_at_the_ends_of_the_calendar_is_a_form_error(query):
    form = PeriodForm(query, today=TODAY)

    assert not form.is_valid()
    assert set(form.errors) <= {"start", "end"}
    assert "1900" in str(form.errors)


@pytest.mark.parametrize(
    "report",
    ["voice:commitments", "voice:themes", "voice:team", "voice:outcomes", "sla:compliance"],
)
@pytest.mark.parametrize(
    "query", [{"end": "0001-01-05"}, {"start": "9999-12-31", "end": "9999-12-31"}]
)
def test_every_report_page_answers_a_400_for_such_a_period(client, desk, report, query):
    client.force_login(desk.person("admin"))

    response = client.get(reverse(report), query)

    assert response.status_code == 400
