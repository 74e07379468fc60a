"""The relationship survey page, through the HTTP client: no sign-in, bad links, bad answers."""

from __future__ import annotations

import html
from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from allie.core.reference_cache import clear_reference_cache
from allie.voice import links
from allie.voice.models import RelationshipAnswer
from allie.voice.services.relationship import send_due_rounds


@pytest.fixture
def answer(desk):
    send_due_rounds()
    return RelationshipAnswer.objects.get(person=desk.carole)


def url(answer: RelationshipAnswer, query: str = "", nonce: str | None = None) -> str:
    token = links.make_token(answer.pk, nonce or answer.nonce, salt=links.RELATIONSHIP_SALT)
    return reverse("voice:relationship", args=[token]) + query


def test_the_page_names_the_organisation_and_preselects_without_recording(client, answer):
    response = client.get(url(answer, "?score=7"))

    assert response.status_code == 200
    page = html.unescape(response.content.decode())
    assert "Finances" in page
    assert "Carole" not in page
    assert 'name="score" value="7" required checked' in page
    assert 'name="score" value="0"' in page
    assert 'name="score" value="10"' in page
    answer.refresh_from_db()
    assert answer.answered_at is None


def test_the_page_asks_a_fixed_number_of_queries(client, answer, django_assert_num_queries):
    clear_reference_cache()  # the settings read cold (then cached in-process for a minute)
    with django_assert_num_queries(2):  # the settings, the answer with its organisation
        assert client.get(url(answer)).status_code == 200


def test_an_answer_is_recorded_then_changed_within_the_window(client, answer):
    response = client.post(url(answer), {"score": "9", "comment": "Merci"})
    assert response.status_code == 302
    assert response["Location"].endswith("?thanks=1")
    answer.refresh_from_db()
    first = answer.first_answered_at
    assert (answer.score, answer.comment, answer.low) == (9, "Merci", False)
    assert 'role="status"' in client.get(response["Location"]).content.decode()

    with time_machine.travel(first + timedelta(hours=71)):
        assert client.post(url(answer), {"score": "5"}).status_code == 302
    answer.refresh_from_db()
    assert (answer.score, answer.low, answer.first_answered_at) == (5, True, first)


def test_after_the_window_a_change_is_refused_with_a_clear_page(client, answer):
    client.post(url(answer), {"score": "8"})
    answer.refresh_from_db()

    with time_machine.travel(answer.first_answered_at + timedelta(hours=73)):
        posted = client.post(url(answer), {"score": "0"})
        shown = client.get(url(answer))

    assert posted.status_code == 409
    assert shown.status_code == 200
    assert b'name="score"' not in shown.content
    answer.refresh_from_db()
    assert answer.score == 8


@pytest.mark.parametrize("score", ["9" * 5000, "1e999999"])
def test_a_huge_preselected_score_in_the_link_selects_nothing(client, answer, score):
    response = client.get(url(answer, f"?score={score}"))

    assert response.status_code == 200
    assert "checked" not in response.content.decode()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({}, "score"),
        ({"score": "11"}, "score"),
        ({"score": "-1"}, "score"),
        ({"score": "dix"}, "score"),
        ({"score": "9" * 5000}, "score"),  # past int()'s digit limit
        ({"score": "1e999999"}, "score"),
        ({"score": "3", "comment": "x" * 2001}, "comment"),
    ],
)
def test_a_missing_or_out_of_range_answer_is_refused_with_a_message(client, answer, data, field):
    answer.language = "en"
    answer.save(update_fields=["language"])

    response = Client().post(url(answer), data)

    assert response.status_code == 400
    page = html.unescape(response.content.decode())
    alert = page.split('role="alert"', 1)[1].split("</div>", 1)[0]
    expected = "0 to 10" if field == "score" else "too long"
    assert expected in alert
    answer.refresh_from_db()
    assert answer.answered_at is None


@pytest.mark.parametrize("mangle", ["flip", "unknown", "nonce", "csat-link", "garbage"])
def test_a_tampered_or_unknown_link_gets_a_clear_400_page(client, answer, mangle):
    token = links.make_token(answer.pk, answer.nonce, salt=links.RELATIONSHIP_SALT)
    if mangle == "flip":
        token = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    elif mangle == "unknown":
        token = links.make_token(answer.pk + 1000, answer.nonce, salt=links.RELATIONSHIP_SALT)
    elif mangle == "nonce":
        token = links.make_token(answer.pk, "guess", salt=links.RELATIONSHIP_SALT)
    elif mangle == "csat-link":  # a satisfaction survey's link never opens an NPS answer
        token = links.make_token(answer.pk, answer.nonce)
    else:
        token = "not-a-token"
    path = reverse("voice:relationship", args=[token])

    for response in (client.get(path), client.post(path, {"score": "1"})):
        assert response.status_code == 400
        page = response.content.decode()
        assert "This link is not valid" in page or "lien n’est pas valide" in page
        assert "Finances" not in page
        assert "Traceback" not in page
    answer.refresh_from_db()
    assert answer.answered_at is None


def test_an_expired_link_gets_a_clear_410_page(client, answer):
    path = url(answer)  # signed now

    with time_machine.travel(timezone.now() + timedelta(days=31)):
        response = client.get(path)

    assert response.status_code == 410
    page = response.content.decode()
    assert "This link has expired" in page or "expiré" in page
    assert "Finances" not in page


def test_the_post_needs_the_csrf_token(answer):
    response = Client(enforce_csrf_checks=True).post(url(answer), {"score": "5"})

    assert response.status_code == 403
    answer.refresh_from_db()
    assert answer.answered_at is None
