"""The demo's voice of the client: surveys, relationship round, follow-ups and commitments.

Played after the ticket stories, through the voice services, in order of time (a heap of
timed actions), as the desk would have lived it: a survey is sent when a ticket was resolved
(what the muted `post_save` receiver would have done), answered some time later; a low answer
opens its follow-up, closed later with the call made, or escalated by the sweep when overdue;
commitments are made, kept, renegotiated or broken, their reminders sent when due. The emails
these services write are the demo's past: they are marked sent at the time they were written,
so the worker sends none of them today. Deterministic: the builder's seeded random.
"""

from __future__ import annotations

import heapq
import itertools
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import F, Max
from django.utils import timezone

from allie.accounts.models import Organisation, Team, User
from allie.demo import voice_data as texts
from allie.mail.models import OutboundMessage
from allie.tickets.models import Status, Ticket, TimelineEvent
from allie.voice.domain.relationship import round_start
from allie.voice.models import Commitment, FollowUp, RelationshipAnswer, Survey, SurveySettings
from allie.voice.services.commitments import (
    break_overdue,
    make_commitment,
    mark_broken,
    mark_kept,
    renegotiate,
    send_reminders,
)
from allie.voice.services.followups import close_follow_up, escalate_overdue
from allie.voice.services.relationship import answer_relationship, send_round
from allie.voice.services.surveys import answer_survey, send_survey_for

HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
MINUTE = timedelta(minutes=1)
# The relationship round of the current window went out this long ago.
ROUND_AGE = timedelta(days=35)
# Two surveys sent this recently are answered low: their follow-ups are open, not due yet.
RECENT = timedelta(hours=44)

Action = Callable[[datetime], None]


@dataclass
class VoiceSummary:
    surveys: int
    answered: int
    follow_ups: int
    relationship_answers: int
    commitments: int


