"""Intake: store each inbound message once, raw bytes first, then turn it into ticket work.

1. **Store.** Parse (pure, never raises), write the raw bytes to disk (fsynced), insert the
   ``InboundMessage`` row. The unique keys on the Message-ID and on the mailbox's
   (UIDVALIDITY, UID) make a message already stored a duplicate, never imported twice.
2. **Process**, in the same transaction but inside a savepoint. Noise (auto-replies, bounces,
   our own mail) and rate-limited storms are ignored with their reason; a message from someone
   who may write on the ticket it continues lands on it; one pointing at a ticket its sender
   may not write on is held for an agent's review (``review``); anything else opens a ticket,
   or is rejected when the sender is unknown and the mailbox says so. If anything fails here, the
   savepoint rolls back, the row is marked failed with the reason and can be reprocessed
   (``reprocess_message``).

Only once that transaction commits may the IMAP poller mark the message seen: when it fails
(the database is down), ``receive_message`` raises and the message stays unseen on the server
for the next poll, so nothing is lost.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parseaddr
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from allie.core.snapshot import remembered
from allie.mail.domain.authentication import vouched_for
from allie.mail.domain.noise import RateWindow, classify
from allie.mail.domain.parsing import Attachment as MailPart
from allie.mail.domain.parsing import ParsedMessage, Unparseable, parse_message
from allie.mail.domain.quotes import strip_quoted
from allie.mail.models import (
    InboundMessage,
    Mailbox,
    MailSettings,
    OutboundMessage,
    UnknownSenderPolicy,
)
from allie.mail.services import notifications, rawstore, senders, threads
from allie.tickets.domain.lifecycle import FINAL_STATUSES
from allie.tickets.domain.lifecycle import Status as LifecycleStatus
from allie.tickets.models import (
    OPEN_STATUSES,
    Attachment,
    Channel,
    Ticket,
    TicketCopy,
    TimelineEvent,
)
from allie.tickets.selectors import may_act_for_requester, may_work_on
from allie.tickets.services import copies, open_ticket, reply
from allie.tickets.services.attachments import safe_content_type, safe_display_name
from allie.tickets.services.errors import ServiceError
from allie.tickets.services.state import record

logger = logging.getLogger(__name__)

Status = InboundMessage.Status

OPENED = "opened"
THREADED = "threaded"
HELD = "held"
IGNORED = "ignored"
REJECTED = "rejected"
FAILED = "failed"
DUPLICATE = "duplicate"
REASON_LENGTH = 255  # InboundMessage.reason


@dataclass(frozen=True)
class IntakeResult:
    outcome: str  # "opened" | "threaded" | "held" | "ignored" | "rejected" | "failed" | "duplicate"
    message: InboundMessage | None
    ticket: Ticket | None = None
    reason: str = ""

    @property
    def stored(self) -> bool:
        """True when the raw message is safely in the database (a duplicate included)."""
        return self.message is not None and self.message.pk is not None


@dataclass(frozen=True)
class Decision:
    """What processing made of a message: the row's new status, reason, ticket and event."""

    status: str
    reason: str = ""
    ticket: Ticket | None = None
    event: TimelineEvent | None = None
    held_for: Ticket | None = None


MAX_ADDRESS_LENGTH = 254  # RFC 5321's limit, and the stored sender's column
# Reasons of rejections, in English like every reason (they are log lines for administrators).
DEACTIVATED = "the sender's account is deactivated"
NO_ORGANISATION = "the sender belongs to no organisation"


