from __future__ import annotations

from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "allie.portal"
    label = "portal"
