"""The requester portal: my requests, the service catalogue, a new request, one request."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from allie.catalog.models import Service
from allie.portal import presenters
from allie.portal.forms import ReopenForm, ReplyForm, TicketForm, attach_service_error
from allie.tickets.domain.lifecycle import FINAL_STATUSES
from allie.tickets.models import Channel, DeskSettings, Ticket
from allie.tickets.selectors import get_visible_ticket, portal_requests, visible_timeline
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
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)


@dataclass(frozen=True)
class RecentPage:
    """A page of requests, newest activity first, read after a cursor rather than counted.

    Django's Paginator counts the rows, then skips the earlier pages: both read every one of
    an organisation's closed (or all) requests, so a page view cost more with each year of the
    client's history (issue 6). This page starts after the last request of the page before
    (`before`: its last update and id) and reads one row more than it shows: that row says
    whether older requests follow. Each page is then a walk of 26 entries of the list's index.
    """

    object_list: list[Ticket]
    is_first: bool
    has_older: bool

    @property
    def has_other_pages(self) -> bool:
        return self.has_older or not self.is_first

    @property
    def older_cursor(self) -> str:
        """Where the next page starts: the last update and id of this page's last request."""
        last = self.object_list[-1]
        return f"{(last.updated_at - EPOCH) // MICROSECOND}_{last.pk}"


def _parse_cursor(value: str | None) -> tuple[datetime, int] | None:
    """Return the (last update, id) a page starts after, or None for the first page."""
    micros, _sep, pk = (value or "").partition("_")
    try:
        return EPOCH + timedelta(microseconds=int(micros)), int(pk)
    except (ValueError, OverflowError):
        return None


def recent_page(tickets: QuerySet[Ticket], before: tuple[datetime, int] | None) -> RecentPage:
    """Read the page of `tickets` (newest activity first) that follows `before`, in one query."""
    if before is not None:
        at, pk = before
        # `updated_at <= at` bounds the index walk; the OR only breaks ties within it.
        tickets = tickets.filter(updated_at__lte=at).filter(Q(updated_at__lt=at) | Q(pk__lt=pk))
    rows = list(tickets[: PAGE_SIZE + 1])
    return RecentPage(
        object_list=rows[:PAGE_SIZE], is_first=before is None, has_older=len(rows) > PAGE_SIZE
    )


@require_GET
@login_required
def home(request: HttpRequest) -> HttpResponse:
    """List the person's requests (or their organisation's, for its contact), newest activity
    first, in a fixed number of queries whatever the number of requests."""
    user: Any = request.user
    may_see_organisation = bool(user.is_organisation_contact and user.organisation_id)
    tab = request.GET.get("tab", "mine")
    if tab not in TABS or not may_see_organisation:
        tab = "mine"
    state = request.GET.get("state", "open")
    if state not in STATES:
        state = "open"
    tickets = portal_requests(user, tab=tab, state=state)
    context = {
        "page": recent_page(tickets, _parse_cursor(request.GET.get("before"))),
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
