"""Closing the loop on low answers: the follow-up opens, escalates once when overdue, closes."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from allie.accounts.models import Role
from allie.core.reference_cache import clear_reference_cache
from allie.mail.models import OutboundMessage
from allie.tickets.models import TimelineEvent
from allie.tickets.services import acknowledge, open_ticket, transition
from allie.tickets.services.errors import FORBIDDEN
from allie.voice.models import FollowUp, Survey, SurveySettings
from allie.voice.services.followups import (
    FollowUpServiceError,
    close_follow_up,
    escalate_overdue,
)
from allie.voice.services.surveys import answer_survey, send_survey_for
from tests.factories import TicketFactory, UserFactory

PAGE = re.compile(r"https?://[^/\s]+(/voice/survey/[^/\s]+/)(\?csat=\d)?")
QUEUE = "voice:follow_ups"
CLOSE = "voice:follow_up_close"


@pytest.fixture
def manager(db):
    return UserFactory(email="marc@desk.test", full_name="Marc Roy", roles=[Role.MANAGER])


@pytest.fixture
def survey(desk):
    ticket = open_ticket(requester=desk.person("alice"), title="Écran noir", service=desk.service)
    made = send_survey_for(ticket, now=timezone.now())
    assert made is not None
    return made


def mails(kind: str, person=None) -> list[OutboundMessage]:
    rows = OutboundMessage.objects.filter(kind=kind)
    if person is not None:
        rows = rows.filter(recipient=person)
    return list(rows.order_by("pk"))


def test_scenario_low_answer_through_the_email_opens_escalates_and_closes(client, desk, manager):
    alice, agathe, lea = desk.person("alice"), desk.person("agathe"), desk.person("lea")
    ticket = open_ticket(requester=alice, title="Courriel en panne", service=desk.service)
    acknowledge(ticket, by=agathe)
    transition(ticket, by=agathe, command="resolve")

    # The requester answers through the emailed one-click link: GET, then POST.
    message = OutboundMessage.objects.get(kind="survey", recipient=alice)
    link = next(m for m in PAGE.finditer(message.text_body) if m.group(2) == "?csat=1")
    path = link.group(1) + link.group(2)
    assert client.get(path).status_code == 200
    assert not FollowUp.objects.exists()  # a GET never changes anything
    assert client.post(path, {"csat": "1", "comment": "Trop lent"}).status_code == 302

    # The follow-up opens for the team's lead, due 48 hours later, with an internal entry.
    follow_up = FollowUp.objects.get(ticket=ticket)
    assert follow_up.assigned_to == lea
    assert follow_up.state == FollowUp.State.OPEN
    assert follow_up.due_at == follow_up.opened_at + timedelta(hours=48)
    entry = TimelineEvent.objects.get(ticket=ticket, data__follow_up="opened")
    assert entry.is_public is False
    [opened] = mails("follow_up", lea)
    assert ticket.reference in opened.text_body
    assert "Trop lent" in opened.text_body

    # The lead sees it in the queue, assigned to her, not yet overdue.
    client.force_login(lea)
    page = client.get(reverse(QUEUE)).content.decode()
    assert ticket.reference in page
    assert "overdue-flag" not in page

    # Overdue: escalated once to the managers, never twice.
    late = follow_up.due_at + timedelta(minutes=1)
    assert escalate_overdue(now=late - timedelta(minutes=2)) == 0
    assert escalate_overdue(now=late) == 1
    assert escalate_overdue(now=late + timedelta(minutes=1)) == 0
    follow_up.refresh_from_db()
    assert follow_up.escalated_at == late
    [escalated] = mails("follow_up_escalated")
    assert escalated.recipient == manager
    assert ticket.reference in escalated.text_body

    # The lead closes it through the page, telling the requester.
    response = client.post(
        reverse(CLOSE),
        {
            "follow_up": follow_up.pk,
            "call_made": "Appel à Alice le 3 mars",
            "learned": "Aucune nouvelle pendant deux jours",
            "action": "Nous vous écrivons désormais chaque jour tant que la demande est ouverte.",
            "tell_requester": "on",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse(QUEUE)
    follow_up.refresh_from_db()
    assert (follow_up.state, follow_up.closed_by, follow_up.requester_told) == ("closed", lea, True)
    assert TimelineEvent.objects.filter(ticket=ticket, data__follow_up="closed").exists()
    [told] = mails("follow_up_outcome", alice)
    assert "chaque jour tant que la demande est ouverte" in told.text_body
    assert ticket.reference in told.subject
    assert "Aucune nouvelle" not in told.text_body  # what was learned stays internal
    assert ticket.reference not in client.get(reverse(QUEUE)).content.decode()


def test_a_good_answer_opens_nothing(desk, survey):
    answer_survey(survey, csat=4, comment="Merci")
    assert not FollowUp.objects.exists()
    assert not mails("follow_up")


def test_changing_an_answer_to_low_opens_one_and_never_two(desk, survey):
    answer_survey(survey, csat=5)
    answer_survey(survey, csat=2)
    answer_survey(survey, csat=1)
    answer_survey(survey, csat=4)
    answer_survey(survey, csat=1)

    assert FollowUp.objects.filter(survey=survey).count() == 1
    assert len(mails("follow_up")) == 1


def test_the_due_time_follows_the_setting(desk, survey):
    SurveySettings.objects.update(follow_up_hours=4)
    clear_reference_cache()  # an update() sends no signal: the cached settings would stay
    now = timezone.now()
    answer_survey(survey, csat=1, now=now)
    assert FollowUp.objects.get().due_at == now + timedelta(hours=4)


def test_without_a_team_lead_an_administrator_is_assigned(desk):
    desk.support.lead = None
    desk.support.save()
    ticket = open_ticket(requester=desk.person("alice"), title="Sans chef", service=desk.service)
    survey = send_survey_for(ticket, now=timezone.now())
    answer_survey(survey, csat=1)
    assert FollowUp.objects.get().assigned_to == desk.person("admin")


@pytest.fixture
def follow_up(desk, survey):
    answer_survey(survey, csat=1)
    return FollowUp.objects.get(survey=survey)


@pytest.mark.parametrize("missing", ["call_made", "learned", "action"])
def test_closing_needs_all_three_texts(desk, follow_up, missing):
    texts = {"call_made": "Appel", "learned": "Appris", "action": "Changé", missing: "  "}
    with pytest.raises(FollowUpServiceError) as refused:
        close_follow_up(follow_up, by=desk.person("lea"), **texts)
    assert refused.value.field == missing
    assert refused.value.message
    follow_up.refresh_from_db()
    assert follow_up.state == FollowUp.State.OPEN


def test_a_stranger_may_not_close(desk, follow_up):
    with pytest.raises(FollowUpServiceError) as refused:
        close_follow_up(follow_up, by=desk.person("agathe"), call_made="a", learned="b", action="c")
    assert refused.value.kind == FORBIDDEN


def test_an_administrator_may_close_without_telling_the_requester(desk, follow_up):
    closed = close_follow_up(
        follow_up, by=desk.person("admin"), call_made="a", learned="b", action="c"
    )
    assert closed.state == FollowUp.State.CLOSED
    assert closed.requester_told is False
    assert not mails("follow_up_outcome")
    with pytest.raises(FollowUpServiceError):
        close_follow_up(follow_up, by=desk.person("admin"), call_made="a", learned="b", action="c")


def test_a_closed_follow_up_is_never_escalated(desk, follow_up, manager):
    close_follow_up(follow_up, by=desk.person("lea"), call_made="a", learned="b", action="c")
    assert escalate_overdue(now=follow_up.due_at + timedelta(days=1)) == 0


def test_the_page_refuses_a_missing_text_and_hides_others_follow_ups(client, desk, follow_up):
    client.force_login(desk.person("lea"))
    response = client.post(reverse(CLOSE), {"follow_up": follow_up.pk, "call_made": "Appel"})
    assert response.status_code == 302
    follow_up.refresh_from_db()
    assert follow_up.state == FollowUp.State.OPEN
    # The message naming the missing field, shown after the redirect (in French by default).
    assert (
        "Veuillez indiquer ce que vous avez appris." in client.get(reverse(QUEUE)).content.decode()
    )

    # A lead of a team that does not serve this client: 404, as if it did not exist.
    other = UserFactory(email="lou@desk.test", roles=[Role.AGENT, Role.TEAM_LEAD])
    client.force_login(other)
    assert client.post(reverse(CLOSE), {"follow_up": follow_up.pk}).status_code == 404
    assert follow_up.ticket.reference not in client.get(reverse(QUEUE)).content.decode()


def test_mine_come_first_and_overdue_are_marked(client, desk, follow_up):
    other = FollowUp.objects.create(
        survey=Survey.objects.create(
            ticket=TicketFactory(requester=desk.person("bob"), organisation=desk.finances),
            requester=desk.person("bob"),
            sent_at=timezone.now(),
            nonce="n",
            language="fr",
        ),
        ticket_id=Survey.objects.latest("pk").ticket_id,
        assigned_to=desk.person("admin"),
        opened_at=timezone.now() - timedelta(days=3),
        due_at=timezone.now() - timedelta(days=1),
    )
    client.force_login(desk.person("lea"))
    page = client.get(reverse(QUEUE)).content.decode()
    assert page.index(follow_up.ticket.reference) < page.index(other.ticket.reference)
    assert page.count("overdue-flag") == 1


def _many(desk, count: int) -> None:
    bob = desk.person("bob")
    now = timezone.now()
    for index in range(count):
        ticket = TicketFactory(requester=bob, organisation=desk.finances)
        survey = Survey.objects.create(
            ticket=ticket, requester=bob, sent_at=now, nonce=f"n{index}", language="fr", csat=1
        )
        FollowUp.objects.create(
            survey=survey,
            ticket=ticket,
            assigned_to=desk.person("lea") if index % 2 else None,
            opened_at=now,
            due_at=now + timedelta(hours=index - 3),
        )


@pytest.mark.parametrize("count", [5, 50])
def test_the_queue_reads_a_fixed_number_of_queries(client, desk, count, django_assert_num_queries):
    _many(desk, count)
    client.force_login(desk.person("lea"))
    client.get(reverse(QUEUE))  # warm the session
    with django_assert_num_queries(5):  # session, user, roles, served organisations, rows
        response = client.get(reverse(QUEUE))
    assert response.status_code == 200
    assert response.content.decode().count('name="follow_up"') == count
