"""Tickets, their append-only timeline, handoffs, attachments and desk-wide settings.

Models hold fields, constraints and indexes. Every change goes through `allie.tickets.services`.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from allie.catalog.models import ImpactChoices, TicketKind, UrgencyChoices
from allie.core.models import SingletonSettings
from allie.tickets.domain.lifecycle import Status as DomainStatus
from allie.tickets.domain.priority import Priority as DomainPriority


class Status(models.TextChoices):
    NEW = DomainStatus.NEW.value, _("New")
    ACKNOWLEDGED = DomainStatus.ACKNOWLEDGED.value, _("Acknowledged")
    IN_PROGRESS = DomainStatus.IN_PROGRESS.value, _("In progress")
    WAITING_ON_REQUESTER = DomainStatus.WAITING_ON_REQUESTER.value, _("Waiting on requester")
    WAITING_ON_THIRD_PARTY = (
        DomainStatus.WAITING_ON_THIRD_PARTY.value,
        _("Waiting on a third party"),
    )
    RESOLVED = DomainStatus.RESOLVED.value, _("Resolved")
    CLOSED = DomainStatus.CLOSED.value, _("Closed")
    DECLINED = DomainStatus.DECLINED.value, _("Declined")
    CANCELLED = DomainStatus.CANCELLED.value, _("Cancelled")


OPEN_STATUSES = (
    Status.NEW,
    Status.ACKNOWLEDGED,
    Status.IN_PROGRESS,
    Status.WAITING_ON_REQUESTER,
    Status.WAITING_ON_THIRD_PARTY,
)


class Priority(models.TextChoices):
    P1 = DomainPriority.P1.value, _("P1 · Critical")
    P2 = DomainPriority.P2.value, _("P2 · High")
    P3 = DomainPriority.P3.value, _("P3 · Moderate")
    P4 = DomainPriority.P4.value, _("P4 · Low")


class Channel(models.TextChoices):
    PORTAL = "portal", _("Portal")
    EMAIL = "email", _("Email")
    PHONE = "phone", _("Phone")
    COUNTER = "counter", _("Counter")
    API = "api", _("API")


class DeskSettings(SingletonSettings):
    """Desk-wide settings an administrator may change; one row, created on demand."""

    reopen_window_days = models.PositiveIntegerField(
        _("reopen window (days)"),
        default=7,
        help_text=_("A resolved request can be reopened for this many days, then it is closed."),
    )
    needs_owner_after_minutes = models.PositiveIntegerField(
        _("needs an owner after (minutes)"),
        default=30,
        help_text=_("A new request without an owner for this long shows in “Needs an owner”."),
    )

    class Meta:
        verbose_name = _("desk settings")
        verbose_name_plural = _("desk settings")

    def __str__(self) -> str:
        return str(_("Desk settings"))

    @property
    def reopen_window(self) -> timedelta:
        return timedelta(days=self.reopen_window_days)


class PriorityCell(models.Model):
    """One cell of the impact × urgency matrix, overriding the domain's default."""

    impact = models.CharField(_("impact"), max_length=8, choices=ImpactChoices.choices)
    urgency = models.CharField(_("urgency"), max_length=8, choices=UrgencyChoices.choices)
    priority = models.CharField(_("priority"), max_length=4, choices=Priority.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["impact", "urgency"], name="priority_cell_unique")
        ]
        ordering = ["impact", "urgency"]
        verbose_name = _("priority matrix cell")
        verbose_name_plural = _("priority matrix")

    def __str__(self) -> str:
        return f"{self.get_impact_display()} × {self.get_urgency_display()} → {self.priority}"


class TicketQuerySet(models.QuerySet["Ticket"]):
    def visible_to(self, user: Any) -> TicketQuerySet:
        """Return the tickets this person may see; the one scoping rule for every interface."""
        from allie.tickets.selectors import scope_tickets

        return scope_tickets(self, user)

    def open(self) -> TicketQuerySet:
        return self.filter(status__in=OPEN_STATUSES)


