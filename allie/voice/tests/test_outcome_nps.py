"""NPS per client organisation, from the relationship answers given in a period (hand count)."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from allie.voice.figures import nps_figures
from allie.voice.models import RelationshipAnswer
from allie.voice.services.relationship import answer_relationship, send_round
from tests.factories import UserFactory

from .conftest import at

PERIOD = (at(days=0), at(days=7))
MARCH = {"start": "2026-03-02", "end": "2026-03-08"}


def contacts(organisation, count, prefix):
    return [
        UserFactory(
            email=f"{prefix}{index}@client.test",
            organisation=organisation,
            is_organisation_contact=True,
        )
        for index in range(count)
    ]


def answer_round(organisation, scores, *, sent_day, answered_day):
    """Send the organisation's round, then its contacts answer `scores` (None: no answer)."""
    survey = send_round(organisation, start=date(2026, 1, 1 + sent_day), now=at(days=sent_day))
    answers = list(RelationshipAnswer.objects.filter(survey=survey).order_by("pk"))
    assert len(answers) == len(scores)
    for answer, score in zip(answers, scores, strict=True):
        if score is not None:
            answer_relationship(answer, score=score, now=at(days=answered_day))


@pytest.fixture
def answers(desk):
    """Finances (carole + 4 more contacts): 10, 9, 7, 3 in the period, one unanswered.
    Clinique Lavoie (2 contacts): 6 and 8 in the period. Autre (1 contact): 10, the day
    after the period.

    By hand: Finances 2 promoters, 1 passive, 1 detractor of 4: NPS (2 - 1) / 4 = 25;
    Clinique Lavoie 0 promoters, 1 passive, 1 detractor of 2: NPS -50. Autre: not counted.
    """
    contacts(desk.finances, 4, "fin")
    contacts(desk.clinic, 2, "cli")
    contacts(desk.other, 1, "aut")
    answer_round(desk.finances, [10, 9, 7, 3, None], sent_day=0, answered_day=1)
    answer_round(desk.clinic, [6, 8], sent_day=0, answered_day=2)
    answer_round(desk.other, [10], sent_day=6, answered_day=8)


def as_table(rows):
    return {
        row.name: (
            row.tally.answered,
            row.tally.promoters,
            row.tally.passives,
            row.tally.detractors,
            row.tally.nps,
        )
        for row in rows
    }


def test_nps_per_organisation_agrees_with_a_hand_count(answers):
    assert as_table(nps_figures(*PERIOD)) == {
        "Clinique Lavoie": (2, 0, 1, 1, -50.0),
        "Finances": (4, 2, 1, 1, 25.0),
    }


def test_a_team_sees_the_organisations_it_serves(desk, answers):
    rows = nps_figures(*PERIOD, team_ids=[desk.support.pk])

    assert set(as_table(rows)) == {"Finances"}


def test_an_organisation_served_by_two_of_the_teams_counts_once(desk, answers):
    desk.clients.serves.add(desk.finances)

    rows = nps_figures(*PERIOD, team_ids=[desk.support.pk, desk.clients.pk])

    assert as_table(rows)["Finances"][0] == 4


def test_nps_takes_one_query_whatever_the_answers(desk, answers):
    with CaptureQueriesContext(connection) as small:
        nps_figures(*PERIOD, team_ids=[desk.support.pk])
    contacts(desk.finances, 3, "more")
    answer_round(desk.finances, [1, 2, 3, 4, 5, 6, 7, 8], sent_day=3, answered_day=4)
    with CaptureQueriesContext(connection) as large:
        rows = nps_figures(*PERIOD, team_ids=[desk.support.pk])

    assert len(small) == len(large) == 1
    assert as_table(rows)["Finances"][0] == 4 + 8


def test_the_pages_and_the_api_show_the_nps_of_what_the_reader_may_see(client, desk, answers):
    client.force_login(desk.person("lea"))
    page = client.get(reverse("voice:outcomes"), MARCH)
    team = client.get(reverse("voice:team"), MARCH)
    api = APIClient()
    api.force_login(desk.person("admin"))
    body = api.get("/api/v1/figures/outcomes/", MARCH).json()

    assert [row.name for row in page.context["nps_rows"]] == ["Finances"]
    assert [row.name for row in team.context["nps_rows"]] == ["Finances"]
    assert [(row["name"], row["answered"], row["nps"]) for row in body["nps"]] == [
        ("Clinique Lavoie", 2, -50.0),
        ("Finances", 4, 25.0),
    ]
