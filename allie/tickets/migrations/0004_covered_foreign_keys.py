"""Drop the single-column indexes of foreign keys that a composite index already starts with
(ticket_org_queue, ticket_owner_queue, ticket_requester, ticket_team_queue, timeline_by_ticket):
they served no query the composite does not, and every ticket and event written updated them.
"""

from __future__ import annotations

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_contacts_index"),
        ("tickets", "0003_ticket_speed_indexes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    # Only the indexes go: AlterField would rebuild the table on SQLite, losing the search
    # index's triggers on it (allie/search/migrations).
    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="ticket",
                    name="organisation",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="tickets",
                        to="accounts.organisation",
                        verbose_name="organisation",
                    ),
                ),
                migrations.AlterField(
                    model_name="ticket",
                    name="owner",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="owned_tickets",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="owner",
                    ),
                ),
                migrations.AlterField(
                    model_name="ticket",
                    name="requester",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="requested_tickets",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="requester",
                    ),
                ),
                migrations.AlterField(
                    model_name="ticket",
                    name="team",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="tickets",
                        to="accounts.team",
                        verbose_name="team",
                    ),
                ),
                migrations.AlterField(
                    model_name="timelineevent",
                    name="ticket",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="events",
                        to="tickets.ticket",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    'DROP INDEX IF EXISTS "tickets_ticket_organisation_id_46625674"',
                    reverse_sql='CREATE INDEX "tickets_ticket_organisation_id_46625674" ON "tickets_ticket" ("organisation_id")',
                ),
                migrations.RunSQL(
                    'DROP INDEX IF EXISTS "tickets_ticket_owner_id_40236788"',
                    reverse_sql='CREATE INDEX "tickets_ticket_owner_id_40236788" ON "tickets_ticket" ("owner_id")',
                ),
                migrations.RunSQL(
                    'DROP INDEX IF EXISTS "tickets_ticket_requester_id_2072a2f2"',
                    reverse_sql='CREATE INDEX "tickets_ticket_requester_id_2072a2f2" ON "tickets_ticket" ("requester_id")',
                ),
                migrations.RunSQL(
                    'DROP INDEX IF EXISTS "tickets_ticket_team_id_5a4e7469"',
                    reverse_sql='CREATE INDEX "tickets_ticket_team_id_5a4e7469" ON "tickets_ticket" ("team_id")',
                ),
                migrations.RunSQL(
                    'DROP INDEX IF EXISTS "tickets_timelineevent_ticket_id_19b14374"',
                    reverse_sql='CREATE INDEX "tickets_timelineevent_ticket_id_19b14374" ON "tickets_timelineevent" ("ticket_id")',
                ),
            ],
        ),
    ]