class Ticket(models.Model):
    """A request from a client: an incident, a service request or a question."""

    reference = models.CharField(_("reference"), max_length=20, unique=True, null=True)
    kind = models.CharField(
        _("kind"), max_length=20, choices=TicketKind.choices, default=TicketKind.INCIDENT
    )
    channel = models.CharField(
        _("channel"), max_length=10, choices=Channel.choices, default=Channel.PORTAL
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requester"),
        on_delete=models.PROTECT,
        related_name="requested_tickets",
        db_index=False,  # served by the index ticket_requester, which starts with it
    )
    organisation = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="tickets",
        db_index=False,  # served by the index ticket_org_queue, which starts with it
    )
    site = models.ForeignKey(
        "accounts.Site", verbose_name=_("site"), null=True, blank=True, on_delete=models.SET_NULL
    )
    service = models.ForeignKey(
        "catalog.Service",
        verbose_name=_("service"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tickets",
    )
    form_answers = models.JSONField(_("form answers"), default=dict, blank=True)
    impact = models.CharField(_("impact"), max_length=8, choices=ImpactChoices.choices)
    urgency = models.CharField(_("urgency"), max_length=8, choices=UrgencyChoices.choices)
    priority = models.CharField(_("priority"), max_length=4, choices=Priority.choices)
    status = models.CharField(
        _("status"), max_length=24, choices=Status.choices, default=Status.NEW
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="owned_tickets",
        db_index=False,  # served by the index ticket_owner_queue, which starts with it
    )
    team = models.ForeignKey(
        "accounts.Team",
        verbose_name=_("team"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tickets",
        db_index=False,  # served by the index ticket_team_queue, which starts with it
    )
    next_step = models.CharField(_("next step"), max_length=300, blank=True)
    decline_reason = models.TextField(_("reason for declining"), blank=True)
    decline_alternative = models.TextField(_("where to go instead"), blank=True)

    created_at = models.DateTimeField(_("opened"), db_index=True)
    updated_at = models.DateTimeField(_("updated"))
    acknowledged_at = models.DateTimeField(_("acknowledged"), null=True, blank=True)
    first_response_at = models.DateTimeField(_("first response"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    handoff_count = models.PositiveIntegerField(_("handoffs"), default=0)
    reopen_count = models.PositiveIntegerField(_("reopenings"), default=0)
    agent_reply_count = models.PositiveIntegerField(_("agent replies"), default=0)
    requester_reply_count = models.PositiveIntegerField(_("requester replies"), default=0)
    resolved_at_first_contact = models.BooleanField(_("resolved at first contact"), default=False)
    # Its satisfaction survey's state, copied here by the survey services (sending, answering)
    # so the team and outcome figures count surveys from the ticket index they already read
    # (`ticket_team_outcomes`) instead of joining every survey (docs/performance.md, session 12).
    survey_sent = models.BooleanField(_("survey sent"), default=False)
    survey_answered = models.BooleanField(_("survey answered"), default=False)
    survey_csat = models.PositiveSmallIntegerField(_("survey satisfaction"), null=True, blank=True)
    survey_ces = models.PositiveSmallIntegerField(_("survey ease"), null=True, blank=True)

    objects = TicketQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("request")
        verbose_name_plural = _("requests")
        indexes = [
            models.Index(fields=["owner", "status", "-created_at"], name="ticket_owner_queue"),
            models.Index(fields=["team", "status", "-created_at"], name="ticket_team_queue"),
            models.Index(fields=["organisation", "status", "-created_at"], name="ticket_org_queue"),
            models.Index(fields=["requester", "-created_at"], name="ticket_requester"),
            models.Index(fields=["status", "-created_at"], name="ticket_status"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} · {self.title}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class TimelineEvent(models.Model):
    """One entry of a ticket's history of record. Append-only: never updated, never deleted."""

    class Kind(models.TextChoices):
        OPENED = "opened", _("Opened")
        PUBLIC_REPLY = "public_reply", _("Reply")
        INTERNAL_NOTE = "internal_note", _("Internal note")
        STATUS_CHANGE = "status_change", _("Status change")
        OWNER_CHANGE = "owner_change", _("Owner change")
        FIELD_CHANGE = "field_change", _("Field change")
        HANDOFF = "handoff", _("Handoff")
        SYSTEM = "system", _("System event")

    ticket = models.ForeignKey(
        Ticket,
        on_delete=models.CASCADE,
        related_name="events",
        db_index=False,  # served by the index timeline_by_ticket, which starts with it
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    is_public = models.BooleanField(_("visible to the requester"), default=False)
    body = models.TextField(_("text"), blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(_("when"))

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["ticket", "created_at"], name="timeline_by_ticket")]
        verbose_name = _("timeline event")
        verbose_name_plural = _("timeline events")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} @ {self.created_at:%Y-%m-%d %H:%M}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise ValueError("The timeline is append-only: events are never changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise ValueError("The timeline is append-only: events are never deleted.")


class Handoff(models.Model):
    """A proposal to hand a ticket's ownership to a person or a team."""

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    ticket = models.ForeignKey(
        Ticket,
        on_delete=models.CASCADE,
        related_name="handoffs",
        # Every read is of the pending proposal: served by one_pending_handoff_per_ticket.
        db_index=False,
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    to_person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("to person"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="incoming_handoffs",
        db_index=False,  # served by the index handoff_to_person, which starts with it
    )
    to_team = models.ForeignKey(
        "accounts.Team",
        verbose_name=_("to team"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="incoming_handoffs",
        db_index=False,  # served by the index handoff_to_team, which starts with it
    )
    reason = models.TextField(_("reason"))
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    response_reason = models.TextField(_("reason given"), blank=True)
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    responded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["ticket"],
                condition=models.Q(state="pending"),
                name="one_pending_handoff_per_ticket",
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(to_person__isnull=False, to_team__isnull=True)
                    | models.Q(to_person__isnull=True, to_team__isnull=False)
                ),
                name="handoff_has_one_target",
            ),
        ]
        indexes = [
            models.Index(fields=["to_person", "state"], name="handoff_to_person"),
            models.Index(fields=["to_team", "state"], name="handoff_to_team"),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} → {self.to_person or self.to_team}"


class Attachment(models.Model):
    """A file on a ticket, stored under a random name outside any public URL."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="attachments")
    event = models.ForeignKey(
        TimelineEvent, null=True, blank=True, on_delete=models.SET_NULL, related_name="attachments"
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    is_public = models.BooleanField(default=True)
    original_name = models.CharField(_("file name"), max_length=255)
    stored_name = models.CharField(max_length=100, unique=True)
    content_type = models.CharField(max_length=150)
    size = models.PositiveBigIntegerField(_("size"))
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.original_name


class TicketCopy(models.Model):
    """A person copied on a ticket: a colleague of the requester who may write on it by mail.

    Only people of the ticket's own organisation are copied (never agents, never strangers);
    one who leaves the organisation or is deactivated loses the right without the row going.
    """

    class Source(models.TextChoices):
        MAIL = "mail", _("Email")
        AGENT = "agent", _("Agent")

    ticket = models.ForeignKey(
        Ticket,
        on_delete=models.CASCADE,
        related_name="copies",
        db_index=False,  # served by ticket_copy_once, which starts with it
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="ticket_copies",
    )
    added_at = models.DateTimeField(_("added"))
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("added by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    source = models.CharField(_("source"), max_length=8, choices=Source.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["ticket", "person"], name="ticket_copy_once")
        ]
        verbose_name = _("copied person")
        verbose_name_plural = _("copied people")

    def __str__(self) -> str:
        return f"{self.ticket_id} ← {self.person_id}"
