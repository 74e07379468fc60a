from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MailConfig(AppConfig):
    name = "allie.mail"
    label = "mail"
    verbose_name = _("Email")
