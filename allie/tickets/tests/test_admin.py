from __future__ import annotations

import pytest
from django.urls import reverse

from allie.accounts.models import ApiToken, Role, User
from allie.api.authentication import issue_token
from allie.tickets.admin import PriorityCellForm
from allie.tickets.models import PriorityCell, TimelineEvent
from allie.tickets.services import acknowledge, open_ticket, reply

CHANGELISTS = [
    "accounts_organisation",
    "accounts_user",
    "accounts_team",
    "accounts_apitoken",
    "catalog_service",
    "tickets_desksettings",
    "tickets_prioritycell",
    "tickets_ticket",
]


@pytest.fixture
def ticket(desk):
    ticket = open_ticket(requester=desk.person("alice"), title="VPN coupé", service=desk.service)
    acknowledge(ticket, by=desk.person("agathe"))
    reply(ticket, by=desk.person("agathe"), body="Note interne visible ici", public=False)
    return ticket


@pytest.mark.parametrize("name", CHANGELISTS)
def test_every_changelist_renders_for_the_administrator(client, desk, ticket, name):
    issue_token(desk.person("agathe"), name="script")
    client.force_login(desk.person("admin"))

    response = client.get(reverse(f"admin:{name}_changelist"), follow=True)

    assert response.status_code == 200


def test_a_requester_cannot_reach_the_admin(client, desk):
    client.force_login(desk.person("alice"))

    response = client.get(reverse("admin:tickets_ticket_changelist"))

    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_staff_without_the_administrator_role_sees_no_model(client, desk):
    User.objects.filter(pk=desk.bruno.pk).update(is_staff=True)
    client.force_login(desk.person("bruno"))

    response = client.get(reverse("admin:tickets_ticket_changelist"))

    assert response.status_code == 403


def test_a_ticket_cannot_be_added_in_the_admin(client, desk):
    client.force_login(desk.person("admin"))

    response = client.get(reverse("admin:tickets_ticket_add"))

    assert response.status_code == 403


def test_the_ticket_page_is_read_only_and_shows_the_timeline(client, desk, ticket):
    client.force_login(desk.person("admin"))
    url = reverse("admin:tickets_ticket_change", args=[ticket.pk])

    page = client.get(url)
    posted = client.post(url, {"title": "Changé", "status": "closed"})

    assert page.status_code == 200
    assert "Note interne visible ici" in page.text
    assert 'name="title"' not in page.text
    assert posted.status_code == 403
    ticket.refresh_from_db()
    assert ticket.title == "VPN coupé"
    assert ticket.events.count() == TimelineEvent.objects.filter(ticket=ticket).count() == 4


def test_a_ticket_cannot_be_deleted_in_the_admin(client, desk, ticket):
    client.force_login(desk.person("admin"))

    response = client.post(
        reverse("admin:tickets_ticket_delete", args=[ticket.pk]), {"post": "yes"}
    )

    assert response.status_code == 403
    assert ticket.__class__.objects.filter(pk=ticket.pk).exists()


@pytest.mark.parametrize("impact", ["high", "medium", "low"])
@pytest.mark.parametrize("urgency", ["high", "medium", "low"])
@pytest.mark.parametrize("priority", ["p1", "p2", "p3", "p4"])
def test_the_priority_cell_form_accepts_every_valid_cell(db, impact, urgency, priority):
    form = PriorityCellForm(data={"impact": impact, "urgency": urgency, "priority": priority})

    assert form.is_valid(), form.errors


def test_the_priority_cell_form_rejects_an_unknown_priority(db):
    form = PriorityCellForm(data={"impact": "high", "urgency": "low", "priority": "p9"})

    assert not form.is_valid()


def test_an_administrator_overrides_a_priority_cell_through_the_admin(client, desk):
    client.force_login(desk.person("admin"))

    response = client.post(
        reverse("admin:tickets_prioritycell_add"),
        {"impact": "low", "urgency": "low", "priority": "p3"},
    )

    assert response.status_code == 302
    assert PriorityCell.objects.get(impact="low", urgency="low").priority == "p3"


def test_the_desk_settings_cannot_be_deleted(client, desk):
    client.force_login(desk.person("admin"))
    client.get(reverse("admin:tickets_desksettings_changelist"))

    response = client.post(reverse("admin:tickets_desksettings_delete", args=[1]), {"post": "yes"})

    assert response.status_code == 403


def test_the_revoke_action_revokes_the_selected_tokens(client, desk):
    token, _raw = issue_token(desk.person("agathe"), name="script")
    kept, _other = issue_token(desk.person("bruno"), name="other")
    client.force_login(desk.person("admin"))

    response = client.post(
        reverse("admin:accounts_apitoken_changelist"),
        {"action": "revoke_tokens", "_selected_action": [token.pk]},
    )

    assert response.status_code == 302
    token.refresh_from_db()
    kept.refresh_from_db()
    assert token.revoked_at is not None
    assert kept.revoked_at is None


def test_api_tokens_cannot_be_added_in_the_admin(client, desk):
    client.force_login(desk.person("admin"))

    response = client.get(reverse("admin:accounts_apitoken_add"))

    assert response.status_code == 403
    assert ApiToken.objects.count() == 0


def test_an_administrator_adds_a_person_who_signs_in_with_their_email(client, desk):
    client.force_login(desk.person("admin"))

    response = client.post(
        reverse("admin:accounts_user_add"),
        {
            "email": "nouvelle@finances.test",
            "full_name": "Nouvelle Personne",
            "language": "fr-ca",
            "organisation": desk.finances.pk,
            "usable_password": "true",
            "password1": "Tr3s-long-mot-de-passe",
            "password2": "Tr3s-long-mot-de-passe",
        },
    )

    assert response.status_code == 302
    person = User.objects.get(email="nouvelle@finances.test")
    assert person.username == "nouvelle@finances.test"
    assert person.check_password("Tr3s-long-mot-de-passe")


def test_the_person_page_grants_roles_and_changes_the_password(client, desk):
    client.force_login(desk.person("admin"))
    bob = desk.person("bob")

    page = client.get(reverse("admin:accounts_user_change", args=[bob.pk]))
    password = client.post(
        reverse("admin:auth_user_password_change", args=[bob.pk]),
        {
            "password1": "Un-autre-mot-2026",
            "password2": "Un-autre-mot-2026",
            "usable_password": "true",
        },
    )

    assert page.status_code == 200
    assert "role_grants-TOTAL_FORMS" in page.text
    assert password.status_code == 302
    assert User.objects.get(pk=bob.pk).check_password("Un-autre-mot-2026")


def test_the_people_list_filters_by_role(client, desk):
    client.force_login(desk.person("admin"))

    response = client.get(reverse("admin:accounts_user_changelist"), {"role": Role.TEAM_LEAD})

    assert response.status_code == 200
    assert "lea@desk.test" in response.text
    assert "agathe@desk.test" not in response.text


def test_the_service_page_shows_its_form_fields(client, desk):
    from tests.factories import FormFieldFactory

    FormFieldFactory(service=desk.service, key="numero_inventaire", label_fr="Numéro d'inventaire")
    client.force_login(desk.person("admin"))

    response = client.get(reverse("admin:catalog_service_change", args=[desk.service.pk]))

    assert response.status_code == 200
    assert "numero_inventaire" in response.text


def test_a_choice_form_field_needs_choices(db):
    from allie.catalog.admin import FormFieldForm

    form = FormFieldForm(
        data={"key": "type", "field_type": "choice", "label_fr": "Type", "label_en": "Type"}
    )

    assert not form.is_valid()
    assert "choices" in form.errors
