"""Use cases on tickets: one function each, one transaction each.

Every interface (portal, workspace, API, email, CLI, worker) calls these, so a rule lives once.
"""

from __future__ import annotations

from allie.tickets.services.attachments import UploadedFile, read_attachment
from allie.tickets.services.conversation import reply
from allie.tickets.services.copies import copy_people, remove_copy
from allie.tickets.services.errors import ConcurrentChangeError, ServiceError
from allie.tickets.services.handoffs import (
    accept_handoff,
    decline_handoff,
    propose_handoff,
    withdraw_handoff,
)
from allie.tickets.services.lifecycle import (
    TRANSITION_COMMANDS,
    acknowledge,
    available_actions,
    close_resolved_after_window,
    transition,
)
from allie.tickets.services.opening import log_contact, open_ticket, update_ticket_fields

__all__ = [
    "TRANSITION_COMMANDS",
    "ConcurrentChangeError",
    "ServiceError",
    "UploadedFile",
    "accept_handoff",
    "acknowledge",
    "available_actions",
    "close_resolved_after_window",
    "copy_people",
    "decline_handoff",
    "log_contact",
    "open_ticket",
    "propose_handoff",
    "read_attachment",
    "remove_copy",
    "reply",
    "transition",
    "update_ticket_fields",
    "withdraw_handoff",
]
