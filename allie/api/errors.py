"""Every API error is JSON: {"code": ..., "message": ..., "fields": {...}}."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from allie.tickets.services.errors import CONFLICT, FORBIDDEN, ServiceError

STATUS_FOR_KIND = {
    FORBIDDEN: status.HTTP_403_FORBIDDEN,
    CONFLICT: status.HTTP_409_CONFLICT,
}


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Return a JSON error with a stable code and a message in the caller's language."""
    if isinstance(exc, ServiceError):
        body: dict[str, Any] = {"code": exc.code, "message": exc.message}
        if exc.field:
            body["fields"] = {exc.field: [exc.message]}
        return Response(body, status=STATUS_FOR_KIND.get(exc.kind, status.HTTP_400_BAD_REQUEST))
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        fields = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        response.data = {
            "code": "invalid",
            "message": _("Some fields are missing or wrong."),
            "fields": fields,
        }
    elif isinstance(exc, exceptions.APIException):
        detail = exc.detail
        code = getattr(detail, "code", None) or exc.default_code
        response.data = {"code": str(code), "message": str(detail)}
    return response
