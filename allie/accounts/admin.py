"""Administration of organisations, people, teams and API tokens, for the desk's administrators."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from allie.accounts.models import ApiToken, Organisation, Role, Site, Team, User, UserRole
from allie.api.authentication import revoke_token


def is_desk_administrator(user: Any) -> bool:
    """Return whether `user` administers the desk (staff with the administrator role)."""
    return bool(
        user.is_authenticated
        and user.is_active
        and user.is_staff
        and (user.is_superuser or user.is_administrator)
    )


class AdministratorOnly:
    """Permissions for the desk's administrators, granted by role rather than by Django's
    per-model permissions, so giving someone the administrator role is the one switch."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return is_desk_administrator(request.user)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_desk_administrator(request.user)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_desk_administrator(request.user)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_desk_administrator(request.user)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_desk_administrator(request.user)


class SiteInline(AdministratorOnly, admin.TabularInline):
    model = Site
    extra = 0
    fields = ("name", "address", "calendar")


@admin.register(Organisation)
class OrganisationAdmin(AdministratorOnly, admin.ModelAdmin):
    list_display = (
        "name",
        "kind",
        "language",
        "is_vip",
        "executive_sponsor",
        "account_manager",
        "calendar",
        "people_count",
    )
    list_filter = ("kind", "is_vip", "language")
    search_fields = ("name", "sites__name")
    list_select_related = ("executive_sponsor", "account_manager", "calendar")
    autocomplete_fields = ("executive_sponsor", "account_manager")
    fields = (
        "name",
        "kind",
        "language",
        "is_vip",
        "executive_sponsor",
        "account_manager",
        "calendar",
    )
    inlines = (SiteInline,)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Organisation]:
        return super().get_queryset(request).annotate(people_total=Count("people", distinct=True))

    @admin.display(description=_("people"), ordering="people_total")
    def people_count(self, organisation: Organisation) -> int:
        return getattr(organisation, "people_total", 0)


class UserRoleInline(AdministratorOnly, admin.TabularInline):
    model = UserRole
    extra = 0
    fields = ("role",)


class RoleFilter(admin.SimpleListFilter):
    title = _("role")
    parameter_name = "role"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return list(Role.choices)

    def queryset(self, request: HttpRequest, queryset: QuerySet[User]) -> QuerySet[User]:
        value = self.value()
        if value in Role.values:
            return queryset.filter(role_grants__role=value).distinct()
        return queryset


def free_email(email: str, *, person: User | None = None) -> str:
    """The typed address, if nobody else uses it in any letter case (on the email field)."""
    email = email.strip()
    others = User.objects.filter(email__iexact=email)
    if person is not None and person.pk:
        others = others.exclude(pk=person.pk)
    if others.exists():
        raise forms.ValidationError(_("Someone already uses this email address."))
    return email


class PersonCreationForm(AdminUserCreationForm):
    """Create a person from an email address: the email is the login."""

    class Meta:
        model = User
        fields = ("email", "full_name", "language", "organisation")

    def clean_email(self) -> str:
        return free_email(self.cleaned_data["email"])

    def save(self, commit: bool = True) -> User:
        # The username is kept equal to the email so Django's auth machinery stays happy.
        self.instance.username = self.cleaned_data["email"].lower()
        return super().save(commit=commit)


class PersonChangeForm(UserChangeForm):
    class Meta(UserChangeForm.Meta):
        model = User
        fields = "__all__"

    def clean_email(self) -> str:
        return free_email(self.cleaned_data["email"], person=self.instance)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        site, organisation = cleaned.get("site"), cleaned.get("organisation")
        if site is not None and site.organisation_id != getattr(organisation, "pk", None):
            self.add_error("site", _("This site belongs to another organisation."))
        return cleaned


@admin.register(User)
class PersonAdmin(AdministratorOnly, UserAdmin):
    form = PersonChangeForm
    add_form = PersonCreationForm
    list_display = (
        "email",
        "full_name",
        "organisation",
        "role_list",
        "language",
        "is_organisation_contact",
        "is_staff",
        "is_active",
    )
    list_filter = (
        "organisation",
        RoleFilter,
        "is_organisation_contact",
        "is_vip",
        "is_staff",
        "is_active",
    )
    list_select_related = ("organisation",)
    search_fields = ("email", "full_name", "phone")
    ordering = ("full_name",)
    filter_horizontal = ()
    autocomplete_fields = ("organisation",)
    inlines = (UserRoleInline,)
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (
            _("Person"),
            {"fields": ("full_name", "phone", "language", "time_zone")},
        ),
        (
            _("Organisation"),
            {"fields": ("organisation", "site", "is_organisation_contact", "is_vip")},
        ),
        (_("Access"), {"fields": ("is_active", "is_staff", "is_superuser")}),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": (
                    "email",
                    "full_name",
                    "language",
                    "organisation",
                    "usable_password",
                    "password1",
                    "password2",
                ),
            },
        ),
    )
    readonly_fields = ("last_login", "date_joined")

    def get_queryset(self, request: HttpRequest) -> QuerySet[User]:
        return super().get_queryset(request).prefetch_related("role_grants")

    @admin.display(description=_("roles"))
    def role_list(self, person: User) -> str:
        labels = {grant.get_role_display() for grant in person.role_grants.all()}
        return ", ".join(sorted(str(label) for label in labels))

    def get_inlines(self, request: HttpRequest, obj: Any = None) -> Any:
        # Roles are granted once the person exists (the add form stays short).
        return self.inlines if obj is not None else ()


@admin.register(Team)
class TeamAdmin(AdministratorOnly, admin.ModelAdmin):
    list_display = ("name", "division", "lead", "member_count")
    list_filter = ("division",)
    search_fields = ("name", "division")
    list_select_related = ("lead",)
    autocomplete_fields = ("lead",)
    filter_horizontal = ("members", "serves")
    fields = ("name", "division", "lead", "members", "serves")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Team]:
        return super().get_queryset(request).annotate(member_total=Count("members", distinct=True))

    @admin.display(description=_("members"), ordering="member_total")
    def member_count(self, team: Team) -> int:
        return getattr(team, "member_total", 0)


@admin.register(ApiToken)
class ApiTokenAdmin(AdministratorOnly, admin.ModelAdmin):
    """Tokens are issued by their owners; administrators see them and may revoke them."""

    list_display = ("name", "user", "prefix", "created_at", "last_used_at", "revoked_at")
    list_filter = (("revoked_at", admin.EmptyFieldListFilter),)
    search_fields = ("name", "prefix", "user__email", "user__full_name")
    list_select_related = ("user",)
    fields = ("name", "user", "prefix", "created_at", "last_used_at", "revoked_at")
    readonly_fields = fields
    actions = ("revoke_tokens",)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # a revoked token stays listed: it is the record of who had access

    def has_revoke_permission(self, request: HttpRequest) -> bool:
        return is_desk_administrator(request.user)

    @admin.action(description=_("Revoke the selected tokens"), permissions=("revoke",))
    def revoke_tokens(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        tokens = list(queryset.filter(revoked_at__isnull=True))
        for token in tokens:
            revoke_token(token)
        self.message_user(
            request,
            ngettext("%(count)d token revoked.", "%(count)d tokens revoked.", len(tokens))
            % {"count": len(tokens)},
            messages.SUCCESS,
        )
