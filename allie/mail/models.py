"""The email channel's tables: mailboxes, every inbound message kept raw, the outbox.

Inbound: each message read from a mailbox (or imported from a file) is stored once, raw bytes
first, then processed: it opens a ticket, lands on one, or is ignored with its reason. The
unique keys make a second import of the same message a no-op. Outbound: every message is
written to the outbox in the transaction of the event that causes it and sent by the worker.
"""

from __future__ import annotations

import os
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from allie.core.models import SingletonSettings
from allie.core.sealing import SealedCharField


class Security(models.TextChoices):
    SSL = "ssl", _("TLS from the start (IMAPS, port 993)")
    STARTTLS = "starttls", _("STARTTLS (port 143)")
    NONE = "none", _("None (loopback or tests only)")


class UnknownSenderPolicy(models.TextChoices):
    CREATE = "create", _("Create the requester")
    REJECT = "reject", _("Reject with a polite reply")


class Mailbox(models.Model):
    """An IMAP mailbox the worker polls; its mail opens tickets for an organisation or service."""

    name = models.CharField(_("name"), max_length=100)
    address = models.EmailField(
        _("desk address"),
        unique=True,
        help_text=_("The address clients write to; replies are sent from it."),
    )
    host = models.CharField(_("IMAP host"), max_length=255)
    port = models.PositiveIntegerField(_("port"), default=993)
    security = models.CharField(
        _("security"), max_length=10, choices=Security.choices, default=Security.SSL
    )
    username = models.CharField(_("user name"), max_length=255)
    # Credentials never live in the repository: an environment variable named here wins over a
    # password typed in the admin (stored sealed, see allie.core.sealing; never shown back).
    password_variable = models.CharField(
        _("password environment variable"),
        max_length=100,
        blank=True,
        help_text=_("Name of the environment variable holding the password, e.g. ALLIE_IMAP_HELP."),
    )
    password = SealedCharField(_("password"), blank=True)
    folder = models.CharField(_("folder"), max_length=255, default="INBOX")
    processed_folder = models.CharField(
        _("folder for processed mail"),
        max_length=255,
        blank=True,
        help_text=_("Leave empty to mark processed messages as seen instead of moving them."),
    )
    organisation = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="mailboxes",
    )
    service = models.ForeignKey(
        "catalog.Service",
        verbose_name=_("service"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="mailboxes",
    )
    unknown_senders = models.CharField(
        _("unknown senders"),
        max_length=10,
        choices=UnknownSenderPolicy.choices,
        default=UnknownSenderPolicy.REJECT,
    )
    poll_interval = models.PositiveIntegerField(_("poll interval (seconds)"), default=60)
    is_active = models.BooleanField(_("active"), default=True)
    # Polling state, written by the worker.
    uidvalidity = models.BigIntegerField(null=True, blank=True, editable=False)
    last_polled_at = models.DateTimeField(_("last polled"), null=True, blank=True, editable=False)
    last_error = models.TextField(_("last error"), blank=True, editable=False)
    last_error_at = models.DateTimeField(_("last error at"), null=True, blank=True, editable=False)
    failures = models.PositiveIntegerField(_("consecutive failures"), default=0, editable=False)

    class Meta:
        verbose_name = _("mailbox")
        verbose_name_plural = _("mailboxes")
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} <{self.address}>"

    def secret(self) -> str:
        """Return the password: from the named environment variable, else the stored one."""
        if self.password_variable:
            return os.environ.get(self.password_variable, "")
        return self.password


