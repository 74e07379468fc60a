"""Who wrote: find the person behind a sender address, create requesters, reject politely.

An unknown sender is handled by the mailbox's policy: create them as a requester of the
mailbox's organisation, or reject the message with one polite bilingual reply. The reply goes
through the outbox (so it is sent only if this transaction commits) and never twice to one
address within the rate window, so a storm of mail from a stranger gets one answer at most.
"""

from __future__ import annotations

import hashlib
import re
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import translation
from django.utils.translation import gettext as _

from allie.accounts.models import Organisation, User
from allie.mail.domain.parsing import ParsedMessage
from allie.mail.models import Mailbox, OutboundMessage
from allie.mail.services.outbox import enqueue_message

REJECTION = "rejection"
USERNAME_MAX = 150  # AbstractUser.username


def find_person(address: str) -> User | None:
    """Return the active person with this email address (case-insensitive), if any."""
    if not address:
        return None
    people = User.objects.select_related("organisation")  # the ticket's calendar reads it
    return people.filter(email__iexact=address, is_active=True).first()


def is_deactivated(address: str) -> bool:
    """Return whether this address is a deactivated person's (``find_person`` skips them)."""
    return bool(address) and User.objects.filter(email__iexact=address, is_active=False).exists()


def create_requester(*, address: str, name: str, organisation: Organisation) -> User:
    """Create a requester for an unknown sender; they sign in later through a password reset."""
    address = address.strip().lower()
    username = address if len(address) <= USERNAME_MAX else _hashed_username(address)
    person = User(
        email=address,
        username=username,
        full_name=(name.strip() or address.partition("@")[0])[:200],
        organisation=organisation,
        language=organisation.language,
    )
    person.set_unusable_password()
    try:
        with transaction.atomic():  # a savepoint: a concurrent intake may create them first
            person.save()
    except IntegrityError:
        # Only an active person is theirs to write as: a deactivated account must not come
        # back through mail (intake rejects their mail before creating anyone).
        existing = User.objects.filter(email__iexact=address, is_active=True).first()
        if existing is None:
            raise
        return existing
    return person


def _hashed_username(address: str) -> str:
    return "mail-" + hashlib.sha256(address.encode()).hexdigest()[:40]


def reject_sender(
    parsed: ParsedMessage,
    *,
    mailbox: Mailbox | None,
    window: timedelta,
    now: datetime,
) -> OutboundMessage | None:
    """Queue one polite bilingual reply to an unknown sender; None when one went out recently."""
    address = parsed.sender.address if parsed.sender else ""
    if "@" not in address:
        return None
    already = OutboundMessage.objects.filter(
        kind=REJECTION, to_address=address, created_at__gt=now - window
    ).exists()
    if already:
        return None
    subject, text = rejection_text(parsed.subject)
    references = [*parsed.references, parsed.message_id][-20:]
    return enqueue_message(
        to_address=address,
        subject=subject,
        text_body=text,
        kind=REJECTION,
        language="fr-ca",
        from_address=mailbox.address if mailbox else None,
        in_reply_to=parsed.message_id,
        references=references,
        now=now,
    )


def rejection_text(original_subject: str) -> tuple[str, str]:
    """Return the subject and the bilingual body (French first, then English) of a rejection."""
    parts: list[str] = []
    subjects: list[str] = []
    for language in ("fr-ca", "en"):
        with translation.override(language):
            subjects.append(_("Your message was not accepted"))
            parts.append(
                _(
                    "Hello,\n\n"
                    "We received your message, but your address is not one of those our service "
                    "desk serves, so it was not recorded as a request.\n\n"
                    "If you work for one of our clients, please write from your work address "
                    "or ask your organisation's contact to add you.\n\n"
                    "This reply is automatic; there is no need to answer it."
                )
            )
    subject = " / ".join(subjects)
    if original_subject:
        subject = f"{subject}: {original_subject}"[:500]
    return subject, "\n\n----\n\n".join(parts)


# An address written in a display name: '"carole@finances.test" <evil@x.test>'.
_ADDRESS_IN_NAME = re.compile(r"[^\s<>()\[\]\"',;:]+@[^\s<>()\[\]\"',;:]+")


def display_name(parsed: ParsedMessage) -> str:
    """Return the sender's display name as written in From (may be empty).

    A name that holds another address is dropped: shown as a requester's name, it would
    pass for that other person.
    """
    if parsed.sender is None:
        return ""
    for written in _ADDRESS_IN_NAME.findall(parsed.sender.name):
        if written.strip(".").lower() != parsed.sender.address:
            return ""
    return parsed.sender.name
