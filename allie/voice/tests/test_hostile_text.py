"""NUL characters in the texts of the voice pages: stripped, never a 500 on PostgreSQL.

These pages read their texts from the POST data without a Django form (the services parse and
judge them), so the form field's own NUL validator never ran.
"""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from allie.tickets.services import open_ticket
from allie.voice import links
from allie.voice.models import FollowUp, RelationshipAnswer
from allie.voice.services.relationship import send_due_rounds
from allie.voice.services.surveys import answer_survey, send_survey_for


@pytest.fixture
def survey(desk):
    ticket = open_ticket(requester=desk.person("alice"), title="Écran noir", service=desk.service)
    return send_survey_for(ticket, now=timezone.now())


def test_a_nul_in_a_survey_comment_is_stripped(client, survey):
    token = links.make_token(survey.pk, survey.nonce)

    response = client.post(
        reverse("voice:survey", args=[token]), {"csat": "5", "comment": "Mer\x00ci\x00"}
    )

    assert response.status_code == 302
    survey.refresh_from_db()
    assert survey.comment == "Merci"


def test_a_nul_in_a_relationship_comment_is_stripped(client, desk):
    send_due_rounds()
    answer = RelationshipAnswer.objects.get(person=desk.carole)
    token = links.make_token(answer.pk, answer.nonce, salt=links.RELATIONSHIP_SALT)

    response = client.post(
        reverse("voice:relationship", args=[token]), {"score": "9", "comment": "\x00Bien"}
    )

    assert response.status_code == 302
    answer.refresh_from_db()
    assert answer.comment == "Bien"


def test_a_nul_in_the_closing_texts_of_a_follow_up_is_stripped(client, desk, survey):
    answer_survey(survey, csat=1)
    follow_up = FollowUp.objects.get(survey=survey)
    client.force_login(desk.person("lea"))
    texts = {"call_made": "Ap\x00pel", "learned": "Appris\x00", "action": "\x00"}

    response = client.post(reverse("voice:follow_up_close"), {"follow_up": follow_up.pk, **texts})

    assert response.status_code == 302
    follow_up.refresh_from_db()
    assert follow_up.state == FollowUp.State.OPEN  # an action of NUL only is no action

    texts["action"] = "Chan\x00gé"
    client.post(reverse("voice:follow_up_close"), {"follow_up": follow_up.pk, **texts})

    follow_up.refresh_from_db()
    assert follow_up.state == FollowUp.State.CLOSED
    assert (follow_up.call_made, follow_up.learned, follow_up.action) == (
        "Appel",
        "Appris",
        "Changé",
    )
