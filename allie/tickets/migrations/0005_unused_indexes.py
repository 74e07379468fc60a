"""Drop the ticket tables' indexes that no query uses (docs/indexes.md, issue 6).

- A handoff's `to_person_id` and `to_team_id`: the indexes handoff_to_person and handoff_to_team
  start with the same column and serve the same lookups (the handoffs queue, and the ON DELETE
  check when a person or a team is deleted).
- A handoff's `ticket_id`: every read of a ticket's handoffs asks for the pending one, which the
  unique partial index one_pending_handoff_per_ticket serves; tickets are never deleted.
- The `*_like` twins (`varchar_pattern_ops`) of the unique `reference` and `stored_name`:
  Django's schema editor makes one beside every unique CharField on PostgreSQL for LIKE and
  startswith, and nothing searches these columns that way (a reference is found by equality,
  through the unique index, or case-insensitively, through ticket_reference_upper). They are
  not in the model state, so they go by name, on PostgreSQL only (SQLite has none). A later
  AlterField that changes either column's type would make Django create them again.

Indexes only, by name: an AlterField would rebuild the table on SQLite and lose the search
index's triggers on it (allie/search/migrations).
"""

from __future__ import annotations

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from allie.core.migration_operations import drop_like_indexes

LIKE_INDEXES = {
    "tickets_ticket_reference_69015271_like": ("tickets_ticket", "reference"),
    "tickets_attachment_stored_name_126563aa_like": ("tickets_attachment", "stored_name"),
}


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_contacts_index"),
        ("tickets", "0004_covered_foreign_keys"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="handoff",
                    name="ticket",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="handoffs",
                        to="tickets.ticket",
                    ),
                ),
                migrations.AlterField(
                    model_name="handoff",
                    name="to_person",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="incoming_handoffs",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="to person",
                    ),
                ),
                migrations.AlterField(
                    model_name="handoff",
                    name="to_team",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="incoming_handoffs",
                        to="accounts.team",
                        verbose_name="to team",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    'DROP INDEX IF EXISTS "tickets_handoff_ticket_id_9c5b8821"',
                    reverse_sql='CREATE INDEX "tickets_handoff_ticket_id_9c5b8821" ON "tickets_handoff" ("ticket_id")',
                ),
                migrations.RunSQL(
                    'DROP INDEX IF EXISTS "tickets_handoff_to_person_id_1eeea751"',
                    reverse_sql='CREATE INDEX "tickets_handoff_to_person_id_1eeea751" ON "tickets_handoff" ("to_person_id")',
                ),
                migrations.RunSQL(
                    'DROP INDEX IF EXISTS "tickets_handoff_to_team_id_d3f5cc1d"',
                    reverse_sql='CREATE INDEX "tickets_handoff_to_team_id_d3f5cc1d" ON "tickets_handoff" ("to_team_id")',
                ),
            ],
        ),
        drop_like_indexes(LIKE_INDEXES),
    ]
