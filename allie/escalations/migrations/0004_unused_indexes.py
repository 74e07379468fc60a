"""Drop the escalation tables' indexes that no query uses (docs/indexes.md, issue 6).

- An escalation's `ticket_id`: the index escalation_by_ticket (ticket, raised_at) starts with
  it and serves every read of a ticket's escalations; tickets are never deleted.
- An escalation's `handoff_id`: nothing looks an escalation up by its handoff, and handoffs are
  never deleted (they go only with their ticket), so there is no ON DELETE lookup either.
- An alert's `escalation_id` and `person_id`: the unique alert_once_per_person (escalation,
  person) and the index alert_by_person (person, acknowledged_at) start with them and serve
  the same lookups (an escalation's alerts; a person's alerts, and their deletion).

Indexes only, by name: an AlterField would copy the whole table on SQLite to drop them.
"""

from __future__ import annotations

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

DROPPED = {
    "escalations_escalation_ticket_id_fcf4d49b": ("escalations_escalation", "ticket_id"),
    "escalations_escalation_handoff_id_82e1d2b2": ("escalations_escalation", "handoff_id"),
    "escalations_escalationalert_escalation_id_d0976c12": (
        "escalations_escalationalert",
        "escalation_id",
    ),
    "escalations_escalationalert_person_id_9a55352c": ("escalations_escalationalert", "person_id"),
}


class Migration(migrations.Migration):
    dependencies = [
        ("escalations", "0003_one_default_ladder"),
        ("tickets", "0005_unused_indexes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="escalation",
                    name="handoff",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="tickets.handoff",
                    ),
                ),
                migrations.AlterField(
                    model_name="escalation",
                    name="ticket",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="escalations",
                        to="tickets.ticket",
                    ),
                ),
                migrations.AlterField(
                    model_name="escalationalert",
                    name="escalation",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="alerts",
                        to="escalations.escalation",
                    ),
                ),
                migrations.AlterField(
                    model_name="escalationalert",
                    name="person",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="escalation_alerts",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    f'DROP INDEX IF EXISTS "{name}"',
                    reverse_sql=f'CREATE INDEX "{name}" ON "{table}" ("{column}")',
                )
                for name, (table, column) in DROPPED.items()
            ],
        ),
    ]
