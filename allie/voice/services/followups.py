"""Closing the loop on low survey answers: open, close and escalate follow-ups (issue 5, point 3).

A low answer opens one follow-up (in the answering transaction), due
`SurveySettings.follow_up_hours` later. A satisfaction answer's goes to the ticket team's lead,
else a lead of a team serving the organisation, else an administrator; a relationship (NPS)
answer's to the organisation's account manager, else a lead of a team serving it, else an
administrator. The assignee (or an administrator) closes it with the call made, what was learned
and the action taken, and may tell the client what changed. Overdue ones are escalated once to
the managers. See docs/followups.md and docs/relationship-survey.md.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import formats, timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from allie.accounts.models import Organisation, Role, User
from allie.accounts.selectors import serving_lead_or_admin
from allie.escalations.services import recipients
from allie.mail.services.notifications import language_of, zone_of
from allie.mail.services.outbox import enqueue_message
from allie.tickets.models import Ticket, TimelineEvent
from allie.tickets.selectors import who_takes_charge
from allie.tickets.services.errors import CONFLICT, FORBIDDEN, ServiceError
from allie.voice.domain.surveys import answer_text
from allie.voice.models import FollowUp, RelationshipAnswer, Survey, SurveySettings

#: The three texts a follow-up is closed with, in the order they are checked.
CLOSING_FIELDS = ("call_made", "learned", "action")

MESSAGES: dict[str, Promise] = {
    "call_made_required": _("Please say which call was made."),
    "learned_required": _("Please say what was learned."),
    "action_required": _("Please say which action was taken."),
    "not_assignee": _(
        "Only the person the follow-up is assigned to, or an administrator, can close it."
    ),
    "already_closed": _("This follow-up is already closed."),
}


class FollowUpServiceError(ServiceError):
    """A refused change to a follow-up, with its message translated here."""

    @property
    def message(self) -> str:
        template = MESSAGES.get(self.code)
        return str(template) if template is not None else super().message


def relationship_assignee_for(organisation: Organisation) -> User | None:
    """The organisation's account manager, else a lead of a team serving it, else an admin."""
    manager = organisation.account_manager
    if manager is not None and manager.is_active:
        return manager
    return serving_lead_or_admin(organisation.pk)


def _record(follow_up: FollowUp, action: str, *, by: Any, now: datetime, **data: Any) -> None:
    if follow_up.ticket_id is None:
        return  # a relationship follow-up has no ticket timeline: its row is its history
    TimelineEvent.objects.create(
        ticket_id=follow_up.ticket_id,
        kind=TimelineEvent.Kind.SYSTEM,
        actor=by,
        is_public=False,
        data={"follow_up": action, "id": follow_up.pk, **data},
        created_at=now,
    )


def _when(moment: datetime) -> str:
    return formats.date_format(timezone.localtime(moment), "DATETIME_FORMAT")


def _send(
    person: User | None,
    *,
    kind: str,
    ticket: Ticket | None,
    now: datetime,
    compose: Callable[[dict[str, Any]], tuple[str, str]],
    params: dict[str, Any] | None = None,
) -> bool:
    """Write one email to `person` in their language and time zone; False if unreachable.

    `compose` is called in that language with `params` (by default the request's reference and
    title) and returns the subject and the text.
    """
    if person is None or not person.is_active or not person.email:
        return False
    language = language_of(person)
    with translation.override(language), timezone.override(zone_of(person)):
        if params is None:
            assert ticket is not None
            params = {"reference": ticket.reference, "title": ticket.title}
        subject, body = compose(params)
        text = gettext("Hello %(name)s,") % {"name": person.get_short_name()} + "\n\n" + body
    enqueue_message(
        to_address=person.email,
        subject=" ".join(subject.split()),
        text_body=text + "\n",
        kind=kind,
        language=language,
        ticket=ticket,
        recipient=person,
        now=now,
    )
    return True


# --- Opening ----------------------------------------------------------------------------------


