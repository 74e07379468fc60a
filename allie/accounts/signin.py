"""Signing in: an email address names one person whatever its letter case."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest


def same_address(address: str) -> str:
    """The form under which two spellings of one address compare equal."""
    return address.strip().lower()


def lockout_username(request: HttpRequest, credentials: dict[str, Any] | None = None) -> str:
    """The username axes counts failures against (AXES_USERNAME_CALLABLE).

    Without it, "Target@…" and "TARGET@…" were counted apart: varying the case reset the count
    while the login accepted every spelling.
    """
    if credentials:
        typed = credentials.get("username")
    else:
        typed = getattr(request, "data", request.POST).get("username")
    return same_address(str(typed or ""))
