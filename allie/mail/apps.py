from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_save
from django.utils.translation import gettext_lazy as _


def _notify(sender: Any, instance: Any, created: bool, raw: bool = False, **kwargs: Any) -> None:
    """Queue the notices of a new timeline event, in the transaction that appends it."""
    if not created or raw:  # fixtures loaded raw are history, not news
        return
    from allie.mail.services.notifications import on_timeline_event

    on_timeline_event(instance)


def _notify_many(sender: Any, events: list[Any], **kwargs: Any) -> None:
    """Queue the notices of events written together (`allie.tickets.timeline.append_events`)."""
    from allie.mail.services.notifications import on_timeline_events

    on_timeline_events(events)


class MailConfig(AppConfig):
    name = "allie.mail"
    label = "mail"
    verbose_name = _("Email")

    def ready(self) -> None:
        from allie.tickets.models import TimelineEvent
        from allie.tickets.timeline import events_appended

        post_save.connect(
            _notify, sender=TimelineEvent, dispatch_uid="allie.mail.notify_timeline_event"
        )
        events_appended.connect(
            _notify_many, sender=TimelineEvent, dispatch_uid="allie.mail.notify_timeline_events"
        )
