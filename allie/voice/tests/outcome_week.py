"""A known week of tickets for the outcome figures tests, counted by hand where it is used.

Every ticket is worked through the services, as the desk would: phone calls logged, replies,
reopenings, handoffs, surveys answered through `answer_survey`, follow-ups closed, commitments
settled.
"""

from __future__ import annotations

import pytest

from allie.tickets.models import Channel
from allie.tickets.services import (
    accept_handoff,
    acknowledge,
    log_contact,
    open_ticket,
    propose_handoff,
    reply,
    transition,
)
from allie.voice.models import FollowUp, Survey, SurveySettings
from allie.voice.services import make_commitment, mark_broken, mark_kept, renegotiate
from allie.voice.services.followups import close_follow_up
from allie.voice.services.surveys import answer_survey
from tests.factories import ServiceFactory, UserFactory

from .conftest import at

PERIOD = (at(days=0), at(days=7))  # Monday 2 March 2026, 9:00, to the next Monday 9:00


class Week:
    """The tickets of the week, by their number in the fixture's docstring."""

    def __init__(self, desk):
        self.desk = desk
        self.tickets = {}


def resolve(ticket, by, hours, *, replies=1, requester_reply=False):
    """Acknowledge by `by`, reply `replies` times (the requester once, if asked), resolve."""
    acknowledge(ticket, by=by, now=at(hours))
    for index in range(replies):
        reply(ticket, by=by, body=f"Réponse {index + 1}", now=at(hours + 0.1 * (index + 1)))
        if requester_reply and index == 0:
            reply(ticket, by=ticket.requester, body="Toujours en panne", now=at(hours + 0.15))
    transition(ticket, by=by, command="resolve", now=at(hours + 1))
    return ticket


def survey_of(ticket):
    return Survey.objects.get(ticket=ticket)


