"""Error answers: pages in the site's look, and JSON under the REST API.

Django's defaults answer a bare page for 400/403/404/500; an API client calling an unknown
path under /api/v1/ would get HTML it cannot read. The API's own errors go through
`allie.api.errors`; these handlers cover what never reaches a DRF view (unknown paths,
errors raised before or outside the view).
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.views import defaults

API_PREFIX = "/api/v1/"


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith(API_PREFIX)


def _api_error(code: str, message: str, status: int) -> JsonResponse:
    # The same shape as allie.api.errors: {"code": ..., "message": ...}.
    return JsonResponse({"code": code, "message": message}, status=status)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _is_api(request) and isinstance(exception, RequestDataTooBig):
        # The same cap as a form's fields (DATA_UPLOAD_MAX_MEMORY_SIZE), said plainly.
        limit = filesizeformat(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
        message = _("The request body is larger than the %(limit)s allowed.") % {"limit": limit}
        return _api_error("body_too_large", message, 413)
    if _is_api(request):
        return _api_error("bad_request", _("The request could not be understood."), 400)
    return defaults.bad_request(request, exception)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _is_api(request):
        return _api_error(
            "permission_denied", _("You do not have permission to perform this action."), 403
        )
    return defaults.permission_denied(request, exception)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _is_api(request):
        return _api_error("not_found", _("Not found."), 404)
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    if _is_api(request):
        message = _("Something went wrong on our side. Please try again in a moment.")
        return _api_error("server_error", message, 500)
    return defaults.server_error(request)
