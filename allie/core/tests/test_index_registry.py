"""Every index of the tables that grow with the tickets is justified by a query (PostgreSQL).

`INDEXES` lists each non-primary-key index of those tables with the query it serves (the
module and function that make it) and, where the query can be built here, a builder of that
query. The database must hold exactly these indexes: a new index fails the first test until it
is listed here with its reason, and an index dropped by a migration must leave the list. The
second test checks that each built query can be served by its index (docs/indexes.md gives
the plans seen on a database of 100,000 tickets).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.db import connection
from django.db.models import Max, Model, Q, QuerySet
from django.db.models.deletion import Collector
from django.utils import timezone

from allie.accounts.models import Site
from allie.api.filters import TicketFilter
from allie.core.folding import Folded, folded
from allie.escalations.models import Escalation, EscalationAlert
from allie.mail.models import InboundMessage, Mailbox, OutboundMessage
from allie.sla.models import BusinessCalendar, DayFigures, Deadline, SlaPolicy, TicketSla
from allie.tickets import selectors
from allie.tickets.models import (
    OPEN_STATUSES,
    Attachment,
    Handoff,
    Ticket,
    TicketCopy,
    TimelineEvent,
)
from allie.tickets.selectors import portal_requests
from allie.tickets.services import open_ticket
from allie.voice.models import (
    CommentTheme,
    Commitment,
    CommitmentReminder,
    FollowUp,
    RelationshipAnswer,
    RelationshipSurvey,
    Survey,
)
from allie.voice.selectors import scope_commitments
from tests.plans import plan_with_only, served_by

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the indexes checked are PostgreSQL's"
)

TABLES = (
    "tickets_ticket",
    "tickets_timelineevent",
    "tickets_attachment",
    "tickets_handoff",
    "tickets_ticketcopy",
    "sla_ticketsla",
    "sla_deadline",
    "sla_dayfigures",
    "search_ticketsearchentry",
    "mail_outboundmessage",
    "mail_inboundmessage",
    "escalations_escalation",
    "escalations_escalationalert",
    "voice_survey",
    "voice_commitment",
    "voice_commitmentreminder",
    "voice_followup",
    "voice_relationshipanswer",
    "voice_commenttheme",
)


@dataclass
class Scene:
    """What the builders need: the shared personas, one ticket opened through the service."""

    desk: Any
    ticket: Ticket
    now: datetime

    def queue(self, person: str, name: str) -> QuerySet[Ticket]:
        return selectors.queue(
            self.desk.person(person), name, now=self.now, needs_owner_after=timedelta(minutes=30)
        )


def on_delete(model: type[Model], field: str, target: Model) -> QuerySet[Any]:
    """The lookup Django's Collector makes when `target` is deleted (PROTECT checks it, SET_NULL
    updates it, CASCADE deletes it): `model`'s rows whose `field` points to `target`."""
    return Collector(using="default").related_objects(
        model, [model._meta.get_field(field)], [target]
    )


@dataclass(frozen=True)
class Serves:
    reason: str
    query: Callable[[Scene], QuerySet[Any]] | None = None
    ordered: bool = False  # serves the query by its order (see tests.plans.plan_with_only)


# The admin's deletion of people, teams, organisations, services, sites, calendars, SLA policies
# and mailboxes is allowed to administrators (allie.accounts.admin.AdministratorOnly); tickets and
# their timelines are never deleted (allie.tickets.admin, TimelineEvent.delete), nor are
# handoffs, escalations, commitments, surveys and follow-ups (their admins refuse).
ADMIN_DELETES = "when an administrator deletes"