def open_follow_up(survey: Survey, *, now: datetime) -> FollowUp | None:
    """Open the survey's follow-up if it has none yet; runs in the caller's transaction.

    Returns the new follow-up, or None when the survey already had one (never two).
    """
    if FollowUp.objects.filter(survey_id=survey.pk).exists():
        return None
    ticket = Ticket.objects.select_related("team__lead").get(pk=survey.ticket_id)
    assignee = who_takes_charge(ticket)
    hours = SurveySettings.current().follow_up_hours
    try:
        with transaction.atomic():
            follow_up = FollowUp.objects.create(
                survey=survey,
                ticket=ticket,
                assigned_to=assignee,
                opened_at=now,
                due_at=now + timedelta(hours=hours),
            )
    except IntegrityError:
        return None  # opened meanwhile by another transaction
    _record(
        follow_up,
        "opened",
        by=None,
        now=now,
        assigned_to=assignee.pk if assignee is not None else None,
        due_at=follow_up.due_at.isoformat(),
        csat=survey.csat,
    )

    def compose(params: dict[str, Any]) -> tuple[str, str]:
        subject = gettext("Follow-up to make: low answer on %(reference)s") % params
        lines = [
            gettext(
                "A client gave a low answer to the satisfaction survey on %(reference)s · "
                "%(title)s."
            )
            % params,
            gettext("Satisfaction: %(csat)s out of 5") % {"csat": survey.csat},
        ]
        if survey.comment:
            lines.append(gettext("Comment: %(comment)s") % {"comment": survey.comment})
        lines.append(
            gettext(
                "Call the requester, record what you learned and the action taken, and close "
                "the follow-up before %(due)s. After that, it is escalated to the managers."
            )
            % {"due": _when(follow_up.due_at)}
        )
        return subject, "\n\n".join(lines)

    _send(assignee, kind="follow_up", ticket=ticket, now=now, compose=compose)
    return follow_up


def open_relationship_follow_up(answer: RelationshipAnswer, *, now: datetime) -> FollowUp | None:
    """Open the relationship answer's follow-up if it has none yet (caller's transaction).

    Returns the new follow-up, or None when the answer already had one (never two).
    """
    if FollowUp.objects.filter(relationship_answer_id=answer.pk).exists():
        return None
    organisation = Organisation.objects.select_related("account_manager").get(
        pk=answer.organisation_id
    )
    assignee = relationship_assignee_for(organisation)
    hours = SurveySettings.current().follow_up_hours
    try:
        with transaction.atomic():
            follow_up = FollowUp.objects.create(
                relationship_answer=answer,
                assigned_to=assignee,
                opened_at=now,
                due_at=now + timedelta(hours=hours),
            )
    except IntegrityError:
        return None  # opened meanwhile by another transaction
    person = answer.person

    def compose(params: dict[str, Any]) -> tuple[str, str]:
        subject = gettext("Follow-up to make: low relationship answer from %(organisation)s") % (
            params
        )
        lines = [
            gettext("%(person)s (%(organisation)s) gave a low answer to the relationship survey.")
            % params,
            gettext("Would recommend us: %(score)s out of 10") % {"score": answer.score},
        ]
        if answer.comment:
            lines.append(gettext("Comment: %(comment)s") % {"comment": answer.comment})
        lines.append(
            gettext(
                "Call them, record what you learned and the action taken, and close the "
                "follow-up before %(due)s. After that, it is escalated to the managers."
            )
            % {"due": _when(follow_up.due_at)}
        )
        return subject, "\n\n".join(lines)

    _send(
        assignee,
        kind="follow_up",
        ticket=None,
        now=now,
        compose=compose,
        params={"organisation": organisation.name, "person": str(person)},
    )
    return follow_up


# --- Closing ----------------------------------------------------------------------------------


def may_close(user: Any, follow_up: FollowUp) -> bool:
    """Whether `user` may close the follow-up: its assignee or an administrator."""
    if not user.is_authenticated or not user.is_active:
        return False
    return bool(user.is_administrator or follow_up.assigned_to_id == user.pk)


def close_follow_up(
    follow_up: FollowUp,
    *,
    by: Any,
    call_made: str,
    learned: str,
    action: str,
    tell_requester: bool = False,
    now: datetime | None = None,
) -> FollowUp:
    """Close the follow-up with the call made, what was learned and the action taken.

    With `tell_requester`, the requester gets one email saying what changed because of their
    answer (the action). Compare-and-set on the open state.
    """
    now = now or timezone.now()
    if not may_close(by, follow_up):
        raise FollowUpServiceError("not_assignee", kind=FORBIDDEN)
    texts = {
        "call_made": answer_text(call_made),
        "learned": answer_text(learned),
        "action": answer_text(action),
    }
    for field in CLOSING_FIELDS:
        if not texts[field]:
            raise FollowUpServiceError(f"{field}_required", field=field)
    with transaction.atomic():
        changed = FollowUp.objects.filter(pk=follow_up.pk, state=FollowUp.State.OPEN).update(
            state=FollowUp.State.CLOSED,
            closed_at=now,
            closed_by=by,
            requester_told=bool(tell_requester),
            **texts,
        )
        if changed != 1:
            raise FollowUpServiceError("already_closed", kind=CONFLICT)
        follow_up = FollowUp.objects.select_related("ticket__requester").get(pk=follow_up.pk)
        _record(follow_up, "closed", by=by, now=now, requester_told=bool(tell_requester))
        if tell_requester and follow_up.relationship_answer is not None:
            _tell_relationship_outcome(follow_up.relationship_answer, texts["action"], now=now)
        elif tell_requester and follow_up.ticket is not None:
            ticket = follow_up.ticket

            def compose(params: dict[str, Any]) -> tuple[str, str]:
                subject = gettext("What changed because of your answer (%(reference)s)") % params
                lines = [
                    gettext(
                        "Thank you for telling us how your request “%(title)s” went. "
                        "Here is what changed because of your answer:"
                    )
                    % params,
                    "    " + texts["action"],
                ]
                return subject, "\n\n".join(lines)

            _send(
                ticket.requester,
                kind="follow_up_outcome",
                ticket=ticket,
                now=now,
                compose=compose,
            )
    return follow_up


