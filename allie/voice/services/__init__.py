"""Use cases of the voice of the client."""

from __future__ import annotations

from allie.voice.services.commitments import (
    CommitmentServiceError,
    break_overdue,
    make_commitment,
    mark_broken,
    mark_kept,
    renegotiate,
    send_reminders,
)

__all__ = [
    "CommitmentServiceError",
    "break_overdue",
    "make_commitment",
    "mark_broken",
    "mark_kept",
    "renegotiate",
    "send_reminders",
]