def receive_message(
    raw: bytes,
    *,
    mailbox: Mailbox | None = None,
    uidvalidity: int | None = None,
    uid: int | None = None,
    source: str = InboundMessage.Source.IMAP,
    now: datetime | None = None,
    create_senders: bool = False,
) -> IntakeResult:
    """Store one raw message (once), then process it; raise only when it could not be stored.

    ``create_senders`` (imports) creates unknown senders whatever the mailbox's policy says.
    """
    now = now or timezone.now()
    raw = bytes(raw)
    # Over the cap only the header block is read (ids, sender, subject for administrators):
    # parsing the rest would cost time and memory for a message that is not processed.
    parsed = parse_message(raw, max_bytes=settings.MAIL_MAX_BYTES)
    status, reason = Status.RECEIVED, ""
    if isinstance(parsed, Unparseable):
        status, reason = Status.FAILED, f"unparseable: {parsed.reason}"
    elif parsed.size_capped:
        status, reason = Status.IGNORED, f"larger than {settings.MAIL_MAX_BYTES} bytes"
    relative = rawstore.store_raw(raw, parsed.raw_sha256)
    sender = parsed.sender if isinstance(parsed, ParsedMessage) else None
    row = InboundMessage(
        mailbox=mailbox,
        source=source,
        uidvalidity=uidvalidity,
        uid=uid,
        message_id=parsed.message_id,
        raw_sha256=parsed.raw_sha256,
        raw_path=relative,
        size=len(raw),
        sender=(sender.address if sender else "")[:MAX_ADDRESS_LENGTH],
        subject=(parsed.subject if isinstance(parsed, ParsedMessage) else "")[:500],
        received_at=now,
        status=status,
        reason=reason[:REASON_LENGTH],
        attempts=1 if status == Status.FAILED else 0,
        processed_at=now if status != Status.RECEIVED else None,
    )
    try:
        # The row and its processing commit together; processing runs in a savepoint, so when
        # it fails the row is still stored (marked failed, to reprocess). Until this commits,
        # the poller does not mark the message seen: a crash loses nothing.
        with transaction.atomic():
            row.save(force_insert=True)
            if status != Status.RECEIVED:
                logger.info("inbound %s %s: %s", parsed.message_id, status, reason)
                return IntakeResult(status, row, reason=row.reason)
            assert isinstance(parsed, ParsedMessage)
            return _process(row, parsed, now=now, create_senders=create_senders, claim=False)
    except IntegrityError:
        # Stored already (the unique keys on the Message-ID and on the mailbox's UID say so),
        # or by another process meanwhile: a duplicate, never imported twice.
        existing = _existing(parsed.message_id, mailbox, uidvalidity, uid)
        if existing is None:
            raise
        return _duplicate(existing)


def reprocess_message(message: InboundMessage, *, now: datetime | None = None) -> IntakeResult:
    """Process again a stored message that failed (or was never processed)."""
    now = now or timezone.now()
    if message.status not in (Status.RECEIVED, Status.FAILED):
        return IntakeResult(DUPLICATE, message, message.ticket, reason="already processed")
    try:
        raw = rawstore.read_raw(message.raw_path)
    except (OSError, ValueError) as error:
        return _failed(message, f"raw message unreadable: {type(error).__name__}", now=now)
    parsed = parse_message(raw)
    if isinstance(parsed, Unparseable):
        return _failed(message, f"unparseable: {parsed.reason}", now=now)
    return _process(message, parsed, now=now, create_senders=False)


# --- Storing ----------------------------------------------------------------------------------


def _existing(
    message_id: str, mailbox: Mailbox | None, uidvalidity: int | None, uid: int | None
) -> InboundMessage | None:
    condition = Q(message_id=message_id)
    if mailbox is not None and uid is not None:
        condition |= Q(mailbox=mailbox, uidvalidity=uidvalidity, uid=uid)
    # Probe with the key alone (cheap: most mail is new), then load a duplicate in full.
    found = InboundMessage.objects.filter(condition).values_list("pk", flat=True).first()
    if found is None:
        return None
    return InboundMessage.objects.select_related("ticket").get(pk=found)


def _duplicate(existing: InboundMessage) -> IntakeResult:
    return IntakeResult(DUPLICATE, existing, existing.ticket, reason="already stored")


# --- Processing -------------------------------------------------------------------------------


