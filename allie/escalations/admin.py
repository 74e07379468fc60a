from __future__ import annotations

from django.contrib import admin

from allie.accounts.admin import AdministratorOnly
from allie.escalations.models import Escalation, EscalationAlert, EscalationLadder, EscalationStep


class EscalationStepInline(AdministratorOnly, admin.TabularInline):
    model = EscalationStep
    extra = 0
    fields = ("position", "level", "target_team", "clock", "threshold")


@admin.register(EscalationLadder)
class EscalationLadderAdmin(AdministratorOnly, admin.ModelAdmin):
    list_display = ("__str__", "reopen_threshold", "requester_cooldown_hours", "vip_behaviour")
    inlines = [EscalationStepInline]


class EscalationAlertInline(AdministratorOnly, admin.TabularInline):
    model = EscalationAlert
    extra = 0
    readonly_fields = ("person", "alerted_at", "acknowledged_at")
    can_delete = False


@admin.register(Escalation)
class EscalationAdmin(AdministratorOnly, admin.ModelAdmin):
    """Read-only: escalations change through the services only."""

    list_display = ("ticket", "level", "trigger", "state", "raised_at")
    list_filter = ("state", "level", "trigger")
    inlines = [EscalationAlertInline]
    readonly_fields = [field.name for field in Escalation._meta.fields]

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
