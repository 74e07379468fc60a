"""Entry pages shared by every role."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_GET


@require_GET
@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Send agents to their queue and requesters to their portal."""
    if request.user.is_agent:  # type: ignore[union-attr]
        return redirect("workspace:queue")
    return redirect("portal:home")


@require_GET
def health(request: HttpRequest) -> JsonResponse:
    """Answer whether the process and its database are up (for load balancers)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