def _process(
    row: InboundMessage,
    parsed: ParsedMessage,
    *,
    now: datetime,
    create_senders: bool,
    claim: bool = True,
) -> IntakeResult:
    """Turn a stored message into ticket work, in a transaction (a savepoint when nested).

    `claim`: take the row first (compare-and-set on its attempts), so two workers never process
    one message twice; a row inserted in the caller's uncommitted transaction is nobody else's.
    """
    attempts = row.attempts
    try:
        with files_removed_on_failure() as written, transaction.atomic():
            if claim:
                claimed = InboundMessage.objects.filter(
                    pk=row.pk, status__in=(Status.RECEIVED, Status.FAILED), attempts=row.attempts
                ).update(attempts=F("attempts") + 1)
                if claimed != 1:
                    return IntakeResult(DUPLICATE, row, reason="processed meanwhile")
            row.attempts += 1
            with notices_for(row):
                decision = _decide(
                    row, parsed, now=now, create_senders=create_senders, written=written
                )
            InboundMessage.objects.filter(pk=row.pk).update(
                status=decision.status,
                reason=decision.reason[:REASON_LENGTH],
                ticket=decision.ticket,
                event=decision.event,
                held_for=decision.held_for,
                processed_at=now,
                attempts=row.attempts,
            )
    except Exception as error:
        row.attempts = attempts  # rolled back with the rest
        logger.warning("inbound %s failed: %s", row.message_id, error, exc_info=True)
        return _failed(row, _failure_reason(error), now=now)
    row.status, row.reason = decision.status, decision.reason[:REASON_LENGTH]
    row.ticket, row.event, row.processed_at = decision.ticket, decision.event, now
    row.held_for = decision.held_for
    if decision.status in (Status.IGNORED, Status.REJECTED, Status.HELD):
        logger.info("inbound %s %s: %s", row.message_id, decision.status, decision.reason)
    return IntakeResult(decision.status, row, decision.ticket, decision.reason)


def _failed(row: InboundMessage, reason: str, *, now: datetime) -> IntakeResult:
    """Mark the row failed (attempts + 1); the raw message stays for a later reprocess."""
    reason = reason[:REASON_LENGTH]
    try:
        InboundMessage.objects.filter(pk=row.pk).update(
            status=Status.FAILED, reason=reason, attempts=F("attempts") + 1, processed_at=now
        )
    except Exception:  # the database is gone: the row stays "received", still reprocessable
        logger.exception("inbound %s: could not record the failure", row.message_id)
    else:
        row.status, row.reason, row.attempts = Status.FAILED, reason, row.attempts + 1
    return IntakeResult(FAILED, row, reason=reason)


def _failure_reason(error: Exception) -> str:
    if isinstance(error, ServiceError):
        return f"{error.code}: {error.message}"
    return f"{type(error).__name__}: {error}"


@contextmanager
def files_removed_on_failure() -> Iterator[list[Path]]:
    """Yield the list attachment writers add their files to; remove them if the block fails.

    Open it outside the transaction: the rows roll back, and no orphan file stays behind.
    """
    written: list[Path] = []
    try:
        yield written
    except BaseException:
        for path in written:
            path.unlink(missing_ok=True)
        raise


def notices_for(row: InboundMessage) -> AbstractContextManager[None]:
    """The notices processing `row` may queue: none for an import (history), else answering
    the message it came in (its receipt threads under it, from its mailbox's address)."""
    if row.source == InboundMessage.Source.IMPORT:
        return notifications.muted()
    mailbox_address = row.mailbox.address if row.mailbox is not None else None
    return notifications.answering(row.message_id, mailbox_address)


def _decide(
    row: InboundMessage,
    parsed: ParsedMessage,
    *,
    now: datetime,
    create_senders: bool,
    written: list[Path],
) -> Decision:
    noise = classify(parsed, desk_addresses=desk_addresses())
    if noise is not None:
        return Decision(Status.IGNORED, noise.reason)
    if _sent_by_us(parsed):
        return Decision(Status.IGNORED, f"our own message {parsed.message_id} came back")
    address = parsed.sender.address if parsed.sender else ""
    if parsed.sender_ambiguous:
        # "alice@a.test <evil@b.test>", two From fields...: writing as anyone is a spoof.
        return Decision(Status.IGNORED, "ambiguous sender: From names several addresses")
    if "@" not in address or len(address) > MAX_ADDRESS_LENGTH:
        # Longer than any real address (RFC 5321): it fits no person's email and, cut to
        # the stored column, would slip past the sender's rate limit.
        return Decision(Status.IGNORED, "no usable sender address")
    mail_settings = MailSettings.current()
    window = timedelta(minutes=mail_settings.rate_window_minutes)
    if row.source == InboundMessage.Source.IMAP:
        limited = _rate_limited(row, address, mail_settings.rate_limit, window, now)
        if limited:
            return Decision(Status.IGNORED, limited)

    person = senders.find_person(address)
    thread = threads.find_thread(parsed, person)
    if thread.ticket is not None and thread.writable:
        if person.is_agent and not _vouched_for(parsed):
            # Anyone can write an agent's address in From; published as the agent's reply, a
            # forged message would reach the client as the desk's own words.
            why = "held for review: an agent's address, not authenticated by our mail server"
            return _hold(thread.ticket, parsed, now=now, reason=why)
        return _continue(thread.ticket, person, parsed, now=now, written=written)
    if thread.ticket is not None:
        return _hold(thread.ticket, parsed, now=now)
    return open_as_new_mail(
        row, parsed, person=person, now=now, create_senders=create_senders, written=written
    )


