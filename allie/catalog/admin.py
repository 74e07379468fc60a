"""Administration of the service catalogue: services, their scope and their request forms."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from allie.accounts.admin import AdministratorOnly
from allie.catalog.models import FormField, Service


class FormFieldForm(forms.ModelForm):
    class Meta:
        model = FormField
        fields = (
            "key",
            "field_type",
            "required",
            "position",
            "label_fr",
            "label_en",
            "help_fr",
            "help_en",
            "choices",
        )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        is_choice = cleaned.get("field_type") == FormField.FieldType.CHOICE
        has_choices = any(line.strip() for line in (cleaned.get("choices") or "").splitlines())
        if is_choice and not has_choices:
            self.add_error("choices", _("A choice field needs at least one choice."))
        return cleaned


class FormFieldInline(AdministratorOnly, admin.StackedInline):
    model = FormField
    form = FormFieldForm
    extra = 0
    ordering = ("position", "id")
    fields = (
        ("key", "field_type", "required", "position"),
        ("label_fr", "label_en"),
        ("help_fr", "help_en"),
        "choices",
    )


@admin.register(Service)
class ServiceAdmin(AdministratorOnly, admin.ModelAdmin):
    list_display = (
        "name_fr",
        "name_en",
        "code",
        "owner_team",
        "default_kind",
        "field_count",
        "is_active",
        "position",
    )
    list_display_links = ("name_fr", "name_en")
    list_filter = ("is_active", "owner_team", "default_kind")
    search_fields = ("code", "name_fr", "name_en", "description_fr", "description_en")
    list_select_related = ("owner_team",)
    ordering = ("position", "name_fr")
    autocomplete_fields = ("owner_team",)
    prepopulated_fields = {"code": ("name_en",)}
    actions = ("retire_services", "reactivate_services")
    inlines = (FormFieldInline,)
    fieldsets = (
        (None, {"fields": ("code", "owner_team", "is_active", "position")}),
        (
            _("Name and description"),
            {"fields": ("name_fr", "name_en", "description_fr", "description_en")},
        ),
        (
            _("Scope"),
            {
                "fields": (
                    "in_scope_fr",
                    "in_scope_en",
                    "out_of_scope_fr",
                    "out_of_scope_en",
                    "alternative_fr",
                    "alternative_en",
                )
            },
        ),
        (
            _("Defaults for new requests"),
            {"fields": ("default_kind", "default_impact", "default_urgency")},
        ),
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Service]:
        return super().get_queryset(request).annotate(field_total=Count("form_fields"))

    @admin.display(description=_("form fields"), ordering="field_total")
    def field_count(self, service: Service) -> int:
        return getattr(service, "field_total", 0)

    @admin.action(description=_("Retire the selected services"), permissions=("change",))
    def retire_services(self, request: HttpRequest, queryset: QuerySet[Service]) -> None:
        count = queryset.filter(is_active=True).update(is_active=False)
        self.message_user(
            request,
            ngettext("%(count)d service retired.", "%(count)d services retired.", count)
            % {"count": count},
            messages.SUCCESS,
        )

    @admin.action(description=_("Offer the selected services again"), permissions=("change",))
    def reactivate_services(self, request: HttpRequest, queryset: QuerySet[Service]) -> None:
        count = queryset.filter(is_active=False).update(is_active=True)
        self.message_user(
            request,
            ngettext("%(count)d service offered again.", "%(count)d services offered again.", count)
            % {"count": count},
            messages.SUCCESS,
        )
