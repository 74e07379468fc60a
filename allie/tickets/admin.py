"""Administration of desk settings and the priority matrix; tickets are shown read-only.

Every change to a ticket goes through `allie.tickets.services` (rules, timeline, side effects),
so the admin never writes ticket rows: it only lets an administrator look.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from allie.accounts.admin import AdministratorOnly
from allie.tickets.domain.errors import DomainError
from allie.tickets.domain.priority import DEFAULT_MATRIX, Impact, Urgency, validate_matrix
from allie.tickets.models import (
    DeskSettings,
    Handoff,
    PriorityCell,
    Ticket,
    TicketCopy,
    TimelineEvent,
)


@admin.register(DeskSettings)
class DeskSettingsAdmin(AdministratorOnly, admin.ModelAdmin):
    """One row of desk-wide settings: the list leads straight to it."""

    list_display = ("__str__", "reopen_window_days", "needs_owner_after_minutes")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # one row, created by migration tickets 0002

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        row = DeskSettings.current()
        return HttpResponseRedirect(
            reverse(
                "admin:tickets_desksettings_change", args=[row.pk], current_app=self.admin_site.name
            )
        )


class PriorityCellForm(forms.ModelForm):
    class Meta:
        model = PriorityCell
        fields = ("impact", "urgency", "priority")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        impact, urgency, priority = (
            cleaned.get(name) for name in ("impact", "urgency", "priority")
        )
        if impact and urgency and priority:
            try:
                validate_matrix({(impact, urgency): priority}, partial=True)
            except DomainError as error:
                raise forms.ValidationError(
                    _("This cell is not a valid part of the priority matrix."), code=error.code
                ) from error
        return cleaned


@admin.register(PriorityCell)
class PriorityCellAdmin(AdministratorOnly, admin.ModelAdmin):
    """Overrides of the default impact × urgency matrix; unset cells keep the default."""

    form = PriorityCellForm
    list_display = ("impact", "urgency", "priority", "default_priority")
    list_filter = ("impact", "urgency", "priority")

    @admin.display(description=_("default priority"))
    def default_priority(self, cell: PriorityCell) -> str:
        try:
            return DEFAULT_MATRIX[(Impact(cell.impact), Urgency(cell.urgency))].value
        except (KeyError, ValueError):
            return "—"


class ReadOnlyInline(AdministratorOnly, admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class TimelineEventInline(ReadOnlyInline):
    model = TimelineEvent
    fields = ("created_at", "kind", "actor", "is_public", "body")
    readonly_fields = fields
    ordering = ("created_at", "id")

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).select_related("actor")


class HandoffInline(ReadOnlyInline):
    model = Handoff
    fk_name = "ticket"
    fields = (
        "created_at",
        "proposed_by",
        "to_person",
        "to_team",
        "reason",
        "state",
        "responded_at",
    )
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).select_related("proposed_by", "to_person", "to_team")


class TicketCopyInline(ReadOnlyInline):
    """The people copied on the ticket; agents remove them on the ticket page."""

    model = TicketCopy
    fk_name = "ticket"
    fields = ("person", "source", "added_by", "added_at")
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).select_related("person", "added_by")


@admin.register(Ticket)
class TicketAdmin(AdministratorOnly, admin.ModelAdmin):
    """Tickets are read-only here: changes go through the services (portal, workspace, API)."""

    list_display = (
        "reference",
        "title",
        "status",
        "priority",
        "organisation",
        "requester",
        "owner",
        "team",
        "created_at",
    )
    list_filter = ("status", "priority", "channel", "kind", "organisation", "team")
    search_fields = ("=reference", "title")
    list_select_related = ("organisation", "requester", "owner", "team")
    # Counting a million rows on every page would be the slowest query of the page.
    show_full_result_count = False
    inlines = (HandoffInline, TicketCopyInline, TimelineEventInline)
    fieldsets = (
        (None, {"fields": ("reference", "title", "description", "status", "next_step")}),
        (
            _("Who"),
            {"fields": ("requester", "organisation", "site", "owner", "team")},
        ),
        (
            _("What"),
            {
                "fields": (
                    "kind",
                    "channel",
                    "service",
                    "form_answers",
                    "impact",
                    "urgency",
                    "priority",
                )
            },
        ),
        (
            _("When"),
            {
                "fields": (
                    "created_at",
                    "acknowledged_at",
                    "first_response_at",
                    "resolved_at",
                    "closed_at",
                    "updated_at",
                )
            },
        ),
        (
            _("Counters"),
            {
                "fields": (
                    "handoff_count",
                    "reopen_count",
                    "agent_reply_count",
                    "requester_reply_count",
                    "resolved_at_first_contact",
                    "decline_reason",
                    "decline_alternative",
                )
            },
        ),
    )

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return [name for _title, options in self.fieldsets for name in options["fields"]]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
