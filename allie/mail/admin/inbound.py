"""Admin of the intake side: mailboxes (with their polling health) and the inbound mail log.

The password of a mailbox is write-only: it is never rendered back, and an empty field keeps
the stored one. Inbound messages are read-only (intake writes them); an administrator can
download a message's raw bytes and reprocess the ones that failed.
"""

from __future__ import annotations

import ipaddress
from collections import Counter
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.templatetags.static import static
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from allie.accounts.admin import AdministratorOnly, is_desk_administrator
from allie.mail.models import InboundMessage, Mailbox, Security
from allie.mail.services.imap import poll_mailbox
from allie.mail.services.intake import reprocess_message
from allie.mail.services.rawstore import raw_root

# What each kind of poll failure (`<kind>: <detail>` in Mailbox.last_error) means to a person.
ERROR_KINDS = {
    "connection": _("The server could not be reached"),
    "timeout": _("The server did not answer in time"),
    "tls": _("The secure connection failed"),
    "login": _("The server refused the user name or password"),
    "password": _("No password is available to sign in"),
    "folder": _("The folder does not exist on the server"),
    "protocol": _("The server gave an unexpected answer"),
    "storage": _("A message could not be stored (database); it stays on the server"),
}
# Messages read per click on "poll now": the page must answer; the worker reads the rest.
POLL_NOW_LIMIT = 200
LOOPBACK_NAMES = {"localhost", "localhost.localdomain"}


def describe_poll_error(error: str) -> str:
    """Return a poll failure in words, followed by the server's own detail."""
    kind, _sep, detail = error.partition(": ")
    label = ERROR_KINDS.get(kind)
    return f"{label} ({detail})" if label else error


def _is_loopback(host: str) -> bool:
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class MailboxForm(forms.ModelForm):
    # Write-only: render_value=False never sends the stored password back to the browser.
    password = forms.CharField(
        label=_("password"),
        required=False,
        max_length=255,
        strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_(
            "Leave empty to keep the stored password. An environment variable, when named "
            "below, is used instead."
        ),
    )
    forget_password = forms.BooleanField(label=_("forget the stored password"), required=False)

    class Meta:
        model = Mailbox
        fields = (
            "name",
            "address",
            "host",
            "port",
            "security",
            "username",
            "password",
            "password_variable",
            "folder",
            "processed_folder",
            "organisation",
            "service",
            "unknown_senders",
            "poll_interval",
            "is_active",
        )

    def clean_password(self) -> str:
        if self.cleaned_data.get("password"):
            return str(self.cleaned_data["password"])
        return self.instance.password if self.instance.pk else ""

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned.get("forget_password"):
            cleaned["password"] = ""
        host = cleaned.get("host") or ""
        if cleaned.get("security") == Security.NONE and host and not _is_loopback(host):
            self.add_error(
                "security",
                _(
                    "Without encryption the password would cross the network in clear: "
                    "use TLS, or a server on this machine."
                ),
            )
        return cleaned


@admin.register(Mailbox)
class MailboxAdmin(AdministratorOnly, admin.ModelAdmin):
    """Mailboxes the worker polls; a failing one is shown in red with what went wrong."""

    form = MailboxForm
    list_display = (
        "name",
        "address",
        "host",
        "folder",
        "organisation",
        "service",
        "is_active",
        "last_polled_at",
        "health",
    )
    list_filter = ("is_active", "security")
    search_fields = ("name", "address", "host", "username")
    list_select_related = ("organisation", "service")
    readonly_fields = ("health", "last_polled_at", "last_error_at", "failures", "uidvalidity")
    actions = ("poll_now",)
    fieldsets = (
        (None, {"fields": ("name", "address", "is_active")}),
        (
            _("Server"),
            {
                "fields": (
                    "host",
                    "port",
                    "security",
                    "username",
                    "password",
                    "forget_password",
                    "password_variable",
                    "folder",
                    "processed_folder",
                    "poll_interval",
                )
            },
        ),
        (_("Routing"), {"fields": ("organisation", "service", "unknown_senders")}),
        (
            _("Polling"),
            {"fields": ("health", "last_polled_at", "last_error_at", "failures", "uidvalidity")},
        ),
    )

    @admin.display(description=_("state"))
    def health(self, mailbox: Mailbox) -> SafeString | str:
        if mailbox.failures or mailbox.last_error:
            return format_html(
                '<span class="errornote"><img src="{}" alt=""> {} {}</span>',
                static("admin/img/icon-no.svg"),
                _("Failing (%(count)s in a row):") % {"count": mailbox.failures},
                describe_poll_error(mailbox.last_error),
            )
        if mailbox.last_polled_at is None:
            return _("Not polled yet")
        return format_html(
            '<img src="{}" alt=""> {}', static("admin/img/icon-yes.svg"), _("Working")
        )

    @admin.action(description=_("Poll now"), permissions=("poll",))
    def poll_now(self, request: HttpRequest, queryset: QuerySet[Mailbox]) -> None:
        for mailbox in queryset:
            result = poll_mailbox(mailbox, limit=POLL_NOW_LIMIT)
            if result.error:
                self.message_user(
                    request,
                    _("%(mailbox)s could not be polled: %(error)s")
                    % {"mailbox": mailbox.name, "error": describe_poll_error(result.error)},
                    messages.ERROR,
                )
            elif result.fetched:
                self.message_user(
                    request,
                    _("%(mailbox)s polled: %(summary)s.")
                    % {"mailbox": mailbox.name, "summary": _summary(result.counts)},
                    messages.SUCCESS,
                )
            else:
                self.message_user(
                    request,
                    _("%(mailbox)s polled: no new mail.") % {"mailbox": mailbox.name},
                    messages.SUCCESS,
                )

    def has_poll_permission(self, request: HttpRequest) -> bool:
        return is_desk_administrator(request.user)


