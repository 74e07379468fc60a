"""Template helpers of the agent workspace: timeline summaries in plain words."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import gettext as _

from allie.catalog.models import ImpactChoices, UrgencyChoices
from allie.core.choices import choice_label
from allie.escalations.presenters import timeline_summary as escalation_summary
from allie.sla.models import Clock
from allie.tickets.models import Channel, Priority, Status, TimelineEvent
from allie.voice.presenters import timeline_summary as commitment_summary

register = template.Library()

_FIELD_LABELS = {
    "impact": (lambda: _("impact"), ImpactChoices),
    "urgency": (lambda: _("urgency"), UrgencyChoices),
    "priority": (lambda: _("priority"), Priority),
    "service": (lambda: _("service"), None),
    "next_step": (lambda: _("next step"), None),
}


def _label(choices: Any, value: Any) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return str(value)


def _person(lookups: dict[str, dict[int, Any]], pk: Any) -> str:
    person = lookups.get("people", {}).get(pk) if pk is not None else None
    return str(person) if person is not None else _("nobody")


def _field_change(name: str, values: Any, lookups: dict[str, dict[int, Any]]) -> str:
    label, choices = _FIELD_LABELS.get(name, (lambda: name, None))
    before, after = [*values, None, None][:2]
    if name == "service":
        services = lookups.get("services", {})
        before = services.get(before, before) if before is not None else _("none")
        after = services.get(after, after) if after is not None else _("none")
    elif choices is not None:
        before, after = _label(choices, before), _label(choices, after)
    if name == "next_step":
        return _("%(field)s: “%(after)s”") % {"field": label(), "after": after or ""}
    return _("%(field)s: %(before)s → %(after)s") % {
        "field": label(),
        "before": before,
        "after": after,
    }


@register.simple_tag
def event_summary(event: TimelineEvent, lookups: dict[str, dict[int, Any]]) -> str:
    """Return one line saying what happened in this timeline event (escaped by the template)."""
    data = event.data or {}
    kind = event.kind
    if kind == TimelineEvent.Kind.OPENED:
        channel = _label(Channel, data.get("channel", Channel.PORTAL))
        if data.get("on_behalf_of"):
            return _("Logged the request (%(channel)s)") % {"channel": channel}
        return _("Opened the request (%(channel)s)") % {"channel": channel}
    if kind == TimelineEvent.Kind.PUBLIC_REPLY:
        return _("Replied")
    if kind == TimelineEvent.Kind.INTERNAL_NOTE:
        return _("Internal note")
    if kind == TimelineEvent.Kind.STATUS_CHANGE:
        line = _("Status: %(from)s → %(to)s") % {
            "from": _label(Status, data.get("from")),
            "to": _label(Status, data.get("to")),
        }
        return line + (" " + _("(automatic)") if data.get("automatic") else "")
    if kind == TimelineEvent.Kind.OWNER_CHANGE:
        return _("Owner: %(from)s → %(to)s") % {
            "from": _person(lookups, data.get("from")),
            "to": _person(lookups, data.get("to")),
        }
    if kind == TimelineEvent.Kind.FIELD_CHANGE:
        changes = data.get("changes") or {}
        return "; ".join(_field_change(name, values, lookups) for name, values in changes.items())
    if kind == TimelineEvent.Kind.HANDOFF:
        return _handoff_summary(data, lookups)
    if data.get("escalation"):
        return escalation_summary(data)
    if data.get("commitment"):
        return commitment_summary(data)
    if data.get("sla"):
        return _sla_summary(data)
    if data.get("copies") == "removed":
        return _("Stopped copying %(person)s") % {"person": _person(lookups, data.get("person"))}
    if data.get("mail") == "held":
        return _("Mail from %(sender)s waits for review: its sender may not write here") % {
            "sender": data.get("sender") or "?"
        }
    return str(choice_label(event, "kind"))


def _sla_summary(data: dict[str, Any]) -> str:
    clock = _label(Clock, data.get("clock")).lower()
    if data["sla"] == "warning":
        return _("SLA warning: %(percent)s %% of the %(clock)s target used") % {
            "percent": data.get("threshold"),
            "clock": clock,
        }
    if data["sla"] == "breach":
        return _("SLA breached: the %(clock)s target was missed") % {"clock": clock}
    return _("SLA targets recomputed after a change of priority or service")


def _handoff_summary(data: dict[str, Any], lookups: dict[str, dict[int, Any]]) -> str:
    action = data.get("action")
    if action == "proposed":
        if data.get("to_team") is not None:
            team = lookups.get("teams", {}).get(data["to_team"])
            target = str(team) if team is not None else _("a team")
        else:
            target = _person(lookups, data.get("to_person"))
        return _("Proposed a handoff to %(target)s") % {"target": target}
    if action == "accepted":
        return _("Accepted the handoff")
    if action == "declined":
        return _("Declined the handoff")
    if action == "withdrawn":
        return _("Withdrew the handoff")
    return _("Handoff")
