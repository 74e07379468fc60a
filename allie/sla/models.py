"""Business calendars, SLA policies, each ticket's SLA summary and the deadlines table."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from allie.core.models import SingletonSettings
from allie.sla.domain.calendar import DEFAULT_HOLIDAYS, DEFAULT_TIMEZONE, Calendar, build_calendar
from allie.sla.domain.clock import CLOCKS, Policy
from allie.sla.domain.errors import SlaError
from allie.tickets.models import Priority

DEFAULT_HOURS = {day: [["08:30", "17:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}


def default_hours() -> dict[str, list[list[str]]]:
    return {day: [list(pair) for pair in ranges] for day, ranges in DEFAULT_HOURS.items()}


class Clock(models.TextChoices):
    FIRST_RESPONSE = "first_response", _("First response")
    NEXT_UPDATE = "next_update", _("Next update")
    RESOLUTION = "resolution", _("Resolution")


assert tuple(Clock.values) == CLOCKS  # the domain and the database name the clocks alike


class BusinessCalendar(models.Model):
    """Weekly business hours in a time zone, with a region's holidays, closures and openings."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    timezone = models.CharField(_("time zone"), max_length=64, default=DEFAULT_TIMEZONE)
    holidays_region = models.CharField(
        _("holidays region"),
        max_length=16,
        blank=True,
        default=DEFAULT_HOLIDAYS,
        help_text=_("A region code such as CA-QC (Québec) or CA-ON; empty for no holidays."),
    )
    hours = models.JSONField(
        _("weekly hours"),
        default=default_hours,
        help_text=_('For example {"mon": [["08:00", "12:00"], ["13:00", "17:00"]], "tue": [...]}'),
    )
    is_default = models.BooleanField(_("default calendar"), default=False)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=Q(is_default=True), name="one_default_calendar"
            )
        ]
        verbose_name = _("business calendar")
        verbose_name_plural = _("business calendars")

    def __str__(self) -> str:
        return self.name

    def to_domain(self, exceptions: list[CalendarException] | None = None) -> Calendar:
        """Return the domain calendar (raises SlaError when the data is invalid)."""
        if exceptions is None:
            exceptions = list(self.exceptions.all()) if self.pk else []
        return build_calendar(
            self.hours,
            timezone=self.timezone,
            holidays=self.holidays_region or None,
            closures=[(e.starts_at, e.ends_at) for e in exceptions if e.kind == e.Kind.CLOSURE],
            openings=[(e.starts_at, e.ends_at) for e in exceptions if e.kind == e.Kind.OPENING],
        )

    def clean(self) -> None:
        try:
            self.to_domain(exceptions=[])
        except SlaError as error:
            field = "hours" if str(error.field).startswith("hours") else None
            if str(error.field) == "timezone":
                field = "timezone"
            elif str(error.field) == "holidays":
                field = "holidays_region"
            raise ValidationError({field or "hours": str(error)}) from error


class CalendarException(models.Model):
    """A one-off closure (no business time) or exceptional opening on a calendar."""

    class Kind(models.TextChoices):
        CLOSURE = "closure", _("Closure")
        OPENING = "opening", _("Exceptional opening")

    calendar = models.ForeignKey(
        BusinessCalendar, on_delete=models.CASCADE, related_name="exceptions"
    )
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    label = models.CharField(_("label"), max_length=200, blank=True)

    class Meta:
        ordering = ["starts_at"]
        verbose_name = _("closure or opening")
        verbose_name_plural = _("closures and openings")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.starts_at:%Y-%m-%d %H:%M}"

    def clean(self) -> None:
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValidationError({"ends_at": _("The end must come after the start.")})


