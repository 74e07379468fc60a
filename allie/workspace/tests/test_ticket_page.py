from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from allie.core.reference_cache import clear_reference_cache
from allie.sla.calendars import clear_calendar_cache
from allie.tickets.models import Handoff, Status, Ticket, TimelineEvent
from allie.tickets.services import acknowledge, open_ticket, propose_handoff, reply
from tests.factories import AgentFactory

HTMX = {"HX-Request": "true"}


def url(name, ticket):
    return reverse(f"workspace:{name}", args=[ticket.reference])


def fresh(ticket):
    return Ticket.objects.get(pk=ticket.pk)


def test_the_ticket_page_shows_the_facts_timeline_and_internal_notes_marked(client, desk, open_for):
    ticket = open_for(description="Rien ne s'affiche", form_answers={"asset": "PC-42"})
    agathe = desk.person("agathe")
    acknowledge(ticket, by=agathe)
    reply(ticket, by=agathe, body="Note <b>secrète</b>", public=False)
    client.force_login(agathe)

    response = client.get(url("ticket", ticket))

    content = response.content.decode()
    assert response.status_code == 200
    assert ticket.title in content
    assert "alice@finances.test" in content
    assert "Finances" in content
    assert "Note &lt;b&gt;secrète&lt;/b&gt;" in content
    assert 'class="internal_note internal"' in content
    assert "PC-42" in content
    assert 'value="start"' in content
    assert 'value="cancel"' not in content


def test_a_requester_gets_not_found_on_a_ticket_page(client, desk, open_for):
    ticket = open_for()
    client.force_login(desk.person("alice"))

    response = client.get(url("ticket", ticket))

    assert response.status_code == 404


def test_an_agent_who_sees_a_ticket_but_may_not_work_on_it_gets_not_found(client, desk):
    # Chloé's colleague files her own request in an organisation nobody serves: she sees it
    # as its requester, but she is not its agent.
    colleague = AgentFactory(organisation=desk.other)
    desk.clients.members.add(colleague)
    ticket = open_ticket(requester=colleague, title="Mon écran")
    client.force_login(colleague)

    response = client.get(url("ticket", ticket))
    posted = client.post(url("transition", ticket), {"command": "acknowledge"})

    assert response.status_code == 404
    assert posted.status_code == 404
    assert fresh(ticket).status == Status.NEW


def test_an_agent_of_another_team_gets_not_found(client, desk, open_for):
    ticket = open_for()
    client.force_login(desk.person("chloe"))

    assert client.get(url("ticket", ticket)).status_code == 404
    assert client.post(url("reply", ticket), {"body": "Bonjour"}).status_code == 404


def test_the_whole_journey_through_http_posts(client, desk, open_for):
    ticket = open_for()
    agathe, bruno = desk.person("agathe"), desk.person("bruno")

    client.force_login(agathe)
    response = client.post(url("transition", ticket), {"command": "acknowledge"})
    assert response.status_code == 302
    assert fresh(ticket).owner == desk.agathe

    response = client.post(
        url("handoff", ticket),
        {"action": "propose", "to_person": bruno.pk, "reason": "Bruno connaît ce modèle"},
    )
    assert response.status_code == 302
    assert fresh(ticket).owner == desk.agathe  # accountable until Bruno accepts

    client.force_login(bruno)
    page = client.get(url("ticket", ticket)).content.decode()
    assert "Bruno connaît ce modèle" in page
    assert 'value="accept"' in page
    response = client.post(url("handoff", ticket), {"action": "accept"})
    assert response.status_code == 302
    assert fresh(ticket).owner == desk.bruno
    assert fresh(ticket).handoff_count == 1

    client.post(url("reply", ticket), {"body": "Je m'en occupe."})
    client.post(url("reply", ticket), {"body": "Pièce commandée", "internal": "on"})
    response = client.post(url("transition", ticket), {"command": "resolve"}, follow=True)

    ticket = fresh(ticket)
    assert response.status_code == 200
    assert ticket.status == Status.RESOLVED
    assert ticket.agent_reply_count == 1
    assert ticket.first_response_at is not None
    assert list(ticket.events.values_list("kind", "is_public"))[-3:-1] == [
        (TimelineEvent.Kind.PUBLIC_REPLY, True),
        (TimelineEvent.Kind.INTERNAL_NOTE, False),
    ]
    assert Handoff.objects.get(ticket=ticket).state == Handoff.State.ACCEPTED
    assert "Pièce commandée" in response.content.decode()


