from __future__ import annotations

from typing import Any

from django.contrib import admin

from allie.accounts.admin import AdministratorOnly
from allie.voice.models import Commitment, CommitmentReminder


class CommitmentReminderInline(AdministratorOnly, admin.TabularInline):
    model = CommitmentReminder
    extra = 0
    readonly_fields = ("remind_at", "sent_at")
    can_delete = False

    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(Commitment)
class CommitmentAdmin(AdministratorOnly, admin.ModelAdmin):
    """Read-only: commitments change through the services only."""

    list_display = ("what", "organisation", "ticket", "made_by", "due_at", "state")
    list_filter = ("state", "is_public")
    search_fields = ("what", "to_name")
    inlines = [CommitmentReminderInline]
    readonly_fields = [field.name for field in Commitment._meta.fields]

    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False
