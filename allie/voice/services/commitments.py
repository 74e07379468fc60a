"""The commitments ledger's use cases: make, keep, renegotiate, break; the worker's sweeps.

Each use case runs in one transaction and, when the commitment is on a ticket, appends a
timeline event (kind SYSTEM, data {"commitment": "made" | "kept" | "renegotiated" | "broken"}),
public when the commitment is. State changes are compare-and-set on the open state.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import connection, transaction
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from allie.accounts.models import Organisation, Team, User
from allie.mail.services.notifications import language_of, zone_of
from allie.mail.services.outbox import enqueue_message, render_plain
from allie.tickets.models import Ticket, TimelineEvent
from allie.tickets.selectors import may_work_on, served_organisation_ids
from allie.tickets.services.errors import CONFLICT, FORBIDDEN, ServiceError
from allie.voice.domain import commitments as domain
from allie.voice.models import Commitment, CommitmentReminder

MESSAGES: dict[str, Promise] = {
    "what_required": _("Please say what you promise."),
    "due_required": _("Please give the date and time by which you promise it."),
    "due_naive": _("Please give the date and time by which you promise it."),
    "due_in_past": _("The due time must be in the future."),
    "to_whom_required": _("Please say to whom you promise it."),
    "to_whom_unknown": _("This person is not part of the client organisation."),
    "organisation_required": _("A commitment is made on a request or to an organisation."),
    "not_serving": _("Only an agent serving this client can record or settle its commitments."),
    "already_final": _("This commitment is already settled."),
    "renegotiate_too_late": _(
        "A commitment can only be renegotiated before it is due; this one is already broken."
    ),
    "client_told_required": _("Tell the client about the new due time before renegotiating."),
    "unknown_state": _("Unknown state."),
}


class CommitmentServiceError(ServiceError):
    """A refused change to the ledger, with its message translated here."""

    @property
    def message(self) -> str:
        template = MESSAGES.get(self.code)
        return str(template) if template is not None else super().message


def _from_domain(error: domain.CommitmentError) -> CommitmentServiceError:
    kind = CONFLICT if error.code in ("already_final", "renegotiate_too_late") else "invalid"
    return CommitmentServiceError(error.code, kind=kind, field=error.field or None)


def may_serve(user: Any, organisation_id: int, ticket: Ticket | None = None) -> bool:
    """Whether `user` may record or settle commitments on this ticket or organisation."""
    if ticket is not None:
        return may_work_on(user, ticket)
    if not user.is_authenticated or not user.is_agent:
        return False
    return bool(user.is_administrator or organisation_id in served_organisation_ids(user))


def _team_for(by: User, organisation_id: int, ticket: Ticket | None) -> Team | None:
    """The team a commitment counts for: the ticket's, else the promiser's serving the client."""
    if ticket is not None and ticket.team_id is not None:
        return ticket.team
    return Team.objects.filter(members=by, serves=organisation_id).order_by("name", "id").first()


def _record(commitment: Commitment, action: str, *, by: Any, now: datetime, **data: Any) -> None:
    if commitment.ticket_id is None:
        return
    TimelineEvent.objects.create(
        ticket_id=commitment.ticket_id,
        kind=TimelineEvent.Kind.SYSTEM,
        actor=by,
        is_public=commitment.is_public,
        body=commitment.note if action != "made" else "",
        data={
            "commitment": action,
            "id": commitment.pk,
            "what": commitment.what,
            "due_at": commitment.due_at.isoformat(),
            **data,
        },
        created_at=now,
    )


def _plan_reminders(commitment: Commitment) -> None:
    times = domain.reminder_times(created_at=commitment.made_at, due_at=commitment.due_at)
    CommitmentReminder.objects.bulk_create(
        [CommitmentReminder(commitment=commitment, remind_at=when) for when in times]
    )


def make_commitment(
    *,
    by: Any,
    what: str,
    due_at: datetime | None,
    ticket: Ticket | None = None,
    organisation: Organisation | None = None,
    to_person: User | None = None,
    to_name: str = "",
    is_public: bool = False,
    now: datetime | None = None,
) -> Commitment:
    """Record a promise made to a client; reminders are planned before its due time.

    On a ticket, the organisation is the ticket's and the promise goes to its requester unless
    someone else is named.
    """
    now = now or timezone.now()
    what = (what or "").strip()
    to_name = (to_name or "").strip()
    if ticket is not None:
        organisation_id = ticket.organisation_id
    elif organisation is not None:
        organisation_id = organisation.pk
    else:
        raise CommitmentServiceError("organisation_required", field="ticket")
    if not may_serve(by, organisation_id, ticket):
        raise CommitmentServiceError("not_serving", kind=FORBIDDEN)
    try:
        domain.check_new(what=what, due_at=due_at, now=now)
    except domain.CommitmentError as error:
        raise _from_domain(error) from error
    assert due_at is not None
    if to_person is not None and to_person.organisation_id != organisation_id:
        raise CommitmentServiceError("to_whom_unknown", field="to_whom")
    if to_person is None and not to_name:
        if ticket is None:
            raise CommitmentServiceError("to_whom_required", field="to_whom")
        to_person = ticket.requester
    with transaction.atomic():
        commitment = Commitment.objects.create(
            ticket=ticket,
            organisation_id=organisation_id,
            team=_team_for(by, organisation_id, ticket),
            what=what,
            to_person=to_person,
            to_name="" if to_person is not None else to_name,
            due_at=due_at,
            made_by=by,
            made_at=now,
            is_public=is_public,
        )
        _plan_reminders(commitment)
        _record(commitment, "made", by=by, now=now, to_whom=commitment.to_whom)
    return commitment


def _settle(
    commitment: Commitment,
    target: domain.State,
    *,
    by: Any,
    now: datetime,
    note: str = "",
    client_told: bool = False,
) -> Commitment:
    """Move an open commitment to `target`: checked by the domain, then compare-and-set."""
    try:
        domain.mark(domain.State(commitment.state), target, due_at=commitment.due_at, now=now)
    except domain.CommitmentError as error:
        raise _from_domain(error) from error
    changes: dict[str, Any] = {
        "state": target.value,
        "settled_at": now,
        "settled_by": by,
        "note": note,
    }
    if client_told:
        changes.update(client_told=True, client_told_at=now)
    changed = Commitment.objects.filter(pk=commitment.pk, state=Commitment.State.OPEN).update(
        **changes
    )
    if changed != 1:
        raise CommitmentServiceError("already_final", kind=CONFLICT)
    CommitmentReminder.objects.filter(commitment=commitment, sent_at__isnull=True).delete()
    commitment.refresh_from_db()
    return commitment


def _check_may_settle(commitment: Commitment, by: Any) -> None:
    if not may_serve(by, commitment.organisation_id, commitment.ticket):
        raise CommitmentServiceError("not_serving", kind=FORBIDDEN)


def mark_kept(
    commitment: Commitment, *, by: Any, note: str = "", now: datetime | None = None
) -> Commitment:
    """The promise was kept (before its due time)."""
    now = now or timezone.now()
    _check_may_settle(commitment, by)
    with transaction.atomic():
        commitment = _settle(commitment, domain.State.KEPT, by=by, now=now, note=note.strip())
        _record(commitment, "kept", by=by, now=now)
    return commitment


def mark_broken(
    commitment: Commitment, *, by: Any, note: str = "", now: datetime | None = None
) -> Commitment:
    """The promise will not be kept: say so now rather than let it fall due."""
    now = now or timezone.now()
    _check_may_settle(commitment, by)
    with transaction.atomic():
        commitment = _settle(commitment, domain.State.BROKEN, by=by, now=now, note=note.strip())
        _record(commitment, "broken", by=by, now=now)
    return commitment


def renegotiate(
    commitment: Commitment,
    *,
    by: Any,
    new_due_at: datetime | None,
    client_told: bool,
    note: str = "",
    now: datetime | None = None,
) -> Commitment:
    """Move the due time, before it passes and with the client told; return the new commitment.

    The old one counts as kept with notice; the new one, linked to it, carries the promise on.
    """
    now = now or timezone.now()
    _check_may_settle(commitment, by)
    if commitment.state == Commitment.State.OPEN and now >= commitment.due_at:
        raise CommitmentServiceError("renegotiate_too_late", kind=CONFLICT)
    try:
        domain.check_new(what=commitment.what, due_at=new_due_at, now=now)
    except domain.CommitmentError as error:
        raise _from_domain(error) from error
    if not client_told:
        raise CommitmentServiceError("client_told_required", field="client_told")
    assert new_due_at is not None
    with transaction.atomic():
        old = _settle(
            commitment,
            domain.State.RENEGOTIATED,
            by=by,
            now=now,
            note=note.strip(),
            client_told=True,
        )
        new = Commitment.objects.create(
            ticket_id=old.ticket_id,
            organisation_id=old.organisation_id,
            team_id=old.team_id,
            what=old.what,
            to_person_id=old.to_person_id,
            to_name=old.to_name,
            due_at=new_due_at,
            made_by=by,
            made_at=now,
            is_public=old.is_public,
            renegotiated_from=old,
        )
        _plan_reminders(new)
        _record(
            old, "renegotiated", by=by, now=now, new_id=new.pk, new_due_at=new_due_at.isoformat()
        )
    return new


# --- The worker's sweeps -----------------------------------------------------------------------


def _claim(queryset: Any) -> Any:
    if connection.features.has_select_for_update_skip_locked:
        return queryset.select_for_update(skip_locked=True, of=("self",))
    return queryset


def break_overdue(*, now: datetime | None = None, batch: int = 100) -> int:
    """Mark broken every open commitment past its due time; return how many.

    Its cost follows the overdue rows (partial index on open commitments by due time). Each
    batch commits with its timeline entries; each row is compare-and-set, so two workers, or a
    worker and an agent marking it kept, never both win.
    """
    now = now or timezone.now()
    broken = 0
    while True:
        with transaction.atomic():
            rows = list(
                _claim(
                    Commitment.objects.filter(state=Commitment.State.OPEN, due_at__lt=now).order_by(
                        "due_at", "id"
                    )
                )[:batch]
            )
            for commitment in rows:
                changed = Commitment.objects.filter(
                    pk=commitment.pk, state=Commitment.State.OPEN
                ).update(state=Commitment.State.BROKEN, settled_at=now)
                if changed != 1:
                    continue
                commitment.state = Commitment.State.BROKEN
                CommitmentReminder.objects.filter(
                    commitment=commitment, sent_at__isnull=True
                ).delete()
                _record(commitment, "broken", by=None, now=now, automatic=True)
                broken += 1
        if len(rows) < batch:
            return broken


def _reminder_message(commitment: Commitment, *, now: datetime) -> tuple[str, str, str]:
    person = commitment.made_by
    language = language_of(person)
    with translation.override(language), timezone.override(zone_of(person)):
        context = {"commitment": commitment, "person": person, "now": now}
        subject = render_plain("voice/email/commitment_reminder_subject.txt", context)
        body = render_plain("voice/email/commitment_reminder.txt", context)
    return " ".join(subject.split()), body, language


def send_reminders(*, now: datetime | None = None, batch: int = 100) -> int:
    """Write the reminders that are due to the outbox, each once; return how many were written.

    When several of a commitment's reminders are due together (the worker was down), one
    message goes out and all of them are marked sent.
    """
    now = now or timezone.now()
    sent = 0
    while True:
        with transaction.atomic():
            rows = list(
                _claim(
                    CommitmentReminder.objects.filter(
                        sent_at__isnull=True, remind_at__lte=now
                    ).order_by("remind_at", "id")
                )[:batch]
            )
            commitment_ids = {row.commitment_id for row in rows}
            commitments = {
                commitment.pk: commitment
                for commitment in Commitment.objects.filter(pk__in=commitment_ids).select_related(
                    "made_by__organisation", "ticket", "organisation", "to_person"
                )
            }
            for commitment_id in sorted(commitment_ids):
                claimed = CommitmentReminder.objects.filter(
                    commitment_id=commitment_id, sent_at__isnull=True, remind_at__lte=now
                ).update(sent_at=now)
                commitment = commitments.get(commitment_id)
                if not claimed or commitment is None:
                    continue
                if commitment.state != Commitment.State.OPEN or commitment.due_at <= now:
                    continue  # settled or past due meanwhile: nothing to remind
                person = commitment.made_by
                if not person.is_active or not person.email:
                    continue
                subject, body, language = _reminder_message(commitment, now=now)
                enqueue_message(
                    to_address=person.email,
                    subject=subject,
                    text_body=body,
                    kind="commitment_reminder",
                    language=language,
                    ticket=commitment.ticket,
                    recipient=person,
                    now=now,
                )
                sent += 1
        if len(rows) < batch:
            return sent
