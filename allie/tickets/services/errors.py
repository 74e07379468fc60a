"""Errors the ticket services raise, with messages in the user's language.

The domain raises errors with stable codes; `from_domain` turns them into a `ServiceError`
whose message is translated here, once, for every interface.
"""

from __future__ import annotations

from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from allie.tickets.domain.errors import (
    DomainError,
    IllegalStateError,
    InvalidInputError,
    NotPermittedError,
)

INVALID = "invalid"
FORBIDDEN = "forbidden"
CONFLICT = "conflict"

MESSAGES: dict[str, Promise] = {
    "illegal_transition": _("A request that is %(from)s cannot become %(to)s."),
    "command_not_applicable": _("This action is not available while the request is %(status)s."),
    "agent_required": _("Only an agent can do this."),
    "requester_required": _("Only the requester can do this."),
    "agent_or_requester_required": _("Only the requester or an agent can do this."),
    "reopen_window_passed": _(
        "This request was resolved too long ago to be reopened; please open a new request."
    ),
    "decline_reason_required": _("Please give the reason for declining."),
    "decline_alternative_required": _("Please tell the requester what they can do instead."),
    "handoff_unavailable": _("A request that is %(status)s cannot be handed off."),
    "not_owner": _("Only the owner of the request can hand it off."),
    "handoff_pending": _("A handoff is already waiting for an answer on this request."),
    "handoff_target_required": _("Choose one person or one team to hand the request to."),
    "handoff_to_self": _("You cannot hand a request off to yourself."),
    "handoff_reason_required": _("Please give the reason for the handoff."),
    "no_pending_handoff": _("There is no handoff waiting on this request."),
    "not_handoff_proposer": _("Only the person who proposed the handoff can withdraw it."),
    "not_handoff_target": _("This handoff is not addressed to you."),
    "handoff_decline_reason_required": _("Please give the reason for declining the handoff."),
    "unknown_impact": _("Unknown impact."),
    "unknown_urgency": _("Unknown urgency."),
    "changed_meanwhile": _(
        "Someone changed this request while you were working on it. Reload it and try again."
    ),
    "empty_reply": _("Please write a message."),
    "reply_not_allowed": _("You cannot write on this request."),
    "reply_on_stopped": _("This request is %(status)s; open a new request if you need more help."),
    "title_required": _("Please give your request a short title."),
    "service_retired": _("This service is no longer offered."),
    "no_organisation": _("Your account is not linked to an organisation; contact your IT team."),
    "handoff_target_unknown": _("This person or team cannot take requests of this organisation."),
    "attachment_too_large": _("The file “%(name)s” is larger than the %(limit)s allowed."),
    "attachment_forbidden_type": _("Files of the type “%(extension)s” are not accepted."),
    "attachment_empty": _("The file “%(name)s” is empty."),
    "attachment_too_many": _("Too many files: you can attach at most %(limit)s at a time."),
    "contact_channel": _("A logged contact is a phone call or a counter visit."),
    "requester_required_for_contact": _("Choose the person you are helping."),
    "invalid_status": _("Unknown status."),
    "not_an_agent": _("Only agents can do this."),
    "escalation_not_open": _("A request that is %(status)s cannot be escalated."),
    "escalation_level_unknown": _("Choose who to escalate to."),
    "escalation_reason_required": _("Please give the reason for the escalation."),
    "escalation_team_required": _("Choose the team to escalate to."),
    "already_escalated": _("This request is already escalated to this level."),
    "escalation_too_soon": _(
        "You have already asked for an escalation recently; you can ask again after %(when)s."
    ),
    "escalation_at_top": _("This request is already escalated to the highest level."),
    "escalation_closed": _("This escalation is already closed."),
    "not_alerted": _("Only the people alerted by this escalation can do this."),
    "escalation_already_acknowledged": _("You already acknowledged this escalation."),
    "escalation_outcome_required": _("Please say how the escalation ended."),
    "copy_not_found": _("This person is not copied on this request."),
}

STATUS_PARAMS = ("from", "to", "status")


class ServiceError(Exception):
    """A refused use case: `kind` says why (invalid, forbidden, conflict), `code` which rule."""

    def __init__(
        self,
        code: str,
        *,
        kind: str = INVALID,
        params: dict[str, Any] | None = None,
        field: str | None = None,
    ) -> None:
        self.code = code
        self.kind = kind
        self.params = params or {}
        self.field = field
        super().__init__(code)

    @property
    def message(self) -> str:
        """Return the message in the active language."""
        template = MESSAGES.get(self.code)
        if template is None:
            return str(self.code)
        params = dict(self.params)
        for key in STATUS_PARAMS:
            if key in params:
                params[key] = status_label(str(params[key]))
        try:
            return str(template) % params if params else str(template)
        except (KeyError, TypeError, ValueError):
            return str(template)

    def __str__(self) -> str:
        return self.message


class ConcurrentChangeError(ServiceError):
    """The ticket changed between reading and writing (compare-and-set lost)."""

    def __init__(self) -> None:
        super().__init__("changed_meanwhile", kind=CONFLICT)


def status_label(value: str) -> str:
    """Return the translated label of a status value (lower-case, for use inside a sentence)."""
    from allie.tickets.models import Status

    try:
        return str(Status(value).label).lower()
    except ValueError:
        return value


def from_domain(error: DomainError, *, field: str | None = None) -> ServiceError:
    """Return the service error for a domain error, keeping its code and parameters."""
    if isinstance(error, NotPermittedError):
        kind = FORBIDDEN
    elif isinstance(error, IllegalStateError):
        kind = CONFLICT
    elif isinstance(error, InvalidInputError):
        kind = INVALID
    else:
        kind = INVALID
    return ServiceError(error.code, kind=kind, params=error.params, field=field)
