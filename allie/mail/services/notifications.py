"""Notifications: turn timeline events into outbox messages for requesters and agents.

`on_timeline_event` runs inside the transaction that appends the event (a `post_save` receiver
connected in `MailConfig.ready`), so a notice commits or rolls back with what caused it. Events
on one ticket for one person within a minute make one message: the pending row is found by its
`digest_key`, locked, given the new event and rendered again. See docs/email-notifications.md.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.dateparse import parse_datetime

from allie.accounts.models import Team, User
from allie.core.inserts import insert
from allie.escalations.models import Level
from allie.mail import notices
from allie.mail.models import InboundMessage, NotificationPreference, OutboundMessage
from allie.mail.services.outbox import absolute_url, build_message, render_plain
from allie.sla.models import Clock, TicketSla
from allie.tickets.models import DeskSettings, Handoff, Ticket, TimelineEvent
from allie.tickets.selectors import who_takes_charge

KIND = "notification"
DIGEST_WINDOW = timedelta(seconds=60)
MAX_REFERENCES = 20
# After these, the acknowledgement's promise of news no longer holds (stopped, or paused
# while we wait on the requester).
PROMISE_VOID_AFTER = frozenset({"resolved", "declined", "closed", "waiting_on_you"})

Kind = TimelineEvent.Kind


@dataclass(frozen=True)
class Planned:
    """One notice one person should receive for one event."""

    recipient: User
    summary: dict[str, Any]


# --- Entry point ----------------------------------------------------------------------------

# History replayed (an import of old mail, the demo's past) must not write to anyone today.
_muted: ContextVar[bool] = ContextVar("allie_notifications_muted", default=False)


# The inbound message intake is turning into a ticket right now: (Message-ID, mailbox address).
_answering: ContextVar[tuple[str, str | None] | None] = ContextVar(
    "allie_notifications_answering", default=None
)


@contextmanager
def answering(message_id: str, mailbox_address: str | None) -> Iterator[None]:
    """Within this block, the receipt of a new ticket answers this inbound message."""
    token = _answering.set((message_id, mailbox_address))
    try:
        yield
    finally:
        _answering.reset(token)


@contextmanager
def muted() -> Iterator[None]:
    """Within this block, timeline events queue no notification."""
    token = _muted.set(True)
    try:
        yield
    finally:
        _muted.reset(token)


def is_muted() -> bool:
    """Whether the caller runs inside `muted()` (history replayed: write to no one)."""
    return _muted.get()


def on_timeline_event(event: TimelineEvent) -> list[OutboundMessage]:
    """Queue the notices `event` causes and return the outbox rows written or merged into.

    Runs in the caller's transaction: no commit here, no sending.
    """
    return on_timeline_events([event])


def on_timeline_events(events: Sequence[TimelineEvent]) -> list[OutboundMessage]:
    """Queue the notices of several events (written together, as the deadline sweep does).

    The same notices as one event at a time, for a fixed number of queries: the people alerted,
    the preferences and the pending digests are read once, the new messages written with one
    insert.
    """
    if _muted.get():
        return []
    people = _alerted_people(events)
    planned = [(event, item) for event in events for item in plan(event, people=people)]
    if not planned:
        return []
    turned_off = _turned_off([item for _event, item in planned])
    wanted = [
        (event, item)
        for event, item in planned
        if (item.recipient.pk, item.summary["notice"]) not in turned_off
    ]
    if not wanted:
        return []
    # Inside the caller's transaction this adds nothing (no savepoint); an event written in
    # autocommit still gets its row locks and writes in one transaction.
    with transaction.atomic(savepoint=False):
        return _deliver(wanted)


def plan(event: TimelineEvent, *, people: dict[int, User] | None = None) -> list[Planned]:
    """Return who should hear about `event` and what, before preferences.

    Never the actor of their own action (except the receipt of a new request, which is the
    requester's record of its reference), only active people with an email address.
    """
    if event.kind == Kind.INTERNAL_NOTE:
        return []
    if event.kind == Kind.SYSTEM:
        planned = _plan_system(event, people)
    elif event.kind == Kind.HANDOFF:
        planned = _plan_handoff(event)
    elif event.kind == Kind.OWNER_CHANGE:
        planned = _plan_owner_change(event)
    elif event.is_public:
        planned = _plan_requester(event)
    else:
        planned = []
    return [
        item
        for item in planned
        if item.recipient.is_active
        and item.recipient.email
        and (item.recipient.pk != event.actor_id or item.summary["notice"] == "received")
    ]


# --- Who hears about what ---------------------------------------------------------------------


def _summary(event: TimelineEvent, notice: str, **values: Any) -> dict[str, Any]:
    """The event as a notice remembers it: plain values, so a digest renders without queries."""
    actor = event.actor.get_full_name() if event.actor_id is not None else ""  # type: ignore[union-attr]
    return {
        "notice": notice,
        "event": event.pk,
        "at": event.created_at.isoformat(),
        "actor": actor,
        "audience": notices.BY_CODE[notice].audience,
        **values,
    }


def _plan_requester(event: TimelineEvent) -> list[Planned]:
    ticket = event.ticket
    requester = ticket.requester
    if event.kind == Kind.OPENED:
        on_behalf = bool(event.data.get("on_behalf_of"))
        return [Planned(requester, _summary(event, "received", on_behalf=on_behalf))]
    if event.kind == Kind.PUBLIC_REPLY and event.data.get("by_agent"):
        return [Planned(requester, _summary(event, "agent_reply", body=event.body))]
    if event.kind != Kind.STATUS_CHANGE:
        return []
    command = event.data.get("command", "")
    if command == "acknowledge":
        owner = _person(ticket.owner_id, event)
        owner_name = owner.get_full_name() if owner else ""
        due = _next_update_due(ticket)
        return [
            Planned(
                requester,
                _summary(
                    event,
                    "acknowledged",
                    owner=owner_name,
                    next_update=due.isoformat() if due else "",
                ),
            )
        ]
    if command == "wait_on_requester":
        return [Planned(requester, _summary(event, "waiting_on_you", body=event.body))]
    if command == "resolve":
        days = DeskSettings.current().reopen_window_days
        return [Planned(requester, _summary(event, "resolved", body=event.body, days=days))]
    if command in ("decline", "cancel"):
        summary = _summary(
            event,
            "declined",
            command=command,
            reason=ticket.decline_reason if command == "decline" else event.body,
            alternative=ticket.decline_alternative if command == "decline" else "",
        )
        return [Planned(requester, summary)]
    if command == "close":
        return [Planned(requester, _summary(event, "closed"))]
    return []


def _plan_owner_change(event: TimelineEvent) -> list[Planned]:
    new_owner_id = event.data.get("to")
    if not new_owner_id:
        return []
    new_owner = _person(int(new_owner_id), event)
    if new_owner is None:
        return []
    planned = [Planned(new_owner, _summary(event, "assigned"))]
    if event.data.get("from") and event.is_public:
        # The acknowledgement already says who took charge; later changes are news.
        summary = _summary(event, "owner_changed", owner=new_owner.get_full_name())
        planned.append(Planned(event.ticket.requester, summary))
    return planned


def _plan_handoff(event: TimelineEvent) -> list[Planned]:
    action = event.data.get("action")
    if action == "proposed":
        team_name = ""
        if event.data.get("to_person"):
            people = list(User.objects.filter(pk=event.data["to_person"]))
        else:
            team = Team.objects.select_related("lead").filter(pk=event.data.get("to_team")).first()
            if team is None:
                return []
            team_name = team.name
            lead = team.lead
            people = [lead] if lead is not None and lead.is_active else list(team.members.all())
        return [
            Planned(person, _summary(event, "handoff_proposed", team=team_name, body=event.body))
            for person in people
        ]
    if action in ("accepted", "declined"):
        handoff = (
            Handoff.objects.select_related("proposed_by")
            .filter(pk=event.data.get("handoff"))
            .first()
        )
        if handoff is None:
            return []
        summary = _summary(event, "handoff_answered", action=action, body=event.body)
        return [Planned(handoff.proposed_by, summary)]
    return []


def _plan_system(event: TimelineEvent, people_by_pk: dict[int, User] | None) -> list[Planned]:
    data = event.data
    outcome = data.get("sla")
    if outcome in ("warning", "breach"):
        ticket = event.ticket
        owner = _person(ticket.owner_id, event)
        if owner is None:
            return []  # nobody owns it: the escalation ladder alerts the team lead
        notice = "sla_breach" if outcome == "breach" else "sla_warning"
        clock = data.get("clock", "")
        due = data.get("due_at", "")
        if outcome == "warning" and data.get("target_due_at"):
            # A warning's own due time is the threshold's; the owner needs the target's,
            # which the sweeper writes in the event.
            due = data["target_due_at"]
        elif outcome == "warning":
            target = TicketSla.objects.filter(ticket_id=ticket.pk).first()
            known = target is not None and clock in Clock.values
            target_due = target.due_of(clock) if known else None  # type: ignore[union-attr]
            due = target_due.isoformat() if target_due else due
        summary = _summary(event, notice, clock=clock, threshold=data.get("threshold"), due=due)
        return [Planned(owner, summary)]
    if data.get("mail") == "held":
        # Its owner reviews it; on a ticket nobody owns, whoever takes charge of such a ticket.
        # The ticket page shows it besides to every agent who works on the ticket.
        ticket = event.ticket
        reviewer = _person(ticket.owner_id, event)
        if reviewer is None:
            reviewer = who_takes_charge(ticket)
        if reviewer is None:
            return []
        return [Planned(reviewer, _summary(event, "mail_held", sender=data.get("sender", "")))]
    if data.get("escalation") == "raised":
        team_name = ""
        if data.get("team"):
            team_name = Team.objects.filter(pk=data["team"]).values_list("name", flat=True).first()
        alerted = data.get("alerted") or []
        if people_by_pk is None:
            people: Iterable[User] = User.objects.filter(pk__in=alerted)
        else:
            people = [people_by_pk[pk] for pk in alerted if pk in people_by_pk]
        planned = []
        for person in people:
            summary = _summary(
                event,
                "escalation",
                level=data.get("level", ""),
                team=team_name or "",
                body=event.body,
                # The client's executive sponsor does not work on tickets: they follow it
                # from the escalations page; everyone else alerted is on the desk.
                link="escalations" if data.get("level") == Level.EXECUTIVE_SPONSOR else "workspace",
            )
            planned.append(Planned(person, summary))
        return planned
    return []


def _alerted_people(events: Sequence[TimelineEvent]) -> dict[int, User] | None:
    """Return the people the events' escalations alert, read in one query (None if none)."""
    wanted = {
        pk
        for event in events
        if event.kind == Kind.SYSTEM and event.data.get("escalation") == "raised"
        for pk in event.data.get("alerted") or []
    }
    if not wanted:
        return None
    return {person.pk: person for person in User.objects.filter(pk__in=wanted)}


def _person(pk: int | None, event: TimelineEvent) -> User | None:
    """Return user `pk`, reusing the event's actor when it is them (saves a query)."""
    if pk is None:
        return None
    if pk == event.actor_id:
        return event.actor  # type: ignore[return-value]
    ticket = event.ticket
    if pk == ticket.owner_id and Ticket.owner.is_cached(ticket):
        return ticket.owner  # loaded with the ticket (the sweeper does)
    return User.objects.filter(pk=pk).first()


def _next_update_due(ticket: Ticket) -> datetime | None:
    """When the requester will next hear from us: the SLA's next-update promise, if running.

    The same promise the portal shows ("We will give you news by ...").
    """
    return (
        TicketSla.objects.filter(ticket_id=ticket.pk, next_update_state="running")
        .values_list("next_update_due_at", flat=True)
        .first()
    )


def _turned_off(planned: list[Planned]) -> set[tuple[int, str]]:
    """Return (person, notice) pairs turned off, in one query and only for optional notices."""
    optional = notices.optional_codes()
    wanted = [(p.recipient.pk, p.summary["notice"]) for p in planned]
    asked = [pair for pair in wanted if pair[1] in optional]
    if not asked:
        return set()
    rows = NotificationPreference.objects.filter(
        person_id__in={pk for pk, _code in asked},
        notice__in={code for _pk, code in asked},
        enabled=False,
    ).values_list("person_id", "notice")
    return set(rows)


# --- Digest and outbox ------------------------------------------------------------------------


def digest_key(ticket: Ticket, person: User) -> str:
    """Return the key under which one person's notices on one ticket are gathered."""
    return f"ticket:{ticket.pk}:person:{person.pk}"


def _deliver(wanted: list[tuple[TimelineEvent, Planned]]) -> list[OutboundMessage]:
    """Gather each notice into its person's pending digest for the ticket, or start one."""
    # A ticket's opening is its first event: no digest of that ticket can be pending yet.
    keys = {
        digest_key(event.ticket, item.recipient)
        for event, item in wanted
        if event.kind != Kind.OPENED
    }
    latest: dict[str, OutboundMessage] = {}
    if keys:
        earliest = min(event.created_at for event, _item in wanted)
        # attempts=0: a row the sender has claimed (its lease pushed send_after on) is being
        # sent and must not change under it; the lock keeps two events from merging at once.
        pending = (
            OutboundMessage.objects.select_for_update()
            .filter(
                digest_key__in=keys,
                kind=KIND,
                status=OutboundMessage.Status.PENDING,
                attempts=0,
                send_after__gt=earliest,
            )
            .order_by("send_after", "pk")
        )
        latest = {row.digest_key: row for row in pending}  # the last one of each key wins
    created: list[OutboundMessage] = []
    merged: dict[int, OutboundMessage] = {}
    written = []
    # Rendering waits until the message is sent (`render_message`): gathering an event costs
    # no template, however many events a minute brings.
    for event, item in wanted:
        key = digest_key(event.ticket, item.recipient)
        row = latest.get(key)
        if row is not None and row.send_after > event.created_at:
            row.events = [*row.events, item.summary]
            if row.pk is not None:
                merged[row.pk] = row
        else:
            row = _new_message(event.ticket, item.recipient, item.summary, now=event.created_at)
            created.append(row)
            latest[key] = row
        written.append(row)
    if len(created) == 1:  # a single notice (the usual case): the INSERT kept written
        insert(created[0])
    else:
        OutboundMessage.objects.bulk_create(created)
    for row in merged.values():
        OutboundMessage.objects.filter(pk=row.pk).update(events=row.events)
    return written


def _new_message(
    ticket: Ticket, recipient: User, summary: dict[str, Any], *, now: datetime
) -> OutboundMessage:
    # Threading headers are looked up when the message is written (`render_message`), except
    # for the receipt of an emailed request, which answers the message intake is processing.
    in_reply_to, references, from_address = _answered_message()
    return build_message(
        to_address=recipient.email,
        subject=_subject(ticket),
        text_body="",
        html_body="",
        kind=KIND,
        language=language_of(recipient),
        ticket=ticket,
        recipient=recipient,
        from_address=from_address,
        in_reply_to=in_reply_to,
        references=references,
        digest_key=digest_key(ticket, recipient),
        events=[summary],
        now=now,
        send_after=now + DIGEST_WINDOW,
    )


def language_of(person: User) -> str:
    """Return the language to write to `person` in: theirs, their organisation's, the desk's."""
    if person.language:
        return person.language
    if person.organisation_id is not None and person.organisation.language:  # type: ignore[union-attr]
        return person.organisation.language  # type: ignore[union-attr]
    return settings.LANGUAGE_CODE


def _answered_message() -> tuple[str, list[str], str | None]:
    source = _answering.get()
    if source is None:
        return "", [], None
    message_id, mailbox_address = source
    return message_id, [message_id], mailbox_address


def _threading(ticket: Ticket, message_pk: int) -> tuple[str, list[str], str | None]:
    """Return In-Reply-To, References and the sender address for message `message_pk`.

    In-Reply-To is the requester's latest message, so their mail client threads our answer
    under it; References lists the ticket's messages oldest first, at most 20, the first kept.
    Replies are sent from the mailbox the requester wrote to, so their answers come back to it.
    """
    inbound = list(
        InboundMessage.objects.filter(ticket_id=ticket.pk)
        .order_by("-received_at", "-pk")
        .values_list("message_id", "received_at", "sender", "mailbox__address")[:MAX_REFERENCES]
    )
    outbound = list(
        OutboundMessage.objects.filter(ticket_id=ticket.pk, pk__lt=message_pk)  # sent before it
        .order_by("-created_at", "-pk")
        .values_list("message_id", "created_at")[:MAX_REFERENCES]
    )
    return _headers(ticket, inbound, outbound)


def _headers(
    ticket: Ticket, inbound: list[tuple[Any, ...]], outbound: list[tuple[Any, ...]]
) -> tuple[str, list[str], str | None]:
    requester_email = (ticket.requester.email or "").lower()
    from_requester = [row for row in inbound if (row[2] or "").lower() == requester_email]
    in_reply_to = from_requester[0][0] if from_requester else ""
    from_address = from_requester[0][3] if from_requester and from_requester[0][3] else None
    timed = sorted([(row[1], row[0]) for row in inbound] + [(row[1], row[0]) for row in outbound])
    ids = [message_id for _at, message_id in timed if message_id]
    if len(ids) > MAX_REFERENCES:
        first = _first_message_id(ticket)
        ids = [first, *[i for i in ids if i != first][-(MAX_REFERENCES - 1) :]]
    return in_reply_to, ids, from_address


def _first_message_id(ticket: Ticket) -> str:
    first_in = (
        InboundMessage.objects.filter(ticket_id=ticket.pk)
        .order_by("received_at", "pk")
        .values_list("received_at", "message_id")
        .first()
    )
    first_out = (
        OutboundMessage.objects.filter(ticket_id=ticket.pk)
        .order_by("created_at", "pk")
        .values_list("created_at", "message_id")
        .first()
    )
    return min(row for row in (first_in, first_out) if row is not None)[1]


# --- Rendering ----------------------------------------------------------------------------------


def render_message(message: OutboundMessage) -> OutboundMessage:
    """Write the subject and bodies of a notification from its gathered events (before sending).

    Rendered once, when the sender picks the row up; other kinds of message are written whole
    when queued and are returned as they are.
    """
    if message.kind != KIND or message.text_body:
        return message
    if message.ticket_id is None or message.recipient_id is None:
        # The ticket or the person was deleted while the notice waited: there is nothing to
        # say, and sent as it is the message would be empty. The sender marks it failed.
        raise ValueError("the notice's ticket or recipient no longer exists")
    ticket = Ticket.objects.select_related("requester").get(pk=message.ticket_id)
    recipient = User.objects.select_related("organisation").get(pk=message.recipient_id)
    subject, text, html = render(ticket, recipient, message.events, language=message.language)
    changes: dict[str, Any] = {"subject": subject, "text_body": text, "html_body": html}
    if not message.in_reply_to:
        in_reply_to, references, from_address = _threading(ticket, message.pk)
        changes.update(in_reply_to=in_reply_to, references=" ".join(references))
        if from_address:
            changes["from_address"] = from_address
    OutboundMessage.objects.filter(pk=message.pk).update(**changes)
    for name, value in changes.items():
        setattr(message, name, value)
    return message


def _subject(ticket: Ticket) -> str:
    return f"[{ticket.reference}] {_one_line(ticket.title)}"[:500]


def render(
    ticket: Ticket, recipient: User, events: list[dict[str, Any]], *, language: str
) -> tuple[str, str, str]:
    """Return the subject, text and HTML of a message telling `recipient` about `events`."""
    link_kind, link = _link(ticket, events)
    context: dict[str, Any] = {
        "reference": ticket.reference,
        "title": _one_line(ticket.title),
        "greeting_name": recipient.get_short_name(),
        "link_kind": link_kind,
        "link": link,
        "preferences_url": _absolute("mail:preferences"),
    }
    with translation.override(language), timezone.override(zone_of(recipient)):
        items = _items(events)
        for item in items:
            item["text"] = _paragraphs(render_plain(ITEM_TEXT, {**context, "item": item}))
        context["items"] = items
        text = render_plain("mail/notifications/message.txt", context)
        html = render_to_string("mail/notifications/message.html", context)
    return _subject(ticket), _paragraphs(text) + "\n", html


ITEM_TEXT = "mail/notifications/_item.txt"


def _items(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Return the summaries ready for the templates (times parsed, stale news dropped)."""
    items = []
    for index, summary in enumerate(events):
        later = events[index + 1 :]
        notice = summary["notice"]
        if notice == "sla_warning" and any(
            other["notice"] in ("sla_warning", "sla_breach")
            and other.get("clock") == summary.get("clock")
            for other in later
        ):
            continue  # the same clock's later warning or breach says more
        item = dict(summary)
        for name in ("at", "next_update", "due"):
            if item.get(name):
                item[name] = parse_datetime(item[name])
        if notice == "acknowledged" and any(o["notice"] in PROMISE_VOID_AFTER for o in later):
            item["next_update"] = None  # resolved or waiting on them within the minute
        if notice in ("sla_warning", "sla_breach"):
            item["clock_label"] = _label(Clock, item.get("clock", ""))
        if notice == "escalation":
            item["level_label"] = _label(Level, item.get("level", ""))
        items.append(item)
    return items


def _label(choices: Any, value: str) -> str:
    return str(choices(value).label) if value in choices.values else value


def _link(ticket: Ticket, events: list[dict[str, Any]]) -> tuple[str, str]:
    """Return where the message points: the workspace for agents, the portal for requesters."""
    kinds = {summary.get("link") or summary["audience"] for summary in events}
    if notices.AGENT in kinds or "workspace" in kinds:
        return "workspace", _absolute("workspace:ticket", ticket.reference)
    if notices.REQUESTER in kinds:
        return "portal", _absolute("portal:ticket", ticket.reference)
    return "escalations", _absolute("escalations:active")


def _absolute(name: str, *args: Any) -> str:
    try:
        return absolute_url(reverse(name, args=args))
    except NoReverseMatch:
        return absolute_url("/")


def zone_of(person: User) -> ZoneInfo:
    """Return the time zone to write to `person` in: theirs, else the desk's."""
    try:
        return ZoneInfo(person.time_zone or settings.TIME_ZONE)
    except (KeyError, ValueError, TypeError):  # ZoneInfoNotFoundError is a KeyError
        return ZoneInfo(settings.TIME_ZONE)


def _one_line(text: str) -> str:
    # A header must not carry line breaks (header injection), and titles may come from mail.
    return " ".join((text or "").split())


def _paragraphs(text: str) -> str:
    """Return plain text with trailing spaces gone and blank lines at most one in a row."""
    # "-- " keeps its space: it is the signature separator mail clients recognise.
    lines = [line if line == "-- " else line.rstrip() for line in text.strip().splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines))


# --- Preferences ------------------------------------------------------------------------------


def audiences_of(person: User) -> set[str]:
    """Return whose notices concern `person`: a requester's, an agent's, or both."""
    audiences = set()
    if person.organisation_id is not None:
        audiences.add(notices.REQUESTER)
    if person.is_agent:
        audiences.add(notices.AGENT)
    return audiences


@dataclass(frozen=True)
class Choice:
    """One line of the preferences page."""

    notice: notices.Notice
    enabled: bool


def preferences_of(person: User) -> list[Choice]:
    """Return the notices that concern `person`, each with whether it is sent to them."""
    off = set(
        NotificationPreference.objects.filter(person=person, enabled=False).values_list(
            "notice", flat=True
        )
    )
    return [
        Choice(notice, notice.essential or notice.code not in off)
        for notice in notices.for_audiences(audiences_of(person))
    ]


def save_preferences(person: User, *, enabled: Iterable[str]) -> None:
    """Store which optional notices `person` wants; essential ones cannot be turned off."""
    wanted = set(enabled)
    codes = [
        notice.code
        for notice in notices.for_audiences(audiences_of(person))
        if not notice.essential
    ]
    with transaction.atomic():
        existing = {
            row.notice: row
            for row in NotificationPreference.objects.select_for_update().filter(
                person=person, notice__in=codes
            )
        }
        for code in codes:
            value = code in wanted
            row = existing.get(code)
            if row is None:
                if not value:
                    NotificationPreference.objects.create(person=person, notice=code, enabled=False)
            elif row.enabled != value:
                NotificationPreference.objects.filter(pk=row.pk).update(enabled=value)
