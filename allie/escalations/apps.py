from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EscalationsConfig(AppConfig):
    name = "allie.escalations"
    label = "escalations"
    verbose_name = _("Escalations")

    def ready(self) -> None:
        from allie.escalations.services import on_deadlines
        from allie.sla.services import deadline_handlers

        if on_deadlines not in deadline_handlers:
            deadline_handlers.append(on_deadlines)
