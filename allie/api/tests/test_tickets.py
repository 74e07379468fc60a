from __future__ import annotations

import pytest

from allie.sla.calendars import clear_calendar_cache
from allie.tickets.models import Channel, Handoff, Status, Ticket, TimelineEvent
from allie.tickets.services import acknowledge, reply
from tests.factories import FormFieldFactory

TICKETS = "/api/v1/tickets/"


def references(response):
    return {row["reference"] for row in response.json()["results"]}


# --- List: scoping and filters ------------------------------------------------------------------


def test_a_requester_lists_only_his_own_tickets(api, desk, open_for):
    mine = open_for("oscar")
    open_for("alice")

    response = api.as_(desk.person("oscar")).get(TICKETS)

    assert response.status_code == 200
    assert references(response) == {mine.reference}


def test_an_agent_does_not_list_the_tickets_of_an_organisation_he_does_not_serve(
    api, desk, open_for
):
    open_for("alice")
    clinic_person = desk.person("chloe")

    response = api.as_(clinic_person).get(TICKETS)

    assert response.status_code == 200
    assert response.json()["results"] == []


def test_filters_narrow_the_list(api, desk, open_for):
    urgent = open_for("alice", impact="high", urgency="high", service=desk.service)
    open_for("bob", impact="low", urgency="low")
    acknowledge(urgent, by=desk.person("agathe"))

    agent = api.as_(desk.person("agathe"))

    assert references(agent.get(TICKETS, {"priority": "p1"})) == {urgent.reference}
    assert references(agent.get(TICKETS, {"status": "acknowledged"})) == {urgent.reference}
    assert references(agent.get(TICKETS, {"service": "laptop"})) == {urgent.reference}
    assert references(agent.get(TICKETS, {"owner": desk.agathe.pk})) == {urgent.reference}
    assert references(agent.get(TICKETS, {"requester": desk.bob.pk})) != {urgent.reference}
    assert references(agent.get(TICKETS, {"team": desk.support.pk})) == {urgent.reference}
    assert len(references(agent.get(TICKETS, {"organisation": desk.finances.pk}))) == 2
    assert references(agent.get(TICKETS, {"organisation": desk.clinic.pk})) == set()
    assert references(agent.get(TICKETS, {"created_before": "2000-01-01T00:00:00Z"})) == set()
    assert len(references(agent.get(TICKETS, {"created_after": "2000-01-01T00:00:00Z"}))) == 2


@pytest.mark.parametrize(
    "query",
    [
        {"status": "lost"},
        {"owner": "agathe"},
        {"created_after": "yesterday"},
        {"kind": "x"},
        {"organisation": "9" * 30},  # beyond any key: it overflowed into a 500
        {"team": "1.5"},
        {"requester": "-1"},
    ],
)
def test_an_invalid_filter_value_is_a_400_with_the_field(api, desk, query):
    response = api.as_(desk.person("agathe")).get(TICKETS, query)

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert set(body["fields"]) == set(query)


@pytest.mark.parametrize("rows", [5, 50])
def test_the_list_costs_the_same_queries_for_5_and_50_tickets(
    api, desk, open_for, rows, django_assert_num_queries
):
    for number in range(rows):
        ticket = open_for("alice" if number % 2 else "bob", service=desk.service)
        if number % 3 == 0:
            acknowledge(ticket, by=desk.person("agathe"))
    agent = api.as_(desk.person("agathe"))

    clear_calendar_cache()  # measure the cold cache: the worst case
    # session, user, roles, served organisations, tickets with their SLA summaries; the
    # business calendar and its exceptions for the countdowns (then cached for a minute)
    with django_assert_num_queries(7):
        response = agent.get(TICKETS)

    results = response.json()["results"]
    assert len(results) == rows
    assert all(row["sla"]["first_response"]["state"] for row in results)


# --- Create -------------------------------------------------------------------------------------


def test_a_requester_opens_a_ticket_for_himself(api, desk):
    FormFieldFactory(service=desk.service, key="model", field_type="text", required=True)
    payload = {
        "title": "Portable lent",
        "description": "Il démarre en dix minutes.",
        "service": "laptop",
        "impact": "low",
        "urgency": "high",
        "form_answers": {"model": "X1"},
    }

    response = api.as_(desk.person("alice")).post(TICKETS, payload, format="json")

    assert response.status_code == 201, response.json()
    body = response.json()
    ticket = Ticket.objects.get(reference=body["reference"])
    assert ticket.requester == desk.alice
    assert ticket.channel == Channel.API
    assert ticket.form_answers == {"model": "X1"}
    assert body["service"] == "laptop"
    assert body["status"] == "new"
    assert "cancel" in body["actions"]
    assert body["pending_handoff"] is None
    opened = ticket.events.get(kind=TimelineEvent.Kind.OPENED)
    assert opened.actor == desk.alice
    assert opened.data["on_behalf_of"] is None


