"""Error answers: the site's own pages for people, JSON for API clients."""

from __future__ import annotations

import pytest
from django.test import RequestFactory
from django.utils import translation

from allie.core import errors
from tests.factories import UserFactory


@pytest.mark.django_db
def test_an_unknown_page_answers_the_sites_404_page(client):
    client.force_login(UserFactory(language="en"))
    response = client.get("/nowhere/at/all/")
    assert response.status_code == 404
    body = response.content.decode()
    assert "Page not found" in body
    assert 'class="topbar"' in body  # the site's frame, not Django's bare page


@pytest.mark.django_db
def test_the_404_page_speaks_french(client):
    response = client.get("/nowhere/", HTTP_ACCEPT_LANGUAGE="fr-CA")
    assert response.status_code == 404
    assert "Page introuvable" in response.content.decode()


@pytest.mark.django_db
def test_an_unknown_api_path_answers_json(client):
    response = client.get("/api/v1/no-such-thing/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == "not_found"


@pytest.mark.parametrize(
    ("handler", "status", "code"),
    [
        (lambda r: errors.bad_request(r, Exception()), 400, "bad_request"),
        (lambda r: errors.permission_denied(r, Exception()), 403, "permission_denied"),
        (errors.server_error, 500, "server_error"),
    ],
)
def test_api_errors_outside_the_views_are_json(handler, status, code):
    response = handler(RequestFactory().get("/api/v1/tickets/"))
    assert response.status_code == status
    assert response["Content-Type"] == "application/json"
    assert b'"code": "%s"' % code.encode() in response.content


def test_the_500_page_needs_no_request_context():
    with translation.override("fr-ca"):
        response = errors.server_error(RequestFactory().get("/desk/"))
    assert response.status_code == 500
    body = response.content.decode()
    assert "Un problème est survenu" in body
    assert '<a href="/">' in body
