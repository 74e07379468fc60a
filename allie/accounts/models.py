"""People, client organisations, their sites, teams and roles."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models.functions import Upper
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _


class Language(models.TextChoices):
    FRENCH = "fr-ca", _("French")
    ENGLISH = "en", _("English")


class Role(models.TextChoices):
    """Roles a person can hold; one person may hold several."""

    REQUESTER = "requester", _("Requester")
    AGENT = "agent", _("Agent")
    TEAM_LEAD = "team_lead", _("Team lead")
    MANAGER = "manager", _("Manager")
    EXECUTIVE = "executive", _("Executive")
    ACCOUNT_MANAGER = "account_manager", _("Account manager")
    QUALITY_REVIEWER = "quality_reviewer", _("Quality reviewer")
    ADMINISTRATOR = "administrator", _("Administrator")


STAFF_ROLES = frozenset(
    {
        Role.AGENT,
        Role.TEAM_LEAD,
        Role.MANAGER,
        Role.EXECUTIVE,
        Role.ACCOUNT_MANAGER,
        Role.QUALITY_REVIEWER,
        Role.ADMINISTRATOR,
    }
)


class Organisation(models.Model):
    """A client organisation: an internal department or an external client."""

    class Kind(models.TextChoices):
        INTERNAL = "internal", _("Internal department")
        EXTERNAL = "external", _("External client")

    name = models.CharField(_("name"), max_length=200, unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.INTERNAL)
    language = models.CharField(
        _("language"), max_length=8, choices=Language.choices, default=Language.FRENCH
    )
    is_vip = models.BooleanField(_("VIP"), default=False)
    executive_sponsor = models.ForeignKey(
        "accounts.User",
        verbose_name=_("executive sponsor"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="sponsored_organisations",
    )
    account_manager = models.ForeignKey(
        "accounts.User",
        verbose_name=_("account manager"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="managed_organisations",
    )
    calendar = models.ForeignKey(
        "sla.BusinessCalendar",
        verbose_name=_("business calendar"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Empty: the desk's default calendar."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self) -> str:
        return self.name


class Site(models.Model):
    """A place where an organisation's people work (an office, a building, a branch)."""

    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.CASCADE, related_name="sites"
    )
    name = models.CharField(_("name"), max_length=200)
    address = models.CharField(_("address"), max_length=300, blank=True)
    calendar = models.ForeignKey(
        "sla.BusinessCalendar",
        verbose_name=_("business calendar"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Empty: the organisation's calendar."),
    )

    class Meta:
        ordering = ["organisation__name", "name"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "name"], name="site_unique_per_org")
        ]
        verbose_name = _("site")
        verbose_name_plural = _("sites")

    def __str__(self) -> str:
        return f"{self.organisation.name} · {self.name}"


class UserRole(models.Model):
    """One role held by one person."""

    user = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="role_grants")
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "role"], name="role_once_per_user")]
        verbose_name = _("role")
        verbose_name_plural = _("roles")

    def __str__(self) -> str:
        return self.get_role_display()


class AllieUserManager(UserManager["User"]):
    def get_by_natural_key(self, username: str | None) -> User:
        # The login: "Alice@…" signs in alice@…; person_email_any_case keeps it one person.
        return self.get(email__iexact=(username or "").strip())

    def create_user(  # type: ignore[override]
        self, email: str, password: str | None = None, **extra: object
    ) -> User:
        extra.setdefault("username", email.lower())
        return super().create_user(email=email, password=password, **extra)  # type: ignore[arg-type]

    def create_superuser(  # type: ignore[override]
        self, email: str, password: str | None = None, **extra: object
    ) -> User:
        extra.setdefault("username", email.lower())
        return super().create_superuser(email=email, password=password, **extra)  # type: ignore[arg-type]


class User(AbstractUser):
    """A person: requester, agent, lead, manager, administrator (several at once if need be)."""

    email = models.EmailField(_("email address"), unique=True)
    full_name = models.CharField(_("full name"), max_length=200)
    language = models.CharField(
        _("language"), max_length=8, choices=Language.choices, default=Language.FRENCH
    )
    time_zone = models.CharField(_("time zone"), max_length=64, default="America/Toronto")
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="people",
    )
    site = models.ForeignKey(
        Site, verbose_name=_("site"), null=True, blank=True, on_delete=models.SET_NULL
    )
    is_organisation_contact = models.BooleanField(
        _("organisation contact"),
        default=False,
        help_text=_("Sees and follows every request of their organisation."),
    )
    is_vip = models.BooleanField(_("VIP"), default=False)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = ["username", "full_name"]
    objects = AllieUserManager()

    class Meta:
        ordering = ["full_name"]
        verbose_name = _("person")
        verbose_name_plural = _("people")
        constraints = [
            # One person per address whatever its case: the login and mail intake find people
            # with email__iexact, which on PostgreSQL reads this index (UPPER(email::text)).
            models.UniqueConstraint(
                Upper("email"),
                name="person_email_any_case",
                violation_error_message=_("Someone already uses this email address."),
            )
        ]
        indexes = [
            # An organisation's contacts (commitments' "to whom", relationship surveys): a few
            # rows among the thousands of people of a large client (docs/performance.md).
            models.Index(
                fields=["organisation"],
                condition=models.Q(is_organisation_contact=True),
                name="person_contacts_of_org",
            )
        ]

    def __str__(self) -> str:
        return self.full_name or self.email

    def get_full_name(self) -> str:
        return self.full_name or self.email

    def get_short_name(self) -> str:
        return (self.full_name or self.email).split(" ")[0]

    @cached_property
    def roles(self) -> frozenset[str]:
        """Return the codes of the roles this person holds (one query, cached per instance)."""
        return self._roles_from(self.role_grants.values_list("role", flat=True))

    def remember_roles(self, codes: Iterable[str]) -> None:
        """Set `roles` from codes read along with this person (no query of its own then)."""
        self.__dict__["roles"] = self._roles_from(codes)

    def _roles_from(self, codes: Iterable[str]) -> frozenset[str]:
        granted = set(codes)
        if self.is_superuser:
            granted.add(Role.ADMINISTRATOR)
        return frozenset(granted)

    def has_role(self, role: str) -> bool:
        return role in self.roles

    @property
    def is_agent(self) -> bool:
        """An agent works tickets: any staff role makes someone one."""
        return bool(self.roles & STAFF_ROLES)

    @property
    def is_administrator(self) -> bool:
        return Role.ADMINISTRATOR in self.roles

    @cached_property
    def team_ids(self) -> frozenset[int]:
        return frozenset(self.teams.values_list("id", flat=True))


class Team(models.Model):
    """A team of agents; it may cross divisions and serves some organisations."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    division = models.CharField(_("division"), max_length=200, blank=True)
    lead = models.ForeignKey(
        User,
        verbose_name=_("team lead"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="led_teams",
    )
    members = models.ManyToManyField(
        User, verbose_name=_("members"), related_name="teams", blank=True
    )
    serves = models.ManyToManyField(
        Organisation,
        verbose_name=_("organisations served"),
        related_name="serving_teams",
        blank=True,
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("team")
        verbose_name_plural = _("teams")

    def __str__(self) -> str:
        return self.name


class ApiToken(models.Model):
    """A personal API token; only its SHA-256 digest is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("prefix"), max_length=12, db_index=True)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"
