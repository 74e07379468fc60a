"""What the escalation pages show, in plain words: age, who was alerted, the next action."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils.translation import gettext as _

from allie.escalations.models import Escalation, EscalationAlert


@dataclass(frozen=True)
class Row:
    escalation: Escalation
    alerts: list[EscalationAlert]
    next_action: str


def next_action(escalation: Escalation, alerts: list[EscalationAlert]) -> str:
    """Return what should happen next on an active escalation."""
    ticket = escalation.ticket
    if not ticket.is_open:
        return _("Close the escalation: the request is %(status)s.") % {
            "status": ticket.get_status_display().lower()
        }
    if not alerts:
        return _(
            "Nobody could be alerted at the level “%(level)s”: name someone, then escalate by hand."
        ) % {"level": escalation.get_level_display().lower()}
    waiting = [str(alert.person) for alert in alerts if alert.acknowledged_at is None]
    if escalation.state == Escalation.State.OPEN:
        return _("Waiting for %(names)s to acknowledge.") % {"names": ", ".join(waiting)}
    return _("Next: %(name)s acts, then closes the escalation saying how it ended.") % {
        "name": escalation.acknowledged_by or _("The person alerted")
    }


def row(escalation: Escalation, *, now: datetime) -> Row:
    alerts = list(escalation.alerts.all())
    return Row(escalation=escalation, alerts=alerts, next_action=next_action(escalation, alerts))


def timeline_summary(data: dict[str, Any]) -> str:
    """Return one line for an escalation timeline event (for the timeline renderers)."""
    from allie.escalations.models import Level

    try:
        level = str(Level(data.get("level")).label).lower()
    except ValueError:
        level = str(data.get("level"))
    action = data.get("escalation")
    if action == "raised":
        return _("Escalated to %(level)s") % {"level": level}
    if action == "acknowledged":
        return _("Acknowledged the escalation to %(level)s") % {"level": level}
    if action == "closed":
        return _("Closed the escalation to %(level)s") % {"level": level}
    return _("Escalation")
