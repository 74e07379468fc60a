"""Relationship survey (NPS) per client organisation: send the due rounds, record the answers.

A round goes to an organisation's contacts (active people with an email address marked
"organisation contact") once per window of `SurveySettings.relationship_every_months` months
(`allie.voice.domain.relationship.round_start`); the (organisation, window) pair is unique, so
a round is never sent twice. Each contact gets an email in their language with a signed,
expiring link (`allie.voice.links`, salt of its own) to a page that needs no sign-in. A low
score (0 to `nps_low_at_most`, default 6) or a negative comment opens a follow-up for the
organisation's account manager. See docs/relationship-survey.md.
"""

from __future__ import annotations

import secrets
from datetime import date, datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from allie.accounts.models import Organisation, User
from allie.mail.services.notifications import language_of
from allie.mail.services.outbox import absolute_url, enqueue_message, render_email
from allie.tickets.services.errors import CONFLICT, ServiceError
from allie.voice import links
from allie.voice.domain import surveys as domain
from allie.voice.domain import themes
from allie.voice.domain.relationship import round_start
from allie.voice.models import RelationshipAnswer, RelationshipSurvey, SurveySettings
from allie.voice.services.followups import open_relationship_follow_up
from allie.voice.services.themes import classify_comment

KIND = "relationship_survey"
COMMENT_MAX = 2000
SCORES = range(0, 11)

MESSAGES: dict[tuple[str, str], Promise] = {
    ("nps", "missing"): _("Please choose a score from 0 to 10."),
    ("nps", "out_of_range"): _("The score must be a number from 0 to 10."),
    ("nps", "not_a_number"): _("The score must be a number from 0 to 10."),
    ("comment", "too_long"): _("Your comment is too long (2000 characters at most)."),
    ("answer", "window_closed"): _(
        "This answer can no longer be changed: the time to change it has passed."
    ),
}


class RelationshipServiceError(ServiceError):
    """A refused answer, naming the field; its message is translated here."""

    @property
    def message(self) -> str:
        template = MESSAGES.get((self.field or "", self.code))
        return str(template) if template is not None else super().message


# --- Sending ----------------------------------------------------------------------------------


def contacts_of(organisation_id: int) -> list[User]:
    """The people a round goes to: the organisation's active contacts with an email address."""
    return list(
        User.objects.filter(
            organisation_id=organisation_id, is_organisation_contact=True, is_active=True
        )
        .exclude(email="")
        .select_related("organisation")
        .order_by("pk")
    )


def _contact_rows() -> Any:
    return User.objects.filter(
        organisation_id=OuterRef("pk"), is_organisation_contact=True, is_active=True
    ).exclude(email="")


def send_due_rounds(*, now: datetime | None = None) -> int:
    """Send this window's round to each organisation with contacts that has not had it yet.

    Idempotent: run it as often as you like (the periodic task runs it hourly); returns how
    many rounds were sent.
    """
    now = now or timezone.now()
    config = SurveySettings.current()
    start = round_start(timezone.localdate(now), config.relationship_every_months)
    if start is None:
        return 0
    due = (
        Organisation.objects.filter(Exists(_contact_rows()))
        .exclude(relationship_surveys__round_start=start)
        .order_by("pk")
    )
    sent = 0
    for organisation in due:
        if send_round(organisation, start=start, now=now) is not None:
            sent += 1
    return sent


def send_round(
    organisation: Organisation, *, start: date, now: datetime
) -> RelationshipSurvey | None:
    """Create the organisation's round for the window starting `start` and email its contacts.

    One transaction. Returns None when that round exists already (never sent twice) or when the
    organisation has no contact to ask.
    """
    with transaction.atomic():
        contacts = contacts_of(organisation.pk)
        if not contacts:
            return None
        try:
            with transaction.atomic():
                survey = RelationshipSurvey.objects.create(
                    organisation=organisation, round_start=start, sent_at=now
                )
        except IntegrityError:
            return None  # sent meanwhile by another worker
        for person in contacts:
            language = language_of(person)
            answer = RelationshipAnswer.objects.create(
                survey=survey,
                organisation=organisation,
                person=person,
                nonce=secrets.token_urlsafe(16),
                language=language,
            )
            subject, text, html = _message(answer, organisation)
            enqueue_message(
                to_address=person.email,
                subject=subject,
                text_body=text,
                html_body=html,
                kind=KIND,
                language=language,
                recipient=person,
                now=now,
            )
    return survey


