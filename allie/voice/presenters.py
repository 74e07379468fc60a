"""Words for commitments in the ticket timelines (agent and requester), in the active language."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _


def _when(value: Any) -> str:
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        return str(value or "")
    return date_format(timezone.localtime(moment), "DATETIME_FORMAT")


def timeline_summary(data: dict[str, Any]) -> str:
    """Return one line for a commitment timeline event, as an agent reads it."""
    action = data.get("commitment")
    params = {"what": data.get("what", ""), "when": _when(data.get("due_at"))}
    if action == "made":
        return _("Commitment made: %(what)s, due %(when)s") % params
    if action == "kept":
        return _("Commitment kept: %(what)s") % params
    if action == "renegotiated":
        params["new"] = _when(data.get("new_due_at"))
        return _("Commitment renegotiated with the client: %(what)s, now due %(new)s") % params
    if action == "broken" and data.get("automatic"):
        return _("Commitment broken (still open at its due time): %(what)s") % params
    if action == "broken":
        return _("Commitment broken: %(what)s") % params
    return _("Commitment")


def requester_sentence(data: dict[str, Any]) -> str:
    """Return the requester's line for a public commitment event."""
    action = data.get("commitment")
    params = {"what": data.get("what", ""), "when": _when(data.get("due_at"))}
    if action == "made":
        return _("We promised: %(what)s by %(when)s") % params
    if action == "kept":
        return _("We kept our promise: %(what)s") % params
    if action == "renegotiated":
        params["new"] = _when(data.get("new_due_at"))
        return _("We agreed with you on a new time for: %(what)s, now %(new)s") % params
    if action == "broken":
        return _("We did not keep our promise: %(what)s") % params
    return _("Commitment")
