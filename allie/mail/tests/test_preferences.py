"""The email preferences page through the HTTP client."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from allie.mail.models import NotificationPreference

PAGE = reverse("mail:preferences")


@pytest.fixture
def english(client, settings):
    """Speak English to the client (the language switch's cookie)."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def off_for(person):
    return set(
        NotificationPreference.objects.filter(person=person, enabled=False).values_list(
            "notice", flat=True
        )
    )


def test_the_page_needs_a_sign_in(client):
    response = client.get(PAGE)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert client.post(PAGE, {"notice": []}).status_code == 302


def test_a_requester_sees_only_the_notices_about_her_requests(english, desk):
    english.force_login(desk.person("alice"))

    response = english.get(PAGE)

    content = response.content.decode()
    assert response.status_code == 200
    assert "Someone took charge of your request" in content  # optional: a checkbox
    assert re.search(
        r'<input type="checkbox" name="notice" value="acknowledged"[^>]* checked', content
    )
    assert "An agent replied to you" in content  # essential: listed as always sent
    assert 'value="agent_reply"' not in content
    assert "A request you own missed its target" not in content
    assert "About your work as an agent" not in content


def test_an_agent_sees_the_notices_about_their_work(english, desk):
    english.force_login(desk.person("agathe"))

    content = english.get(PAGE).content.decode()

    assert "About your work as an agent" in content
    assert 'value="sla_warning"' in content
    assert 'value="handoff_answered"' in content
    assert "A request you own missed its target" in content
    assert "About your requests" not in content  # agathe requests nothing: no organisation


def test_unchecking_a_notice_turns_it_off_and_checking_it_turns_it_back_on(client, desk):
    alice = desk.person("alice")
    client.force_login(alice)

    response = client.post(PAGE, {"notice": ["owner_changed", "closed"]})

    assert response.status_code == 302
    assert response["Location"] == PAGE
    assert off_for(alice) == {"acknowledged"}
    page = client.get(PAGE)
    assert page.context["form"]["notice"].initial == ["owner_changed", "closed"]

    client.post(PAGE, {"notice": ["acknowledged", "owner_changed", "closed"]})

    assert off_for(alice) == set()


def test_an_essential_or_unknown_notice_cannot_be_posted(client, desk):
    alice = desk.person("alice")
    client.force_login(alice)

    for code in ("resolved", "sla_warning", "nonsense"):
        response = client.post(PAGE, {"notice": [code]})

        assert response.status_code == 200
        assert response.context["form"].errors
    assert off_for(alice) == set()


def test_a_post_without_the_csrf_token_is_refused(desk):
    client = Client(enforce_csrf_checks=True)
    client.force_login(desk.person("alice"))

    response = client.post(PAGE, {"notice": []})

    assert response.status_code == 403
    assert off_for(desk.person("alice")) == set()


@pytest.mark.parametrize("kept", [[], ["handoff_answered"]])
def test_the_page_runs_a_fixed_number_of_queries(client, desk, kept, django_assert_num_queries):
    client.force_login(desk.person("lea"))
    client.post(PAGE, {"notice": kept})

    # session, user, roles (navigation), the person's preferences
    with django_assert_num_queries(4):
        response = client.get(PAGE)

    assert response.status_code == 200
