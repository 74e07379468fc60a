"""Plain-word descriptions of a ticket for its requester: next step, history, form answers."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from allie.accounts.models import User
from allie.catalog.models import FormField
from allie.tickets.models import Status, Ticket, TimelineEvent
from allie.voice.presenters import requester_sentence

# What happens next, per status, when the owner has not written a next step themselves.
NEXT_STEPS: dict[str, Any] = {
    Status.NEW: _("An agent will take charge of your request soon."),
    Status.ACKNOWLEDGED: _("%(owner)s has your request in hand and will start on it shortly."),
    Status.IN_PROGRESS: _("%(owner)s is working on your request."),
    Status.WAITING_ON_REQUESTER: _("We need an answer from you: reply below."),
    Status.WAITING_ON_THIRD_PARTY: _(
        "We are waiting on a third party; %(owner)s will tell you as soon as it moves."
    ),
    Status.CLOSED: _("This request is closed. If you need more help, open a new request."),
    Status.DECLINED: _("This request is outside what we cover; see below where to go instead."),
    Status.CANCELLED: _("You cancelled this request. If you need help, open a new request."),
}

# Status changes told from the requester's side; %(actor)s is whoever did it.
STATUS_SENTENCES: dict[str, Any] = {
    "acknowledge": _("%(actor)s took charge of your request"),
    "start": _("%(actor)s started working on your request"),
    "wait_on_requester": _("Your request is waiting on you"),
    "wait_on_third_party": _("Your request is waiting on a third party"),
    "resume": _("Your request is back in progress"),
    "requester_replied": _("Your request is back in progress"),
    "resolve": _("%(actor)s marked your request as resolved"),
    "close": _("Your request was closed"),
    "reopen": _("%(actor)s reopened your request"),
    "decline": _("%(actor)s declined your request"),
    "cancel": _("%(actor)s cancelled your request"),
}


@dataclass(frozen=True)
class TimelineEntry:
    """One line of the history as the requester reads it."""

    kind: str
    sentence: str
    created_at: Any
    body: str = ""
    attachments: Sequence[Any] = field(default_factory=tuple)


def owner_name(ticket: Ticket) -> str:
    """Return the owner's name, or a plain sentence when nobody has taken charge yet."""
    if ticket.owner_id is None:
        return str(_("Not picked up yet"))
    return ticket.owner.get_full_name()  # type: ignore[union-attr]


def next_step(ticket: Ticket, *, reopen_window_days: int) -> str:
    """Return what happens next, in plain words: the owner's own words first."""
    if ticket.next_step and ticket.status not in (Status.CLOSED, Status.CANCELLED):
        return ticket.next_step
    if ticket.status == Status.RESOLVED:
        return ngettext(
            "We think this is solved. If not, reopen it within %(days)s day.",
            "We think this is solved. If not, reopen it within %(days)s days.",
            reopen_window_days,
        ) % {"days": reopen_window_days}
    template = NEXT_STEPS.get(ticket.status)
    if template is None:
        return ""
    owner = ticket.owner.get_full_name() if ticket.owner_id else gettext("An agent")  # type: ignore[union-attr]
    return str(template) % {"owner": owner, "days": reopen_window_days}


def _actor_name(event: TimelineEvent) -> str:
    if event.actor_id is None:
        return gettext("The service desk")
    return event.actor.get_full_name()  # type: ignore[union-attr]


def _person_ids(events: Iterable[TimelineEvent]) -> set[int]:
    ids = set()
    for event in events:
        if event.kind == TimelineEvent.Kind.OWNER_CHANGE and event.data.get("to"):
            ids.add(int(event.data["to"]))
    return ids


def describe_timeline(events: Iterable[TimelineEvent]) -> list[TimelineEntry]:
    """Return the public history in plain words; events a requester need not read are left out.

    New owners are looked up in one query for the whole timeline, never per event.
    """
    events = list(events)
    ids = _person_ids(events)
    names = (
        {user.pk: user.get_full_name() for user in User.objects.filter(pk__in=ids)} if ids else {}
    )
    entries = []
    for event in events:
        entry = _describe(event, names)
        if entry is not None:
            entries.append(entry)
    return entries


def _describe(event: TimelineEvent, names: dict[int, str]) -> TimelineEntry | None:
    attachments = list(event.attachments.all())
    actor = _actor_name(event)
    kind = event.kind
    if kind == TimelineEvent.Kind.OPENED:
        sentence = gettext("%(actor)s opened the request") % {"actor": actor}
        if event.data.get("on_behalf_of"):
            sentence = gettext("%(actor)s opened the request for you") % {"actor": actor}
        # The description is shown above the history: no need to repeat it here.
        return TimelineEntry(kind, sentence, event.created_at, "", attachments)
    if kind == TimelineEvent.Kind.PUBLIC_REPLY:
        sentence = gettext("%(actor)s wrote") % {"actor": actor}
        return TimelineEntry(kind, sentence, event.created_at, event.body, attachments)
    if kind == TimelineEvent.Kind.STATUS_CHANGE:
        return TimelineEntry(kind, _status_sentence(event, actor), event.created_at, event.body)
    if kind == TimelineEvent.Kind.OWNER_CHANGE:
        if not event.data.get("from"):
            return None  # the acknowledgement already says who took charge
        new_owner = names.get(int(event.data.get("to") or 0))
        if new_owner is None:
            return None
        sentence = gettext("%(name)s is now in charge of your request") % {"name": new_owner}
        return TimelineEntry(kind, sentence, event.created_at)
    if kind == TimelineEvent.Kind.SYSTEM and event.data.get("commitment"):
        # Only public commitments reach the requester's timeline.
        return TimelineEntry(kind, requester_sentence(event.data), event.created_at, event.body)
    if kind == TimelineEvent.Kind.FIELD_CHANGE and "next_step" in event.data.get("changes", {}):
        new_step = event.data["changes"]["next_step"][1]
        sentence = gettext("Next step: %(step)s") % {"step": new_step}
        return TimelineEntry(kind, sentence, event.created_at)
    return None


def _status_sentence(event: TimelineEvent, actor: str) -> str:
    command = event.data.get("command", "")
    template = STATUS_SENTENCES.get(command)
    if template is not None:
        return str(template) % {"actor": actor}
    target = event.data.get("to", "")
    label = str(Status(target).label) if target in Status.values else target
    return gettext("Your request is now “%(status)s”") % {"status": label}


@dataclass(frozen=True)
class Answer:
    """One answer to a service's own question, ready to show."""

    label: str
    value: Any


def form_answers(ticket: Ticket, fields: Iterable[FormField]) -> list[Answer]:
    """Return the ticket's answers labelled in the active language, in the form's order."""
    answers = dict(ticket.form_answers or {})
    shown = []
    for form_field in fields:
        if form_field.key not in answers:
            continue
        value = answers.pop(form_field.key)
        shown.append(Answer(form_field.label, _display_value(form_field, value)))
    # Answers to questions removed from the form since are still the requester's words.
    shown.extend(Answer(key, value) for key, value in answers.items())
    return [answer for answer in shown if answer.value not in ("", None)]


def _display_value(form_field: FormField, value: Any) -> Any:
    if form_field.field_type == FormField.FieldType.CHOICE:
        return dict(form_field.choice_pairs()).get(str(value), value)
    if form_field.field_type == FormField.FieldType.DATE and isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            return value
    return value
