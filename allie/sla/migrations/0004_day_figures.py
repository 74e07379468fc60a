"""The SLA day figures the compliance report adds up, computed from the summaries already there."""

from __future__ import annotations

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import OuterRef, Subquery, Value
from django.db.models.functions import Coalesce


def count_existing_tickets(apps, schema_editor):
    from allie.sla import figures

    summaries = apps.get_model("sla", "TicketSla")
    tickets = apps.get_model("tickets", "Ticket").objects.filter(pk=OuterRef("ticket_id"))
    summaries.objects.update(
        counted_service_key=Coalesce(Subquery(tickets.values("service_id")[:1]), Value(0)),
        counted_priority=Subquery(tickets.values("priority")[:1]),
    )
    figures.rebuild(summaries=summaries, figures=apps.get_model("sla", "DayFigures"))


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0005_email_unique_any_case"),
        ("sla", "0003_covered_foreign_keys"),
        ("tickets", "0010_ticket_team_resolved"),
    ]

    operations = [
        migrations.AddField(
            model_name="ticketsla",
            name="counted_priority",
            field=models.CharField(blank=True, max_length=4),
        ),
        migrations.AddField(
            model_name="ticketsla",
            name="counted_service_key",
            field=models.PositiveBigIntegerField(default=0),
        ),
        migrations.CreateModel(
            name="DayFigures",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("day", models.DateField()),
                ("service_key", models.PositiveBigIntegerField()),
                ("priority", models.CharField(max_length=4)),
                ("tickets", models.IntegerField(default=0)),
                ("first_response_met", models.IntegerField(default=0)),
                ("first_response_decided", models.IntegerField(default=0)),
                ("resolution_met", models.IntegerField(default=0)),
                ("resolution_decided", models.IntegerField(default=0)),
                ("next_update_breaches", models.IntegerField(default=0)),
                ("first_response_seconds", models.JSONField(default=list)),
                (
                    "organisation",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="accounts.organisation",
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("day", "organisation", "service_key", "priority"),
                        name="day_figures_key",
                    )
                ],
            },
        ),
        migrations.RunPython(count_existing_tickets, migrations.RunPython.noop, elidable=True),
    ]
