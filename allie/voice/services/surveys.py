"""Satisfaction surveys after resolution: send one, read its link, record the answer.

`send_survey_for` runs in the transaction that resolves the ticket (a `post_save` receiver on
`TimelineEvent`, connected in `VoiceConfig.ready`), so the survey and its email commit or roll
back with the resolution. The rules are in `allie.voice.domain.surveys` (pure); the link is
`allie.voice.links`. See docs/surveys.md.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from allie.mail.services.notifications import is_muted, language_of
from allie.mail.services.outbox import absolute_url, enqueue_message, render_email
from allie.tickets.models import Ticket, TimelineEvent
from allie.tickets.services.errors import CONFLICT, ServiceError
from allie.voice import links
from allie.voice.domain import surveys as domain
from allie.voice.domain import themes
from allie.voice.models import Survey, SurveySettings
from allie.voice.services.followups import open_follow_up
from allie.voice.services.themes import classify_comment

KIND = "survey"
COMMENT_MAX = 2000
SCORES = range(1, 6)
LOW_RULE = domain.LowAnswerRule()

MESSAGES: dict[tuple[str, str], Promise] = {
    ("csat", "missing"): _("Please choose how satisfied you are, from 1 to 5."),
    ("csat", "out_of_range"): _("Satisfaction must be a number from 1 to 5."),
    ("csat", "not_a_number"): _("Satisfaction must be a number from 1 to 5."),
    ("ces", "out_of_range"): _("Ease must be a number from 1 to 5."),
    ("ces", "not_a_number"): _("Ease must be a number from 1 to 5."),
    ("comment", "too_long"): _("Your comment is too long (2000 characters at most)."),
    ("answer", "window_closed"): _(
        "This answer can no longer be changed: the time to change it has passed."
    ),
}


class SurveyServiceError(ServiceError):
    """A refused answer, naming the field; its message is translated here."""

    @property
    def message(self) -> str:
        template = MESSAGES.get((self.field or "", self.code))
        return str(template) if template is not None else super().message


# --- Sending ----------------------------------------------------------------------------------


def on_timeline_event(event: TimelineEvent) -> Survey | None:
    """Send the survey a status change calls for (none when notifications are muted)."""
    if event.kind != TimelineEvent.Kind.STATUS_CHANGE or is_muted():
        return None
    status = (event.data or {}).get("to")
    if status not in domain.ALWAYS_SURVEYED | domain.SURVEYED_IF_CONFIGURED:
        return None  # most status changes: no settings to read
    return send_survey_for(event.ticket, now=event.created_at, status=status)


def send_survey_for(ticket: Ticket, *, now: datetime, status: str = "resolved") -> Survey | None:
    """Create the ticket's survey and write its email to the outbox, if the rules allow.

    Only for a status that is surveyed, a requester who is active with an email address, a
    ticket not surveyed yet, and a person not surveyed within the fatigue days. Runs in the
    caller's transaction.
    """
    config = SurveySettings.current()
    if not domain.surveys_status(
        status, include_declined_and_cancelled=config.include_declined_and_cancelled
    ):
        return None
    requester = ticket.requester
    if not requester.is_active or not requester.email:
        return None
    if Survey.objects.filter(ticket_id=ticket.pk).exists():
        return None  # resolved again after a reopening: one survey per ticket
    last_sent_at = Survey.objects.filter(requester_id=requester.pk).aggregate(last=Max("sent_at"))[
        "last"
    ]
    if not domain.may_send_survey(
        last_sent_at=last_sent_at, now=now, fatigue_days=config.fatigue_days
    ):
        return None
    language = language_of(requester)
    try:
        with transaction.atomic():
            survey = Survey.objects.create(
                ticket=ticket,
                requester=requester,
                sent_at=now,
                nonce=secrets.token_urlsafe(16),
                language=language,
            )
    except IntegrityError:
        return None  # surveyed meanwhile by another transaction
    state = survey.ticket_state()  # for the figures
    Ticket.objects.filter(pk=ticket.pk).update(**state)
    for name, value in state.items():
        setattr(ticket, name, value)
    subject, text, html = _message(survey, ticket)
    enqueue_message(
        to_address=requester.email,
        subject=subject,
        text_body=text,
        html_body=html,
        kind=KIND,
        language=language,
        ticket=ticket,
        recipient=requester,
        now=now,
    )
    return survey


def survey_url(survey: Survey, csat: int | None = None) -> str:
    """The absolute address of the survey's page (with a pre-selected score if given)."""
    path = reverse("voice:survey", args=[links.make_token(survey.pk, survey.nonce)])
    return absolute_url(path) + (f"?csat={csat}" if csat is not None else "")


