"""The requester portal: my requests, the service catalogue, a new request, one request."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from allie.catalog.models import Service
from allie.portal import presenters
from allie.portal.forms import ReopenForm, ReplyForm, TicketForm, attach_service_error
from allie.tickets.domain.lifecycle import FINAL_STATUSES
from allie.tickets.models import OPEN_STATUSES, Channel, DeskSettings, Ticket
from allie.tickets.selectors import get_visible_ticket, visible_timeline
from allie.tickets.services import (
    ServiceError,
    available_actions,
    open_ticket,
    reply,
    transition,
)
from allie.tickets.services.attachments import from_django_files

PAGE_SIZE = 25
STATES = ("open", "closed", "all")
TABS = ("mine", "organisation")


@require_GET
@login_required
def home(request: HttpRequest) -> HttpResponse:
    """List the person's requests (or their organisation's, for its contact), newest first."""
    user: Any = request.user
    may_see_organisation = bool(user.is_organisation_contact and user.organisation_id)
    tab = request.GET.get("tab", "mine")
    if tab not in TABS or not may_see_organisation:
        tab = "mine"
    state = request.GET.get("state", "open")
    if state not in STATES:
        state = "open"
    tickets = Ticket.objects.visible_to(user)
    if tab == "organisation":
        tickets = tickets.filter(organisation_id=user.organisation_id)
    else:
        tickets = tickets.filter(requester_id=user.pk)
    if state == "open":
        tickets = tickets.filter(status__in=OPEN_STATUSES)
    elif state == "closed":
        tickets = tickets.exclude(status__in=OPEN_STATUSES)
    tickets = tickets.select_related("owner", "requester").order_by("-updated_at", "-id")
    page = Paginator(tickets, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "tab": tab,
        "state": state,
        "states": [
            ("open", pgettext_lazy("requests filter", "Open")),
            ("closed", pgettext_lazy("requests filter", "Closed")),
            ("all", pgettext_lazy("requests filter", "All")),
        ],
        "may_see_organisation": may_see_organisation,
    }
    template = "portal/home.html#ticket-list" if request.htmx else "portal/home.html"  # type: ignore[attr-defined]
    return render(request, template, context)


@require_GET
@login_required
def catalogue(request: HttpRequest) -> HttpResponse:
    """Show the services one may ask for, with what each covers and does not cover."""
    services = Service.objects.filter(is_active=True).order_by("position", "name_fr", "id")
    return render(request, "portal/catalogue.html", {"services": services})


@require_http_methods(["GET", "POST"])
@login_required
def new_ticket(request: HttpRequest, code: str | None = None) -> HttpResponse:
    """Show the request form (for a service, or for triage) and open the ticket on success."""
    service = None
    if code is not None:
        service = get_object_or_404(Service, code=code, is_active=True)
    if request.method != "POST":
        form = TicketForm(service=service)
        return render(request, "portal/new.html", {"form": form, "service": service})
    form = TicketForm(request.POST, request.FILES, service=service)
    if form.is_valid():
        data = form.cleaned_data
        try:
            ticket = open_ticket(
                requester=request.user,
                title=data["title"],
                description=data["description"],
                service=service,
                channel=Channel.PORTAL,
                impact=data["impact"],
                urgency=data["urgency"],
                form_answers=form.answers(),
                files=from_django_files(form.uploads()),
            )
        except ServiceError as error:
            attach_service_error(form, error)
        else:
            messages.success(
                request,
                _("Your request %(reference)s was sent. You can follow it here.")
                % {"reference": ticket.reference},
            )
            return redirect("portal:ticket", reference=ticket.reference)
    return render(request, "portal/new.html", {"form": form, "service": service})


@require_GET
@login_required
def ticket_detail(request: HttpRequest, reference: str) -> HttpResponse:
    """Show one request as its requester sees it: where it stands, who has it, what comes next."""
    ticket = get_visible_ticket(request.user, reference)
    return render(request, "portal/ticket.html", _ticket_context(request, ticket))


@require_POST
@login_required
def reply_to_ticket(request: HttpRequest, reference: str) -> HttpResponse:
    """Post the requester's reply; htmx gets the conversation back, others a redirect."""
    ticket = get_visible_ticket(request.user, reference)
    form = ReplyForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            reply(
                ticket,
                by=request.user,
                body=form.cleaned_data["body"],
                public=True,
                files=from_django_files(form.cleaned_data["attachments"]),
            )
        except ServiceError as error:
            attach_service_error(form, error)
        else:
            if request.htmx:  # type: ignore[attr-defined]
                context = _ticket_context(request, ticket, reply_sent=True)
                return render(request, "portal/ticket.html#conversation", context)
            messages.success(request, _("Your message was sent."))
            return redirect("portal:ticket", reference=ticket.reference)
    context = _ticket_context(request, ticket, reply_form=form)
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "portal/ticket.html#conversation", context)
    return render(request, "portal/ticket.html", context)


@require_POST
@login_required
def cancel_ticket(request: HttpRequest, reference: str) -> HttpResponse:
    """Cancel the request at the requester's demand."""
    ticket = get_visible_ticket(request.user, reference)
    try:
        transition(ticket, by=request.user, command="cancel")
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Your request was cancelled."))
    return redirect("portal:ticket", reference=ticket.reference)


@require_POST
@login_required
def reopen_ticket(request: HttpRequest, reference: str) -> HttpResponse:
    """Reopen a resolved request, with the requester's reason recorded in the history."""
    ticket = get_visible_ticket(request.user, reference)
    form = ReopenForm(request.POST)
    if form.is_valid():
        try:
            transition(
                ticket, by=request.user, command="reopen", reason=form.cleaned_data["reason"]
            )
        except ServiceError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Your request was reopened; its owner has been told."))
        return redirect("portal:ticket", reference=ticket.reference)
    context = _ticket_context(request, ticket, reopen_form=form)
    return render(request, "portal/ticket.html", context)


def _ticket_context(
    request: HttpRequest,
    ticket: Ticket,
    *,
    reply_form: ReplyForm | None = None,
    reopen_form: ReopenForm | None = None,
    reply_sent: bool = False,
) -> dict[str, Any]:
    """Return everything the ticket page shows, in a fixed number of queries."""
    user = request.user
    desk = DeskSettings.current()
    fields = list(ticket.service.form_fields.all()) if ticket.service_id else []  # type: ignore[union-attr]
    actions = available_actions(ticket, user)
    return {
        "ticket": ticket,
        "owner_name": presenters.owner_name(ticket),
        "next_step": presenters.next_step(ticket, reopen_window_days=desk.reopen_window_days),
        "timeline": presenters.describe_timeline(visible_timeline(ticket, user)),
        "answers": presenters.form_answers(ticket, fields),
        "attachments": list(ticket.attachments.filter(is_public=True).order_by("created_at", "id")),
        "can_cancel": "cancel" in actions,
        "can_reopen": "reopen" in actions,
        "can_reply": ticket.status not in FINAL_STATUSES,
        "reply_form": reply_form or ReplyForm(),
        "reopen_form": reopen_form or ReopenForm(),
        "reply_sent": reply_sent,
        "reopen_window_days": desk.reopen_window_days,
    }
