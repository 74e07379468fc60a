"""Escalation ladders (per organisation, with a default), their steps, escalations and alerts.

Every change goes through `allie.escalations.services`.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from allie.escalations.domain import ladder as domain


class Level(models.TextChoices):
    TEAM_LEAD = domain.Level.TEAM_LEAD.value, _("Team lead")
    MANAGER = domain.Level.MANAGER.value, _("Manager")
    EXECUTIVE_SPONSOR = domain.Level.EXECUTIVE_SPONSOR.value, _("Executive sponsor")
    TEAM = domain.Level.TEAM.value, _("Another team")


class Trigger(models.TextChoices):
    THRESHOLD = domain.Trigger.THRESHOLD.value, _("SLA warning")
    BREACH = domain.Trigger.BREACH.value, _("SLA breach")
    VIP = domain.Trigger.VIP.value, _("VIP")
    REOPENED = domain.Trigger.REOPENED.value, _("Reopened again")
    MANUAL_AGENT = domain.Trigger.MANUAL_AGENT.value, _("By an agent")
    REQUESTER = domain.Trigger.REQUESTER.value, _("By the requester")


class VipBehaviour(models.TextChoices):
    AT_OPENING = domain.VipBehaviour.AT_OPENING.value, _("Alert the team lead when it opens")
    FIRST_WARNING = (
        domain.VipBehaviour.FIRST_WARNING.value,
        _("Alert the team lead at the first warning"),
    )
    NONE = domain.VipBehaviour.NONE.value, _("Treat like any other request")


class StepClock(models.TextChoices):
    ANY = domain.ANY_CLOCK, _("Any clock")
    FIRST_RESPONSE = "first_response", _("First response")
    NEXT_UPDATE = "next_update", _("Next update")
    RESOLUTION = "resolution", _("Resolution")


class EscalationLadder(models.Model):
    """The ladder of one organisation; the one without organisation is the default."""

    organisation = models.OneToOneField(
        "accounts.Organisation",
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="escalation_ladder",
        help_text=_("Empty: the default ladder for organisations without their own."),
    )
    reopen_threshold = models.PositiveSmallIntegerField(
        _("escalate after this many reopenings"), default=2
    )
    requester_cooldown_hours = models.PositiveSmallIntegerField(
        _("hours between two escalations asked by the requester"), default=24
    )
    vip_behaviour = models.CharField(
        _("VIP requests"),
        max_length=16,
        choices=VipBehaviour.choices,
        default=VipBehaviour.AT_OPENING,
    )

    class Meta:
        verbose_name = _("escalation ladder")
        verbose_name_plural = _("escalation ladders")
        constraints = [
            # One ladder per organisation (the one-to-one) and one default: 0 stands for "none".
            models.UniqueConstraint(
                Coalesce("organisation", Value(0)),
                name="one_default_ladder",
                violation_error_message=_("There is already a default ladder."),
            )
        ]

    def __str__(self) -> str:
        return str(self.organisation) if self.organisation_id else str(_("Default ladder"))

    def to_domain(self, steps: list[EscalationStep] | None = None) -> domain.Ladder:
        if steps is None:
            steps = list(self.steps.all())
        return domain.Ladder(
            steps=tuple(step.to_domain() for step in steps),
            reopen_threshold=self.reopen_threshold,
            requester_cooldown_hours=self.requester_cooldown_hours,
            vip_behaviour=domain.VipBehaviour(self.vip_behaviour),
        )

    def clean(self) -> None:
        if self.reopen_threshold < 1:
            raise ValidationError({"reopen_threshold": _("Give at least 1.")})


class EscalationStep(models.Model):
    """One step of a ladder: who is alerted, on which clock, at what share of its target."""

    ladder = models.ForeignKey(EscalationLadder, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    level = models.CharField(_("escalate to"), max_length=20, choices=Level.choices)
    target_team = models.ForeignKey(
        "accounts.Team",
        verbose_name=_("team"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text=_("Only for an escalation to another team."),
    )
    clock = models.CharField(
        _("clock"), max_length=16, choices=StepClock.choices, default=StepClock.ANY
    )
    threshold = models.PositiveSmallIntegerField(
        _("share of the target (%)"), help_text=_("For example 90 for the warning; 100 = breach.")
    )

    class Meta:
        ordering = ["ladder", "position", "id"]
        verbose_name = _("escalation step")
        verbose_name_plural = _("escalation steps")

    def __str__(self) -> str:
        return f"{self.get_level_display()} @ {self.threshold}% ({self.get_clock_display()})"

    def to_domain(self) -> domain.Step:
        return domain.Step(
            level=domain.Level(self.level),
            threshold=self.threshold,
            clock=self.clock,
            target_team_id=self.target_team_id,
        )

    def clean(self) -> None:
        messages = {
            "threshold_range": _("Give a share between 1 and 100 %."),
            "team_required": _("Choose the team to escalate to."),
            "team_only_functional": _("A team is chosen only for an escalation to another team."),
            "unknown_clock": _("Unknown clock."),
        }
        try:
            self.to_domain().validate()
        except (domain.LadderError, ValueError) as error:
            code = getattr(error, "code", "unknown_clock")
            field = getattr(error, "field", "level")
            raise ValidationError({field: messages.get(code, str(error))}) from error


class EscalationQuerySet(models.QuerySet["Escalation"]):
    def active(self) -> EscalationQuerySet:
        return self.exclude(state=Escalation.State.CLOSED)


class Escalation(models.Model):
    """One escalation of a ticket: why, to which level, who was alerted, how it ended."""

    class State(models.TextChoices):
        OPEN = "open", _("Open")
        ACKNOWLEDGED = "acknowledged", _("Acknowledged")
        CLOSED = "closed", _("Closed")

    ticket = models.ForeignKey(
        "tickets.Ticket",
        on_delete=models.CASCADE,
        related_name="escalations",
        db_index=False,  # served by the index escalation_by_ticket, which starts with it
    )
    level = models.CharField(_("level"), max_length=20, choices=Level.choices)
    target_team = models.ForeignKey(
        "accounts.Team", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    trigger = models.CharField(_("trigger"), max_length=16, choices=Trigger.choices)
    clock = models.CharField(_("clock"), max_length=16, blank=True)
    threshold = models.PositiveSmallIntegerField(null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("raised by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    raised_at = models.DateTimeField(_("raised"))
    # Never looked up by its handoff, and handoffs are never deleted: no index.
    handoff = models.ForeignKey(
        "tickets.Handoff",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    state = models.CharField(_("state"), max_length=12, choices=State.choices, default="open")
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    acknowledged_at = models.DateTimeField(_("acknowledged"), null=True, blank=True)
    outcome = models.TextField(_("how it ended"), blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    objects = EscalationQuerySet.as_manager()

    class Meta:
        ordering = ["raised_at", "id"]
        indexes = [
            models.Index(
                fields=["raised_at"], condition=~Q(state="closed"), name="escalation_active"
            ),
            models.Index(fields=["ticket", "raised_at"], name="escalation_by_ticket"),
        ]
        verbose_name = _("escalation")
        verbose_name_plural = _("escalations")

    def __str__(self) -> str:
        return f"{self.ticket_id} → {self.get_level_display()}"

    @property
    def is_active(self) -> bool:
        return self.state != self.State.CLOSED


class EscalationAlert(models.Model):
    """One person alerted by an escalation, and when they acknowledged it."""

    escalation = models.ForeignKey(
        Escalation,
        on_delete=models.CASCADE,
        related_name="alerts",
        db_index=False,  # served by the unique alert_once_per_person, which starts with it
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="escalation_alerts",
        db_index=False,  # served by the index alert_by_person, which starts with it
    )
    alerted_at = models.DateTimeField(_("alerted"))
    acknowledged_at = models.DateTimeField(_("acknowledged"), null=True, blank=True)

    class Meta:
        ordering = ["alerted_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["escalation", "person"], name="alert_once_per_person")
        ]
        indexes = [models.Index(fields=["person", "acknowledged_at"], name="alert_by_person")]
        verbose_name = _("escalation alert")
        verbose_name_plural = _("escalation alerts")

    def __str__(self) -> str:
        return f"{self.escalation_id} → {self.person_id}"