class SlaPolicy(models.Model):
    """Targets in business minutes for a priority, for one service or (no service) by default."""

    service = models.ForeignKey(
        "catalog.Service",
        verbose_name=_("service"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="sla_policies",
        help_text=_("Empty: the default for every service without its own policy."),
    )
    priority = models.CharField(_("priority"), max_length=4, choices=Priority.choices)
    first_response_minutes = models.PositiveIntegerField(_("first response (business minutes)"))
    next_update_minutes = models.PositiveIntegerField(_("next update (business minutes)"))
    resolution_minutes = models.PositiveIntegerField(_("resolution (business minutes)"))

    class Meta:
        ordering = ["service__name_fr", "priority"]
        constraints = [
            models.UniqueConstraint(
                fields=["service", "priority"], name="sla_policy_per_service_priority"
            ),
            models.UniqueConstraint(
                fields=["priority"],
                condition=Q(service__isnull=True),
                name="sla_default_policy_per_priority",
            ),
            models.CheckConstraint(
                condition=Q(first_response_minutes__gt=0)
                & Q(next_update_minutes__gt=0)
                & Q(resolution_minutes__gt=0),
                name="sla_targets_positive",
            ),
        ]
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")

    def __str__(self) -> str:
        scope = self.service or _("All services")
        return f"{scope} · {self.get_priority_display()}"

    def to_domain(self, paused_statuses: frozenset[str]) -> Policy:
        return Policy(
            first_response=self.first_response_minutes,
            next_update=self.next_update_minutes,
            resolution=self.resolution_minutes,
            paused_statuses=paused_statuses,
        )


def default_paused_statuses() -> list[str]:
    return ["waiting_on_requester"]


def default_thresholds() -> list[int]:
    return [50, 75, 90]


class SlaSettings(SingletonSettings):
    """Desk-wide SLA settings: paused statuses and warning thresholds (one row)."""

    paused_statuses = models.JSONField(
        _("paused statuses"),
        default=default_paused_statuses,
        help_text=_("Statuses in which the next-update and resolution clocks stop counting."),
    )
    warning_thresholds = models.JSONField(
        _("warning thresholds (%)"),
        default=default_thresholds,
        help_text=_("Warnings are raised when this share of a target is used, e.g. [50, 75, 90]."),
    )

    class Meta:
        verbose_name = _("SLA settings")
        verbose_name_plural = _("SLA settings")

    def __str__(self) -> str:
        return str(_("SLA settings"))

    def clean(self) -> None:
        from allie.tickets.domain.lifecycle import OPEN_STATUSES

        statuses = self.paused_statuses
        allowed = {status.value for status in OPEN_STATUSES}
        if not isinstance(statuses, list) or not set(statuses) <= allowed:
            raise ValidationError(
                {
                    "paused_statuses": _("Choose among the open statuses: %(allowed)s.")
                    % {"allowed": ", ".join(sorted(allowed))}
                }
            )
        thresholds = self.warning_thresholds
        if not isinstance(thresholds, list) or not all(
            isinstance(t, int) and 0 < t < 100 for t in thresholds
        ):
            raise ValidationError(
                {"warning_thresholds": _("Give whole percentages between 1 and 99.")}
            )


class TicketSla(models.Model):
    """The SLA summary of one ticket, recomputed in the transaction of each change."""

    ticket = models.OneToOneField(
        "tickets.Ticket", on_delete=models.CASCADE, primary_key=True, related_name="sla"
    )
    calendar = models.ForeignKey(BusinessCalendar, null=True, on_delete=models.SET_NULL)
    policy = models.ForeignKey(SlaPolicy, null=True, on_delete=models.SET_NULL)
    first_response_target = models.PositiveIntegerField()
    next_update_target = models.PositiveIntegerField()
    resolution_target = models.PositiveIntegerField()
    first_response_state = models.CharField(max_length=10)
    first_response_elapsed = models.FloatField()
    first_response_due_at = models.DateTimeField(null=True)
    next_update_state = models.CharField(max_length=10)
    next_update_elapsed = models.FloatField()
    next_update_due_at = models.DateTimeField(null=True)
    next_update_breaches = models.PositiveIntegerField(default=0)
    resolution_state = models.CharField(max_length=10)
    resolution_elapsed = models.FloatField()
    resolution_due_at = models.DateTimeField(null=True)
    # The earliest moment a running clock breaches: what "at risk" sorts by.
    next_breach_at = models.DateTimeField(null=True)
    computed_at = models.DateTimeField()
    # The service (its id, 0 for none) and priority of the day figures that count this ticket:
    # when the ticket changes service or priority, its share moves from that group to the new one.
    counted_service_key = models.PositiveBigIntegerField(default=0)
    counted_priority = models.CharField(max_length=4, blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["next_breach_at"],
                condition=Q(next_breach_at__isnull=False),
                name="ticket_sla_at_risk",
            )
        ]

    def __str__(self) -> str:
        return f"SLA {self.ticket_id}"

    def state_of(self, clock: str) -> str:
        return str(getattr(self, f"{clock}_state"))

    def due_of(self, clock: str) -> datetime | None:
        return getattr(self, f"{clock}_due_at")  # type: ignore[no-any-return]


class Deadline(models.Model):
    """A moment at which the worker must act on a ticket: a warning or a breach.

    Pending rows live in a partial index by due time, so a sweep reads only what is due.
    A row is marked handled in the same transaction as its effect.
    """

    ticket = models.ForeignKey(
        "tickets.Ticket",
        on_delete=models.CASCADE,
        related_name="deadlines",
        db_index=False,  # served by the unique index deadline_once, which starts with it
    )
    clock = models.CharField(max_length=16, choices=Clock.choices)
    # The interval of the clock: next update restarts at every public reply.
    cycle = models.PositiveIntegerField(default=0)
    threshold = models.PositiveSmallIntegerField(help_text="Percent of the target; 100 = breach")
    due_at = models.DateTimeField()
    handled_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=20, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["ticket", "clock", "cycle", "threshold"], name="deadline_once"
            )
        ]
        indexes = [
            models.Index(
                fields=["due_at"], condition=Q(handled_at__isnull=True), name="deadline_pending_due"
            )
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.clock} {self.threshold}% @ {self.due_at:%Y-%m-%d %H:%M}"

    @property
    def is_breach(self) -> bool:
        return self.threshold >= 100

    def describe(self) -> dict[str, Any]:
        return {"clock": self.clock, "threshold": self.threshold, "cycle": self.cycle}


class DayFigures(models.Model):
    """The SLA figures of the tickets opened on one day (UTC) for one organisation, service and
    priority: what the compliance report adds up instead of reading every ticket.

    Kept in the transaction of every change of a ticket's SLA summary, by the difference between
    the ticket's old and new share (`allie.sla.domain.figures`); `allie sla rebuild-figures`
    computes them afresh from the summaries.
    """

    day = models.DateField()
    organisation = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,  # served by the index day_figures_key, which holds it
    )
    # The service's id, 0 for none: a column of the key on which rows are merged (ON CONFLICT),
    # where NULL would never match itself.
    service_key = models.PositiveBigIntegerField()
    priority = models.CharField(max_length=4)
    # Counts, not constrained to be positive: a figure gone wrong must never stop a ticket's
    # change; `allie sla rebuild-figures` mends it.
    tickets = models.IntegerField(default=0)
    first_response_met = models.IntegerField(default=0)
    first_response_decided = models.IntegerField(default=0)
    resolution_met = models.IntegerField(default=0)
    resolution_decided = models.IntegerField(default=0)
    next_update_breaches = models.IntegerField(default=0)
    # Business seconds to each first response given: the median needs every one.
    first_response_seconds = models.JSONField(default=list)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["day", "organisation", "service_key", "priority"], name="day_figures_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.organisation_id} {self.service_key} {self.priority}"