def test_a_requester_cannot_open_for_someone_else(api, desk):
    payload = {"title": "Pour Bob", "requester": desk.bob.pk}

    response = api.as_(desk.person("alice")).post(TICKETS, payload, format="json")

    assert response.status_code == 400
    assert "requester" in response.json()["fields"]
    assert Ticket.objects.count() == 0


def test_an_agent_opens_a_ticket_on_behalf_of_a_requester_he_serves(api, desk):
    payload = {"title": "Imprimante", "requester": desk.alice.pk}

    response = api.as_(desk.person("agathe")).post(TICKETS, payload, format="json")

    assert response.status_code == 201, response.json()
    ticket = Ticket.objects.get(reference=response.json()["reference"])
    assert ticket.requester == desk.alice
    assert ticket.organisation == desk.finances
    opened = ticket.events.get(kind=TimelineEvent.Kind.OPENED)
    assert opened.actor == desk.agathe
    assert opened.data["on_behalf_of"] == desk.alice.pk


def test_an_agent_cannot_open_for_an_organisation_he_does_not_serve(api, desk):
    payload = {"title": "Imprimante", "requester": desk.alice.pk}

    response = api.as_(desk.person("chloe")).post(TICKETS, payload, format="json")

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert "requester" in body["fields"]
    assert Ticket.objects.count() == 0


def test_an_agent_cannot_open_for_another_agent_of_an_unserved_organisation(api, desk):
    outsider_agent = desk.person("chloe")
    outsider_agent.organisation = desk.other
    outsider_agent.save()

    response = api.as_(desk.person("agathe")).post(
        TICKETS, {"title": "Test", "requester": outsider_agent.pk}, format="json"
    )

    assert response.status_code == 400
    assert "requester" in response.json()["fields"]


def test_bad_input_is_a_400_with_errors_by_field(api, desk):
    FormFieldFactory(service=desk.service, key="model", required=True)
    payload = {"title": "", "impact": "enormous", "service": "laptop", "form_answers": {"x": 1}}

    response = api.as_(desk.person("alice")).post(TICKETS, payload, format="json")

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert body["message"]
    assert {"title", "impact"} <= set(body["fields"])
    assert Ticket.objects.count() == 0


def test_form_answers_are_checked_against_the_service_form(api, desk):
    FormFieldFactory(service=desk.service, key="model", required=True)
    payload = {"title": "Portable", "service": "laptop", "form_answers": {"colour": "red"}}

    response = api.as_(desk.person("alice")).post(TICKETS, payload, format="json")

    assert response.status_code == 400
    assert set(response.json()["fields"]["form_answers"]) == {"model", "colour"}


