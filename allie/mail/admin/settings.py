"""Administration of the desk-wide mail settings (one row): rate limit and sending attempts."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from allie.accounts.admin import AdministratorOnly
from allie.mail.models import MailSettings


@admin.register(MailSettings)
class MailSettingsAdmin(AdministratorOnly, admin.ModelAdmin):
    """One row of mail settings: the list leads straight to it."""

    fieldsets = (
        (
            _("Incoming mail"),
            {
                "fields": ("rate_limit", "rate_window_minutes"),
                "description": _(
                    "Mail from one sender beyond this many messages within the window is "
                    "ignored (and logged), which stops mail storms and loops. 0 means no limit."
                ),
            },
        ),
        (_("Outgoing mail"), {"fields": ("max_attempts",)}),
    )

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # one row, created on first visit

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        if not self.has_view_permission(request):
            return super().changelist_view(request, extra_context)  # Django's own refusal
        row, _created = MailSettings.objects.get_or_create(pk=1)
        return HttpResponseRedirect(
            reverse(
                "admin:mail_mailsettings_change", args=[row.pk], current_app=self.admin_site.name
            )
        )
