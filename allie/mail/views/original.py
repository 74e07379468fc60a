"""The original of an inbound message, as it was received, for people who may see its ticket."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from allie.mail.domain.html import sanitise_html
from allie.mail.domain.parsing import ParsedMessage, parse_message
from allie.mail.models import InboundMessage
from allie.mail.services.rawstore import read_raw
from allie.tickets.models import Attachment, Ticket
from allie.tickets.selectors import may_work_on


@dataclass(frozen=True)
class ShownAttachment:
    name: str
    url: str


@require_GET
@login_required
def original(request: HttpRequest, pk: int) -> HttpResponse:
    """Show an inbound message's headers and body (HTML sanitised, remote images blocked)."""
    message = _visible_message(request.user, pk)
    try:
        parsed = parse_message(read_raw(message.raw_path))
    except (OSError, ValueError):
        raise Http404 from None
    if not isinstance(parsed, ParsedMessage):
        raise Http404
    attachments = _stored_attachments(message)
    # Inline images are served by the access-checked attachment view, matched in part order.
    cid_map = {
        part.content_id: shown.url
        for part, shown in zip(parsed.attachments, attachments, strict=False)
        if part.content_id
    }
    html = ""
    if parsed.html:
        html = sanitise_html(parsed.html, cid_map=cid_map, blocked_image_text=_("[image]"))
    context = {
        "message": message,
        "parsed": parsed,
        # sanitise_html's allow-list output is safe to insert (see docs/email-parsing.md).
        "html": mark_safe(html),
        "attachments": attachments,
        "ticket": message.ticket,
        "is_agent": message.ticket is not None and may_work_on(request.user, message.ticket),
    }
    return render(request, "mail/original.html", context)


def _visible_message(user: object, pk: int) -> InboundMessage:
    """Return the message if ``user`` may see it, else raise Http404.

    Through its ticket and the one scoping rule (agents of the organisation, the requester or
    their organisation's contact); a message kept as an internal note only to agents; one held
    for review to the agents who work on the ticket it is held for (they decide what it is);
    one without a ticket otherwise (ignored, rejected, failed) only to administrators.
    """
    related = ("ticket", "event", "held_for")
    message = InboundMessage.objects.select_related(*related).filter(pk=pk).first()
    if message is None:
        raise Http404
    if message.ticket_id is None:
        held = message.status == InboundMessage.Status.HELD and message.held_for is not None
        if held and may_work_on(user, message.held_for):
            return message
        if not getattr(user, "is_administrator", False):
            raise Http404
        return message
    if not Ticket.objects.visible_to(user).filter(pk=message.ticket_id).exists():
        raise Http404
    internal = message.event is not None and not message.event.is_public
    if internal and not may_work_on(user, message.ticket):
        raise Http404
    return message


def _stored_attachments(message: InboundMessage) -> list[ShownAttachment]:
    if message.event_id is None:
        return []
    rows = Attachment.objects.filter(event_id=message.event_id).order_by("id")
    return [
        ShownAttachment(row.original_name, reverse("tickets:attachment", args=[row.pk]))
        for row in rows.only("id", "original_name")
    ]
