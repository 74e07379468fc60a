"""The relationship survey's page (NPS), opened from the emailed link without signing in.

Same rules as the satisfaction survey's page (`views_surveys`): GET never changes anything
(`?score=N` only pre-selects), a refused link gets a plain page (400 not valid, 410 expired),
an answer past its window gets the "closed" page (409 on POST). The page names the
organisation only.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from allie.voice import links
from allie.voice.models import RelationshipAnswer
from allie.voice.services.relationship import (
    COMMENT_MAX,
    SCORES,
    RelationshipServiceError,
    answer_from_token,
    answer_relationship,
    may_change,
)
from allie.voice.views_surveys import refused_page, selected_score


def _page(
    request: HttpRequest,
    answer: RelationshipAnswer,
    token: str,
    *,
    score: int | None,
    comment: str,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> HttpResponse:
    context: dict[str, Any] = {
        "organisation": answer.organisation.name,
        "token": token,
        "scores": list(SCORES),
        "score": score,
        "comment": comment,
        "comment_max": COMMENT_MAX,
        "errors": errors or {},
        "thanks": request.GET.get("thanks") == "1" and answer.answered_at is not None,
    }
    return render(request, "voice/relationship.html", context, status=status)


def _closed(request: HttpRequest, status: int) -> HttpResponse:
    return render(request, "voice/survey_closed.html", {"relationship": True}, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
def relationship_view(request: HttpRequest, token: str) -> HttpResponse:
    """Show the relationship survey (the organisation's name only) or record its answer."""
    try:
        answer, config = answer_from_token(token)
    except links.LinkError as error:
        return refused_page(request, error, relationship=True)
    now = timezone.now()
    with translation.override(answer.language):
        if not may_change(answer, now=now, config=config):
            return _closed(request, 409 if request.method == "POST" else 200)
        if request.method == "GET":
            score = selected_score(request.GET.get("score"), SCORES)
            return _page(
                request,
                answer,
                token,
                score=score if score is not None else answer.score,
                comment=answer.comment,
            )
        raw = request.POST.get("score")
        comment = request.POST.get("comment", "")
        try:
            answer_relationship(answer, score=raw, comment=comment, now=now)
        except RelationshipServiceError as error:
            if error.code == "window_closed":
                return _closed(request, 409)
            return _page(
                request,
                answer,
                token,
                score=selected_score(raw, SCORES),
                comment=comment[: COMMENT_MAX * 2],
                errors={error.field or "answer": error.message},
                status=400,
            )
        return redirect(request.path + "?thanks=1")
