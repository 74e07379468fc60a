from __future__ import annotations

from rest_framework.test import APIClient

from allie.accounts.models import ApiToken
from allie.api.authentication import digest_of, issue_token, revoke_token

TICKETS = "/api/v1/tickets/"


def bearer(raw):
    return {"Authorization": f"Bearer {raw}"}


def test_a_personal_token_authenticates_and_stores_only_a_digest(client, desk):
    token, raw = issue_token(desk.person("alice"), name="script")

    response = client.get(TICKETS, headers=bearer(raw))

    assert response.status_code == 200
    stored = ApiToken.objects.get(pk=token.pk)
    assert stored.digest == digest_of(raw)
    assert raw not in (stored.digest, stored.prefix)
    assert stored.last_used_at is not None


def test_a_token_post_needs_no_csrf_token(desk):
    _token, raw = issue_token(desk.person("alice"), name="script")
    client = APIClient(enforce_csrf_checks=True)

    response = client.post(TICKETS, {"title": "Par script"}, format="json", headers=bearer(raw))

    assert response.status_code == 201


def test_a_revoked_token_is_a_401_json(client, desk):
    token, raw = issue_token(desk.person("alice"), name="script")
    revoke_token(token)

    response = client.get(TICKETS, headers=bearer(raw))

    assert response.status_code == 401
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["code"] == "authentication_failed"


def test_a_wrong_token_is_a_401(client, desk):
    issue_token(desk.person("alice"), name="script")

    response = client.get(TICKETS, headers=bearer("allie_not-the-right-one"))

    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"


def test_a_token_of_a_deactivated_person_is_a_401(client, desk):
    alice = desk.person("alice")
    _token, raw = issue_token(alice, name="script")
    alice.is_active = False
    alice.save()

    response = client.get(TICKETS, headers=bearer(raw))

    assert response.status_code == 401


def test_the_session_authenticates_too(client, desk):
    client.force_login(desk.person("alice"))

    response = client.get(TICKETS)

    assert response.status_code == 200


def test_a_session_post_without_csrf_token_is_refused(desk):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(desk.person("alice"))

    response = client.post(TICKETS, {"title": "Sans jeton"}, format="json")

    assert response.status_code == 403
    assert "CSRF" in response.json()["message"]


def test_a_session_post_with_the_csrf_token_is_accepted(desk):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(desk.person("alice"))
    client.get("/api/tokens/")
    csrf = client.cookies["csrftoken"].value

    response = client.post(
        TICKETS, {"title": "Avec jeton"}, format="json", headers={"X-CSRFToken": csrf}
    )

    assert response.status_code == 201