def test_a_reply_can_carry_several_files(client, desk, open_for):
    ticket = open_for()
    client.force_login(desk.person("agathe"))

    client.post(
        url("reply", ticket),
        {
            "body": "Voici les journaux",
            "files": [
                SimpleUploadedFile("a.txt", b"premier", content_type="text/plain"),
                SimpleUploadedFile("b.log", b"second", content_type="text/plain"),
            ],
        },
    )
    page = client.get(url("ticket", ticket)).content.decode()

    names = sorted(ticket.attachments.values_list("original_name", flat=True))
    assert names == ["a.txt", "b.log"]
    for attachment in ticket.attachments.all():
        assert reverse("tickets:attachment", args=[attachment.pk]) in page


def test_a_forbidden_file_is_refused_with_its_message(client, desk, open_for):
    ticket = open_for()
    client.force_login(desk.person("agathe"))

    response = client.post(
        url("reply", ticket),
        {"body": "Tiens", "files": [SimpleUploadedFile("virus.exe", b"MZ")]},
        headers=HTMX,
    )

    assert response.status_code == 400
    assert "exe" in response.content.decode()
    assert ticket.events.count() == 1


def test_declining_without_an_alternative_shows_an_error_and_changes_nothing(
    client, desk, open_for
):
    ticket = open_for()
    client.force_login(desk.person("agathe"))

    response = client.post(
        url("transition", ticket), {"command": "decline", "reason": "Hors catalogue"}, follow=True
    )

    shown = [str(message) for message in response.context["messages"]]
    assert response.status_code == 200
    assert len(shown) == 1
    assert shown[0] in response.content.decode()
    assert fresh(ticket).status == Status.NEW
    assert ticket.events.count() == 1


def test_declining_through_htmx_answers_400_with_the_field_error(client, desk, open_for):
    ticket = open_for()
    client.force_login(desk.person("agathe"))

    response = client.post(
        url("transition", ticket),
        {"command": "decline", "reason": "Hors catalogue", "alternative": ""},
        headers=HTMX,
    )

    content = response.content.decode()
    assert response.status_code == 400
    assert "<html" not in content
    assert 'class="errorlist"' in content
    assert "Hors catalogue" in content  # what was typed is kept
    assert fresh(ticket).status == Status.NEW


def test_declining_with_reason_and_alternative_declines(client, desk, open_for):
    ticket = open_for()
    client.force_login(desk.person("agathe"))

    client.post(
        url("transition", ticket),
        {"command": "decline", "reason": "Hors catalogue", "alternative": "Voyez la paie"},
    )

    ticket = fresh(ticket)
    assert ticket.status == Status.DECLINED
    assert ticket.decline_alternative == "Voyez la paie"


def test_an_action_that_is_not_available_answers_409_through_htmx(client, desk, open_for):
    ticket = open_for()
    client.force_login(desk.person("agathe"))

    response = client.post(url("transition", ticket), {"command": "resolve"}, headers=HTMX)

    assert response.status_code == 409
    assert 'role="alert"' in response.content.decode()
    assert fresh(ticket).status == Status.NEW


def test_agents_never_get_a_cancel_action(client, desk, open_for):
    ticket = open_for()
    client.force_login(desk.person("agathe"))

    response = client.post(url("transition", ticket), {"command": "cancel"})

    assert fresh(ticket).status == Status.NEW
    assert response.status_code == 302


def test_a_handoff_proposal_without_reason_is_refused(client, desk, open_for):
    ticket = open_for()
    agathe = desk.person("agathe")
    acknowledge(ticket, by=agathe)
    client.force_login(agathe)

    response = client.post(
        url("handoff", ticket),
        {"action": "propose", "to_team": desk.support.pk, "reason": ""},
        headers=HTMX,
    )

    assert response.status_code == 400
    assert not Handoff.objects.exists()


