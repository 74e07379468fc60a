"""Drop the deadline's ticket index: the unique index deadline_once starts with the ticket, and
every deadline written (a dozen per ticket opened) updated both.
"""

from __future__ import annotations

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("sla", "0002_defaults"),
        ("tickets", "0003_ticket_speed_indexes"),
    ]

    # Only the index goes: AlterField would copy the whole table on SQLite to drop it.
    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="deadline",
                    name="ticket",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="deadlines",
                        to="tickets.ticket",
                    ),
                )
            ],
            database_operations=[
                migrations.RunSQL(
                    'DROP INDEX IF EXISTS "sla_deadline_ticket_id_84c22b96"',
                    reverse_sql='CREATE INDEX "sla_deadline_ticket_id_84c22b96" ON "sla_deadline" ("ticket_id")',
                ),
            ],
        ),
    ]
