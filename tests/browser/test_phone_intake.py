"""A phone call logged in a real browser: the agent finds the caller as they type, records the
request resolved during the call."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from allie.tickets.models import Channel, Ticket
from tests.factories import UserFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_an_agent_finds_the_caller_and_logs_a_call_resolved_at_first_contact(
    live_server, sign_in, desk, shoot
):
    UserFactory.create_batch(60, organisation=desk.finances, full_name="Employé Finances")
    agathe = sign_in("agathe@desk.test")
    agathe.goto(f"{live_server.url}/desk/contact/")
    assert agathe.locator("#id_requester option").count() == 51  # 50 people and the prompt

    agathe.fill("#id_who", "pelletier")  # Bob Pelletier; the list follows the typing
    expect(agathe.locator("#id_requester option")).to_have_count(2)
    agathe.select_option("#id_requester", label="Bob Pelletier · bob@finances.test")
    agathe.fill("#id_title", "Mot de passe oublié")
    agathe.check("input[name=resolved_now]")
    agathe.fill("#id_resolution", "Réinitialisé avec lui au téléphone.")
    shoot(agathe, "phone-01-caller-found")
    agathe.click("button.primary")
    agathe.wait_for_url(f"{live_server.url}/desk/tickets/D-*/")
    shoot(agathe, "phone-02-recorded")

    ticket = Ticket.objects.get()
    assert ticket.requester_id == desk.bob.pk
    assert ticket.channel == Channel.PHONE
    assert ticket.resolved_at_first_contact