def test_the_handoff_select_offers_agents_of_serving_teams_except_the_owner(client, desk, open_for):
    ticket = open_for()
    agathe = desk.person("agathe")
    acknowledge(ticket, by=agathe)
    client.force_login(agathe)

    response = client.get(url("ticket", ticket))

    people = list(response.context["handoff_form"].fields["to_person"].queryset)
    teams = list(response.context["handoff_form"].fields["to_team"].queryset)
    assert desk.bruno in people
    assert desk.agathe not in people
    assert desk.chloe not in people
    assert teams == [desk.support]


def test_a_declined_handoff_keeps_the_owner_and_a_withdrawn_one_goes_away(client, desk, open_for):
    ticket = open_for()
    agathe, bruno = desk.person("agathe"), desk.person("bruno")
    acknowledge(ticket, by=agathe)
    propose_handoff(ticket, by=agathe, to_person=bruno, reason="Congé")
    client.force_login(bruno)

    client.post(url("handoff", ticket), {"action": "decline", "reason": "Je suis aussi absent"})
    client.force_login(agathe)
    client.post(
        url("handoff", ticket), {"action": "propose", "to_team": desk.support.pk, "reason": "x"}
    )
    client.post(url("handoff", ticket), {"action": "withdraw"})

    assert fresh(ticket).owner == desk.agathe
    states = sorted(Handoff.objects.values_list("state", flat=True))
    assert states == [Handoff.State.DECLINED, Handoff.State.WITHDRAWN]


def test_editing_fields_changes_priority_and_next_step(client, desk, open_for):
    ticket = open_for()
    client.force_login(desk.person("agathe"))

    client.post(
        url("edit", ticket),
        {
            "impact": "high",
            "urgency": "high",
            "service": desk.service.pk,
            "next_step": "Nous remplaçons l'écran demain",
        },
    )

    ticket = fresh(ticket)
    assert ticket.priority == "p1"
    assert ticket.next_step == "Nous remplaçons l'écran demain"


def test_htmx_requests_get_the_ticket_body_partial(client, desk, open_for):
    ticket = open_for()
    client.force_login(desk.person("agathe"))

    page = client.get(url("ticket", ticket), headers=HTMX)
    posted = client.post(url("transition", ticket), {"command": "acknowledge"}, headers=HTMX)

    for response in (page, posted):
        content = response.content.decode()
        assert response.status_code == 200
        assert "<html" not in content
        assert 'id="ticket-body"' in content
    assert fresh(ticket).status == Status.ACKNOWLEDGED
    assert "Take charge" not in posted.content.decode()


@pytest.mark.parametrize("events", [5, 50])
def test_the_ticket_page_runs_a_fixed_number_of_queries(
    client, desk, open_for, django_assert_num_queries, events
):
    ticket = open_for()
    agathe, bruno = desk.person("agathe"), desk.person("bruno")
    acknowledge(ticket, by=agathe)
    propose_handoff(ticket, by=agathe, to_person=bruno, reason="Relève")
    for number in range(events):
        reply(
            ticket,
            by=agathe,
            body=f"Message {number}",
            public=number % 2 == 0,
            files=[],
        )
    client.force_login(agathe)

    clear_calendar_cache()  # measure the cold caches: the worst case
    clear_reference_cache()
    with django_assert_num_queries(TICKET_PAGE_QUERIES + SLA_CARD_QUERIES):
        response = client.get(url("ticket", ticket))

    assert len(response.context["events"]) == events + 4


# session, user, roles, served organisations, ticket, events, the ticket's attachments (the
# events' files among them), pending handoff (passed on to the available actions), team ids,
# desk settings (cold cache), the teams serving the organisation (for both the handoff and
# the "escalate" forms), active services for the edit form; the escalation panel: the
# ticket's escalations; the commitments panel: the ticket's open commitments and the client's
# contacts of the "record" form; the emails the timeline's events were made from (links to
# the original messages); the mail held for review; the people copied on the ticket; the
# requester's recent satisfaction answers. The people the timeline names are on the page
# already here (an agent taking the ticket); anyone else costs one more query (see
# test_ticket_page_rendering.py).
TICKET_PAGE_QUERIES = 19
# The SLA card: the ticket's SLA with its calendar and policy, and (cold cache, see conftest)
# the business calendars with their exceptions.
SLA_CARD_QUERIES = 3
