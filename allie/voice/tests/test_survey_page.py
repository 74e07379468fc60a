"""The survey page, through the HTTP client: no sign-in, title only, answers, refused links."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from allie.core.reference_cache import clear_reference_cache
from allie.mail.models import OutboundMessage
from allie.tickets.services import acknowledge, open_ticket, transition
from allie.voice.links import make_token
from allie.voice.models import Survey, SurveySettings
from allie.voice.services.surveys import send_survey_for

PAGE = re.compile(r"https?://[^/\s]+(/voice/survey/[^/\s]+/)(\?csat=\d)?")


@pytest.fixture
def survey(desk):
    ticket = open_ticket(
        requester=desk.person("alice"),
        title="Imprimante bloquée",
        description="Le code du coffre est 4321",
        service=desk.service,
    )
    other = open_ticket(requester=desk.person("alice"), title="Autre demande", service=desk.service)
    assert other.pk
    made = send_survey_for(ticket, now=timezone.now())
    assert made is not None
    return made


def url(survey: Survey, query: str = "") -> str:
    return reverse("voice:survey", args=[make_token(survey.pk, survey.nonce)]) + query


def test_the_page_shows_the_title_only_and_preselects_the_score_without_recording(client, survey):
    response = client.get(url(survey, "?csat=4"))

    assert response.status_code == 200
    page = html.unescape(response.content.decode())
    assert "Imprimante bloquée" in page
    assert "4321" not in page  # not the description
    assert "Autre demande" not in page  # not another ticket
    assert survey.ticket.reference not in page
    assert 'name="csat" value="4" required checked' in page
    assert "csrfmiddlewaretoken" in page
    survey.refresh_from_db()
    assert survey.csat is None
    assert survey.answered_at is None


def test_the_page_asks_a_fixed_number_of_queries(client, survey, django_assert_num_queries):
    clear_reference_cache()  # the settings read cold (then cached in-process for a minute)
    with django_assert_num_queries(2):  # the settings, the survey with its ticket
        response = client.get(url(survey))
    assert response.status_code == 200


def test_an_answer_is_recorded_then_changed_within_the_window(client, survey):
    response = client.post(url(survey), {"csat": "5", "ces": "4", "comment": "Merci"})

    assert response.status_code == 302
    assert response["Location"].endswith("?thanks=1")
    survey.refresh_from_db()
    assert (survey.csat, survey.ces, survey.comment, survey.low) == (5, 4, "Merci", False)
    first = survey.first_answered_at
    assert first is not None
    thanks = client.get(response["Location"])
    assert "Thank you" in thanks.content.decode() or "Merci" in thanks.content.decode()

    with time_machine.travel(first + timedelta(hours=71)):
        response = client.post(url(survey), {"csat": "2", "ces": ""})

    assert response.status_code == 302
    survey.refresh_from_db()
    assert (survey.csat, survey.ces, survey.comment, survey.low) == (2, None, "", True)
    assert survey.first_answered_at == first
    assert survey.answered_at > first


def test_after_the_window_a_change_is_refused_with_a_clear_page(client, survey):
    client.post(url(survey), {"csat": "5"})
    survey.refresh_from_db()

    with time_machine.travel(survey.first_answered_at + timedelta(hours=73)):
        response = client.post(url(survey), {"csat": "1"})
        shown = client.get(url(survey))

    assert response.status_code == 409
    assert b"can no longer be changed" in response.content or b"ne peut plus" in response.content
    assert shown.status_code == 200
    assert b'name="csat"' not in shown.content
    survey.refresh_from_db()
    assert survey.csat == 5


@pytest.mark.parametrize(
    ("data", "field", "words"),
    [
        ({}, "csat", "satisf"),
        ({"csat": "6"}, "csat", "satisf"),
        ({"csat": "0"}, "csat", "satisf"),
        ({"csat": "abc"}, "csat", "satisf"),
        ({"csat": "9" * 5000}, "csat", "satisf"),  # past int()'s digit limit
        ({"csat": "1e999999"}, "csat", "satisf"),
        ({"csat": "3", "ces": "9"}, "ces", "ease"),
        ({"csat": "3", "ces": "9" * 5000}, "ces", "ease"),
        ({"csat": "3", "comment": "x" * 2001}, "comment", "comment"),
    ],
)
def test_a_missing_or_out_of_range_answer_is_refused_naming_the_field(
    client, survey, data, field, words
):
    settings = SurveySettings.current()
    assert settings.answer_window_hours == 72

    with_english = Client(HTTP_ACCEPT_LANGUAGE="en")
    survey.language = "en"
    survey.save(update_fields=["language"])
    response = with_english.post(url(survey), data)

    assert response.status_code == 400
    page = html.unescape(response.content.decode()).lower()
    assert 'role="alert"' in page
    assert words in page.split('role="alert"', 1)[1].split("</div>", 1)[0]
    survey.refresh_from_db()
    assert survey.answered_at is None


@pytest.mark.parametrize("csat", ["9" * 5000, "1e999999", "0" * 5000 + "4"])
def test_a_huge_preselected_score_in_the_link_selects_nothing(client, survey, csat):
    response = client.get(url(survey, f"?csat={csat}"))

    assert response.status_code == 200
    assert "checked" not in response.content.decode()


@pytest.mark.parametrize("mangle", ["flip", "unknown", "garbage"])
def test_a_tampered_or_unknown_link_gets_a_clear_400_page(client, survey, mangle):
    token = make_token(survey.pk, survey.nonce)
    if mangle == "flip":
        token = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    elif mangle == "unknown":
        token = make_token(survey.pk + 1000, survey.nonce)
    else:
        token = "not-a-token"

    response = client.get(reverse("voice:survey", args=[token]))
    posted = client.post(reverse("voice:survey", args=[token]), {"csat": "1"})

    for answer in (response, posted):
        assert answer.status_code == 400
        page = answer.content.decode()
        assert "This link is not valid" in page or "lien n’est pas valide" in page
        assert "Traceback" not in page
        assert "Imprimante" not in page
    survey.refresh_from_db()
    assert survey.answered_at is None


def test_a_link_to_the_right_survey_with_another_nonce_is_refused(client, survey):
    response = client.get(reverse("voice:survey", args=[make_token(survey.pk, "guess")]))
    assert response.status_code == 400


def test_an_expired_link_gets_a_clear_410_page(client, survey):
    token = make_token(survey.pk, survey.nonce)

    with time_machine.travel(timezone.now() + timedelta(days=31)):
        response = client.get(reverse("voice:survey", args=[token]))

    assert response.status_code == 410
    page = response.content.decode()
    assert "This link has expired" in page or "expiré" in page
    assert "Traceback" not in page
    assert "Imprimante" not in page


def test_resolve_then_answer_through_the_emailed_link_with_a_low_score(client, desk):
    alice, agathe = desk.person("alice"), desk.person("agathe")
    ticket = open_ticket(requester=alice, title="Courriel en panne", service=desk.service)
    acknowledge(ticket, by=agathe)
    transition(ticket, by=agathe, command="resolve")

    message = OutboundMessage.objects.get(kind="survey", recipient=alice)
    one_click = [m for m in PAGE.finditer(message.text_body) if m.group(2) == "?csat=1"]
    path = one_click[0].group(1) + one_click[0].group(2)

    page = client.get(path)
    assert page.status_code == 200
    assert 'name="csat" value="1" required checked' in page.content.decode()
    response = client.post(path, {"csat": "1", "comment": "Trop lent, aucune nouvelle"})

    assert response.status_code == 302
    survey = Survey.objects.get(ticket=ticket)
    assert survey.csat == 1
    assert survey.low is True


def test_a_good_score_with_a_negative_comment_is_low(client, survey):
    client.post(url(survey), {"csat": "4", "comment": "Service inacceptable"})

    survey.refresh_from_db()
    assert survey.low is True


def test_the_post_needs_the_csrf_token(survey):
    strict = Client(enforce_csrf_checks=True)

    response = strict.post(url(survey), {"csat": "5"})

    assert response.status_code == 403
    survey.refresh_from_db()
    assert survey.answered_at is None