def relationship_url(answer: RelationshipAnswer, score: int | None = None) -> str:
    """The absolute address of the answer's page (with a pre-selected score if given)."""
    token = links.make_token(answer.pk, answer.nonce, salt=links.RELATIONSHIP_SALT)
    path = reverse("voice:relationship", args=[token])
    return absolute_url(path) + (f"?score={score}" if score is not None else "")


def _message(answer: RelationshipAnswer, organisation: Organisation) -> tuple[str, str, str]:
    """Subject, text and HTML of the relationship survey email, in the answer's language."""
    form_url = relationship_url(answer)
    context: dict[str, Any] = {
        "person": answer.person,
        "organisation": organisation.name,
        "scores": [(score, f"{form_url}?score={score}") for score in SCORES],
        "form_url": form_url,
    }
    return render_email("voice/email/relationship", context, language=answer.language)


# --- Answering --------------------------------------------------------------------------------


def answer_from_token(token: str) -> tuple[RelationshipAnswer, SurveySettings]:
    """Return the answer a link opens and the settings it is judged by.

    Raise `links.LinkError` ("expired" or "tampered"); an unknown answer or a nonce that is not
    the answer's is refused as tampered.
    """
    config = SurveySettings.current()
    lifetime = timedelta(days=config.link_lifetime_days)
    link = links.read_token(token, lifetime=lifetime, salt=links.RELATIONSHIP_SALT)
    answer = (
        RelationshipAnswer.objects.select_related("organisation").filter(pk=link.survey_id).first()
    )
    if answer is None or not secrets.compare_digest(answer.nonce, link.nonce):
        raise links.LinkError("tampered")
    return answer, config


def may_change(
    answer: RelationshipAnswer, *, now: datetime, config: SurveySettings | None = None
) -> bool:
    """Whether the answer may still be given (or changed) at `now`."""
    config = config or SurveySettings.current()
    return domain.may_change_answer(
        first_answered_at=answer.first_answered_at,
        now=now,
        window_hours=config.answer_window_hours,
    )


def answer_relationship(
    answer: RelationshipAnswer,
    *,
    score: object,
    comment: str = "",
    now: datetime | None = None,
) -> RelationshipAnswer:
    """Record (or change, within the window) a relationship answer; raise if refused.

    The score (0 to 10) is required, the comment at most 2000 characters. `low` is stored from
    the settings' threshold and the comment's tone; a low answer opens the answer's follow-up
    in the same transaction (never two). The comment's themes are stored.
    """
    now = now or timezone.now()
    try:
        value = domain.parse_score(domain.Question.NPS, score)
    except domain.AnswerError as error:
        raise RelationshipServiceError(error.code, field=error.field) from error
    comment = domain.answer_text(comment)
    if len(comment) > COMMENT_MAX:
        raise RelationshipServiceError("too_long", field="comment")
    config = SurveySettings.current()
    rule = domain.LowAnswerRule(nps_at_most=config.nps_low_at_most)
    low = rule.is_low(nps=value, negative_comment=themes.is_negative(comment))
    with transaction.atomic():
        current = RelationshipAnswer.objects.select_for_update().get(pk=answer.pk)
        if not domain.may_change_answer(
            first_answered_at=current.first_answered_at,
            now=now,
            window_hours=config.answer_window_hours,
        ):
            raise RelationshipServiceError("window_closed", kind=CONFLICT, field="answer")
        current.first_answered_at = current.first_answered_at or now
        current.answered_at = now
        current.score = value
        current.comment = comment
        current.low = low
        current.save(update_fields=["first_answered_at", "answered_at", "score", "comment", "low"])
        classify_comment(current)
        if low:
            open_relationship_follow_up(current, now=now)  # at most one per answer
    return current
