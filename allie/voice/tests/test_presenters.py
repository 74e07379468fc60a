"""Commitment lines in the timelines."""

from __future__ import annotations

import pytest
from django.utils import timezone, translation

from allie.voice.presenters import requester_sentence, timeline_summary

DATA = {"what": "Rappel", "due_at": "2026-03-03T20:00:00+00:00"}


@pytest.mark.parametrize(
    ("action", "extra", "agent", "requester"),
    [
        ("made", {}, "Commitment made: Rappel, due", "We promised: Rappel by"),
        ("kept", {}, "Commitment kept: Rappel", "We kept our promise: Rappel"),
        (
            "renegotiated",
            {"new_due_at": "2026-03-05T20:00:00+00:00"},
            "Commitment renegotiated with the client: Rappel, now due",
            "We agreed with you on a new time for: Rappel, now",
        ),
        ("broken", {"automatic": True}, "Commitment broken (still open", "We did not keep"),
        ("broken", {}, "Commitment broken: Rappel", "We did not keep our promise: Rappel"),
    ],
)
def test_each_commitment_event_reads_as_a_sentence(action, extra, agent, requester):
    data = {**DATA, "commitment": action, **extra}

    with translation.override("en"), timezone.override("America/Toronto"):
        assert timeline_summary(data).startswith(agent)
        assert requester_sentence(data).startswith(requester)
        assert "3 p.m." in timeline_summary({**DATA, "commitment": "made"})  # local time
