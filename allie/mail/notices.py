"""The notices the desk sends by email, who they are for, and which a person may turn off.

Essential notices always go out: without them a requester would miss an answer or a decision
on their request, or an agent would miss work that is now theirs. Optional ones are on by
default and can be turned off on the preferences page (`NotificationPreference` rows).
See docs/email-notifications.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _

REQUESTER = "requester"
AGENT = "agent"


@dataclass(frozen=True)
class Notice:
    """One kind of notice: its code (stored in preferences), audience, and whether essential."""

    code: str
    audience: str
    essential: bool
    label: Any  # lazy translation: what the preferences page shows


NOTICES: tuple[Notice, ...] = (
    # To requesters.
    Notice("received", REQUESTER, True, _("We received your request (with its reference)")),
    Notice("acknowledged", REQUESTER, False, _("Someone took charge of your request")),
    Notice("agent_reply", REQUESTER, True, _("An agent replied to you")),
    Notice("waiting_on_you", REQUESTER, True, _("We need an answer from you")),
    Notice("owner_changed", REQUESTER, False, _("Someone else is now in charge of your request")),
    Notice("resolved", REQUESTER, True, _("Your request is resolved")),
    Notice("declined", REQUESTER, True, _("Your request was declined or cancelled by the desk")),
    Notice("closed", REQUESTER, False, _("Your request was closed")),
    # To agents.
    Notice("assigned", AGENT, True, _("Someone made you the owner of a request")),
    Notice("handoff_proposed", AGENT, True, _("A handoff is proposed to you or your team")),
    Notice("handoff_answered", AGENT, False, _("Your handoff was accepted or declined")),
    Notice("sla_warning", AGENT, False, _("A request you own is getting close to its target")),
    Notice("sla_breach", AGENT, True, _("A request you own missed its target")),
    Notice("escalation", AGENT, True, _("A request was escalated to you")),
    Notice(
        "mail_held",
        AGENT,
        True,
        _("Mail about a request you own, or an unowned one you answer for, waits for your review"),
    ),
)

BY_CODE: dict[str, Notice] = {notice.code: notice for notice in NOTICES}


def optional_codes() -> frozenset[str]:
    """Return the codes of the notices a person may turn off."""
    return frozenset(notice.code for notice in NOTICES if not notice.essential)


def for_audiences(audiences: set[str]) -> list[Notice]:
    """Return the notices that concern these audiences, in the catalogue's order."""
    return [notice for notice in NOTICES if notice.audience in audiences]
