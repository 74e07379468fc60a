"""The outbox in the admin: read-only rows, failed messages called out, sent again on request.

What a message says is decided by the event that wrote it, so nothing here changes its content;
administrators see why a message could not be sent and put it back in the queue.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from allie.accounts.admin import AdministratorOnly, is_desk_administrator
from allie.mail.models import OutboundMessage
from allie.mail.services.sending import retry_message


@admin.register(OutboundMessage)
class OutboundMessageAdmin(AdministratorOnly, admin.ModelAdmin):
    list_display = (
        "created_at",
        "to_address",
        "subject",
        "kind",
        "status",
        "attempts",
        "send_after",
        "sent_at",
        "error",
    )
    list_filter = ("status", "kind")
    search_fields = ("=to_address", "=message_id", "=ticket__reference")
    ordering = ("-created_at", "-pk")
    show_full_result_count = False  # the outbox keeps every message ever sent
    actions = ("retry",)
    fieldsets = (
        (None, {"fields": ("status", "ticket", "recipient", "to_address", "from_address")}),
        (_("Content"), {"fields": ("kind", "language", "subject", "text_body", "html_body")}),
        (_("Threading"), {"fields": ("message_id", "in_reply_to", "references")}),
        (
            _("Sending"),
            {
                "fields": (
                    "created_at",
                    "send_after",
                    "attempts",
                    "last_attempt_at",
                    "last_error",
                    "sent_at",
                )
            },
        ),
    )

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return [name for _title, options in self.fieldsets for name in options["fields"]]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # messages are written by the events that cause them

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # the outbox is the record of what the desk sent

    def has_retry_permission(self, request: HttpRequest) -> bool:
        return is_desk_administrator(request.user)

    @admin.display(description=_("last error"))
    def error(self, message: OutboundMessage) -> str:
        return Truncator(message.last_error).chars(120)

    @admin.action(description=_("Send the selected failed messages again"), permissions=["retry"])
    def retry(self, request: HttpRequest, queryset: QuerySet[OutboundMessage]) -> None:
        failed = queryset.filter(status=OutboundMessage.Status.FAILED)
        count = sum(retry_message(message, by=request.user) for message in failed)
        if count:
            self.message_user(
                request,
                ngettext(
                    "%(count)d message is back in the queue.",
                    "%(count)d messages are back in the queue.",
                    count,
                )
                % {"count": count},
                messages.SUCCESS,
            )
        else:
            self.message_user(
                request, _("None of the selected messages had failed."), messages.WARNING
            )

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        if request.method == "GET":
            failed = OutboundMessage.objects.filter(status=OutboundMessage.Status.FAILED).count()
            if failed:
                messages.warning(
                    request,
                    ngettext(
                        "%(count)d message could not be sent: filter by status to read the "
                        "server’s answer and send it again.",
                        "%(count)d messages could not be sent: filter by status to read the "
                        "servers’ answers and send them again.",
                        failed,
                    )
                    % {"count": failed},
                )
        return super().changelist_view(request, extra_context)
