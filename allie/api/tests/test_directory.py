from __future__ import annotations

import pytest

from allie.accounts.models import ApiToken
from allie.api.authentication import issue_token
from tests.factories import FormFieldFactory, ServiceFactory, UserFactory


def ids(response):
    return {row["id"] for row in response.json()["results"]}


# --- Services -----------------------------------------------------------------------------------


def test_the_catalogue_lists_active_services_with_both_languages_and_their_form(api, desk):
    FormFieldFactory(
        service=desk.service,
        key="model",
        label_fr="Modèle",
        label_en="Model",
        field_type="choice",
        choices="x1 | Lenovo X1 | Lenovo X1 laptop\nmac | Mac",
    )
    ServiceFactory(code="retired", is_active=False, owner_team=desk.support)

    response = api.as_(desk.person("alice")).get("/api/v1/services/")

    assert response.status_code == 200
    (service,) = response.json()["results"]
    assert service["code"] == "laptop"
    assert (service["name_fr"], service["name_en"]) == ("Portable", "Laptop")
    assert service["description_en"] == "Service description."
    (field,) = service["form_fields"]
    assert (field["label_fr"], field["label_en"]) == ("Modèle", "Model")
    assert field["choices"] == [
        {"value": "x1", "label_fr": "Lenovo X1", "label_en": "Lenovo X1 laptop"},
        {"value": "mac", "label_fr": "Mac", "label_en": "Mac"},
    ]


def test_a_service_is_read_by_code_and_a_retired_one_is_a_404(api, desk):
    ServiceFactory(code="retired", is_active=False, owner_team=desk.support)
    client = api.as_(desk.person("alice"))

    assert client.get("/api/v1/services/laptop/").json()["code"] == "laptop"
    assert client.get("/api/v1/services/retired/").status_code == 404


@pytest.mark.parametrize("rows", [5, 50])
def test_the_catalogue_costs_the_same_queries_for_5_and_50_services(
    api, desk, rows, django_assert_num_queries
):
    for _number in range(rows - 1):
        FormFieldFactory(service=ServiceFactory(owner_team=desk.support))
    client = api.as_(desk.person("alice"))

    # session, user, services with their team, form fields
    with django_assert_num_queries(4):
        response = client.get("/api/v1/services/")

    assert len(response.json()["results"]) == rows


# --- Organisations ------------------------------------------------------------------------------


def test_an_agent_sees_the_organisations_his_teams_serve(api, desk):
    response = api.as_(desk.person("chloe")).get("/api/v1/organisations/")

    assert ids(response) == {desk.clinic.pk}


def test_an_administrator_sees_every_organisation(api, desk):
    response = api.as_(desk.person("admin")).get("/api/v1/organisations/")

    assert ids(response) == {desk.finances.pk, desk.clinic.pk, desk.other.pk}


def test_a_requester_sees_only_his_own_organisation(api, desk):
    client = api.as_(desk.person("oscar"))

    assert ids(client.get("/api/v1/organisations/")) == {desk.other.pk}
    assert client.get(f"/api/v1/organisations/{desk.other.pk}/").json()["name"] == "Autre"
    assert client.get(f"/api/v1/organisations/{desk.finances.pk}/").status_code == 404


# --- People -------------------------------------------------------------------------------------


def test_an_agent_sees_the_people_he_serves_and_the_agents(api, desk):
    response = api.as_(desk.person("chloe")).get("/api/v1/people/")

    seen = ids(response)
    assert {desk.agathe.pk, desk.bruno.pk, desk.chloe.pk, desk.lea.pk, desk.admin.pk} <= seen
    assert desk.alice.pk not in seen
    assert desk.oscar.pk not in seen


def test_a_requester_sees_only_himself(api, desk):
    client = api.as_(desk.person("alice"))

    assert ids(client.get("/api/v1/people/")) == {desk.alice.pk}
    assert client.get(f"/api/v1/people/{desk.bob.pk}/").status_code == 404


def test_people_never_show_passwords_or_tokens(api, desk):
    _token, raw = issue_token(desk.person("alice"), name="script")
    digest = ApiToken.objects.get().digest

    response = api.as_(desk.person("agathe")).get(f"/api/v1/people/{desk.alice.pk}/")

    assert response.status_code == 200
    text = response.content.decode()
    assert "password" not in text
    assert desk.person("alice").password not in text
    assert raw not in text
    assert digest not in text
    assert response.json()["organisation"] == desk.finances.pk


@pytest.mark.parametrize("rows", [5, 50])
def test_the_people_list_costs_the_same_queries_for_5_and_50_people(
    api, desk, rows, django_assert_num_queries
):
    UserFactory.create_batch(rows, organisation=desk.finances)
    client = api.as_(desk.person("agathe"))

    # session, user, roles, served organisations, people, role grants
    with django_assert_num_queries(6):
        response = client.get("/api/v1/people/")

    assert response.status_code == 200
    assert response.json()["results"][0]["roles"] is not None
