"""Mail waiting for an agent's review, and what an agent does with it.

Intake holds a message whose threading headers or subject point at a ticket its sender may not
write on (``intake._hold``): nothing lands on that ticket and nothing is sent. The agents who
work on the ticket see it on the ticket page (``held_messages``) and either add it to the
ticket as an internal note (the sender's words quoted, never published as the client's), open
a ticket from it as intake would have for new mail, or discard it.

Each action claims the row by compare-and-set on its status (``held``) in the transaction that
does the work, so of two agents acting at once one wins and the other is told it is done.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from allie.mail.domain.parsing import ParsedMessage, parse_message
from allie.mail.domain.quotes import strip_quoted
from allie.mail.models import InboundMessage
from allie.mail.services import intake, rawstore, senders
from allie.tickets.models import Ticket, TimelineEvent
from allie.tickets.selectors import may_work_on
from allie.tickets.services import reply
from allie.tickets.services.attachments import safe_display_name
from allie.tickets.services.errors import CONFLICT, FORBIDDEN, INVALID, ServiceError

logger = logging.getLogger(__name__)

Status = InboundMessage.Status

# The page shows the oldest held messages first, a few at a time: a stranger may write often.
HELD_SHOWN = 10
# Reading a message means parsing its raw bytes (attachments included, ~1 s for 25 MB): the
# page parses at most this much and shows the rest without their text.
PREVIEW_BUDGET = 8 * 1024 * 1024
PREVIEW_CHARS = 5000
REASON_LENGTH = 255  # InboundMessage.reason

MESSAGES = {
    "held_not_found": gettext_lazy("This message is not waiting for review on this request."),
    "held_reviewed": gettext_lazy("Someone has already dealt with this message."),
    "held_unreadable": gettext_lazy(
        "The original of this message cannot be read; ask an administrator."
    ),
}


class ReviewError(ServiceError):
    """A refused review action, with its message in the user's language."""

    @property
    def message(self) -> str:
        return str(MESSAGES.get(self.code, self.code))


@dataclass(frozen=True)
class HeldMessage:
    """A held message as the ticket page shows it (every text escaped by the template)."""

    pk: int
    sender: str  # the From header as written: display name and address
    received_at: datetime
    subject: str
    text: str  # what the sender wrote, quoted history removed; "" when not previewed
    attachments: tuple[str, ...]  # display names only
    previewed: bool


@dataclass(frozen=True)
class HeldMail:
    """The oldest messages held for review on a ticket, and whether more are waiting."""

    messages: list[HeldMessage]
    more: bool


def held_messages(ticket: Ticket) -> HeldMail:
    """Return the messages held for review on this ticket, oldest first (one query)."""
    rows = list(
        InboundMessage.objects.filter(held_for_id=ticket.pk, status=Status.HELD)
        .order_by("received_at", "pk")
        .only("pk", "sender", "subject", "received_at", "raw_path", "size")[: HELD_SHOWN + 1]
    )
    budget = PREVIEW_BUDGET
    shown: list[HeldMessage] = []
    for row in rows[:HELD_SHOWN]:
        parsed = None
        if row.size <= budget:
            budget -= row.size
            parsed = _read(row)
        shown.append(_shown(row, parsed))
    return HeldMail(shown, more=len(rows) > HELD_SHOWN)


def add_held_to_ticket(
    ticket: Ticket, *, message_pk: int, by: Any, now: datetime | None = None
) -> TimelineEvent:
    """Add a held message to its ticket as an internal note by `by`, quoting its sender."""
    now = now or timezone.now()
    row = _held_row(ticket, message_pk, by)
    parsed = _read_or_refuse(row)
    with intake.files_removed_on_failure() as written, transaction.atomic():
        _claim(row, ticket, Status.THREADED, now=now, ticket=ticket, reason=_by(by, "added"))
        event = reply(ticket, by=by, body=_note(row, parsed), public=False, now=now)
        intake.store_parts(ticket, parsed.attachments, event=event, by=by, now=now, to=written)
        InboundMessage.objects.filter(pk=row.pk).update(event=event)
    logger.info("inbound %s added to %s by %s", row.message_id, ticket.reference, by.pk)
    return event


def open_ticket_from_held(
    ticket: Ticket, *, message_pk: int, by: Any, now: datetime | None = None
) -> intake.IntakeResult:
    """Treat a held message as the new mail it may be: open a ticket for its sender, or apply
    the mailbox's unknown-sender policy (which may reject it), as intake does."""
    now = now or timezone.now()
    row = _held_row(ticket, message_pk, by)
    parsed = _read_or_refuse(row)
    with intake.files_removed_on_failure() as written, transaction.atomic():
        _claim(row, ticket, Status.OPENED, now=now)
        person = senders.find_person(parsed.sender.address if parsed.sender else "")
        with intake.notices_for(row):  # the receipt answers the sender's message, as at intake
            decision = intake.open_as_new_mail(
                row, parsed, person=person, now=now, create_senders=False, written=written
            )
        reason = decision.reason or _by(by, "opened")
        InboundMessage.objects.filter(pk=row.pk).update(
            status=decision.status,
            reason=reason[:REASON_LENGTH],
            ticket=decision.ticket,
            event=decision.event,
        )
    logger.info(
        "inbound %s held for %s: %s by %s (%s)",
        row.message_id,
        ticket.reference,
        decision.status,
        by.pk,
        decision.ticket.reference if decision.ticket is not None else decision.reason,
    )
    return intake.IntakeResult(decision.status, row, decision.ticket, reason)


