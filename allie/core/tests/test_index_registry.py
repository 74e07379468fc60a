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
from django.db.models import Model, QuerySet
from django.db.models.deletion import Collector
from django.utils import timezone

from allie.accounts.models import Site
from allie.api.filters import TicketFilter
from allie.mail.models import InboundMessage, Mailbox, OutboundMessage
from allie.sla.models import BusinessCalendar, Deadline, SlaPolicy, TicketSla
from allie.tickets import selectors
from allie.tickets.models import (
    OPEN_STATUSES,
    Attachment,
    Handoff,
    Ticket,
    TimelineEvent,
)
from allie.tickets.services import open_ticket
from tests.plans import plan_with_only, served_by

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the indexes checked are PostgreSQL's"
)

TABLES = (
    "tickets_ticket",
    "tickets_timelineevent",
    "tickets_attachment",
    "tickets_handoff",
    "sla_ticketsla",
    "sla_deadline",
    "search_ticketsearchentry",
    "mail_outboundmessage",
    "mail_inboundmessage",
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


# The admin's deletion of people, teams, services, sites, calendars, SLA policies and mailboxes
# is allowed to administrators (allie.accounts.admin.AdministratorOnly); tickets and their
# timelines are never deleted (allie.tickets.admin, TimelineEvent.delete).
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
    "ticket_open_by_team": Serves(
        "the teams queue, its count and page (allie.tickets.selectors.queue 'teams')",
        lambda s: s.queue("agathe", "teams")[:25],
    ),
    "ticket_owner_queue": Serves(
        "the 'mine' queue (allie.tickets.selectors.queue); an agent's tickets in the scoping "
        f"rule's OR; the tickets of a person {ADMIN_DELETES} them (PROTECT)",
        lambda s: s.queue("agathe", "mine")[:25],
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
        "period (allie.sla.selectors.period_slas)",
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
    # --- sla_ticketsla
    "ticket_sla_at_risk": Serves(
        "the 'at risk' queue, soonest breach first (allie.tickets.selectors.queue 'at_risk')",
        lambda s: s.queue("admin", "at_risk")[:25],
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
        "(allie.sla.services._plan_deadlines)",
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
    "outbound_digest": Serves(
        "notices gathered into a pending message of the same key "
        "(allie.mail.services.notifications._deliver)",
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
    # --- mail_inboundmessage
    "inbound_once_per_message_id": Serves(
        "a message stored once; a reply threaded by its headers "
        "(allie.mail.services.threads.ticket_ids_by_headers)",
        lambda s: InboundMessage.objects.filter(
            message_id__in=["<a@client.test>"], ticket__isnull=False
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
    "mail_inboundmessage_mailbox_id_bebc977a": Serves(
        f"the messages of a mailbox {ADMIN_DELETES} it (PROTECT); the unique "
        "inbound_once_per_mailbox_uid starts with the mailbox but holds only rows with a UID",
        lambda s: on_delete(InboundMessage, "mailbox", Mailbox(pk=1)),
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
    plan = plan_with_only(query(scene), index)
    assert served_by(plan, index), plan
