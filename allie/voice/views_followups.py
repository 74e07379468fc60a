"""The lead's queue of follow-ups opened by low survey answers, and the form that closes one.

Thin: check the role (no access: 404), read through the selector, call one service, redirect
(PRG). See docs/followups.md.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from allie.tickets.services.errors import FORBIDDEN, ServiceError
from allie.voice import selectors
from allie.voice.services.followups import close_follow_up


@require_GET
@login_required
def queue(request: HttpRequest) -> HttpResponse:
    """Open follow-ups: those assigned to me first, then all I may see; overdue ones marked."""
    if not selectors.may_see_follow_ups(request.user):
        raise Http404
    rows = selectors.open_follow_ups(request.user)
    context = {"rows": rows, "now": timezone.now()}
    return render(request, "voice/follow_ups.html", context)


@require_POST
@login_required
def close(request: HttpRequest) -> HttpResponse:
    """Close one follow-up with the call made, what was learned and the action taken."""
    if not selectors.may_see_follow_ups(request.user):
        raise Http404
    try:
        pk = int(request.POST.get("follow_up", ""))
    except ValueError:
        messages.error(request, _("Choose the follow-up to close."))
        return redirect("voice:follow_ups")
    follow_up = selectors.visible_follow_ups(request.user).filter(pk=pk).first()
    if follow_up is None:
        raise Http404
    try:
        close_follow_up(
            follow_up,
            by=request.user,
            call_made=request.POST.get("call_made", ""),
            learned=request.POST.get("learned", ""),
            action=request.POST.get("action", ""),
            tell_requester=request.POST.get("tell_requester") == "on",
        )
    except ServiceError as error:
        if error.kind == FORBIDDEN:
            raise Http404 from error
        messages.error(request, error.message)
    else:
        messages.success(request, _("Follow-up closed."))
    return redirect("voice:follow_ups")
