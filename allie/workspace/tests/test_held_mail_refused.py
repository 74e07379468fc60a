"""Opening a request from held mail whose sender the desk may not open one for: the agent is
told why (a deactivated account, no organisation), not that the sender is unknown."""

from __future__ import annotations

import pytest
from django.conf import settings

from allie.mail.services.intake import receive_message
from allie.mail.tests.test_intake_support import NOTICE_ID, NOW, HeldScene, simple
from allie.tickets.models import Ticket
from allie.workspace.tests.test_held_mail import action_url, status_of
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("fields", "said"),
    [
        ({"is_active": False}, "The sender's account is deactivated: no request was opened."),
        ({"organisation": None}, "The sender belongs to no organisation: no request was opened."),
    ],
    ids=["deactivated", "no-organisation"],
)
def test_the_agent_is_told_why_no_request_was_opened(client, desk, fields, said):
    scene = HeldScene(desk)
    UserFactory(email="zoe@finances.test", **({"organisation": desk.finances} | fields))
    reply = simple("zoe@finances.test", "Re: Écran", message_id="<z@x.test>", In_Reply_To=NOTICE_ID)
    message = receive_message(reply, mailbox=scene.mailbox, now=NOW).message
    assert status_of(message) == "held"
    tickets = Ticket.objects.count()
    client.force_login(desk.person("agathe"))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    response = client.post(action_url(scene.ticket, message), {"action": "open"}, follow=True)

    assert response.status_code == 200
    assert said in response.content.decode().replace("&#x27;", "'")
    assert status_of(message) == "rejected"
    assert Ticket.objects.count() == tickets