def test_a_service_refusal_is_a_json_error(api, desk):
    desk.service.is_active = False
    desk.service.save()

    response = api.as_(desk.person("alice")).post(
        TICKETS, {"title": "Portable", "service": "laptop"}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["code"] == "service_retired"
    assert "service" in response.json()["fields"]


def test_an_anonymous_caller_gets_a_401_json(api):
    response = api.get(TICKETS)

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


# --- Read ---------------------------------------------------------------------------------------


def test_reading_another_organisations_ticket_is_a_404_json(api, desk, open_for):
    ticket = open_for("alice")

    response = api.as_(desk.person("oscar")).get(f"{TICKETS}{ticket.reference}/")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_an_agent_reads_a_served_ticket_with_his_actions(api, desk, open_for):
    ticket = open_for("alice")

    response = api.as_(desk.person("agathe")).get(f"{TICKETS}{ticket.reference}/")

    assert response.status_code == 200
    body = response.json()
    assert body["reference"] == ticket.reference
    assert body["requester"] == {"id": desk.alice.pk, "full_name": "Alice Bouchard"}
    assert "acknowledge" in body["actions"]


def test_the_timeline_hides_internal_notes_from_the_requester(api, desk, open_for):
    ticket = open_for("alice")
    reply(ticket, by=desk.person("agathe"), body="Note interne secrète", public=False)
    reply(ticket, by=desk.person("agathe"), body="Nous regardons.", public=True)
    url = f"{TICKETS}{ticket.reference}/timeline/"

    requester_view = api.as_(desk.person("alice")).get(url).json()["results"]
    agent_view = api.as_(desk.person("agathe")).get(url).json()["results"]

    assert [event["kind"] for event in requester_view] == ["opened", "public_reply"]
    assert "Note interne secrète" not in str(requester_view)
    assert [event["kind"] for event in agent_view] == ["opened", "internal_note", "public_reply"]


def test_the_timeline_of_another_organisations_ticket_is_a_404(api, desk, open_for):
    ticket = open_for("alice")

    response = api.as_(desk.person("chloe")).get(f"{TICKETS}{ticket.reference}/timeline/")

    assert response.status_code == 404


@pytest.mark.parametrize("replies", [5, 50])
def test_the_timeline_costs_the_same_queries_for_5_and_50_events(
    api, desk, open_for, replies, django_assert_num_queries
):
    ticket = open_for("alice")
    agent = desk.person("agathe")
    for number in range(replies):
        reply(ticket, by=agent if number % 2 else desk.alice, body=f"Message {number}")
    client = api.as_(desk.person("agathe"))

    # session, user, roles, ticket, served organisations, events, attachments
    with django_assert_num_queries(7):
        response = client.get(f"{TICKETS}{ticket.reference}/timeline/")

    assert len(response.json()["results"]) == replies + 1


# --- Replies, transitions, handoffs -------------------------------------------------------------


def test_a_requester_replies_and_an_agent_writes_a_note(api, desk, open_for):
    ticket = open_for("alice")
    url = f"{TICKETS}{ticket.reference}/replies/"

    public = api.as_(desk.person("alice")).post(url, {"body": "Toujours en panne"}, format="json")
    note = api.as_(desk.person("agathe")).post(
        url, {"body": "Voir le fournisseur", "public": False}, format="json"
    )

    assert public.status_code == 201
    assert public.json()["kind"] == "public_reply"
    assert public.json()["public"] is True
    assert note.status_code == 201
    assert note.json()["kind"] == "internal_note"


def test_a_requester_cannot_write_an_internal_note(api, desk, open_for):
    ticket = open_for("alice")

    response = api.as_(desk.person("alice")).post(
        f"{TICKETS}{ticket.reference}/replies/", {"body": "psst", "public": False}, format="json"
    )

    assert response.status_code == 403
    assert response.json()["code"] == "agent_required"


def test_an_empty_reply_is_a_400(api, desk, open_for):
    ticket = open_for("alice")

    response = api.as_(desk.person("alice")).post(
        f"{TICKETS}{ticket.reference}/replies/", {"body": "  "}, format="json"
    )

    assert response.status_code == 400
    assert "body" in response.json()["fields"]


def test_an_agent_moves_a_ticket_through_its_lifecycle(api, desk, open_for):
    ticket = open_for("alice")
    agent = api.as_(desk.person("agathe"))
    url = f"{TICKETS}{ticket.reference}/transitions/"

    acknowledged = agent.post(url, {"command": "acknowledge"}, format="json")
    started = agent.post(url, {"command": "start"}, format="json")
    resolved = agent.post(url, {"command": "resolve", "reason": "Pilote installé"}, format="json")

    assert acknowledged.status_code == 200, acknowledged.json()
    assert acknowledged.json()["owner"]["id"] == desk.agathe.pk
    assert started.json()["status"] == "in_progress"
    assert resolved.json()["status"] == "resolved"
    ticket.refresh_from_db()
    assert ticket.status == Status.RESOLVED


def test_an_illegal_transition_is_a_409(api, desk, open_for):
    ticket = open_for("alice")
    agent = api.as_(desk.person("agathe"))

    response = agent.post(
        f"{TICKETS}{ticket.reference}/transitions/", {"command": "resume"}, format="json"
    )

    assert response.status_code == 409
    assert response.json()["code"] in {"illegal_transition", "command_not_applicable"}
    ticket.refresh_from_db()
    assert ticket.status == Status.NEW


def test_an_unknown_command_is_a_400(api, desk, open_for):
    ticket = open_for("alice")

    response = api.as_(desk.person("agathe")).post(
        f"{TICKETS}{ticket.reference}/transitions/", {"command": "explode"}, format="json"
    )

    assert response.status_code == 400
    assert "command" in response.json()["fields"]


def test_a_requester_cannot_acknowledge(api, desk, open_for):
    ticket = open_for("alice")

    response = api.as_(desk.person("alice")).post(
        f"{TICKETS}{ticket.reference}/transitions/", {"command": "acknowledge"}, format="json"
    )

    assert response.status_code == 403
    assert response.json()["code"] == "agent_required"


def test_a_handoff_is_proposed_then_accepted(api, desk, open_for):
    ticket = open_for("alice")
    acknowledge(ticket, by=desk.person("agathe"))
    url = f"{TICKETS}{ticket.reference}/handoff/"

    proposed = api.as_(desk.person("agathe")).post(
        url,
        {"action": "propose", "to_person": desk.bruno.pk, "reason": "Il connaît ce modèle"},
        format="json",
    )
    accepted = api.as_(desk.person("bruno")).post(url, {"action": "accept"}, format="json")

    assert proposed.status_code == 200, proposed.json()
    assert proposed.json()["pending_handoff"]["to_person"]["id"] == desk.bruno.pk
    assert proposed.json()["owner"]["id"] == desk.agathe.pk
    assert accepted.status_code == 200, accepted.json()
    assert accepted.json()["owner"]["id"] == desk.bruno.pk
    assert accepted.json()["pending_handoff"] is None
    assert accepted.json()["handoff_count"] == 1


def test_a_handoff_is_declined_with_a_reason_or_withdrawn(api, desk, open_for):
    ticket = open_for("alice")
    acknowledge(ticket, by=desk.person("agathe"))
    url = f"{TICKETS}{ticket.reference}/handoff/"
    agathe = desk.person("agathe")
    proposal = {"action": "propose", "to_person": desk.bruno.pk, "reason": "Congé"}
    api.as_(agathe).post(url, proposal, format="json")

    no_reason = api.as_(desk.person("bruno")).post(url, {"action": "decline"}, format="json")
    declined = api.as_(desk.person("bruno")).post(
        url, {"action": "decline", "reason": "Je suis en congé aussi"}, format="json"
    )
    api.as_(agathe).post(url, proposal, format="json")
    withdrawn = api.as_(agathe).post(url, {"action": "withdraw"}, format="json")

    assert no_reason.status_code == 400
    assert declined.status_code == 200
    assert declined.json()["owner"]["id"] == desk.agathe.pk
    assert withdrawn.status_code == 200
    states = set(Handoff.objects.filter(ticket=ticket).values_list("state", flat=True))
    assert states == {Handoff.State.DECLINED, Handoff.State.WITHDRAWN}


def test_a_handoff_to_an_agent_who_does_not_serve_the_organisation_is_refused(api, desk, open_for):
    ticket = open_for("alice")
    acknowledge(ticket, by=desk.person("agathe"))

    response = api.as_(desk.person("agathe")).post(
        f"{TICKETS}{ticket.reference}/handoff/",
        {"action": "propose", "to_person": desk.chloe.pk, "reason": "Essai"},
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["code"] == "handoff_target_unknown"
    assert not Handoff.objects.exists()


def test_accepting_without_a_pending_handoff_is_a_409(api, desk, open_for):
    ticket = open_for("alice")
    acknowledge(ticket, by=desk.person("agathe"))

    response = api.as_(desk.person("bruno")).post(
        f"{TICKETS}{ticket.reference}/handoff/", {"action": "accept"}, format="json"
    )

    assert response.status_code in (403, 409)
    assert response.json()["code"]


def test_agents_read_the_sla_clocks_in_the_list_and_the_ticket_requesters_do_not(
    api, desk, open_for
):
    ticket = open_for("alice", service=desk.service)
    agent = api.as_(desk.person("agathe"))
    listed = agent.get(TICKETS).json()["results"][0]["sla"]
    detail = agent.get(f"{TICKETS}{ticket.reference}/").json()["sla"]

    assert listed["first_response"]["state"] == "running"
    assert listed["first_response"]["target_seconds"] > 0
    assert detail["resolution"]["state"] == "running"
    requester = api.as_(desk.person("alice"))
    assert requester.get(TICKETS).json()["results"][0]["sla"] is None
    assert requester.get(f"{TICKETS}{ticket.reference}/").json()["sla"] is None
