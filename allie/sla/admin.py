"""Administration of business calendars, SLA policies and settings; SLA rows read-only.

Every rule the database enforces (one default calendar, one policy per service and priority,
one default policy per priority, positive targets) is checked first by the forms, so an
administrator gets a clear message on the field instead of a database error.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from allie.accounts.admin import AdministratorOnly
from allie.sla.domain.errors import SlaError
from allie.sla.models import (
    BusinessCalendar,
    CalendarException,
    Deadline,
    SlaPolicy,
    SlaSettings,
    TicketSla,
)

# --- Calendars ------------------------------------------------------------------------------


class BusinessCalendarForm(forms.ModelForm):
    class Meta:
        model = BusinessCalendar
        fields = ("name", "timezone", "holidays_region", "hours", "is_default")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned.get("is_default"):
            others = BusinessCalendar.objects.filter(is_default=True)
            if self.instance.pk:
                others = others.exclude(pk=self.instance.pk)
            current = others.first()
            if current is not None:
                self.add_error(
                    "is_default",
                    _("“%(name)s” is already the default calendar: untick it there first.")
                    % {"name": current.name},
                )
        return cleaned


class CalendarExceptionFormSet(forms.BaseInlineFormSet):
    """Checks the whole calendar, closures and openings included, with the domain's rules."""

    def clean(self) -> None:
        super().clean()
        if any(self.errors):
            return
        exceptions = []
        for form in self.forms:
            data = getattr(form, "cleaned_data", None)
            if not data or data.get("DELETE"):
                continue
            if not (data.get("kind") and data.get("starts_at") and data.get("ends_at")):
                continue
            exceptions.append(
                CalendarException(
                    kind=data["kind"], starts_at=data["starts_at"], ends_at=data["ends_at"]
                )
            )
        try:
            self.instance.to_domain(exceptions=exceptions)
        except SlaError as error:
            raise forms.ValidationError(
                _("The closures and openings are not valid: %(error)s") % {"error": error},
                code=error.code,
            ) from error


class CalendarExceptionInline(AdministratorOnly, admin.TabularInline):
    model = CalendarException
    formset = CalendarExceptionFormSet
    extra = 0
    fields = ("kind", "starts_at", "ends_at", "label")


@admin.register(BusinessCalendar)
class BusinessCalendarAdmin(AdministratorOnly, admin.ModelAdmin):
    form = BusinessCalendarForm
    list_display = ("name", "timezone", "holidays_region", "is_default")
    list_filter = ("is_default", "holidays_region")
    search_fields = ("name",)
    inlines = (CalendarExceptionInline,)


# --- Policies -------------------------------------------------------------------------------


class SlaPolicyForm(forms.ModelForm):
    class Meta:
        model = SlaPolicy
        fields = (
            "service",
            "priority",
            "first_response_minutes",
            "next_update_minutes",
            "resolution_minutes",
        )

    def _positive(self, name: str) -> int:
        value = self.cleaned_data.get(name)
        if value is not None and value < 1:
            raise forms.ValidationError(_("Give at least one business minute."))
        return value  # type: ignore[no-any-return]

    def clean_first_response_minutes(self) -> int:
        return self._positive("first_response_minutes")

    def clean_next_update_minutes(self) -> int:
        return self._positive("next_update_minutes")

    def clean_resolution_minutes(self) -> int:
        return self._positive("resolution_minutes")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        priority, service = cleaned.get("priority"), cleaned.get("service")
        if priority:
            others = SlaPolicy.objects.filter(priority=priority, service=service)
            if self.instance.pk:
                others = others.exclude(pk=self.instance.pk)
            if others.exists():
                if service is None:
                    message = _("There is already a default policy for this priority.")
                else:
                    message = _("This service already has a policy for this priority.")
                self.add_error("priority", message)
        return cleaned


@admin.register(SlaPolicy)
class SlaPolicyAdmin(AdministratorOnly, admin.ModelAdmin):
    form = SlaPolicyForm
    list_display = (
        "scope",
        "priority",
        "first_response_minutes",
        "next_update_minutes",
        "resolution_minutes",
    )
    list_filter = ("priority", ("service", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("service",)
    ordering = ("service__name_fr", "priority")

    @admin.display(description=_("service"), ordering="service__name_fr")
    def scope(self, policy: SlaPolicy) -> str:
        return str(policy.service) if policy.service_id else str(_("All services (default)"))


# --- Settings -------------------------------------------------------------------------------


@admin.register(SlaSettings)
class SlaSettingsAdmin(AdministratorOnly, admin.ModelAdmin):
    """One row of SLA settings: the list leads straight to it."""

    fields = ("paused_statuses", "warning_thresholds")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # one row, created by migration sla 0002

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        row, _created = SlaSettings.objects.get_or_create(pk=1)
        return HttpResponseRedirect(
            reverse("admin:sla_slasettings_change", args=[row.pk], current_app=self.admin_site.name)
        )


# --- What the clocks computed (read-only, for support) --------------------------------------


class ReadOnlyAdmin(AdministratorOnly, admin.ModelAdmin):
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(TicketSla)
class TicketSlaAdmin(ReadOnlyAdmin):
    list_display = (
        "ticket",
        "first_response_state",
        "next_update_state",
        "next_update_breaches",
        "resolution_state",
        "next_breach_at",
        "computed_at",
    )
    list_filter = ("first_response_state", "next_update_state", "resolution_state")
    search_fields = ("=ticket__reference",)
    list_select_related = ("ticket",)
    ordering = ("-computed_at",)


@admin.register(Deadline)
class DeadlineAdmin(ReadOnlyAdmin):
    list_display = ("ticket", "clock", "cycle", "threshold", "due_at", "handled_at", "outcome")
    list_filter = (
        "clock",
        "threshold",
        "outcome",
        ("handled_at", admin.EmptyFieldListFilter),
    )
    search_fields = ("=ticket__reference",)
    list_select_related = ("ticket",)
    ordering = ("-due_at",)
