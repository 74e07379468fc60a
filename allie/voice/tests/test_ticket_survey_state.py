"""Each ticket carries its survey's state for the figures (tickets migration 0012): the survey
services keep it, and the migration's copy of existing surveys gives the same state."""

from __future__ import annotations

import importlib

import pytest
from django.db import connection

from allie.tickets.models import Ticket
from allie.voice.models import Survey
from allie.voice.services.surveys import SurveyServiceError, answer_survey

from .conftest import at
from .outcome_week import week as week_fixture
from .test_surveys import resolved

week = week_fixture  # the fixture, under its name here
MIGRATION = importlib.import_module("allie.tickets.migrations.0012_ticket_survey_state")
STATE = ("survey_sent", "survey_answered", "survey_csat", "survey_ces")


def state_of(ticket) -> tuple:
    return Ticket.objects.filter(pk=ticket.pk).values_list(*STATE).get()


def states() -> dict[int, tuple]:
    return {pk: tuple(rest) for pk, *rest in Ticket.objects.values_list("pk", *STATE)}


def states_from_the_surveys() -> dict[int, tuple]:
    """What each ticket's state must be, read from the surveys themselves (the old join)."""
    expected = dict.fromkeys(
        Ticket.objects.values_list("pk", flat=True), (False, False, None, None)
    )
    for survey in Survey.objects.all():
        answered = survey.answered_at is not None
        expected[survey.ticket_id] = (
            True,
            answered,
            survey.csat if answered else None,
            survey.ces if answered else None,
        )
    return expected


def test_a_ticket_without_survey_has_none(desk):
    ticket = resolved(desk, desk.person("alice"))
    Survey.objects.filter(ticket=ticket).delete()
    Ticket.objects.filter(pk=ticket.pk).update(survey_sent=False)

    assert state_of(ticket) == (False, False, None, None)


def test_sending_the_survey_marks_the_ticket_surveyed_not_answered(desk):
    ticket = resolved(desk, desk.person("alice"))

    assert Survey.objects.filter(ticket=ticket).exists()
    assert state_of(ticket) == (True, False, None, None)


def test_answering_and_changing_the_answer_in_the_window_copy_the_scores(desk):
    ticket = resolved(desk, desk.person("alice"))
    survey = Survey.objects.get(ticket=ticket)

    answer_survey(survey, csat=2, now=at(2))
    first = state_of(ticket)
    answer_survey(survey, csat=5, ces=4, now=at(3))

    assert first == (True, True, 2, None)
    assert state_of(ticket) == (True, True, 5, 4)


def test_a_refused_answer_leaves_the_ticket_as_it_was(desk):
    ticket = resolved(desk, desk.person("alice"))
    survey = Survey.objects.get(ticket=ticket)
    answer_survey(survey, csat=4, now=at(2))

    with pytest.raises(SurveyServiceError):
        answer_survey(survey, csat=1, now=at(days=30))

    assert state_of(ticket) == (True, True, 4, None)


def test_the_services_keep_every_ticket_as_its_survey_says(week):
    assert states() == states_from_the_surveys()


def test_the_migration_copies_existing_surveys_to_the_same_state(week):
    kept = states()
    with connection.cursor() as cursor:
        cursor.execute(MIGRATION.FORGET_SURVEYS)
        assert not Ticket.objects.filter(survey_sent=True).exists()
        cursor.execute(MIGRATION.COPY_SURVEYS)

    assert states() == kept == states_from_the_surveys()
    assert any(sent for sent, *_rest in kept.values())
