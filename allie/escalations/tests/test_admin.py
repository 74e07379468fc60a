"""Ladders in the admin: there is one default ladder, never two."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from allie.escalations.models import EscalationLadder

pytestmark = pytest.mark.django_db

ADD = "/admin/escalations/escalationladder/add/"


def ladder_form(**fields):
    return {
        "organisation": "",
        "reopen_threshold": "2",
        "requester_cooldown_hours": "24",
        "vip_behaviour": "at_opening",
        "steps-TOTAL_FORMS": "0",
        "steps-INITIAL_FORMS": "0",
        "steps-MIN_NUM_FORMS": "0",
        "steps-MAX_NUM_FORMS": "1000",
        **fields,
    }


def test_a_second_default_ladder_is_refused_with_a_clear_message(client, english, desk):
    assert EscalationLadder.objects.filter(organisation__isnull=True).count() == 1
    client.force_login(desk.person("admin"))

    response = client.post(ADD, ladder_form())

    assert response.status_code == 200
    assert "There is already a default ladder." in response.content.decode()
    assert EscalationLadder.objects.filter(organisation__isnull=True).count() == 1


def test_an_organisation_may_have_its_own_ladder_beside_the_default(client, english, desk):
    client.force_login(desk.person("admin"))

    response = client.post(ADD, ladder_form(organisation=str(desk.finances.pk)))

    assert response.status_code == 302
    assert EscalationLadder.objects.filter(organisation=desk.finances).exists()


def test_the_database_itself_refuses_a_second_default_ladder(desk):
    with pytest.raises(IntegrityError), transaction.atomic():
        EscalationLadder.objects.create(organisation=None)


def test_the_desk_administrator_reads_escalations_but_never_edits_them(client, desk, ticket):
    from allie.escalations.services import raise_escalation

    escalation = raise_escalation(
        ticket, by=desk.person("agathe"), level="team_lead", reason="Client inquiet"
    )
    client.force_login(desk.person("admin"))

    page = client.get(f"/admin/escalations/escalation/{escalation.pk}/change/")
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    assert client.get("/admin/escalations/escalation/add/").status_code == 403
    client.force_login(desk.person("agathe"))  # an agent is not staff
    assert client.get("/admin/escalations/escalationladder/").status_code == 302