def _tell_relationship_outcome(answer: RelationshipAnswer, action: str, *, now: datetime) -> None:
    def compose(params: dict[str, Any]) -> tuple[str, str]:
        subject = gettext("What changed because of your answer")
        lines = [
            gettext(
                "Thank you for telling us how we work with %(organisation)s. Here is what "
                "changed because of your answer:"
            )
            % params,
            "    " + action,
        ]
        return subject, "\n\n".join(lines)

    _send(
        answer.person,
        kind="follow_up_outcome",
        ticket=None,
        now=now,
        compose=compose,
        params={"organisation": answer.organisation.name},
    )


def _managers_for(follow_up: FollowUp, memo: dict[Any, Any]) -> list[User]:
    """Who an overdue follow-up is escalated to: the ticket's managers (see escalations), or for
    a relationship follow-up the active managers in teams serving the organisation, else all."""
    if follow_up.ticket is not None:
        return recipients(follow_up.ticket, "manager", memo=memo)
    organisation_id = follow_up.relationship_answer.organisation_id  # type: ignore[union-attr]
    key = ("relationship_managers", organisation_id)
    if key not in memo:
        managers = User.objects.filter(role_grants__role=Role.MANAGER, is_active=True)
        people = list(managers.filter(teams__serves=organisation_id).distinct())
        memo[key] = people or list(managers.distinct())
    return list(memo[key])


def _escalation_text(params: dict[str, Any], *, assignee: str, due: datetime) -> tuple[str, str]:
    """Subject and text telling the managers a follow-up is overdue (in the active language)."""
    values = {**params, "assignee": assignee, "due": _when(due)}
    if "organisation" in params:
        subject = gettext("Overdue follow-up for %(organisation)s") % params
        text = gettext(
            "The follow-up of a low relationship answer from %(organisation)s, "
            "assigned to %(assignee)s, was due %(due)s and is still open."
        )
        return subject, text % values
    subject = gettext("Overdue follow-up on %(reference)s") % params
    text = gettext(
        "The follow-up of a low satisfaction answer on %(reference)s · %(title)s, "
        "assigned to %(assignee)s, was due %(due)s and is still open."
    )
    return subject, text % values


# --- Escalation sweep -------------------------------------------------------------------------


def escalate_overdue(*, now: datetime | None = None, batch: int = 100) -> int:
    """Escalate once each open follow-up past its due time: the managers are emailed.

    `escalated_at` is compare-and-set, so two workers never both escalate the same one.
    Returns how many were escalated.
    """
    now = now or timezone.now()
    escalated = 0
    memo: dict[Any, Any] = {}
    while True:
        with transaction.atomic():
            rows = list(
                FollowUp.objects.filter(
                    state=FollowUp.State.OPEN, due_at__lt=now, escalated_at__isnull=True
                )
                .select_related("ticket__team", "assigned_to")
                .order_by("due_at", "id")[:batch]
            )
            for follow_up in rows:
                changed = FollowUp.objects.filter(
                    pk=follow_up.pk, state=FollowUp.State.OPEN, escalated_at__isnull=True
                ).update(escalated_at=now)
                if changed != 1:
                    continue
                escalated += 1
                ticket = follow_up.ticket
                _record(follow_up, "escalated", by=None, now=now)
                assignee = str(follow_up.assigned_to or "—")
                due = follow_up.due_at
                params: dict[str, Any] | None = None
                if ticket is None and follow_up.relationship_answer is not None:
                    params = {"organisation": follow_up.relationship_answer.organisation.name}

                compose = partial(_escalation_text, assignee=assignee, due=due)
                for manager in _managers_for(follow_up, memo):
                    _send(
                        manager,
                        kind="follow_up_escalated",
                        ticket=ticket,
                        now=now,
                        compose=compose,
                        params=params,
                    )
        if len(rows) < batch:
            return escalated
