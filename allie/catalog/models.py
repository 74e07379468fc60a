"""The service catalogue: what the desk offers, to whom, and the form that asks for it."""

from __future__ import annotations

from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from allie.tickets.domain.priority import Impact, Urgency


def in_language(obj: object, field: str, language: str | None = None) -> str:
    """Return `<field>_fr` or `<field>_en` for the active language, falling back to French."""
    language = language or get_language() or "fr"
    suffix = "en" if language.startswith("en") else "fr"
    value = getattr(obj, f"{field}_{suffix}", "") or getattr(obj, f"{field}_fr", "")
    return str(value)


class TicketKind(models.TextChoices):
    INCIDENT = "incident", _("Incident")
    SERVICE_REQUEST = "service_request", _("Service request")
    QUESTION = "question", _("Question")


class ImpactChoices(models.TextChoices):
    HIGH = Impact.HIGH.value, _("High: many people or a whole site")
    MEDIUM = Impact.MEDIUM.value, _("Medium: a team or a group")
    LOW = Impact.LOW.value, _("Low: one person")


class UrgencyChoices(models.TextChoices):
    HIGH = Urgency.HIGH.value, _("High: work is stopped")
    MEDIUM = Urgency.MEDIUM.value, _("Medium: work is slowed")
    LOW = Urgency.LOW.value, _("Low: it can wait")


class Service(models.Model):
    """A service of the catalogue, with its scope and its request form."""

    code = models.SlugField(_("code"), max_length=60, unique=True)
    name_fr = models.CharField(_("name (French)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    description_fr = models.TextField(_("description (French)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    in_scope_fr = models.TextField(_("what is covered (French)"), blank=True)
    in_scope_en = models.TextField(_("what is covered (English)"), blank=True)
    out_of_scope_fr = models.TextField(_("what is not covered (French)"), blank=True)
    out_of_scope_en = models.TextField(_("what is not covered (English)"), blank=True)
    alternative_fr = models.TextField(_("where to go instead (French)"), blank=True)
    alternative_en = models.TextField(_("where to go instead (English)"), blank=True)
    owner_team = models.ForeignKey(
        "accounts.Team",
        verbose_name=_("owner team"),
        on_delete=models.PROTECT,
        related_name="owned_services",
    )
    default_kind = models.CharField(
        _("default kind"), max_length=20, choices=TicketKind.choices, default=TicketKind.INCIDENT
    )
    default_impact = models.CharField(
        _("default impact"), max_length=8, choices=ImpactChoices.choices, default=Impact.LOW.value
    )
    default_urgency = models.CharField(
        _("default urgency"),
        max_length=8,
        choices=UrgencyChoices.choices,
        default=Urgency.MEDIUM.value,
    )
    is_active = models.BooleanField(
        _("active"),
        default=True,
        help_text=_("Retired services stay on old requests but cannot be chosen."),
    )
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "name_fr"]
        verbose_name = _("service")
        verbose_name_plural = _("services")

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return in_language(self, "name")

    @property
    def description(self) -> str:
        return in_language(self, "description")

    @property
    def in_scope(self) -> str:
        return in_language(self, "in_scope")

    @property
    def out_of_scope(self) -> str:
        return in_language(self, "out_of_scope")

    @property
    def alternative(self) -> str:
        return in_language(self, "alternative")


class FormField(models.Model):
    """One field of a service's request form, defined by an administrator."""

    class FieldType(models.TextChoices):
        TEXT = "text", _("Short text")
        LONG_TEXT = "long_text", _("Long text")
        CHOICE = "choice", _("Choice")
        DATE = "date", _("Date")
        NUMBER = "number", _("Number")
        FILE = "file", _("File")

    service = models.ForeignKey(
        Service, verbose_name=_("service"), on_delete=models.CASCADE, related_name="form_fields"
    )
    key = models.SlugField(_("key"), max_length=60)
    label_fr = models.CharField(_("label (French)"), max_length=200)
    label_en = models.CharField(_("label (English)"), max_length=200)
    help_fr = models.CharField(_("help (French)"), max_length=300, blank=True)
    help_en = models.CharField(_("help (English)"), max_length=300, blank=True)
    field_type = models.CharField(
        _("type"), max_length=16, choices=FieldType.choices, default=FieldType.TEXT
    )
    required = models.BooleanField(_("required"), default=False)
    choices = models.TextField(
        _("choices"),
        blank=True,
        help_text=_("For a choice field: one per line, as “value | French label | English label”."),
    )
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["service", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["service", "key"], name="form_field_key_unique")
        ]
        verbose_name = _("form field")
        verbose_name_plural = _("form fields")

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return in_language(self, "label")

    @property
    def help(self) -> str:
        return in_language(self, "help")

    def choice_pairs(self, language: str | None = None) -> list[tuple[str, str]]:
        """Return (value, label) pairs for a choice field in the given or active language."""
        language = language or get_language() or "fr"
        english = language.startswith("en")
        pairs = []
        for line in self.choices.splitlines():
            parts = [part.strip() for part in line.split("|")]
            if not parts or not parts[0]:
                continue
            french = parts[1] if len(parts) > 1 and parts[1] else parts[0]
            label = parts[2] if english and len(parts) > 2 and parts[2] else french
            pairs.append((parts[0], label))
        return pairs
