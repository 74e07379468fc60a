"""Commitments views: the figures page, and the actions posted from the ticket page.

Thin: parse, check permission (no access: 404), call one service, redirect (PRG).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from allie.core.reports import CsvDownload, period_bounds
from allie.tickets import selectors as ticket_selectors
from allie.tickets.models import Ticket
from allie.tickets.services.errors import FORBIDDEN, ServiceError
from allie.voice import selectors
from allie.voice.forms import CommitmentForm, FiguresForm, SettleForm
from allie.voice.services import make_commitment, mark_broken, mark_kept, renegotiate


def _agent_ticket(request: HttpRequest, reference: str) -> Ticket:
    """The ticket if the user works on it, else 404 (never a hint that it exists)."""
    ticket = ticket_selectors.get_visible_ticket(request.user, reference)
    if not ticket_selectors.may_work_on(request.user, ticket):
        raise Http404
    return ticket


def _errors(request: HttpRequest, form: Any) -> None:
    for field_errors in form.errors.values():
        for error in field_errors:
            messages.error(request, error)


def _refuse(request: HttpRequest, error: ServiceError) -> None:
    if error.kind == FORBIDDEN:
        raise Http404 from error
    messages.error(request, error.message)


def _back(ticket: Ticket) -> HttpResponse:
    return redirect("workspace:ticket", reference=ticket.reference)


@require_POST
@login_required
def add_view(request: HttpRequest, reference: str) -> HttpResponse:
    """An agent records a promise made on the ticket."""
    ticket = _agent_ticket(request, reference)
    form = CommitmentForm(request.POST, ticket=ticket)
    if not form.is_valid():
        _errors(request, form)
        return _back(ticket)
    data = form.cleaned_data
    try:
        make_commitment(
            by=request.user,
            ticket=ticket,
            what=data["what"],
            due_at=data["due_at"],
            to_person=data["promised_to"],
            to_name=data["to_name"],
            is_public=data["is_public"],
        )
    except ServiceError as error:
        _refuse(request, error)
    else:
        messages.success(request, _("Commitment recorded; you will be reminded before it is due."))
    return _back(ticket)


@require_POST
@login_required
def settle_view(request: HttpRequest, reference: str) -> HttpResponse:
    """An agent marks one of the ticket's commitments kept, broken or renegotiated."""
    ticket = _agent_ticket(request, reference)
    form = SettleForm(request.POST)
    if not form.is_valid():
        _errors(request, form)
        return _back(ticket)
    data = form.cleaned_data
    commitment = ticket.commitments.filter(pk=data["commitment"]).first()
    if commitment is None:
        raise Http404
    try:
        if data["action"] == "kept":
            mark_kept(commitment, by=request.user, note=data["note"])
            messages.success(request, _("Commitment marked kept."))
        elif data["action"] == "broken":
            mark_broken(commitment, by=request.user, note=data["note"])
            messages.success(request, _("Commitment marked broken."))
        else:
            renegotiate(
                commitment,
                by=request.user,
                new_due_at=data["new_due_at"],
                client_told=data["client_told"],
                note=data["note"],
            )
            messages.success(request, _("Commitment renegotiated with the client."))
    except ServiceError as error:
        _refuse(request, error)
    return _back(ticket)


@require_GET
@login_required
def figures(request: HttpRequest) -> HttpResponse:
    """Commitments kept, renegotiated and broken, due in a period, per agent, team or client."""
    if not selectors.may_see_figures(request.user):
        raise Http404
    form = FiguresForm(request.GET, today=timezone.localdate())
    if not form.is_valid():
        return render(request, "voice/commitments.html", {"form": form, "rows": None}, status=400)
    start, end, by = form.cleaned_data["start"], form.cleaned_data["end"], form.cleaned_data["by"]
    rows = selectors.commitment_figures(*period_bounds(start, end), by=by, user=request.user)
    if request.GET.get("format") == "csv":
        return _csv(rows, start, end, by)
    context = {"form": form, "rows": rows, "start": start, "end": end, "by": by}
    return render(request, "voice/commitments.html", context)


def _percent(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


def _csv(rows: list[selectors.FigureRow], start: date, end: date, by: str) -> HttpResponse:
    download = CsvDownload(f"commitments-{by}-{start}-{end}.csv")
    headings = {"agent": _("Agent"), "team": _("Team"), "organisation": _("Organisation")}
    download.row((headings[by], _("Kept"), _("Renegotiated"), _("Broken"), _("Kept (%)")))
    for row in rows:
        download.row(
            (
                row.name,
                row.tally.kept,
                row.tally.renegotiated,
                row.tally.broken,
                _percent(row.kept_percent),
            )
        )
    return download.response