class VoiceStories:
    """Plan and play the voice of the client's past over the demo's tickets and contacts."""

    def __init__(self, rng: random.Random, now: datetime, *, focus_team: Team) -> None:
        self.rng = rng
        self.now = now
        # The demo team lead's team: its page shows low answers followed up, open and closed.
        self.focus_team_id = focus_team.pk
        self.focus_lows = 0
        self.queue: list[tuple[datetime, int, Action]] = []
        self.order = itertools.count()
        self.kept_overdue_open = False  # one follow-up is left open past its due time
        self.nps_scores: list[int | None] = []
        self.csat_deck: list[int] = []
        self.comment_decks: dict[tuple[str, str], list[str]] = {}
        self.recent_lows: set[bool] = set()  # whether each was for the focus team

    def at(self, moment: datetime, action: Action) -> None:
        """Play `action` at `moment`, if that is in the past."""
        if moment < self.now:
            heapq.heappush(self.queue, (moment, next(self.order), action))

    def run(self) -> VoiceSummary:
        mail_before = OutboundMessage.objects.aggregate(last=Max("pk"))["last"] or 0
        self.plan_surveys()
        self.plan_relationship_round()
        self.plan_commitments()
        while self.queue:
            moment, _order, action = heapq.heappop(self.queue)
            action(moment)
        # Written in the past by the services above: history, not mail to send today.
        OutboundMessage.objects.filter(
            pk__gt=mail_before, status=OutboundMessage.Status.PENDING
        ).update(status=OutboundMessage.Status.SENT, sent_at=F("created_at"))
        return VoiceSummary(
            surveys=Survey.objects.count(),
            answered=Survey.objects.filter(answered_at__isnull=False).count(),
            follow_ups=FollowUp.objects.count(),
            relationship_answers=RelationshipAnswer.objects.filter(score__isnull=False).count(),
            commitments=Commitment.objects.count(),
        )

    def lang(self, person: User) -> str:
        return "en" if (person.language or "").startswith("en") else "fr"

    def between(self, start: datetime, end: datetime) -> datetime:
        return start + (end - start) * self.rng.random()

    # --- Satisfaction surveys and their follow-ups ---------------------------------------------

    def plan_surveys(self) -> None:
        """A survey at each resolution, in order of time, as the receiver would have sent it."""
        resolutions = list(
            TimelineEvent.objects.filter(
                kind=TimelineEvent.Kind.STATUS_CHANGE, data__to=Status.RESOLVED
            )
            .order_by("created_at", "id")
            .values_list("ticket_id", "created_at")
        )
        tickets = Ticket.objects.select_related("requester", "team__lead").in_bulk(
            {ticket_id for ticket_id, _moment in resolutions}
        )
        for ticket_id, moment in resolutions:
            ticket = tickets[ticket_id]
            self.at(moment, lambda m, t=ticket: self.send_survey(t, m))

    def send_survey(self, ticket: Ticket, moment: datetime) -> None:
        survey = send_survey_for(ticket, now=moment)
        if survey is None:
            return  # not sent: fatigue, or surveyed already
        # At most one for the demo lead's team and one for another: its figures stay good.
        focus = ticket.team_id == self.focus_team_id
        if moment > self.now - RECENT and focus not in self.recent_lows:
            # Answered low soon after: the queue has follow-ups not due yet.
            self.recent_lows.add(focus)
            answered = moment + (self.now - moment) * self.rng.uniform(0.2, 0.8)
            self.at(answered, lambda m: self.answer(survey, ticket, m, low=True))
            return
        if self.rng.random() > texts.ANSWER_RATE:
            return  # never answered
        delay = timedelta(minutes=self.rng.choice([15, 40, 90, 180, 600, 1400, 2800]))
        delay *= self.rng.uniform(0.6, 1.4)
        self.at(moment + delay, lambda m: self.answer(survey, ticket, m))

    def answer(
        self, survey: Survey, ticket: Ticket, moment: datetime, *, low: bool = False
    ) -> None:
        csat = self.deal_csat()
        focus = ticket.team_id == self.focus_team_id
        if low:
            csat = self.rng.choice([1, 2])
        elif focus and self.now - 18 * DAY < moment < self.now - 4 * DAY and self.focus_lows < 2:
            csat = self.rng.choice([1, 2])  # one follow-up overdue, one closed
            self.focus_lows += 1
        elif focus and csat <= 3:
            csat = self.deal_csat()  # the lead's team has its low answers above: mostly good
        band = "high" if csat >= 4 else "middle" if csat == 3 else "low"
        chance = {"high": 0.4, "middle": 0.6, "low": 1.0}[band]
        language = self.lang(ticket.requester)
        comment = ""
        if self.rng.random() < chance:
            comment = self.deal_comment(band, language)
        ces = None
        if self.rng.random() < 0.8:
            ces = max(1, min(5, csat + self.rng.choice([-1, 0, 0, 1])))
        answered = answer_survey(survey, csat=csat, ces=ces, comment=comment, now=moment)
        if answered.low:
            follow_up = FollowUp.objects.get(survey=answered)
            self.plan_follow_up(follow_up, language, focus=focus)

    def deal_comment(self, band: str, language: str) -> str:
        deck = self.comment_decks.setdefault((band, language), [])
        if not deck:
            deck.extend(texts.COMMENTS[band][language])
            self.rng.shuffle(deck)
        return deck.pop()

    def deal_csat(self) -> int:
        if not self.csat_deck:
            self.csat_deck = list(texts.CSAT_DECK)
            self.rng.shuffle(self.csat_deck)
        return self.csat_deck.pop()

    def plan_follow_up(self, follow_up: FollowUp, language: str, *, focus: bool) -> None:
        """Close it on time (mostly), late after its escalation, or leave it open."""
        due = follow_up.due_at
        if due > self.now:
            return  # still open, not due yet
        if focus and not self.kept_overdue_open and due > self.now - 20 * DAY:
            self.kept_overdue_open = True
            self.at(due + MINUTE, lambda m: escalate_overdue(now=m))
            return  # open and overdue: escalated, waiting for the call
        recent = due > self.now - 25 * DAY
        # Late ones are closed within 40 hours of their due time, before today: the only
        # overdue follow-up still open is the one kept above.
        if (focus and recent) or due > self.now - 2 * DAY or self.rng.random() < 0.75:
            closed = self.between(follow_up.opened_at + 2 * HOUR, due - HOUR)
        else:
            closed = due + self.rng.uniform(4, 40) * HOUR
            self.at(due + MINUTE, lambda m: escalate_overdue(now=m))
        closing = self.rng.choice(texts.FOLLOW_UP_CLOSINGS[language])
        self.close_at(closed, follow_up, closing, tell=self.rng.random() < 0.6)

    def close_at(
        self, moment: datetime, follow_up: FollowUp, closing: tuple[str, str, str], *, tell: bool
    ) -> None:
        """Close `follow_up` at `moment` with the call made, what was learned and the action."""
        call, learned, action = closing
        self.at(
            moment,
            lambda m: close_follow_up(
                follow_up,
                by=follow_up.assigned_to,
                call_made=call,
                learned=learned,
                action=action,
                tell_requester=tell,
                now=m,
            ),
        )

    # --- The relationship round (NPS) ----------------------------------------------------------

    def plan_relationship_round(self) -> None:
        """This window's round to each organisation's contacts, answered by most of them."""
        sent = self.now - ROUND_AGE
        every = SurveySettings.current().relationship_every_months
        start = round_start(timezone.localdate(sent), every)
        if start is None:
            return
        self.nps_scores = list(texts.NPS_SCORES)
        self.rng.shuffle(self.nps_scores)
        # send_round skips an organisation without contacts (the IT department itself).
        for organisation in Organisation.objects.order_by("pk"):
            self.at(sent, lambda m, o=organisation, s=start: self.send_round(o, s, m))

    def send_round(self, organisation: Organisation, start: Any, moment: datetime) -> None:
        survey = send_round(organisation, start=start, now=moment)
        if survey is None:
            return
        for answer in survey.answers.select_related("person").order_by("pk"):
            score = self.nps_scores.pop() if self.nps_scores else None
            if score is None:
                continue
            when = moment + self.rng.uniform(0.2, 25) * DAY
            self.at(when, lambda m, a=answer, s=score: self.answer_round(a, s, m))

    def answer_round(self, answer: RelationshipAnswer, score: int, moment: datetime) -> None:
        band = "promoter" if score >= 9 else "passive" if score >= 7 else "detractor"
        language = self.lang(answer.person)
        comment = ""
        if band == "detractor" or self.rng.random() < 0.5:
            comment = self.rng.choice(texts.NPS_COMMENTS[band][language])
        answered = answer_relationship(answer, score=score, comment=comment, now=moment)
        if not answered.low:
            return
        follow_up = FollowUp.objects.get(relationship_answer=answered)
        closed = follow_up.opened_at + self.rng.uniform(5, 40) * HOUR
        self.close_at(closed, follow_up, texts.NPS_FOLLOW_UP_CLOSING[language], tell=True)

    # --- Commitments ---------------------------------------------------------------------------

    def plan_commitments(self) -> None:
        worked = Ticket.objects.filter(owner__isnull=False).select_related(
            "owner", "requester", "team"
        )
        done = list(worked.filter(status__in=[Status.RESOLVED, Status.CLOSED]).order_by("pk"))
        ongoing = list(
            worked.filter(
                status__in=[
                    Status.IN_PROGRESS,
                    Status.WAITING_ON_REQUESTER,
                    Status.WAITING_ON_THIRD_PARTY,
                ]
            ).order_by("pk")
        )
        done = self.rng.sample(done, min(len(done), 22))
        fates = ["kept"] * 14 + ["renegotiated"] * 3 + ["broken"] * 2 + ["lapsed"] * 3
        for ticket, fate in zip(done, fates, strict=False):
            self.plan_settled(ticket, fate)
        for ticket in self.rng.sample(ongoing, min(len(ongoing), 6)):
            self.plan_open(ticket)

    def what(self, ticket: Ticket) -> str:
        return self.rng.choice(texts.COMMITMENTS[self.lang(ticket.requester)])

    def note(self, fate: str, ticket: Ticket) -> str:
        return self.rng.choice(texts.COMMITMENT_NOTES[fate][self.lang(ticket.requester)])

    def promise(self, ticket: Ticket, made: datetime, due: datetime) -> Any:
        commitment = make_commitment(
            by=ticket.owner,
            ticket=ticket,
            what=self.what(ticket),
            due_at=due,
            is_public=self.rng.random() < 0.7,
            now=made,
        )
        for reminder in commitment.reminders.all():
            self.at(reminder.remind_at, lambda m: send_reminders(now=m))
        return commitment

    def plan_settled(self, ticket: Ticket, fate: str) -> None:
        """A promise made while the ticket was worked on, settled before it was resolved."""
        assert ticket.resolved_at is not None
        made = self.between(ticket.created_at + 20 * MINUTE, ticket.resolved_at - HOUR)
        if made <= ticket.created_at:
            return
        due = made + self.rng.uniform(3, 30) * HOUR

        def make(moment: datetime) -> None:
            commitment = self.promise(ticket, moment, due)
            if fate == "kept":
                kept = self.between(moment + 30 * MINUTE, due - 10 * MINUTE)
                note = self.note("kept", ticket)
                self.at(kept, lambda m: mark_kept(commitment, by=ticket.owner, note=note, now=m))
            elif fate == "renegotiated":
                when = self.between(moment + HOUR, due - 20 * MINUTE)
                self.at(when, lambda m: self.renegotiate(commitment, ticket, m))
            elif fate == "broken":
                when = self.between(moment + HOUR, due - 10 * MINUTE)
                note = self.note("broken", ticket)
                self.at(when, lambda m: mark_broken(commitment, by=ticket.owner, note=note, now=m))
            else:  # lapsed: nobody settled it; the sweep breaks it once past due
                self.at(due + MINUTE, lambda m: break_overdue(now=m))

        self.at(made, make)

    def renegotiate(self, commitment: Any, ticket: Ticket, moment: datetime) -> None:
        new_due = commitment.due_at + self.rng.uniform(1, 3) * DAY
        new = renegotiate(
            commitment,
            by=ticket.owner,
            new_due_at=new_due,
            client_told=True,
            note=self.note("renegotiated", ticket),
            now=moment,
        )
        kept = self.between(moment + 2 * HOUR, new_due - HOUR)
        self.at(kept, lambda m: mark_kept(new, by=ticket.owner, now=m))

    def plan_open(self, ticket: Ticket) -> None:
        """A promise still open, due in the next hours or days."""
        made = max(ticket.updated_at, self.now - self.rng.uniform(2, 20) * HOUR)
        made = min(made, self.now - 10 * MINUTE)
        due = self.now + self.rng.choice([1.5, 4, 20, 30, 52, 75]) * HOUR
        self.at(made, lambda m: self.promise(ticket, m, due))
