from __future__ import annotations

from allie.accounts.models import ApiToken
from allie.api.authentication import issue_token


def test_the_tokens_page_needs_a_signed_in_person(client, db):
    response = client.get("/api/tokens/")

    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_creating_a_token_shows_the_secret_once(client, desk):
    client.force_login(desk.person("alice"))

    created = client.post("/api/tokens/", {"name": "Rapport hebdo"})
    later = client.get("/api/tokens/")

    assert created.status_code == 200
    raw = created.context["raw_token"]
    assert raw.startswith("allie_")
    assert raw in created.content.decode()
    assert created["Cache-Control"] == "no-store"
    assert raw not in later.content.decode()
    assert "Rapport hebdo" in later.content.decode()
    token = ApiToken.objects.get()
    assert token.user == desk.alice
    assert (
        client.get("/api/v1/tickets/", headers={"Authorization": f"Bearer {raw}"}).status_code
        == 200
    )


def test_a_token_needs_a_name(client, desk):
    client.force_login(desk.person("alice"))

    response = client.post("/api/tokens/", {"name": ""})

    assert response.status_code == 200
    assert response.context["raw_token"] is None
    assert response.context["form"].errors["name"]
    assert not ApiToken.objects.exists()


def test_the_page_lists_only_my_tokens(client, desk):
    issue_token(desk.person("alice"), name="Le mien")
    issue_token(desk.person("bob"), name="Celui de Bob")
    client.force_login(desk.person("alice"))

    response = client.get("/api/tokens/")

    text = response.content.decode()
    assert "Le mien" in text
    assert "Celui de Bob" not in text


def test_revoking_a_token_stops_it_at_once(client, desk):
    token, raw = issue_token(desk.person("alice"), name="script")
    client.force_login(desk.person("alice"))

    response = client.post(f"/api/tokens/{token.pk}/revoke/")

    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    client.logout()
    assert (
        client.get("/api/v1/tickets/", headers={"Authorization": f"Bearer {raw}"}).status_code
        == 401
    )


def test_someone_elses_token_cannot_be_revoked(client, desk):
    token, _raw = issue_token(desk.person("bob"), name="script")
    client.force_login(desk.person("alice"))

    response = client.post(f"/api/tokens/{token.pk}/revoke/")

    assert response.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_revoking_needs_a_post(client, desk):
    token, _raw = issue_token(desk.person("alice"), name="script")
    client.force_login(desk.person("alice"))

    response = client.get(f"/api/tokens/{token.pk}/revoke/")

    assert response.status_code == 405
    token.refresh_from_db()
    assert token.revoked_at is None