def _message(survey: Survey, ticket: Ticket) -> tuple[str, str, str]:
    """Subject, text and HTML of the survey email, in the survey's language."""
    form_url = survey_url(survey)
    context: dict[str, Any] = {
        "person": survey.requester,
        "reference": ticket.reference,
        "title": ticket.title,
        "scores": [(score, f"{form_url}?csat={score}") for score in SCORES],
        "form_url": form_url,
    }
    return render_email("voice/email/survey", context, language=survey.language)


# --- Answering --------------------------------------------------------------------------------


def survey_from_token(token: str) -> tuple[Survey, SurveySettings]:
    """Return the survey a link opens and the settings it was judged by.

    Raise `links.LinkError` ("expired" or "tampered"): an unknown survey, or a nonce that is
    not the survey's, is refused as tampered.
    """
    config = SurveySettings.current()
    lifetime = timedelta(days=config.link_lifetime_days)
    link = links.read_token(token, lifetime=lifetime)
    survey = Survey.objects.select_related("ticket").filter(pk=link.survey_id).first()
    if survey is None or not secrets.compare_digest(survey.nonce, link.nonce):
        raise links.LinkError("tampered")
    return survey, config


def may_change(survey: Survey, *, now: datetime, config: SurveySettings | None = None) -> bool:
    """Whether the survey may still be answered (or its answer changed) at `now`."""
    config = config or SurveySettings.current()
    return domain.may_change_answer(
        first_answered_at=survey.first_answered_at,
        now=now,
        window_hours=config.answer_window_hours,
    )


def answer_survey(
    survey: Survey,
    *,
    csat: object,
    ces: object = None,
    comment: str = "",
    now: datetime | None = None,
) -> Survey:
    """Record (or change, within the window) the answer; raise `SurveyServiceError` if refused.

    CSAT is required, CES optional, the comment at most 2000 characters. `low` is stored from
    `LowAnswerRule` and the comment's tone (`themes.is_negative`); a low answer opens the
    survey's follow-up in the same transaction (`allie.voice.services.followups`), never two.
    The comment's themes are stored (`allie.voice.services.themes`).
    """
    now = now or timezone.now()
    try:
        csat_value = domain.parse_score(domain.Question.CSAT, csat)
        ces_value = domain.parse_score(domain.Question.CES, ces, required=False)
    except domain.AnswerError as error:
        raise SurveyServiceError(error.code, field=error.field) from error
    comment = domain.answer_text(comment)
    if len(comment) > COMMENT_MAX:
        raise SurveyServiceError("too_long", field="comment")
    low = LOW_RULE.is_low(
        csat=csat_value, ces=ces_value, negative_comment=themes.is_negative(comment)
    )
    window_hours = SurveySettings.current().answer_window_hours
    with transaction.atomic():
        current = Survey.objects.select_for_update().get(pk=survey.pk)
        if not domain.may_change_answer(
            first_answered_at=current.first_answered_at, now=now, window_hours=window_hours
        ):
            raise SurveyServiceError("window_closed", kind=CONFLICT, field="answer")
        current.first_answered_at = current.first_answered_at or now
        current.answered_at = now
        current.csat = csat_value
        current.ces = ces_value
        current.comment = comment
        current.low = low
        current.save(
            update_fields=["first_answered_at", "answered_at", "csat", "ces", "comment", "low"]
        )
        Ticket.objects.filter(pk=current.ticket_id).update(**current.ticket_state())
        classify_comment(current)  # the comment's themes (docs/themes.md)
        if low:
            open_follow_up(current, now=now)  # at most one per survey
    return current
