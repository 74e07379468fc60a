"""The outbox: every outbound message is a row written in the caller's transaction.

Nothing here talks to a mail server; the worker sends the pending rows (`sending`). Writing the
row in the transaction of the event that causes it means a rolled-back event sends nothing and
a committed one is never forgotten.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import datetime
from email.utils import parseaddr
from typing import Any

from django.conf import settings
from django.template import Context
from django.template.loader import get_template, render_to_string
from django.utils import timezone, translation

from allie.mail.models import OutboundMessage


def desk_domain() -> str:
    """Return the domain of the desk's default sender, for the Message-IDs we make."""
    address = parseaddr(settings.DEFAULT_FROM_EMAIL)[1]
    return address.rpartition("@")[2] or "allie.localhost"


def new_message_id(reference: str | None = None) -> str:
    """Return a fresh Message-ID; it carries the ticket reference, which helps threading."""
    token = secrets.token_hex(12)
    local = f"{reference}.{token}" if reference else token
    return f"<{local}@{desk_domain()}>"


def absolute_url(path: str) -> str:
    """Return `path` (from `reverse`) as the address a reader follows from an email."""
    return settings.ALLIE_BASE_URL.rstrip("/") + path


def render_email(template: str, context: dict[str, Any], *, language: str) -> tuple[str, str, str]:
    """Return the subject (one line), text and HTML of `template` in `language`.

    Reads `<template>_subject.txt`, `<template>.txt` and `<template>.html`. The first two are
    plain text, rendered without HTML escaping whatever the template says: escaped, a client
    named "Tremblay & Fils" would read "Tremblay &amp; Fils" in a subject.
    """
    with translation.override(language):
        subject = render_plain(f"{template}_subject.txt", context)
        text = render_plain(f"{template}.txt", context)
        html = render_to_string(f"{template}.html", context)
    return " ".join(subject.split()), text, html


def render_plain(name: str, context: dict[str, Any]) -> str:
    """Render a plain-text template (a subject, a text body): never HTML-escaped."""
    return get_template(name).template.render(Context(context, autoescape=False))


def build_message(
    *,
    to_address: str,
    subject: str,
    text_body: str,
    kind: str,
    language: str,
    html_body: str = "",
    ticket: Any = None,
    recipient: Any = None,
    from_address: str | None = None,
    in_reply_to: str = "",
    references: Sequence[str] = (),
    digest_key: str = "",
    events: list[Any] | None = None,
    now: datetime | None = None,
    send_after: datetime | None = None,
) -> OutboundMessage:
    """Return one outbox message, not yet saved (to write several with one insert)."""
    now = now or timezone.now()
    reference = getattr(ticket, "reference", None) if ticket is not None else None
    return OutboundMessage(
        ticket=ticket,
        recipient=recipient,
        to_address=to_address,
        from_address=from_address or settings.DEFAULT_FROM_EMAIL,
        kind=kind,
        language=language,
        subject=subject,
        text_body=text_body,
        html_body=html_body,
        message_id=new_message_id(reference),
        in_reply_to=in_reply_to,
        references=" ".join(references),
        digest_key=digest_key,
        events=events or [],
        created_at=now,
        send_after=send_after or now,
    )


def enqueue_message(**fields: Any) -> OutboundMessage:
    """Write one message to the outbox (in the caller's transaction) and return it.

    Takes the keyword arguments of `build_message`.
    """
    message = build_message(**fields)
    message.save(force_insert=True)
    return message