INDEXES: dict[str, Serves] = {
    # --- tickets_ticket
    "tickets_ticket_reference_key": Serves(
        "unique reference; a reply's subject is matched to its ticket by it "
        "(allie.mail.services.threads.find_ticket)",
        lambda s: Ticket.objects.filter(reference=s.ticket.reference),
    ),
    "ticket_reference_upper": Serves(
        "a ticket by reference in any case (allie.tickets.selectors.get_visible_ticket)",
        lambda s: (
            Ticket.objects.visible_to(s.desk.person("agathe"))
            .filter(reference__iexact=s.ticket.reference.lower())
            .order_by()
        ),
    ),
    "ticket_title_words": Serves(
        "the queues' words filter, a title holding the text in any case "
        "(allie.tickets.selectors.queue, QueueFilters.text)",
        lambda s: (
            Ticket.objects.visible_to(s.desk.person("agathe"))
            .alias(title_folded=Folded("title"))
            .filter(title_folded__contains=folded("écran"))
            .order_by()
        ),
    ),
    "ticket_team_outcomes": Serves(
        "a team's tickets resolved in a period: the team page and the outcome figures "
        "(allie.voice.figures.outcome_figures, team_trend), tickets and surveys, from the index "
        "alone "
        "(allie/voice/tests/test_team_plan.py)",
        lambda s: Ticket.objects.filter(
            team_id=s.desk.support.pk,
            resolved_at__gte=s.now - timedelta(days=30),
            resolved_at__lt=s.now,
            status__in=["resolved", "closed"],
        ).order_by(),
    ),
    "ticket_open_by_team": Serves(
        "the teams queue, its count and page (allie.tickets.selectors.queue 'teams')",
        lambda s: s.queue("agathe", "teams")[:25],
    ),
    "ticket_open_by_owner": Serves(
        "the 'mine' queue, its count and page (allie.tickets.selectors.queue 'mine')",
        lambda s: s.queue("agathe", "mine")[:25],
    ),
    "ticket_org_activity": Serves(
        "the organisation's tab of a contact's portal, all or closed, newest activity first, "
        "each page read in order from a cursor (allie.tickets.selectors.portal_requests, "
        "allie.portal.views.recent_page)",
        lambda s: portal_requests(s.desk.person("carole"), tab="organisation", state="all")[:26],
    ),
    "ticket_owner_queue": Serves(
        "an agent's own tickets, open or not, in the scoping rule's OR "
        f"(allie.tickets.selectors.visibility); the tickets of a person {ADMIN_DELETES} them "
        "(PROTECT)",
        lambda s: on_delete(Ticket, "owner", s.desk.agathe),
    ),
    "ticket_org_queue": Serves(
        "the organisation's tab of a contact's portal (allie.portal.views.home); the served "
        "organisations in the scoping rule's OR (allie.tickets.selectors.visibility)",
        lambda s: (
            Ticket.objects.visible_to(s.desk.person("carole"))
            .filter(organisation_id=s.desk.finances.pk, status__in=OPEN_STATUSES)
            .order_by("-updated_at", "-id")
        ),
    ),
    "ticket_requester": Serves(
        "a requester's own tickets in the portal (allie.portal.views.home); the tickets of a "
        f"person {ADMIN_DELETES} them (PROTECT)",
        lambda s: (
            Ticket.objects.visible_to(s.desk.person("alice"))
            .filter(requester_id=s.desk.alice.pk)
            .order_by("-updated_at", "-id")
        ),
    ),
    "ticket_status": Serves(
        "the 'waiting' and 'needs an owner' queues (allie.tickets.selectors.queue); the "
        "resolved tickets to close (allie.tickets.services.lifecycle.close_resolved_after_window)",
        lambda s: s.queue("admin", "waiting")[:25],
    ),
    "ticket_team_queue": Serves(
        "the API list filtered by team and status (allie.api.filters.TicketFilter); the "
        f"tickets of a team {ADMIN_DELETES} it (PROTECT)",
        lambda s: TicketFilter(
            {"team": s.desk.support.pk, "status": ["closed"]}, queryset=Ticket.objects.all()
        ).qs.order_by("-created_at", "-id")[:50],
    ),
    "tickets_ticket_created_at_95bb8d8e": Serves(
        "the newest tickets of a wide scope: the 'all' queue and the API list "
        "(allie.tickets.selectors.queue, allie.api.views.TicketListView); tickets opened in a "
        "period's hours around its whole UTC days, read one by one "
        "(allie.sla.selectors.compliance)",
        lambda s: s.queue("admin", "all")[:25],
    ),
    "tickets_ticket_service_id_b539ed07": Serves(
        f"the tickets of a service {ADMIN_DELETES} it (PROTECT)",
        lambda s: on_delete(Ticket, "service", s.desk.service),
    ),
    "tickets_ticket_site_id_b292d504": Serves(
        f"the tickets of a site {ADMIN_DELETES} it (SET_NULL)",
        lambda s: on_delete(Ticket, "site", Site(pk=1)),
    ),
    # --- tickets_timelineevent
    "timeline_by_ticket": Serves(
        "a ticket's timeline (allie.tickets.selectors.visible_timeline)",
        lambda s: selectors.visible_timeline(s.ticket, s.desk.person("agathe")),
    ),
    "tickets_timelineevent_actor_id_da10ca3e": Serves(
        f"the events of a person {ADMIN_DELETES} them (PROTECT)",
        lambda s: on_delete(TimelineEvent, "actor", s.desk.agathe),
    ),
    # --- tickets_attachment
    "tickets_attachment_stored_name_key": Serves(
        "unique stored name: two files never share one (allie.tickets.services.attachments)"
    ),
    "tickets_attachment_ticket_id_00f5c87f": Serves(
        "a ticket's attachments (allie.workspace.views, allie.portal.views)",
        lambda s: s.ticket.attachments.all(),
    ),
    "tickets_attachment_event_id_a4ae0edf": Serves(
        "the timeline's attachments, prefetched by event "
        "(allie.tickets.selectors.visible_timeline); a message's attachments "
        "(allie.mail.views.original)",
        lambda s: Attachment.objects.filter(event_id__in=[1, 2]),
    ),
    "tickets_attachment_uploaded_by_id_1e22a000": Serves(
        f"the attachments of a person {ADMIN_DELETES} them (PROTECT)",
        lambda s: on_delete(Attachment, "uploaded_by", s.desk.alice),
    ),
    # --- tickets_handoff
    "one_pending_handoff_per_ticket": Serves(
        "at most one pending handoff a ticket; a ticket's pending handoff "
        "(allie.tickets.selectors.pending_handoff)",
        lambda s: s.ticket.handoffs.filter(state=Handoff.State.PENDING),
    ),
    "handoff_to_person": Serves(
        "the handoffs queue (allie.tickets.selectors.queue 'handoffs'); the handoffs to a "
        f"person {ADMIN_DELETES} them (PROTECT)",
        lambda s: on_delete(Handoff, "to_person", s.desk.agathe),
    ),
    "handoff_to_team": Serves(
        "the handoffs queue (allie.tickets.selectors.queue 'handoffs'); the handoffs to a "
        f"team {ADMIN_DELETES} it (PROTECT)",
        lambda s: on_delete(Handoff, "to_team", s.desk.support),
    ),
    "tickets_handoff_proposed_by_id_774e2a31": Serves(
        f"the handoffs proposed by a person {ADMIN_DELETES} them (PROTECT)",
        lambda s: on_delete(Handoff, "proposed_by", s.desk.agathe),
    ),
    "tickets_handoff_responded_by_id_ec4ac6b0": Serves(
        f"the handoffs answered by a person {ADMIN_DELETES} them (PROTECT)",
        lambda s: on_delete(Handoff, "responded_by", s.desk.agathe),
    ),
    # --- tickets_ticketcopy
    "ticket_copy_once": Serves(
        "a person copied once per ticket (allie.tickets.services.copies.copy_people, ignoring "
        "conflicts); whether a sender is copied (allie.tickets.services.copies.is_copied); the "
        "ticket page's list (copies_of); removing one (remove_copy)",
        lambda s: TicketCopy.objects.filter(ticket_id=s.ticket.pk, person_id=s.desk.bob.pk),
    ),
    "tickets_ticketcopy_person_id_190485d6": Serves(
        f"the copies of a person {ADMIN_DELETES} them (CASCADE)",
        lambda s: on_delete(TicketCopy, "person", s.desk.bob),
    ),
    "tickets_ticketcopy_added_by_id_9e736b61": Serves(
        f"the copies made by a person {ADMIN_DELETES} them (SET_NULL)",
        lambda s: on_delete(TicketCopy, "added_by", s.desk.alice),
    ),
    # --- sla_ticketsla
    "ticket_sla_at_risk": Serves(
        "the 'at risk' queue, soonest breach first (allie.tickets.selectors.queue 'at_risk')",
        lambda s: s.queue("admin", "at_risk")[:25],
        ordered=True,
    ),
    "sla_ticketsla_calendar_id_800e0e44": Serves(
        f"the summaries of a calendar {ADMIN_DELETES} it (SET_NULL)",
        lambda s: on_delete(TicketSla, "calendar", BusinessCalendar(pk=1)),
    ),
    "sla_ticketsla_policy_id_e78b54ca": Serves(
        f"the summaries of an SLA policy {ADMIN_DELETES} it or its service (SET_NULL)",
        lambda s: on_delete(TicketSla, "policy", SlaPolicy(pk=1)),
    ),
    # --- sla_deadline
    "deadline_once": Serves(
        "a deadline raised once; a ticket's future deadlines replaced "
        "(allie.sla.services.refresh_ticket_sla)",
        lambda s: Deadline.objects.filter(
            ticket=s.ticket, handled_at__isnull=True, due_at__gt=s.now
        ),
    ),
    "deadline_pending_due": Serves(
        "the sweep of due deadlines (allie.sla.services.sweep_deadlines)",
        lambda s: Deadline.objects.filter(handled_at__isnull=True, due_at__lte=s.now).order_by(
            "due_at", "pk"
        )[:100],
    ),
    # --- sla_dayfigures
    "day_figures_key": Serves(
        "one row per day, organisation, service and priority, merged on conflict "
        "(allie.sla.figures.record); the whole days of a report's period "
        "(allie.sla.selectors.compliance)",
        lambda s: DayFigures.objects.filter(
            day__gte=s.now.date(), day__lt=s.now.date() + timedelta(days=30)
        ),
    ),
    # --- search_ticketsearchentry
    "search_entry_recent_document": Serves(
        "every search on PostgreSQL (allie.search.services.searching); its plan is checked by "
        "allie/search/tests/test_search_plan.py"
    ),
    # --- mail_outboundmessage
    "mail_outboundmessage_message_id_key": Serves(
        "unique Message-ID; a reply threaded by its headers "
        "(allie.mail.services.threads.ticket_ids_by_headers)",
        lambda s: OutboundMessage.objects.filter(
            message_id__in=["<a@desk.test>"], ticket__isnull=False
        ),
    ),
    "outbound_pending_due": Serves(
        "the sender's claim of due messages (allie.mail.services.sending.claim_due_messages)",
        lambda s: OutboundMessage.objects.filter(
            status=OutboundMessage.Status.PENDING, send_after__lte=s.now
        ).order_by("send_after", "pk")[:100],
    ),
    "outbound_digest_pending": Serves(
        "notices gathered into a pending message of the same key "
        "(allie.mail.services.notifications._deliver); partial: only the pending messages",
        lambda s: OutboundMessage.objects.filter(
            digest_key__in=["ticket:1:person:1"],
            kind="notification",
            status=OutboundMessage.Status.PENDING,
            attempts=0,
            send_after__gt=s.now,
        ).order_by("send_after", "pk"),
    ),
    "mail_outboundmessage_ticket_id_76c29e0f": Serves(
        "a notice's threading headers: the ticket's earlier messages "
        "(allie.mail.services.notifications._threading)",
        lambda s: OutboundMessage.objects.filter(ticket_id=s.ticket.pk, pk__lt=10).order_by(
            "-created_at", "-pk"
        )[:20],
    ),
    "mail_outboundmessage_recipient_id_8eb33dde": Serves(
        f"the messages to a person {ADMIN_DELETES} them (SET_NULL)",
        lambda s: on_delete(OutboundMessage, "recipient", s.desk.alice),
    ),
    "outbound_rejection_recent": Serves(
        "a rejection recently sent to an unknown sender (allie.mail.services.senders."
        "reject_sender); partial: only rejections, so the notices add no entry",
        lambda s: OutboundMessage.objects.filter(
            kind="rejection",
            to_address="stranger@elsewhere.test",
            created_at__gt=s.now - timedelta(minutes=10),
        ),
    ),
    # --- mail_inboundmessage
    "inbound_once_per_message_id": Serves(
        "a message stored once; a reply threaded by its headers "
        "(allie.mail.services.threads.ticket_ids_by_headers)",
        lambda s: InboundMessage.objects.filter(message_id__in=["<a@client.test>"]).filter(
            Q(ticket__isnull=False) | Q(held_for__isnull=False)
        ),
    ),
    "inbound_once_per_mailbox_uid": Serves(
        "a UID stored once per mailbox; the UIDs already stored "
        "(allie.mail.services.imap._known_uids)",
        lambda s: InboundMessage.objects.filter(mailbox_id=1, uidvalidity=1, uid__in=[1, 2]),
    ),
    "inbound_sender_recent": Serves(
        "a sender's rate limit and earlier follow-up (allie.mail.services.intake._rate_limited, "
        "_open_follow_up)",
        lambda s: InboundMessage.objects.filter(
            sender="alice@finances.test",
            received_at__gt=s.now - timedelta(minutes=10),
            source=InboundMessage.Source.IMAP,
        ).order_by("-received_at")[:20],
    ),
    "mail_inboundmessage_ticket_id_11c3d74c": Serves(
        "a ticket's messages: threading headers and the originals of its events "
        "(allie.mail.services.notifications._threading, allie.mail.selectors.originals_by_event)",
        lambda s: InboundMessage.objects.filter(ticket_id=s.ticket.pk, event__isnull=False),
    ),
    "inbound_held_for_review": Serves(
        "a ticket's mail waiting for an agent's review, oldest first "
        "(allie.mail.services.review.held_messages); partial: only held rows",
        lambda s: InboundMessage.objects.filter(
            held_for_id=s.ticket.pk, status=InboundMessage.Status.HELD
        ).order_by("received_at", "pk")[:11],
    ),
    "mail_inboundmessage_mailbox_id_bebc977a": Serves(
        f"the messages of a mailbox {ADMIN_DELETES} it (PROTECT); the unique "
        "inbound_once_per_mailbox_uid starts with the mailbox but holds only rows with a UID",
        lambda s: on_delete(InboundMessage, "mailbox", Mailbox(pk=1)),
    ),
    # --- escalations_escalation
    "escalation_active": Serves(
        "the active escalations, oldest first: the executive view and the alerts of active "
        "escalations (allie.escalations.selectors.active_escalations, alerts_for)",
        lambda s: Escalation.objects.active().order_by("raised_at", "id")[:50],
    ),
    "escalation_by_ticket": Serves(
        "a ticket's escalations: its panel, the levels it raised, the requester's cooldown, "
        "closing them with it (allie.escalations.selectors.ticket_escalations, raised_levels; "
        "allie.escalations.services)",
        lambda s: s.ticket.escalations.values_list("level", "target_team_id"),
    ),
    "escalations_escalation_raised_by_id_cb95bfae": Serves(
        f"the escalations raised by a person {ADMIN_DELETES} them (PROTECT)",
        lambda s: on_delete(Escalation, "raised_by", s.desk.agathe),
    ),
    "escalations_escalation_acknowledged_by_id_53ec1c7c": Serves(
        f"the escalations acknowledged by a person {ADMIN_DELETES} them (PROTECT)",
        lambda s: on_delete(Escalation, "acknowledged_by", s.desk.lea),
    ),
    "escalations_escalation_closed_by_id_220b232d": Serves(
        f"the escalations closed by a person {ADMIN_DELETES} them (PROTECT)",
        lambda s: on_delete(Escalation, "closed_by", s.desk.lea),
    ),
    "escalations_escalation_target_team_id_1994c796": Serves(
        f"the escalations to a team {ADMIN_DELETES} it (PROTECT)",
        lambda s: on_delete(Escalation, "target_team", s.desk.support),
    ),
    # --- escalations_escalationalert
    "alert_once_per_person": Serves(
        "a person alerted once per escalation; an escalation's alerts, and whether a person "
        "was alerted (allie.escalations.selectors, acknowledge_escalation, close_escalation)",
        lambda s: EscalationAlert.objects.filter(escalation_id=1, person=s.desk.lea),
    ),
    "alert_by_person": Serves(
        "a person's alerts (allie.escalations.selectors.alerts_for); the alerts of a person "
        f"{ADMIN_DELETES} them (CASCADE)",
        lambda s: on_delete(EscalationAlert, "person", s.desk.lea),
    ),
    # --- voice_survey
    "voice_survey_ticket_id_key": Serves(
        "one survey per ticket (allie.voice.services.surveys.send_survey_for)",
        lambda s: Survey.objects.filter(ticket_id=s.ticket.pk),
    ),
    "survey_by_requester": Serves(
        "a person's latest survey, for the fatigue rule (allie.voice.services.surveys."
        "send_survey_for); their latest answers (allie.voice.selectors.recent_answers); the "
        f"surveys of a person {ADMIN_DELETES} them (PROTECT)",
        lambda s: (
            Survey.objects.filter(requester_id=s.desk.alice.pk)
            .values("requester_id")
            .annotate(last=Max("sent_at"))
            .values("last")
        ),
    ),
    # --- voice_commitment
    "commitment_open_by_due": Serves(
        "the sweep breaking overdue commitments (allie.voice.services.commitments.break_overdue)",
        lambda s: Commitment.objects.filter(state=Commitment.State.OPEN, due_at__lt=s.now).order_by(
            "due_at", "id"
        )[:100],
    ),
    "commitment_by_due": Serves(
        "the commitments due in a period, counted in the figures "
        "(allie.voice.selectors.commitment_figures; migration voice 0006, PostgreSQL only)",
        lambda s: scope_commitments(
            Commitment.objects.filter(due_at__gte=s.now - timedelta(days=30), due_at__lt=s.now),
            s.desk.person("lea"),
        ),
    ),
    "commitment_by_ticket": Serves(
        "a ticket's open commitments (allie.voice.selectors.open_ticket_commitments)",
        lambda s: Commitment.objects.filter(
            ticket_id=s.ticket.pk, state=Commitment.State.OPEN
        ).order_by("due_at", "id"),
    ),
    "commitment_by_organisation": Serves(
        f"the commitments to an organisation {ADMIN_DELETES} it (PROTECT)",
        lambda s: on_delete(Commitment, "organisation", s.desk.finances),
    ),
    "commitment_by_promiser": Serves(
        f"the commitments made by a person {ADMIN_DELETES} them (PROTECT)",
        lambda s: on_delete(Commitment, "made_by", s.desk.agathe),
    ),
    "voice_commitment_to_person_id_7a177fb7": Serves(
        f"the commitments made to a person {ADMIN_DELETES} them (PROTECT)",
        lambda s: on_delete(Commitment, "to_person", s.desk.alice),
    ),
    "voice_commitment_settled_by_id_eec232d6": Serves(
        f"the commitments settled by a person {ADMIN_DELETES} them (PROTECT)",
        lambda s: on_delete(Commitment, "settled_by", s.desk.agathe),
    ),
    "voice_commitment_team_id_eeddda3a": Serves(
        "a team's commitments in its figures (allie.voice.figures.outcome_figures); the "
        f"commitments of a team {ADMIN_DELETES} it (SET_NULL)",
        lambda s: on_delete(Commitment, "team", s.desk.support),
    ),
    # --- voice_commitmentreminder
    "commitment_reminder_pending": Serves(
        "the reminders due (allie.voice.services.commitments.send_reminders)",
        lambda s: CommitmentReminder.objects.filter(
            sent_at__isnull=True, remind_at__lte=s.now
        ).order_by("remind_at", "id")[:100],
    ),
    "commitment_reminder_once": Serves(
        "a reminder once per time; a commitment's reminders claimed or dropped "
        "(allie.voice.services.commitments.send_reminders, _settle, break_overdue)",
        lambda s: CommitmentReminder.objects.filter(
            commitment_id=1, sent_at__isnull=True, remind_at__lte=s.now
        ),
    ),
    # --- voice_followup
    "follow_up_open_by_due": Serves(
        "the sweep escalating overdue follow-ups (allie.voice.services.followups."
        "escalate_overdue); the open follow-ups (allie.voice.selectors.open_follow_ups)",
        lambda s: FollowUp.objects.filter(
            state=FollowUp.State.OPEN, due_at__lt=s.now, escalated_at__isnull=True
        ).order_by("due_at", "id")[:100],
    ),
    "voice_followup_survey_id_key": Serves(
        "one follow-up per survey (allie.voice.services.followups)",
        lambda s: FollowUp.objects.filter(survey_id=1),
    ),
    "voice_followup_relationship_answer_id_key": Serves(
        "one follow-up per relationship answer (allie.voice.services.followups)",
        lambda s: FollowUp.objects.filter(relationship_answer_id=1),
    ),
    "voice_followup_assigned_to_id_f2107bde": Serves(
        f"the follow-ups assigned to a person {ADMIN_DELETES} them (SET_NULL)",
        lambda s: on_delete(FollowUp, "assigned_to", s.desk.lea),
    ),
    "voice_followup_closed_by_id_0f9486ff": Serves(
        f"the follow-ups closed by a person {ADMIN_DELETES} them (PROTECT)",
        lambda s: on_delete(FollowUp, "closed_by", s.desk.lea),
    ),
    # --- voice_relationshipanswer
    "nps_by_organisation": Serves(
        "the NPS of the organisations a team serves (allie.voice.figures.nps_figures); the "
        f"answers of an organisation {ADMIN_DELETES} it (CASCADE)",
        lambda s: RelationshipAnswer.objects.filter(
            organisation_id__in=[s.desk.finances.pk],
            answered_at__gte=s.now - timedelta(days=90),
            answered_at__lt=s.now,
            score__isnull=False,
        ),
    ),
    "relationship_answer_once": Serves(
        "one answer per contact and round; a round's answers when its organisation is "
        "deleted (CASCADE)",
        lambda s: on_delete(RelationshipAnswer, "survey", RelationshipSurvey(pk=1)),
    ),
    "voice_relationshipanswer_person_id_808f5ddb": Serves(
        f"the answers of a person {ADMIN_DELETES} them (PROTECT)",
        lambda s: on_delete(RelationshipAnswer, "person", s.desk.carole),
    ),
    # --- voice_commenttheme
    "comment_theme_by_time": Serves(
        "the themes found in a period (allie.voice.theme_report.theme_report)",
        lambda s: CommentTheme.objects.filter(
            answered_at__gte=s.now - timedelta(days=30), answered_at__lt=s.now
        ),
    ),
    "comment_theme_once_survey": Serves(
        "a theme found once per survey; with comment_theme_once_answer, a theme's rows when "
        "it is deleted (CASCADE)",
        lambda s: CommentTheme.objects.filter(theme_id=1, survey_id=1),
    ),
    "comment_theme_once_answer": Serves(
        "a theme found once per relationship answer",
        lambda s: CommentTheme.objects.filter(theme_id=1, relationship_answer_id=1),
    ),
    "voice_commenttheme_survey_id_a0dd053c": Serves(
        "a survey's themes replaced when its comment changes "
        "(allie.voice.services.themes.classify_comment)",
        lambda s: CommentTheme.objects.filter(survey_id=1),
    ),
    "voice_commenttheme_relationship_answer_id_ee7e878e": Serves(
        "a relationship answer's themes replaced when its comment changes "
        "(allie.voice.services.themes.classify_comment)",
        lambda s: CommentTheme.objects.filter(relationship_answer_id=1),
    ),
}


def _database_indexes() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexrelid::regclass::text FROM pg_index"
            " WHERE indrelid::regclass::text = ANY(%s) AND NOT indisprimary",
            [list(TABLES)],
        )
        return {name for (name,) in cursor.fetchall()}


def test_every_index_of_the_volume_tables_is_listed_with_its_reason(db):
    found = _database_indexes()
    unlisted = sorted(found - INDEXES.keys())
    assert not unlisted, f"indexes with no reason in INDEXES (docs/indexes.md): {unlisted}"
    gone = sorted(INDEXES.keys() - found)
    assert not gone, f"INDEXES lists indexes the database does not hold: {gone}"


@pytest.fixture
def scene(desk) -> Scene:
    ticket = open_ticket(requester=desk.person("alice"), title="Écran noir", service=desk.service)
    return Scene(desk=desk, ticket=ticket, now=timezone.now())


@pytest.mark.parametrize("index", sorted(name for name, why in INDEXES.items() if why.query))
def test_each_listed_query_can_be_served_by_its_index(scene, index):
    query = INDEXES[index].query
    assert query is not None
    plan = plan_with_only(query(scene), index, ordered=INDEXES[index].ordered)
    assert served_by(plan, index), plan
