"""Appending many timeline events at once (the deadline sweep writes a batch's in one insert).

Django sends no `post_save` for rows written by `bulk_create`, so `append_events` sends
`events_appended` instead: receivers that react to new events (email notices) connect to both.
"""

from __future__ import annotations

from django.dispatch import Signal

from allie.tickets.models import TimelineEvent

# Sent with `events`: the list of events just written, in order, with their primary keys.
events_appended = Signal()


def append_events(events: list[TimelineEvent]) -> list[TimelineEvent]:
    """Write `events` in one insert (in the caller's transaction) and tell the receivers."""
    if not events:
        return []
    written = TimelineEvent.objects.bulk_create(events)
    events_appended.send(sender=TimelineEvent, events=written)
    return written
