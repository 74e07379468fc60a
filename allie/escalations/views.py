"""Escalation views: the executive view, and the actions posted from the ticket pages.

Thin: parse, check permission (no access: 404), call one service, redirect (PRG).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from allie.escalations import presenters, selectors
from allie.escalations.forms import CloseEscalationForm, EscalateForm, RequesterEscalationForm
from allie.escalations.models import Escalation
from allie.escalations.services import (
    acknowledge_escalation,
    close_escalation,
    raise_escalation,
    requester_escalation,
)
from allie.tickets import selectors as ticket_selectors
from allie.tickets.services import ServiceError
from allie.tickets.services.errors import FORBIDDEN


@require_GET
@login_required
def active(request: HttpRequest) -> HttpResponse:
    """The executive view: active escalations oldest first, and the alerts for me.

    Anyone alerted (a client organisation's executive sponsor, say) sees their own alerts here
    and acknowledges them; the list of every active escalation is for the desk's leaders.
    """
    user: Any = request.user
    leader = selectors.may_see_executive_view(user)
    alerts = list(selectors.alerts_for(user))
    if not leader and not alerts:
        raise Http404
    now = timezone.now()
    rows = []
    if leader:
        rows = [
            presenters.row(escalation, now=now) for escalation in selectors.active_escalations(user)
        ]
    context = {"rows": rows, "alerts": alerts, "now": now, "leader": leader}
    return render(request, "escalations/active.html", context)


def _errors(request: HttpRequest, form: Any) -> None:
    for field_errors in form.errors.values():
        for error in field_errors:
            messages.error(request, error)


def _refuse(request: HttpRequest, error: ServiceError) -> None:
    if error.kind == FORBIDDEN:
        raise Http404 from error
    messages.error(request, error.message)


@require_POST
@login_required
def raise_view(request: HttpRequest, reference: str) -> HttpResponse:
    """An agent escalates the ticket by hand, with a reason."""
    ticket = ticket_selectors.get_visible_ticket(request.user, reference)
    if not ticket_selectors.may_work_on(request.user, ticket):
        raise Http404
    form = EscalateForm(request.POST, ticket=ticket)
    if not form.is_valid():
        _errors(request, form)
    else:
        try:
            escalation = raise_escalation(
                ticket,
                by=request.user,
                level=form.cleaned_data["level"],
                target_team=form.cleaned_data["team"],
                reason=form.cleaned_data["reason"],
            )
        except ServiceError as error:
            _refuse(request, error)
        else:
            level = escalation.get_level_display().lower()
            messages.success(
                request, _("Escalated to %(level)s; the owner does not change.") % {"level": level}
            )
    return redirect("workspace:ticket", reference=ticket.reference)


@require_POST
@login_required
def requester_view(request: HttpRequest, reference: str) -> HttpResponse:
    """The requester asks for an escalation ("I need this escalated"), with a reason."""
    ticket = ticket_selectors.get_visible_ticket(request.user, reference)
    if not ticket_selectors.may_act_for_requester(request.user, ticket):
        raise Http404
    form = RequesterEscalationForm(request.POST)
    if not form.is_valid():
        _errors(request, form)
    else:
        try:
            requester_escalation(ticket, by=request.user, reason=form.cleaned_data["reason"])
        except ServiceError as error:
            _refuse(request, error)
        else:
            messages.success(
                request, _("Your request was escalated; someone more senior has been alerted.")
            )
    return redirect("portal:ticket", reference=ticket.reference)


def _alerted_escalation(request: HttpRequest, pk: int) -> Escalation:
    """Return the escalation if the user may see it (alerted, or sees its ticket), else 404."""
    escalation = (
        selectors.visible_escalations(request.user).select_related("ticket").filter(pk=pk).first()
    )
    if escalation is None:
        raise Http404
    return escalation


def _back(request: HttpRequest, escalation: Escalation) -> HttpResponse:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect("escalations:active")


@require_POST
@login_required
def acknowledge_view(request: HttpRequest, pk: int) -> HttpResponse:
    """An alerted person acknowledges the escalation."""
    escalation = _alerted_escalation(request, pk)
    try:
        acknowledge_escalation(escalation, by=request.user)
    except ServiceError as error:
        _refuse(request, error)
    else:
        messages.success(request, _("Escalation acknowledged."))
    return _back(request, escalation)


@require_POST
@login_required
def close_view(request: HttpRequest, pk: int) -> HttpResponse:
    """An alerted person (or an administrator) closes the escalation, saying how it ended."""
    escalation = _alerted_escalation(request, pk)
    form = CloseEscalationForm(request.POST)
    if not form.is_valid():
        if not selectors.may_close(request.user, escalation):
            raise Http404
        _errors(request, form)
        return _back(request, escalation)
    try:
        close_escalation(escalation, by=request.user, outcome=form.cleaned_data["outcome"])
    except ServiceError as error:
        _refuse(request, error)
    else:
        messages.success(request, _("Escalation closed."))
    return _back(request, escalation)