def open_as_new_mail(
    row: InboundMessage,
    parsed: ParsedMessage,
    *,
    person: Any,
    now: datetime,
    create_senders: bool,
    written: list[Path],
) -> Decision:
    """Open a ticket for the sender, or apply the mailbox's policy when they are unknown."""
    if person is None:
        window = timedelta(minutes=MailSettings.current().rate_window_minutes)
        person = _unknown_sender(row, parsed, window, now=now, create_senders=create_senders)
        if isinstance(person, Decision):
            return person
    return _open(person, parsed, row.mailbox, now=now, written=written)


def _vouched_for(parsed: ParsedMessage) -> bool:
    """Whether the desk's mail server vouched for the From domain (always, when no server's
    id is configured: then nothing can be checked, see docs/email-intake.md)."""
    trusted = settings.MAIL_TRUSTED_AUTHSERV_IDS
    if not trusted or parsed.sender is None:
        return not trusted
    domain = parsed.sender.address.rpartition("@")[2]
    return vouched_for(domain, parsed.header_values("Authentication-Results"), trusted)


def _hold(ticket: Ticket, parsed: ParsedMessage, *, now: datetime, reason: str = "") -> Decision:
    """Keep a message whose sender may not write on the ticket it points to, for review.

    Nothing the sender wrote lands on the ticket and nothing goes to the sender: an agent who
    works on it adds the message as a note, opens a ticket from it or discards it (``review``).
    An internal timeline entry says that mail waits, and tells the owner (their notice).
    """
    if not message_body(parsed):
        return Decision(Status.IGNORED, "empty reply: no text and no attachment")
    reason = reason or f"held for review: the sender may not write on {ticket.reference}"
    sender = parsed.sender.address if parsed.sender else ""
    record(ticket, TimelineEvent.Kind.SYSTEM, actor=None, now=now, mail="held", sender=sender)
    return Decision(Status.HELD, reason, held_for=ticket)


def _sent_by_us(parsed: ParsedMessage) -> bool:
    """Return whether this is one of our outgoing messages delivered back to the desk.

    A list or a forwarding rule may strip our loop header and rewrite From; the Message-ID
    we gave the message survives, and nobody else's mail carries it.
    """
    if parsed.message_id_synthetic:
        return False
    return OutboundMessage.objects.filter(message_id=parsed.message_id).exists()


def desk_addresses() -> set[str]:
    """Return the desk's own addresses: every mailbox's and the default sender's."""
    mailboxes = remembered(
        "mailbox_addresses", lambda: list(Mailbox.objects.values_list("address", flat=True))
    )
    addresses = {address.lower() for address in mailboxes}
    default = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].lower()
    if default:
        addresses.add(default)
    return addresses


