"""Views shared by the portal and the workspace."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest
from django.views.decorators.http import require_GET

from allie.tickets.models import Attachment, Ticket
from allie.tickets.selectors import may_work_on
from allie.tickets.services import read_attachment


@require_GET
@login_required
def download_attachment(request: HttpRequest, pk: int) -> FileResponse:
    """Serve an attachment as a download to someone who may see it (else 404)."""
    attachment = (
        Attachment.objects.filter(pk=pk, ticket__in=Ticket.objects.visible_to(request.user))
        .select_related("ticket")
        .first()
    )
    if attachment is None:
        raise Http404
    if not attachment.is_public and not may_work_on(request.user, attachment.ticket):
        raise Http404
    try:
        stream = read_attachment(attachment)
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(
        stream,
        as_attachment=True,
        filename=attachment.original_name,
        content_type="application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response["Cache-Control"] = "private, no-store"
    return response
