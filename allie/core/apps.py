from __future__ import annotations

from django.apps import AppConfig


class CoreConfig(AppConfig):
    verbose_name = "Allié"
    name = "allie.core"
    label = "core"
