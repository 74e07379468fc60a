"""The escalation pages and actions through the HTTP client."""

from __future__ import annotations

import pytest
from django.urls import reverse

from allie.accounts.models import Role
from allie.escalations.models import Escalation
from allie.escalations.services import raise_escalation, requester_escalation
from allie.tickets.services import acknowledge, open_ticket
from tests.factories import AgentFactory

ACTIVE = reverse("escalations:active")


def ticket_url(ticket, name="workspace:ticket"):
    return reverse(name, args=[ticket.reference])


def escalate(desk, ticket, level="team_lead"):
    return raise_escalation(ticket, by=desk.person("agathe"), level=level, reason="Aide")


@pytest.mark.parametrize("name", ["lea", "admin"])
def test_leads_and_administrators_see_the_active_escalations(client, english, desk, ticket, name):
    escalate(desk, ticket)
    client.force_login(desk.person(name))

    response = client.get(ACTIVE)

    content = response.content.decode()
    assert response.status_code == 200
    assert ticket.reference in content
    assert "Waiting for Léa Côté to acknowledge." in content


@pytest.mark.parametrize("name", ["alice", "oscar", "agathe"])
def test_requesters_and_plain_agents_get_a_404_on_the_executive_view(client, desk, name):
    client.force_login(desk.person(name))

    assert client.get(ACTIVE).status_code == 404


def test_the_executive_view_needs_a_sign_in(client):
    assert client.get(ACTIVE).status_code == 302


def test_the_executive_view_lists_the_oldest_first_and_hides_closed_ones(client, desk):
    from datetime import timedelta

    from django.utils import timezone

    from allie.escalations.services import close_escalation

    now = timezone.now()
    alice = desk.person("alice")
    new = open_ticket(requester=alice, title="Récent", service=desk.service, now=now)
    old = open_ticket(requester=alice, title="Ancien", service=desk.service, now=now)
    done = open_ticket(requester=alice, title="Fini", service=desk.service, now=now)
    agathe = desk.person("agathe")
    raise_escalation(new, by=agathe, level="team_lead", reason="A", now=now)
    raise_escalation(old, by=agathe, level="team_lead", reason="B", now=now - timedelta(days=2))
    closed = raise_escalation(done, by=agathe, level="team_lead", reason="C", now=now)
    close_escalation(closed, by=desk.person("lea"), outcome="Réglé", now=now)
    client.force_login(desk.person("lea"))

    rows = client.get(ACTIVE).context["rows"]

    assert [row.escalation.ticket.title for row in rows] == ["Ancien", "Récent"]


def test_a_lead_sees_only_escalations_of_tickets_they_may_see(client, desk):
    clinic_person = AgentFactory(email="p@clinic.test", organisation=desk.clinic, roles=[])
    clinic_ticket = open_ticket(requester=clinic_person, title="Clinique")
    raise_escalation(clinic_ticket, by=desk.person("admin"), level="manager", reason="X")
    client.force_login(desk.person("lea"))

    rows = client.get(ACTIVE).context["rows"]

    assert rows == []


@pytest.mark.parametrize("count", [5, 50])
def test_the_executive_view_runs_a_fixed_number_of_queries(
    client, desk, manager, django_assert_num_queries, count
):
    alice = desk.person("alice")
    lea = desk.person("lea")
    for number in range(count):
        ticket = open_ticket(requester=alice, title=f"Demande {number}", service=desk.service)
        raise_escalation(ticket, by=lea, level="manager", reason="Aide")
    client.force_login(manager)

    # session, user, roles, served organisations, escalations, their alerts, my alerts
    with django_assert_num_queries(7):
        response = client.get(ACTIVE)

    assert len(response.context["rows"]) == count
    assert len(response.context["alerts"]) == count


def test_an_agent_escalates_from_the_ticket_page(client, english, desk, ticket):
    acknowledge(ticket, by=desk.person("agathe"))
    client.force_login(desk.person("agathe"))

    page = client.get(ticket_url(ticket)).content.decode()
    response = client.post(
        reverse("escalations:raise", args=[ticket.reference]),
        {"level": "team_lead", "reason": "Client inquiet"},
        follow=True,
    )

    assert 'action="' + reverse("escalations:raise", args=[ticket.reference]) in page
    assert response.redirect_chain[-1][0] == ticket_url(ticket)
    assert Escalation.objects.get().reason == "Client inquiet"
    content = response.content.decode()
    assert "Escalated to team lead" in content
    assert "Léa Côté (not yet acknowledged)" in content


def test_an_escalation_without_a_reason_is_refused_with_a_message(client, desk, ticket):
    client.force_login(desk.person("agathe"))

    response = client.post(
        reverse("escalations:raise", args=[ticket.reference]),
        {"level": "manager", "reason": ""},
        follow=True,
    )

    assert not Escalation.objects.exists()
    assert 'class="message error"' in response.content.decode()


@pytest.mark.parametrize("name", ["chloe", "alice", "oscar"])
def test_outsiders_cannot_escalate_a_ticket(client, desk, ticket, name):
    client.force_login(desk.person(name))

    response = client.post(
        reverse("escalations:raise", args=[ticket.reference]),
        {"level": "manager", "reason": "Vite"},
    )

    assert response.status_code == 404
    assert not Escalation.objects.exists()


