from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_save
from django.utils.translation import gettext_lazy as _


def _survey(sender: Any, instance: Any, created: bool, raw: bool = False, **kwargs: Any) -> None:
    """Send the satisfaction survey a resolution calls for, in the transaction that resolves."""
    if not created or raw:  # fixtures loaded raw are history, not news
        return
    from allie.voice.services.surveys import on_timeline_event

    on_timeline_event(instance)


def _survey_many(sender: Any, events: list[Any], **kwargs: Any) -> None:
    """The same for events written together (`allie.tickets.timeline.append_events`)."""
    from allie.voice.services.surveys import on_timeline_event

    for event in events:
        on_timeline_event(event)


class VoiceConfig(AppConfig):
    name = "allie.voice"
    label = "voice"
    verbose_name = _("Voice of the client")

    def ready(self) -> None:
        from allie.tickets.models import TimelineEvent
        from allie.tickets.timeline import events_appended

        post_save.connect(
            _survey, sender=TimelineEvent, dispatch_uid="allie.voice.survey_on_resolution"
        )
        events_appended.connect(
            _survey_many, sender=TimelineEvent, dispatch_uid="allie.voice.survey_on_resolutions"
        )