class InboundMessage(models.Model):
    """One message received, kept raw, with what intake made of it."""

    class Source(models.TextChoices):
        IMAP = "imap", _("IMAP")
        IMPORT = "import", _("Import")

    class Status(models.TextChoices):
        RECEIVED = "received", _("Received, not yet processed")
        OPENED = "opened", _("Opened a ticket")
        THREADED = "threaded", _("Added to a ticket")
        IGNORED = "ignored", _("Ignored")
        REJECTED = "rejected", _("Rejected")
        FAILED = "failed", _("Failed")
        HELD = "held", _("Waiting for an agent's review")

    mailbox = models.ForeignKey(
        Mailbox, null=True, blank=True, on_delete=models.PROTECT, related_name="messages"
    )
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.IMAP)
    uidvalidity = models.BigIntegerField(null=True, blank=True)
    uid = models.BigIntegerField(null=True, blank=True)
    message_id = models.CharField(max_length=255)
    # Not indexed: nothing looks a message up by its hash (a message without a Message-ID gets
    # one made from it, and the unique inbound_once_per_message_id finds duplicates).
    raw_sha256 = models.CharField(max_length=64)
    # Relative path under settings.MAIL_RAW_ROOT: raw mail may be tens of megabytes.
    raw_path = models.CharField(max_length=255)
    size = models.PositiveIntegerField(default=0)
    sender = models.CharField(max_length=254, blank=True)
    subject = models.CharField(max_length=500, blank=True)
    received_at = models.DateTimeField()
    # Not indexed: no service reads messages by status alone (docs/indexes.md).
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RECEIVED)
    reason = models.CharField(max_length=255, blank=True)  # why ignored, rejected or failed
    ticket = models.ForeignKey(
        "tickets.Ticket",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="inbound_messages",
    )
    # The ticket a held message points to (threading headers or subject reference) although
    # its sender may not write on it: it waits there for an agent's review. Kept once reviewed.
    held_for = models.ForeignKey(
        "tickets.Ticket",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        # Served by inbound_held_for_review (held rows only); tickets are never deleted.
        db_index=False,
    )
    event = models.ForeignKey(
        "tickets.TimelineEvent",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        # Never looked up by event, and events are never deleted (no ON DELETE lookup).
        db_index=False,
    )
    attempts = models.PositiveIntegerField(default=0)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("inbound message")
        verbose_name_plural = _("inbound messages")
        constraints = [
            models.UniqueConstraint(fields=["message_id"], name="inbound_once_per_message_id"),
            models.UniqueConstraint(
                fields=["mailbox", "uidvalidity", "uid"],
                condition=Q(uid__isnull=False),
                name="inbound_once_per_mailbox_uid",
            ),
        ]
        indexes = [
            models.Index(fields=["sender", "received_at"], name="inbound_sender_recent"),
            # A ticket's mail waiting for review (allie.mail.services.review.held_messages):
            # only held rows, so the index stays as small as the backlog.
            models.Index(
                fields=["held_for", "received_at"],
                condition=Q(status="held"),
                name="inbound_held_for_review",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.message_id} ({self.status})"


class OutboundMessage(models.Model):
    """One message to send, written in the transaction of the event that causes it."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting to be sent")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    ticket = models.ForeignKey(
        "tickets.Ticket",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="outbound_messages",
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    to_address = models.EmailField(max_length=254)
    from_address = models.CharField(max_length=254)
    kind = models.CharField(max_length=40)  # e.g. "notification", "rejection"
    language = models.CharField(max_length=10, default="fr-ca")
    subject = models.CharField(max_length=500)
    text_body = models.TextField()
    html_body = models.TextField(blank=True)
    message_id = models.CharField(max_length=255, unique=True)
    in_reply_to = models.CharField(max_length=255, blank=True)
    references = models.TextField(blank=True)
    # Notifications on one ticket for one person within a minute make one message: they are
    # gathered under this key until `send_after`, then rendered and sent together.
    digest_key = models.CharField(max_length=100, blank=True)
    events = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField()
    send_after = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("outbound message")
        verbose_name_plural = _("outbound messages")
        indexes = [
            models.Index(
                fields=["send_after"],
                condition=Q(status="pending"),
                name="outbound_pending_due",
            ),
            # The pending notices gathered under one key (`notifications._deliver`): only the
            # pending rows, so a message leaves it once sent.
            models.Index(
                fields=["digest_key"], condition=Q(status="pending"), name="outbound_digest_pending"
            ),
            # The rejections recently sent to an address (`senders.reject_sender`): only those,
            # so the notices written at every ticket's creation add no entry to it.
            models.Index(
                fields=["to_address", "created_at"],
                condition=Q(kind="rejection"),
                name="outbound_rejection_recent",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.to_address}: {self.subject} ({self.status})"


class NotificationPreference(models.Model):
    """A person's choice to stop a non-essential notice; essential notices always go out."""

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    notice = models.CharField(max_length=40)
    enabled = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["person", "notice"], name="one_preference_per_notice")
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {self.notice}: {self.enabled}"


class MailSettings(SingletonSettings):
    """Desk-wide mail settings an administrator may change."""

    rate_limit = models.PositiveIntegerField(_("messages per sender per window"), default=20)
    rate_window_minutes = models.PositiveIntegerField(_("rate window (minutes)"), default=10)
    max_attempts = models.PositiveSmallIntegerField(_("sending attempts before failing"), default=6)

    class Meta:
        verbose_name = _("mail settings")
        verbose_name_plural = _("mail settings")

    def __str__(self) -> str:
        return str(_("Mail settings"))

    def as_dict(self) -> dict[str, Any]:
        return {
            "rate_limit": self.rate_limit,
            "rate_window_minutes": self.rate_window_minutes,
            "max_attempts": self.max_attempts,
        }
