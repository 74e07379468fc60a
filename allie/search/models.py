"""The search index: one row per ticket, holding only what every reader of the ticket may see.

The full-text structures live beside it and are created by migration `0002_fulltext`:
on PostgreSQL a generated `document` tsvector column with a GIN index, on SQLite an FTS5
table kept in step by triggers. Rows are written by `allie.search.services.indexing` only.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from allie.tickets.models import Ticket


class TicketSearchEntry(models.Model):
    """What search reads for one ticket: reference, title, description, public replies, name."""

    ticket = models.OneToOneField(
        Ticket, primary_key=True, on_delete=models.CASCADE, related_name="search_entry"
    )
    reference = models.CharField(_("reference"), max_length=20, blank=True)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    replies = models.TextField(_("public replies"), blank=True)
    requester_name = models.CharField(_("requester"), max_length=200, blank=True)
    # Copies of the ticket's scoping columns (`allie.tickets.selectors.visibility`), kept in step
    # by database triggers (migration 0003): a search checks who may see a match in the row it
    # has read, instead of reading the ticket too. Not constraints: the ticket's columns are.
    organisation = models.ForeignKey(
        "accounts.Organisation",
        null=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )
    requester = models.ForeignKey(
        "accounts.User",
        null=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )
    owner = models.ForeignKey(
        "accounts.User",
        null=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )

    class Meta:
        verbose_name = _("search entry")
        verbose_name_plural = _("search entries")

    def __str__(self) -> str:
        return self.reference or str(self.ticket_id)
