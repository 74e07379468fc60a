"""Every route against every role: who gets in, who is sent to sign in, who gets a 404.

A route that is added without a line here makes `test_every_route_is_in_the_matrix` fail.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.urls import URLResolver, get_resolver, path, reverse
from django.utils import timezone

from allie.accounts.models import Role
from allie.api.authentication import issue_token
from allie.escalations.services import raise_escalation
from allie.mail.services.intake import receive_message
from allie.mail.tests.test_intake_support import make_mailbox, raw
from allie.tickets.models import TicketCopy
from allie.tickets.services import UploadedFile, acknowledge, copy_people, open_ticket
from allie.voice.links import make_token
from allie.voice.services.surveys import send_survey_for
from tests.factories import UserFactory

# lea leads Support (which serves Finances); mona is a manager and eric an executive, on no team.
ROLES = (
    "anonymous",
    "alice",
    "bob",
    "carole",
    "oscar",
    "agathe",
    "chloe",
    "lea",
    "mona",
    "eric",
    "admin",
)
ALLOWED, SIGN_IN, NOT_FOUND = "A", "L", "N"


@dataclass(frozen=True)
class Route:
    name: str
    method: str
    expected: str  # one letter per role in ROLES
    kwargs: Callable[[Any], dict[str, Any]] = lambda world: {}


def ticket_ref(world: Any) -> dict[str, Any]:
    return {"reference": world.ticket.reference}


def escalation(world: Any) -> dict[str, Any]:
    return {"pk": world.escalation.pk}


EVERYONE = "A A A A A A A A A A A"
SIGNED_IN = "L A A A A A A A A A A"
TICKET_SCOPE = (
    "L A N A N A N A N N A"  # the requester, their organisation's contact, serving agents
)
AGENTS_ONLY = "L N N N N A A A A A A"
WORKING_AGENTS = "L N N N N A N A N N A"
LEADERS = "L N N N N N N A A A A"  # team leads, managers, executives, administrators

MATRIX = [
    Route("home", "get", SIGNED_IN),
    Route("health", "get", EVERYONE),
    Route("login", "get", EVERYONE),
    Route("logout", "post", "L L L L L L L L L L L"),  # always back to the sign-in page
    Route("set_language", "post", EVERYONE),
    Route("portal:home", "get", SIGNED_IN),
    Route("portal:catalogue", "get", SIGNED_IN),
    Route("portal:new_triage", "get", SIGNED_IN),
    Route("portal:new", "get", SIGNED_IN, lambda w: {"code": w.desk.service.code}),
    Route("portal:ticket", "get", TICKET_SCOPE, ticket_ref),
    Route("portal:reply", "post", TICKET_SCOPE, ticket_ref),
    Route("portal:cancel", "post", TICKET_SCOPE, ticket_ref),
    Route("portal:reopen", "post", TICKET_SCOPE, ticket_ref),
    Route("workspace:queue", "get", AGENTS_ONLY),
    Route("workspace:queue_named", "get", AGENTS_ONLY, lambda w: {"name": "all"}),
    Route("workspace:ticket", "get", WORKING_AGENTS, ticket_ref),
    Route("workspace:reply", "post", WORKING_AGENTS, ticket_ref),
    Route("workspace:transition", "post", WORKING_AGENTS, ticket_ref),
    Route("workspace:handoff", "post", WORKING_AGENTS, ticket_ref),
    Route("workspace:edit", "post", WORKING_AGENTS, ticket_ref),
    Route(
        "workspace:held_mail",
        "post",
        WORKING_AGENTS,
        lambda w: {"reference": w.ticket.reference, "pk": w.inbound.pk},
    ),
    Route(
        "workspace:remove_copy",
        "post",
        WORKING_AGENTS,  # bob, the person copied, included: he may not remove anyone
        lambda w: {"reference": w.ticket.reference, "person_pk": w.desk.bob.pk},
    ),
    Route("workspace:log_contact", "get", AGENTS_ONLY),
    Route("tickets:attachment", "get", TICKET_SCOPE, lambda w: {"pk": w.attachment.pk}),
    Route("api:tickets", "get", SIGNED_IN),
    Route("api:ticket", "get", TICKET_SCOPE, ticket_ref),
    Route("api:ticket_timeline", "get", TICKET_SCOPE, ticket_ref),
    Route("api:ticket_replies", "post", TICKET_SCOPE, ticket_ref),
    Route("api:ticket_transitions", "post", TICKET_SCOPE, ticket_ref),
    Route("api:ticket_handoff", "post", TICKET_SCOPE, ticket_ref),
    Route("api:services", "get", SIGNED_IN),
    Route("api:service", "get", SIGNED_IN, lambda w: {"code": w.desk.service.code}),
    Route("api:organisations", "get", SIGNED_IN),
    Route("api:organisation", "get", "L A A A N A N A N N A", lambda w: {"pk": w.desk.finances.pk}),
    Route("api:people", "get", SIGNED_IN),
    Route("api:person", "get", "L A N N N A N A N N A", lambda w: {"pk": w.desk.alice.pk}),
    Route("api:schema", "get", EVERYONE),
    Route("api:docs", "get", EVERYONE),
    Route("api:tokens", "get", SIGNED_IN),
    Route("api:token_revoke", "post", "L A N N N N N N N N N", lambda w: {"pk": w.token.pk}),
    Route("escalations:active", "get", LEADERS),
    Route("escalations:raise", "post", WORKING_AGENTS, ticket_ref),
    Route("escalations:ask", "post", "L A N A N N N N N N N", ticket_ref),
    Route(
        "escalations:acknowledge",
        "post",
        "L N N N N N N A N N N",
        lambda w: {"pk": w.escalation.pk},
    ),
    Route("escalations:close", "post", "L N N N N N N A N N A", lambda w: {"pk": w.escalation.pk}),
    Route("sla:compliance", "get", LEADERS),
    Route("voice:commitments", "get", LEADERS),
    Route("voice:commitment_add", "post", WORKING_AGENTS, ticket_ref),
    Route("voice:commitment_settle", "post", WORKING_AGENTS, ticket_ref),
    Route("voice:follow_ups", "get", LEADERS),
    Route("voice:follow_up_close", "post", LEADERS),
    Route("voice:survey", "get", EVERYONE, lambda w: {"token": w.survey_token}),
    Route("voice:relationship", "get", EVERYONE, lambda w: {"token": relationship_token(w)}),
    Route("voice:themes", "get", LEADERS),
    Route("voice:team", "get", LEADERS),
    Route("voice:outcomes", "get", LEADERS),
    Route("api:figures_outcomes", "get", LEADERS),
    Route("mail:preferences", "get", SIGNED_IN),
    Route("mail:original", "get", TICKET_SCOPE, lambda w: {"pk": w.inbound.pk}),
    Route("search:desk", "get", AGENTS_ONLY),
    Route("search:portal", "get", SIGNED_IN),
    Route("api:search", "get", SIGNED_IN),
]


@dataclass
class World:
    desk: Any
    ticket: Any
    attachment: Any
    token: Any
    escalation: Any
    inbound: Any
    survey_token: str = ""
    leaders: dict[str, Any] = field(default_factory=dict)

    def person(self, role: str) -> Any:
        return self.leaders[role] if role in self.leaders else self.desk.person(role)


@pytest.fixture
def world(desk) -> World:
    data = b"contenu"
    ticket = open_ticket(
        requester=desk.person("alice"),
        title="Imprimante bloquée",
        service=desk.service,
        files=[UploadedFile("note.txt", "text/plain", len(data), io.BytesIO(data))],
    )
    acknowledge(ticket, by=desk.person("agathe"))
    # bob is copied on alice's ticket: he sees no more of it (the portal and API rows say 404).
    copy_people(ticket, [desk.bob], by=desk.alice, source=TicketCopy.Source.MAIL)
    token, _raw = issue_token(desk.person("alice"), name="matrix")
    escalation = raise_escalation(
        ticket, by=desk.person("agathe"), level="team_lead", reason="Client bloqué"
    )  # alerts lea, the team's lead
    inbound = receive_message(raw("intake_new_request_fr.eml"), mailbox=make_mailbox(desk))
    assert inbound.ticket is not None
    assert inbound.ticket.requester == desk.person("alice")
    survey = send_survey_for(inbound.ticket, now=timezone.now())
    assert survey is not None
    return World(
        desk=desk,
        ticket=ticket,
        attachment=ticket.attachments.get(),
        token=token,
        escalation=escalation,
        inbound=inbound.message,
        survey_token=make_token(survey.pk, survey.nonce),
        leaders={
            "mona": UserFactory(email="mona@desk.test", roles=[Role.MANAGER]),
            "eric": UserFactory(email="eric@desk.test", roles=[Role.EXECUTIVE]),
        },
    )


def relationship_token(world: Any) -> str:
    """The link of carole's answer to Finances' relationship survey (she is its contact)."""
    from allie.voice.models import RelationshipAnswer
    from allie.voice.services.relationship import send_due_rounds

    send_due_rounds()
    answer = RelationshipAnswer.objects.get(person=world.desk.carole)
    return make_token(answer.pk, answer.nonce, salt="allie.voice.relationship-link")


def outcome(response: Any, name: str) -> str:
    """Classify a response as allowed, sent to sign in, or not found."""
    status = response.status_code
    if status == 404:
        return NOT_FOUND
    if name.startswith("api:") and status in (401, 403):
        return (
            SIGN_IN if "authentication" in str(response.content).lower() or status == 401 else "403"
        )
    if status in (301, 302) and "/login/" in response.get("Location", ""):
        return SIGN_IN
    if status == 403:
        return "403"  # a hint that the object exists: never expected
    if status >= 500:
        return f"{status}"
    return ALLOWED


CASES = [(route, index) for route in MATRIX for index in range(len(ROLES))]


@pytest.mark.parametrize(
    ("route", "role_index"),
    CASES,
    ids=[f"{route.name}-{ROLES[index]}" for route, index in CASES],
)
def test_route_answers_each_role_as_the_matrix_says(client, world, route, role_index):
    role = ROLES[role_index]
    expected = route.expected.split()[role_index]
    if role != "anonymous":
        client.force_login(world.person(role))
    url = reverse(route.name, kwargs=route.kwargs(world))

    response = getattr(client, route.method)(url)

    assert outcome(response, route.name) == expected, (route.name, role, response.status_code)


def named_routes(patterns: Any, namespace: str = "", path: str = "") -> list[str]:
    """Every route's name; a route without one is listed by its path, so it cannot be missed."""
    names = []
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = pattern.namespace or ""
            prefix = f"{namespace}:{inner}" if namespace and inner else (inner or namespace)
            names += named_routes(pattern.url_patterns, prefix, path + str(pattern.pattern))
        elif not pattern.name:
            names.append(f"unnamed route {path}{pattern.pattern}")
        else:
            names.append(f"{namespace}:{pattern.name}" if namespace else pattern.name)
    return names


def test_every_route_is_in_the_matrix():
    routes = set(named_routes(get_resolver().url_patterns))
    # The admin (its own named routes and its unnamed redirects) is checked below.
    routes = {name for name in routes if not name.startswith(("admin:", "unnamed route admin/"))}

    assert routes == {route.name for route in MATRIX}


def test_a_route_without_a_name_is_not_missed():
    patterns = [path("hidden/", lambda request: None), path("shown/", lambda r: None, name="shown")]

    assert named_routes(patterns) == ["unnamed route hidden/", "shown"]


@pytest.mark.parametrize("role", ["alice", "agathe", "chloe"])
def test_the_admin_is_for_administrators_only(client, desk, role):
    client.force_login(desk.person(role))

    response = client.get("/admin/")

    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