def _summary(counts: Counter[str]) -> str:
    labels = {**dict(InboundMessage.Status.choices), "duplicate": _("Already stored")}
    return "; ".join(
        f"{labels.get(outcome, outcome)}: {count}" for outcome, count in counts.items()
    )


@admin.register(InboundMessage)
class InboundMessageAdmin(AdministratorOnly, admin.ModelAdmin):
    """Every message received, as intake left it; read-only, with its raw bytes to download."""

    list_display = (
        "received_at",
        "status",
        "reason",
        "sender",
        "subject",
        "mailbox",
        "ticket_link",
        "raw_link",
    )
    list_filter = ("status", "source", "mailbox")
    search_fields = ("sender", "subject", "=message_id")
    list_select_related = ("mailbox", "ticket")
    ordering = ("-received_at", "-id")
    # Counting every message ever received on each page load would be the slowest query.
    show_full_result_count = False
    actions = ("reprocess",)
    fields = (
        "received_at",
        "source",
        "mailbox",
        "uidvalidity",
        "uid",
        "message_id",
        "sender",
        "subject",
        "size",
        "status",
        "reason",
        "attempts",
        "processed_at",
        "ticket_link",
        "raw_link",
        "raw_sha256",
    )
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # the log of record: kept even when nothing came of a message

    def has_reprocess_permission(self, request: HttpRequest) -> bool:
        return is_desk_administrator(request.user)

    @admin.display(description=_("ticket"))
    def ticket_link(self, message: InboundMessage) -> SafeString | str:
        if message.ticket is None:
            return "—"
        return format_html(
            '<a href="{}">{}</a>',
            reverse("workspace:ticket", args=[message.ticket.reference]),
            message.ticket.reference,
        )

    @admin.display(description=_("raw message"))
    def raw_link(self, message: InboundMessage) -> SafeString:
        return format_html(
            '<a href="{}" download>{}</a>',
            reverse(
                f"{self.admin_site.name}:mail_inboundmessage_raw",
                args=[message.pk],
                current_app=self.admin_site.name,
            ),
            _("Download"),
        )

    def get_urls(self) -> list[Any]:
        return [
            path(
                "<int:pk>/raw/",
                self.admin_site.admin_view(self.raw_view),
                name="mail_inboundmessage_raw",
            ),
            *super().get_urls(),
        ]

    def raw_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """Send the stored bytes as a download, never displayed by the browser."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        message = get_object_or_404(InboundMessage, pk=pk)
        root = raw_root().resolve()
        stored = (root / message.raw_path).resolve()
        if not stored.is_relative_to(root) or not stored.is_file():
            raise Http404
        response = FileResponse(
            stored.open("rb"),
            as_attachment=True,
            filename=f"message-{message.pk}.eml",
            content_type="message/rfc822",
        )
        response["X-Content-Type-Options"] = "nosniff"
        response["Content-Security-Policy"] = "sandbox; default-src 'none'"
        response["Cache-Control"] = "private, no-store"
        return response

    @admin.action(
        description=_("Process the selected failed messages again"), permissions=("reprocess",)
    )
    def reprocess(self, request: HttpRequest, queryset: QuerySet[InboundMessage]) -> None:
        outcomes: Counter[str] = Counter()
        skipped = 0
        for message in queryset.select_related("mailbox"):
            if message.status != InboundMessage.Status.FAILED:
                skipped += 1
                continue
            outcomes[reprocess_message(message).outcome] += 1
        if outcomes:
            self.message_user(
                request,
                _("Processed again: %(summary)s.") % {"summary": _summary(outcomes)},
                messages.WARNING if outcomes.get("failed") else messages.SUCCESS,
            )
        if skipped:
            self.message_user(
                request,
                _("Left as they were, not having failed: %(count)s.") % {"count": skipped},
                messages.INFO,
            )