def test_escalating_is_post_only(client, desk, ticket):
    client.force_login(desk.person("agathe"))

    assert client.get(reverse("escalations:raise", args=[ticket.reference])).status_code == 405


def test_the_alerted_lead_acknowledges_and_closes_from_the_ticket_page(client, desk, ticket):
    escalation = escalate(desk, ticket)
    client.force_login(desk.person("lea"))
    page = client.get(ticket_url(ticket)).content.decode()

    acknowledged = client.post(
        reverse("escalations:acknowledge", args=[escalation.pk]), {"next": ticket_url(ticket)}
    )
    closed = client.post(
        reverse("escalations:close", args=[escalation.pk]),
        {"outcome": "Pièce commandée", "next": "https://evil.test/"},
    )

    assert reverse("escalations:acknowledge", args=[escalation.pk]) in page
    assert acknowledged.url == ticket_url(ticket)
    assert closed.url == ACTIVE  # a foreign "next" is ignored
    escalation.refresh_from_db()
    assert escalation.state == Escalation.State.CLOSED
    assert escalation.acknowledged_by == desk.lea


def test_someone_not_alerted_cannot_acknowledge_or_close(client, desk, ticket):
    escalation = escalate(desk, ticket)
    page_for_bruno = None
    client.force_login(desk.person("bruno"))
    page_for_bruno = client.get(ticket_url(ticket)).content.decode()

    ack = client.post(reverse("escalations:acknowledge", args=[escalation.pk]))
    close = client.post(reverse("escalations:close", args=[escalation.pk]), {"outcome": "X"})
    client.force_login(desk.person("oscar"))
    hidden = client.post(reverse("escalations:acknowledge", args=[escalation.pk]))

    assert reverse("escalations:acknowledge", args=[escalation.pk]) not in page_for_bruno
    assert ack.status_code == 404
    assert close.status_code == 404
    assert hidden.status_code == 404
    escalation.refresh_from_db()
    assert escalation.state == Escalation.State.OPEN


def test_the_requester_asks_for_an_escalation_from_the_portal(client, english, desk, ticket):
    client.force_login(desk.person("alice"))
    url = reverse("escalations:ask", args=[ticket.reference])

    page = client.get(ticket_url(ticket, "portal:ticket")).content.decode()
    response = client.post(url, {"reason": "La paie est bloquée"}, follow=True)

    assert 'action="' + url in page
    content = response.content.decode()
    assert "we alerted the level “team lead”" in content
    assert 'action="' + url not in content  # asked: the button hides until the cooldown ends
    assert "You can ask again after" in content
    assert Escalation.objects.get().trigger == "requester"


def test_asking_again_too_soon_is_refused_with_a_clear_message(client, english, desk, ticket):
    alice = desk.person("alice")
    requester_escalation(ticket, by=alice, reason="Vite")
    client.force_login(alice)

    response = client.post(
        reverse("escalations:ask", args=[ticket.reference]), {"reason": "Encore"}, follow=True
    )

    assert "already asked for an escalation recently" in response.content.decode()
    assert Escalation.objects.count() == 1


@pytest.mark.parametrize("name", ["bob", "oscar", "agathe"])
def test_only_the_requester_side_may_ask_from_the_portal(client, desk, ticket, name):
    client.force_login(desk.person(name))

    response = client.post(reverse("escalations:ask", args=[ticket.reference]), {"reason": "Vite"})

    assert response.status_code == 404
    assert not Escalation.objects.exists()


def test_the_nav_shows_escalations_to_leads_only(client, desk):
    client.force_login(desk.person("lea"))
    lead_page = client.get(reverse("workspace:queue")).content.decode()
    client.force_login(desk.person("agathe"))
    agent_page = client.get(reverse("workspace:queue")).content.decode()

    assert f'href="{ACTIVE}"' in lead_page
    assert f'href="{ACTIVE}"' not in agent_page


def test_an_executive_sees_the_view(client, desk):
    executive = AgentFactory(email="exec@desk.test", roles=[Role.EXECUTIVE])
    client.force_login(executive)

    assert client.get(ACTIVE).status_code == 200


def test_the_client_sponsor_sees_and_acknowledges_the_alert_but_not_the_desk_list(
    client, english, desk, sponsor, ticket
):
    escalation = raise_escalation(
        ticket, by=desk.person("agathe"), level="executive_sponsor", reason="Paie bloquée"
    )
    other = raise_escalation(
        ticket, by=desk.person("agathe"), level="team_lead", reason="Pour info"
    )
    client.force_login(sponsor)

    page = client.get(ACTIVE)
    assert page.status_code == 200
    assert [alert.escalation for alert in page.context["alerts"]] == [escalation]
    assert page.context["rows"] == []
    assert "Paie bloquée" in page.content.decode()
    assert reverse("workspace:ticket", args=[ticket.reference]) not in page.content.decode()

    client.post(reverse("escalations:acknowledge", args=[escalation.pk]), {"next": ACTIVE})
    escalation.refresh_from_db()
    assert escalation.acknowledged_by == sponsor
    response = client.post(reverse("escalations:acknowledge", args=[other.pk]))
    assert response.status_code == 404  # not alerted, and not a ticket they may see


def test_a_requester_with_no_alert_does_not_reach_the_escalations_page(client, desk, ticket):
    client.force_login(desk.person("alice"))

    assert client.get(ACTIVE).status_code == 404
