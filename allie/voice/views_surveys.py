"""The satisfaction survey's page, opened from the emailed link without signing in.

GET never changes anything: `?csat=N` (the one-click links of the email) only pre-selects the
score, and one click on "Send" posts it. A refused link gets a plain page: 400 "This link is
not valid" (tampered, or a survey that does not exist), 410 "This link has expired".
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from allie.voice import links
from allie.voice.domain.surveys import score_digits
from allie.voice.models import Survey
from allie.voice.services.surveys import (
    COMMENT_MAX,
    SCORES,
    SurveyServiceError,
    answer_survey,
    may_change,
    survey_from_token,
)


def refused_page(
    request: HttpRequest, error: links.LinkError, *, relationship: bool = False
) -> HttpResponse:
    """The plain page of a refused link: 410 when expired, else 400 (shared by both surveys)."""
    expired = error.code == "expired"
    return render(
        request,
        "voice/survey_refused.html",
        {"expired": expired, "relationship": relationship},
        status=410 if expired else 400,
    )


def selected_score(raw: object, scores: range = SCORES) -> int | None:
    """The score to pre-select from a link or a refused form (None if not a valid score)."""
    value = score_digits(raw) if isinstance(raw, str) else None
    return value if value is not None and value in scores else None


def _page(
    request: HttpRequest,
    survey: Survey,
    token: str,
    *,
    csat: int | None,
    ces: int | None,
    comment: str,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> HttpResponse:
    context: dict[str, Any] = {
        "survey": survey,
        "title": survey.ticket.title,
        "token": token,
        "scores": list(SCORES),
        "csat": csat,
        "ces": ces,
        "comment": comment,
        "comment_max": COMMENT_MAX,
        "errors": errors or {},
        "thanks": request.GET.get("thanks") == "1" and survey.answered_at is not None,
    }
    return render(request, "voice/survey.html", context, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
def survey_view(request: HttpRequest, token: str) -> HttpResponse:
    """Show the survey (title of the ticket only) or record its answer."""
    try:
        survey, config = survey_from_token(token)
    except links.LinkError as error:
        return refused_page(request, error)
    now = timezone.now()
    with translation.override(survey.language):
        if not may_change(survey, now=now, config=config):
            status = 409 if request.method == "POST" else 200
            return render(request, "voice/survey_closed.html", {"survey": survey}, status=status)
        if request.method == "GET":
            csat = selected_score(request.GET.get("csat"))
            return _page(
                request,
                survey,
                token,
                csat=csat if csat is not None else survey.csat,
                ces=survey.ces,
                comment=survey.comment,
            )
        csat_raw = request.POST.get("csat")
        ces_raw = request.POST.get("ces")
        comment = request.POST.get("comment", "")
        try:
            answer_survey(survey, csat=csat_raw, ces=ces_raw, comment=comment, now=now)
        except SurveyServiceError as error:
            if error.code == "window_closed":
                return render(request, "voice/survey_closed.html", {"survey": survey}, status=409)
            return _page(
                request,
                survey,
                token,
                csat=selected_score(csat_raw),
                ces=selected_score(ces_raw),
                comment=comment[: COMMENT_MAX * 2],
                errors={error.field or "answer": error.message},
                status=400,
            )
        return redirect(request.path + "?thanks=1")