def _rate_limited(
    row: InboundMessage, address: str, limit: int, window: timedelta, now: datetime
) -> str:
    """Return why this sender is over the limit, or "" (a limit of 0 means no limit)."""
    if limit <= 0:
        return ""
    # Served by the index inbound_sender_recent; at most `limit` rows are read.
    recent = list(
        InboundMessage.objects.filter(
            sender=address, received_at__gt=now - window, source=InboundMessage.Source.IMAP
        )
        .exclude(pk=row.pk)
        .exclude(status=Status.IGNORED)
        .order_by("-received_at")
        .values_list("received_at", flat=True)[:limit]
    )
    decision = RateWindow(limit, window).check(recent, now)
    if decision.allowed:
        return ""
    minutes = int(window.total_seconds() // 60)
    return f"rate limited: {decision.count} messages from this sender within {minutes} minutes"


def _unknown_sender(
    row: InboundMessage,
    parsed: ParsedMessage,
    window: timedelta,
    *,
    now: datetime,
    create_senders: bool,
) -> Any:
    """Return the requester created for an unknown sender, or the decision to reject them."""
    mailbox = row.mailbox
    address = parsed.sender.address if parsed.sender else ""
    if senders.is_deactivated(address):
        # Known but switched off: rejected as the "reject" policy would, whatever the policy
        # (creating them again would fail on their address, or bring them back).
        if row.source != InboundMessage.Source.IMPORT:
            senders.reject_sender(parsed, mailbox=mailbox, window=window, now=now)
        return Decision(Status.REJECTED, DEACTIVATED)
    policy = UnknownSenderPolicy.REJECT
    if create_senders:
        policy = UnknownSenderPolicy.CREATE
    elif mailbox is not None:
        policy = mailbox.unknown_senders
    organisation = mailbox.organisation if mailbox is not None else None
    if policy == UnknownSenderPolicy.CREATE and organisation is not None:
        return senders.create_requester(
            address=address,
            name=senders.display_name(parsed),
            organisation=organisation,
        )
    reason = "unknown sender"
    if policy == UnknownSenderPolicy.CREATE:
        reason = "unknown sender and no organisation to create them in"
    elif row.source != InboundMessage.Source.IMPORT:  # imported mail is history: no reply
        senders.reject_sender(parsed, mailbox=mailbox, window=window, now=now)
    return Decision(Status.REJECTED, reason)


def _continue(
    ticket: Ticket,
    person: Any,
    parsed: ParsedMessage,
    *,
    now: datetime,
    written: list[Path],
) -> Decision:
    """Add the message to the ticket it continues (the sender may write on it)."""
    body = message_body(parsed)
    if not body:
        return Decision(Status.IGNORED, "empty reply: no text and no attachment")
    if LifecycleStatus(ticket.status) in FINAL_STATUSES:
        if may_act_for_requester(person, ticket):
            follow_up = _open_follow_up(ticket, person)
            if follow_up is None:
                return _open(person, parsed, None, now=now, written=written, follows=ticket)
            ticket = follow_up
        elif may_work_on(person, ticket):
            # An agent's mail on a stopped ticket is kept as a note; the client is not told.
            event = reply(ticket, by=person, body=body, public=False, now=now)
            store_parts(ticket, parsed.attachments, event=event, by=person, now=now, to=written)
            _copy_recipients(ticket, parsed, by=person, now=now)
            return Decision(Status.THREADED, "", ticket, event)
        else:
            # Someone only copied opens no follow-up in their name: an agent decides.
            stopped = f"{ticket.reference}, {ticket.status}"
            why = f"held for review: the sender is only copied on {stopped}"
            return _hold(ticket, parsed, now=now, reason=why)
    event = reply(ticket, by=person, body=body, public=True, now=now)
    store_parts(ticket, parsed.attachments, event=event, by=person, now=now, to=written)
    _copy_recipients(ticket, parsed, by=person, now=now)
    return Decision(Status.THREADED, "", ticket, event)


def _copy_recipients(ticket: Ticket, parsed: ParsedMessage, *, by: Any, now: datetime) -> None:
    """Copy on the ticket the people of its organisation this message was addressed to (To,
    Cc), never the desk's own addresses nor the sender: two queries whatever their number."""
    addresses = {address.address for address in (*parsed.to, *parsed.cc)}
    addresses -= desk_addresses()
    if parsed.sender is not None:
        addresses.discard(parsed.sender.address)
    addresses = {address for address in addresses if len(address) <= MAX_ADDRESS_LENGTH}
    if addresses:
        people = copies.copyable_people(ticket, addresses)
        copies.copy_people(ticket, people, by=by, source=TicketCopy.Source.MAIL, now=now)


def _follow_up_reason(ticket: Ticket) -> str:
    return f"follow-up of {ticket.reference}"


def _open_follow_up(closed: Ticket, person: Any) -> Ticket | None:
    """Return the open ticket already opened by this sender's mail about a stopped one.

    The stopped ticket's row is locked first, until this transaction ends: two replies
    processed at once would otherwise both find no follow-up and open one each. The second
    waits for the first to commit, then finds its follow-up (on SQLite, one writer at a time).
    """
    list(Ticket.objects.select_for_update().filter(pk=closed.pk).values_list("pk", flat=True))
    earlier = (
        InboundMessage.objects.filter(
            sender=person.email.lower(),
            status=Status.OPENED,
            reason=_follow_up_reason(closed),
            ticket__status__in=OPEN_STATUSES,
        )
        .select_related("ticket")
        .order_by("-received_at")
        .first()
    )
    return earlier.ticket if earlier is not None else None


def _open(
    person: Any,
    parsed: ParsedMessage,
    mailbox: Mailbox | None,
    *,
    now: datetime,
    written: list[Path],
    follows: Ticket | None = None,
) -> Decision:
    """Open a ticket for the sender's organisation, through the mailbox's service."""
    if person.organisation_id is None:
        # open_ticket would refuse (a ticket belongs to an organisation): a rejection, not
        # a failure to reprocess, since processing again would fail the same way.
        return Decision(Status.REJECTED, NO_ORGANISATION)
    service = None
    if mailbox is not None and mailbox.service_id is not None and mailbox.service.is_active:
        service = mailbox.service
    elif follows is not None and follows.service_id is not None and follows.service.is_active:
        service = follows.service
    description = message_body(parsed)
    with translation.override(person.language or settings.LANGUAGE_CODE):
        title = parsed.subject.strip() or _("(no subject)")
        if follows is not None:
            note = _("Follow-up to %(reference)s, which is closed.") % {
                "reference": follows.reference
            }
            description = f"{note}\n\n{description}".strip()
    ticket = open_ticket(
        requester=person,
        title=title,
        description=description,
        service=service,
        channel=Channel.EMAIL,
        now=now,
    )
    event = ticket.opening_event
    store_parts(ticket, parsed.attachments, event=event, by=person, now=now, to=written)
    _copy_recipients(ticket, parsed, by=person, now=now)
    reason = _follow_up_reason(follows) if follows is not None else ""
    return Decision(Status.OPENED, reason, ticket, event)


def message_body(parsed: ParsedMessage) -> str:
    """Return what the sender wrote (quoted history and signature removed).

    With no text at all, the names of the attached files stand for it, so that a reply
    carrying only a file is still a reply.
    """
    body = strip_quoted(parsed.text or "").strip()
    if not body and parsed.attachments:
        body = "\n".join(safe_display_name(part.filename) for part in parsed.attachments)
    return body


def store_parts(
    ticket: Ticket,
    parts: tuple[MailPart, ...],
    *,
    event: TimelineEvent | None,
    by: Any,
    now: datetime,
    to: list[Path],
) -> None:
    """Keep every attachment and inline image on the event, under random names.

    Unlike uploads, mail parts are neither refused for their type nor for the upload size
    limit: the mail is already delivered (its raw size is capped by MAIL_MAX_BYTES) and
    refusing a part would lose it. They are served as downloads only, like every attachment.
    """
    if not parts:
        return
    root = Path(settings.ATTACHMENTS_ROOT)
    public = event.is_public if event is not None else True
    rows: list[Attachment] = []
    for part in parts:
        stored_name = secrets.token_hex(16)
        path = root / stored_name[:2] / stored_name
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("xb") as target:
            to.append(path)
            target.write(part.data)
        rows.append(
            Attachment(
                ticket=ticket,
                event=event,
                uploaded_by=by,
                is_public=public,
                original_name=safe_display_name(part.filename),
                stored_name=stored_name,
                content_type=safe_content_type(part.content_type),
                size=len(part.data),
                created_at=now,
            )
        )
    Attachment.objects.bulk_create(rows)
