from __future__ import annotations

from django.apps import AppConfig


class SlaConfig(AppConfig):
    name = "allie.sla"
    label = "sla"
    verbose_name = "SLA"

    def ready(self) -> None:
        # Connects the signals that clear the calendar cache when a calendar changes.
        from allie.sla import calendars  # noqa: F401
