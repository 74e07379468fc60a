"""Template context shared by every page."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest


def navigation(request: HttpRequest) -> dict[str, Any]:
    """Return what the page header needs: whether to show the agent workspace."""
    user = getattr(request, "user", None)
    is_agent = bool(user is not None and user.is_authenticated and user.is_agent)
    return {"nav_is_agent": is_agent}
