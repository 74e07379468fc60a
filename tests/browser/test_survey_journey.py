"""The loop on a low answer in a real browser: the emailed one-click score, the comment, and the
team lead's follow-up call recorded on the follow-ups page."""

from __future__ import annotations

import re

import pytest

from allie.mail.models import OutboundMessage
from allie.tickets.services import acknowledge, open_ticket, transition
from allie.voice.models import FollowUp

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

# The survey email's links: the page, and one per score (`?csat=N`).
LINK = re.compile(r"https?://[^/\s]+(/voice/survey/[^/\s]+/)(\?csat=\d)?")


def test_a_low_answer_reaches_the_team_lead_who_closes_the_loop(
    live_server, page, sign_in, desk, shoot
):
    alice, agathe = desk.person("alice"), desk.person("agathe")
    ticket = open_ticket(requester=alice, title="Courriel en panne", service=desk.service)
    acknowledge(ticket, by=agathe)
    transition(ticket, by=agathe, command="resolve")
    email = OutboundMessage.objects.get(kind="survey", recipient=alice)
    one = next(link for link in LINK.finditer(email.text_body) if link.group(2) == "?csat=1")

    # The requester clicks "1" in the email: no sign-in, the score is chosen, nothing recorded yet.
    page.goto(f"{live_server.url}{one.group(1)}?csat=1")
    assert page.locator("input[name=csat][value='1']").is_checked()
    assert not FollowUp.objects.exists()
    page.fill("#id_comment", "Personne ne m'a rappelée.")
    page.click("button.primary")
    page.wait_for_selector("[role=status]")
    shoot(page, "survey-01-low-answer-sent")
    follow_up = FollowUp.objects.get(ticket=ticket)
    assert follow_up.assigned_to_id == desk.lea.pk

    # The team lead finds it with the comment, calls, and records the call.
    lea = sign_in("lea@desk.test")
    lea.goto(f"{live_server.url}/voice/follow-ups/")
    assert "Personne ne m'a rappelée." in lea.inner_text("main")
    assert lea.locator(f"a[href='/desk/tickets/{ticket.reference}/']").is_visible()
    shoot(lea, "survey-02-follow-up-open")
    lea.fill(f"#call-{follow_up.pk}", "Appel à Alice ce matin.")
    lea.fill(f"#learned-{follow_up.pk}", "Le rappel promis n'a pas été fait.")
    lea.fill(f"#action-{follow_up.pk}", "Rappel inscrit comme engagement à chaque escalade.")
    lea.click(f"form:has(input[name=follow_up][value='{follow_up.pk}']) button[type=submit]")
    lea.wait_for_selector("text=Aucun suivi ouvert.")
    shoot(lea, "survey-03-follow-up-closed")
    follow_up.refresh_from_db()
    assert follow_up.closed_at is not None
    assert follow_up.closed_by_id == desk.lea.pk