def discard_held(ticket: Ticket, *, message_pk: int, by: Any, now: datetime | None = None) -> None:
    """Discard a held message: it stays stored, ignored, with who discarded it."""
    now = now or timezone.now()
    row = _held_row(ticket, message_pk, by)
    with transaction.atomic():
        _claim(row, ticket, Status.IGNORED, now=now, reason=_by(by, "discarded"))
    logger.info("inbound %s held for %s: discarded by %s", row.message_id, ticket.reference, by.pk)


# --- Helpers ----------------------------------------------------------------------------------


def _held_row(ticket: Ticket, message_pk: int, by: Any) -> InboundMessage:
    """Return the message held for this ticket, if `by` works on it; else refuse (404 or 409)."""
    if not may_work_on(by, ticket):
        raise ReviewError("held_not_found", kind=FORBIDDEN)
    row = (
        InboundMessage.objects.select_related("mailbox")
        .filter(pk=message_pk, held_for_id=ticket.pk)
        .first()
    )
    if row is None:
        raise ReviewError("held_not_found", kind=FORBIDDEN)
    if row.status != Status.HELD:
        raise ReviewError("held_reviewed", kind=CONFLICT)
    return row


def _claim(
    row: InboundMessage, held_for: Ticket, status: str, *, now: datetime, **fields: Any
) -> None:
    """Take the row from `held` to `status`, or refuse: another agent acted first.

    The UPDATE's WHERE is the lock (on PostgreSQL a concurrent claim waits for this
    transaction, then finds the row no longer held).
    """
    if "reason" in fields:
        fields["reason"] = fields["reason"][:REASON_LENGTH]
    claimed = InboundMessage.objects.filter(
        pk=row.pk, status=Status.HELD, held_for_id=held_for.pk
    ).update(status=status, processed_at=now, **fields)
    if claimed != 1:
        raise ReviewError("held_reviewed", kind=CONFLICT)


def _by(agent: Any, what: str) -> str:
    """The row's reason: what the review did and who did it (an address is stable, a name not)."""
    return f"{what} by {agent.email} after review"


def _read(row: InboundMessage) -> ParsedMessage | None:
    try:
        parsed = parse_message(rawstore.read_raw(row.raw_path))
    except (OSError, ValueError):
        return None
    return parsed if isinstance(parsed, ParsedMessage) else None


def _read_or_refuse(row: InboundMessage) -> ParsedMessage:
    parsed = _read(row)
    if parsed is None:
        raise ReviewError("held_unreadable", kind=INVALID)
    return parsed


def _sender(row: InboundMessage, parsed: ParsedMessage | None) -> str:
    """The From header as written: the display name, then the address (which is what counts)."""
    if parsed is None or parsed.sender is None:
        return row.sender
    name = parsed.sender.name.strip()
    return f"{name} <{parsed.sender.address}>" if name else parsed.sender.address


def _shown(row: InboundMessage, parsed: ParsedMessage | None) -> HeldMessage:
    text = ""
    names: tuple[str, ...] = ()
    if parsed is not None:
        text = strip_quoted(parsed.text or "").strip()
        if len(text) > PREVIEW_CHARS:
            text = text[:PREVIEW_CHARS].rstrip() + " …"
        names = tuple(safe_display_name(part.filename) for part in parsed.attachments)
    return HeldMessage(
        pk=row.pk,
        sender=_sender(row, parsed),
        received_at=row.received_at,
        subject=row.subject,
        text=text,
        attachments=names,
        previewed=parsed is not None,
    )


def _note(row: InboundMessage, parsed: ParsedMessage) -> str:
    """The internal note's text: who wrote and when, then their words quoted."""
    received = formats.date_format(timezone.localtime(row.received_at), "DATETIME_FORMAT")
    intro = _(
        "Message from %(sender)s, received on %(date)s and held for review: its sender may not "
        "write on this request. Their words, not the requester's:"
    ) % {"sender": _sender(row, parsed), "date": received}
    lines = []
    if row.subject:
        lines.append(_("Subject: %(subject)s") % {"subject": row.subject})
        lines.append("")
    lines += intake.message_body(parsed).splitlines()
    quoted = "\n".join(f"> {line}" if line else ">" for line in lines)
    return f"{intro}\n\n{quoted}"