@pytest.fixture
def week(desk):
    """A week of tickets, counted by hand in HAND_COUNT.

    Soutien (lea's team; service "laptop" unless said):
      T1 phone call by agathe, resolved while logged                      FCR yes
      T2 alice, agathe: one reply, resolved                                FCR yes
      T3 alice, agathe: reply, the requester replies, reply, resolved      FCR no
      T4 bob, agathe: one reply, resolved, reopened by bob, resolved again FCR no, reopened
      T5 bob, bruno hands it to agathe (1 handoff), one reply, resolved    FCR yes
      T6 carole, bruno: one reply, resolved                                FCR yes
      T7 bob, no service, bruno resolves without a reply                   FCR no
      T8 alice, agathe: still open                                         not counted
      T9 alice, agathe: resolved after the period                          not counted
    Clients (chloe's team; service "vpn"; requester dana of Clinique Lavoie):
      T10 chloe: one reply, resolved                                       FCR yes
      T11 counter visit logged unresolved by chloe, two replies, resolved  FCR no

    Surveys (one per ticket at resolution; no fatigue rule here), answered on day 3:
      T1 5/5 ease 5; T2 4/5 ease 4; T3 2/5 ease 2 (low); T4 1/5 (low); T6 3/5; T10 5/5 ease 4;
      T5, T7, T11 unanswered.
    Follow-ups (due 48 h after the answer): T3's closed on day 4 (on time), T4's on day 6 (late).
    Commitments: agathe kept one on T2 and broke one on T3; bruno renegotiated one on T6 (its
    replacement is due after the period); chloe kept one on T10; agathe's on T9 is due after.
    """
    settings = SurveySettings.current()
    settings.fatigue_days = 0
    settings.save()
    alice, bob, carole = desk.person("alice"), desk.person("bob"), desk.person("carole")
    agathe, bruno, chloe, lea = (desk.person(n) for n in ("agathe", "bruno", "chloe", "lea"))
    dana = UserFactory(
        email="dana@clinique.test", full_name="Dana Lavoie", organisation=desk.clinic
    )
    vpn = ServiceFactory(code="vpn", name_fr="RPV", name_en="VPN", owner_team=desk.clients)
    laptop = desk.service
    week = Week(desk)
    t = week.tickets

    def opened(number, requester, service=laptop, hours=None):
        hours = number if hours is None else hours
        t[number] = open_ticket(
            requester=requester, title=f"T{number}", service=service, now=at(hours)
        )
        return t[number]

    t[1] = log_contact(
        by=agathe,
        requester=alice,
        channel=Channel.PHONE,
        title="T1",
        service=laptop,
        resolved_now=True,
        resolution="Redémarré ensemble au téléphone.",
        now=at(1),
    )
    resolve(opened(2, alice), agathe, 2.2)
    resolve(opened(3, alice), agathe, 3.2, replies=2, requester_reply=True)
    resolve(opened(4, bob), agathe, 4.2)
    transition(t[4], by=bob, command="reopen", now=at(20))
    transition(t[4], by=agathe, command="resolve", now=at(22))
    opened(5, bob)
    acknowledge(t[5], by=bruno, now=at(5.1))
    propose_handoff(t[5], by=bruno, to_person=agathe, reason="Elle connaît ce modèle", now=at(5.2))
    accept_handoff(t[5], by=agathe, now=at(5.3))
    reply(t[5], by=agathe, body="C'est réglé.", now=at(5.4))
    transition(t[5], by=agathe, command="resolve", now=at(5.5))
    resolve(opened(6, carole), bruno, 6.2)
    opened(7, bob, service=None)
    acknowledge(t[7], by=bruno, now=at(7.1))
    transition(t[7], by=bruno, command="resolve", now=at(7.5))
    acknowledge(opened(8, alice), by=agathe, now=at(8.1))
    resolve(opened(9, alice), agathe, 24 * 7 + 2)  # resolved on day 7, 11:00: after the period
    resolve(opened(10, dana, service=vpn), chloe, 10.2)
    t[11] = log_contact(
        by=chloe, requester=dana, channel=Channel.COUNTER, title="T11", service=vpn, now=at(11)
    )
    reply(t[11], by=chloe, body="Je regarde.", now=at(11.1))
    reply(t[11], by=chloe, body="Voilà.", now=at(11.2))
    transition(t[11], by=chloe, command="resolve", now=at(12))

    answers = {1: (5, 5), 2: (4, 4), 3: (2, 2), 4: (1, None), 6: (3, None), 10: (5, 4)}
    for number, (csat, ces) in answers.items():
        answer_survey(survey_of(t[number]), csat=csat, ces=ces, now=at(days=3))
    for number, hours in ((3, 24 * 4), (4, 24 * 6)):
        follow_up = FollowUp.objects.get(ticket=t[number])
        close_follow_up(
            follow_up,
            by=lea,
            call_made="Appel",
            learned="Lenteur",
            action="Formation",
            now=at(hours),
        )

    def promise(number, by, due_hours):
        return make_commitment(
            by=by, ticket=t[number], what="Je vous rappelle", due_at=at(due_hours), now=at(13)
        )

    mark_kept(promise(2, agathe, 30), by=agathe, now=at(29))
    mark_broken(promise(3, agathe, 40), by=agathe, now=at(39))
    renegotiate(
        promise(6, bruno, 50), by=bruno, new_due_at=at(days=9), client_told=True, now=at(45)
    )
    mark_kept(promise(10, chloe, 60), by=chloe, now=at(59))
    promise(9, agathe, 24 * 8)
    return week


def more_tickets(desk, count):
    """More resolved tickets, surveys, follow-ups and commitments, for other owners too."""
    from allie.accounts.models import Role
    from tests.factories import AgentFactory

    newcomer = AgentFactory(email=f"new{count}@desk.test", roles=[Role.AGENT])
    desk.support.members.add(newcomer)
    other = ServiceFactory(owner_team=desk.support)
    for index in range(count):
        ticket = open_ticket(
            requester=desk.person("bob"), title=f"Plus {index}", service=other, now=at(30)
        )
        resolve(ticket, newcomer, 30.5, replies=index % 3, requester_reply=index % 2 == 0)
        survey = survey_of(ticket)
        answer_survey(survey, csat=1 + index % 5, ces=1 + index % 5, now=at(days=3))
        make_commitment(
            by=newcomer, ticket=ticket, what="Rappel", due_at=at(60 + index), now=at(31)
        )
