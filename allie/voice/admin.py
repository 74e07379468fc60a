from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from allie.accounts.admin import AdministratorOnly
from allie.voice.models import (
    Commitment,
    CommitmentReminder,
    FollowUp,
    RelationshipAnswer,
    RelationshipSurvey,
    Survey,
    SurveySettings,
    Theme,
)


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


@admin.register(Survey)
class SurveyAdmin(AdministratorOnly, admin.ModelAdmin):
    """Read-only: surveys are sent on resolution and answered through their link."""

    list_display = ("ticket", "requester", "sent_at", "answered_at", "csat", "ces", "low")
    list_filter = ("low", "csat", "language")
    list_select_related = ("ticket", "requester")
    search_fields = ("ticket__reference", "comment")
    exclude = ("nonce",)
    readonly_fields = [field.name for field in Survey._meta.fields if field.name != "nonce"]

    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(SurveySettings)
class SurveySettingsAdmin(AdministratorOnly, admin.ModelAdmin):
    """One row of survey settings: the list leads straight to it."""

    list_display = ("__str__", "fatigue_days", "answer_window_hours", "link_lifetime_days")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # one row, created by migration voice 0002

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        row = SurveySettings.current()
        return HttpResponseRedirect(
            reverse(
                "admin:voice_surveysettings_change", args=[row.pk], current_app=self.admin_site.name
            )
        )


@admin.register(FollowUp)
class FollowUpAdmin(AdministratorOnly, admin.ModelAdmin):
    """Read-only: follow-ups open on low answers and close through the lead's queue."""

    list_display = ("ticket", "assigned_to", "opened_at", "due_at", "state", "escalated_at")
    list_filter = ("state",)
    list_select_related = ("ticket", "assigned_to")
    search_fields = ("ticket__reference",)
    readonly_fields = [field.name for field in FollowUp._meta.fields]

    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False


class ReadOnly(AdministratorOnly, admin.ModelAdmin):
    """Rows written by the services only: administrators read them."""

    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(RelationshipSurvey)
class RelationshipSurveyAdmin(ReadOnly):
    list_display = ("organisation", "round_start", "sent_at")
    list_select_related = ("organisation",)
    readonly_fields = ("organisation", "round_start", "sent_at")


@admin.register(RelationshipAnswer)
class RelationshipAnswerAdmin(ReadOnly):
    list_display = ("organisation", "person", "answered_at", "score", "low")
    list_filter = ("low", "language")
    list_select_related = ("organisation", "person")
    search_fields = ("organisation__name", "comment")
    exclude = ("nonce",)
    readonly_fields = [f.name for f in RelationshipAnswer._meta.fields if f.name != "nonce"]


@admin.register(Theme)
class ThemeAdmin(AdministratorOnly, admin.ModelAdmin):
    """Themes of survey comments, with their keywords in French and English (docs/themes.md)."""

    list_display = ("code", "name_fr", "name_en", "is_active")
    list_filter = ("is_active",)
    search_fields = ("code", "name_fr", "name_en", "keywords_fr", "keywords_en")
    actions = ["reclassify"]

    @admin.action(description=_("Classify every answered comment again"))
    def reclassify(self, request: HttpRequest, queryset: QuerySet[Theme]) -> None:
        from allie.voice.services.themes import reclassify_all

        count = reclassify_all()
        self.message_user(
            request,
            ngettext(
                "%(count)d comment classified again.",
                "%(count)d comments classified again.",
                count,
            )
            % {"count": count},
            messages.SUCCESS,
        )
