"""Drop the mail tables' indexes that no query uses (docs/indexes.md, issue 6).

- An inbound message's `raw_sha256` (and its `*_like` twin): nothing looks a message up by its
  hash; a message without a Message-ID gets one made from the hash, and the unique index
  inbound_once_per_message_id finds duplicates.
- An inbound message's `status` (and its `*_like` twin): no service reads messages by status
  alone (the rate limit and the follow-up lookup go through inbound_sender_recent; the claim is
  by primary key); only the admin's list filter did.
- An inbound message's `event_id`: never looked up (the ticket page reads a ticket's messages
  through their `ticket_id`), and timeline events are never deleted, so no ON DELETE lookup.
- An outbound message's `message_id_*_like`: Django's schema editor makes it beside the unique
  `message_id` on PostgreSQL for LIKE and startswith; threading looks message ids up by
  equality, through the unique index. It is not in the model state, so it goes by name, on
  PostgreSQL only; a later AlterField changing the column's type would make Django create it
  again.

Indexes only, by name: an AlterField would copy the whole table on SQLite to drop them.
"""

from __future__ import annotations

import django.db.models.deletion
from django.db import migrations, models

from allie.core.migration_operations import drop_like_indexes

LIKE_INDEXES = {
    "mail_inboundmessage_raw_sha256_e6633507_like": ("mail_inboundmessage", "raw_sha256"),
    "mail_inboundmessage_status_9ca36a72_like": ("mail_inboundmessage", "status"),
    "mail_outboundmessage_message_id_140d55c6_like": ("mail_outboundmessage", "message_id"),
}


class Migration(migrations.Migration):
    dependencies = [
        ("mail", "0001_initial"),
        ("tickets", "0004_covered_foreign_keys"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="inboundmessage",
                    name="event",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="tickets.timelineevent",
                    ),
                ),
                migrations.AlterField(
                    model_name="inboundmessage",
                    name="raw_sha256",
                    field=models.CharField(max_length=64),
                ),
                migrations.AlterField(
                    model_name="inboundmessage",
                    name="status",
                    field=models.CharField(
                        choices=[
                            ("received", "Received, not yet processed"),
                            ("opened", "Opened a ticket"),
                            ("threaded", "Added to a ticket"),
                            ("ignored", "Ignored"),
                            ("rejected", "Rejected"),
                            ("failed", "Failed"),
                        ],
                        default="received",
                        max_length=10,
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    'DROP INDEX IF EXISTS "mail_inboundmessage_event_id_9e265934"',
                    reverse_sql='CREATE INDEX "mail_inboundmessage_event_id_9e265934" ON "mail_inboundmessage" ("event_id")',
                ),
                migrations.RunSQL(
                    'DROP INDEX IF EXISTS "mail_inboundmessage_raw_sha256_e6633507"',
                    reverse_sql='CREATE INDEX "mail_inboundmessage_raw_sha256_e6633507" ON "mail_inboundmessage" ("raw_sha256")',
                ),
                migrations.RunSQL(
                    'DROP INDEX IF EXISTS "mail_inboundmessage_status_9ca36a72"',
                    reverse_sql='CREATE INDEX "mail_inboundmessage_status_9ca36a72" ON "mail_inboundmessage" ("status")',
                ),
            ],
        ),
        drop_like_indexes(LIKE_INDEXES),
    ]
