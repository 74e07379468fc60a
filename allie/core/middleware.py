"""Request middleware shared by every interface."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import timezone, translation

LANGUAGE_SESSION_KEY = "_language"


class UserLanguageMiddleware:
    """Speak to a signed-in person in their own language and time zone.

    An explicit choice through the language switch (kept in the cookie) wins for the
    session; otherwise the profile's language applies. Runs after authentication.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            if settings.LANGUAGE_COOKIE_NAME not in request.COOKIES and user.language:
                translation.activate(user.language)
                request.LANGUAGE_CODE = translation.get_language()
            if user.time_zone:
                timezone.activate(user.time_zone)
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
