from __future__ import annotations

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [("tickets", "0002_desk_settings_row")]

    operations = [
        migrations.CreateModel(
            name="TicketSearchEntry",
            fields=[
                (
                    "ticket",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="search_entry",
                        serialize=False,
                        to="tickets.ticket",
                    ),
                ),
                (
                    "reference",
                    models.CharField(blank=True, max_length=20, verbose_name="reference"),
                ),
                ("title", models.CharField(max_length=200, verbose_name="title")),
                ("description", models.TextField(blank=True, verbose_name="description")),
                ("replies", models.TextField(blank=True, verbose_name="public replies")),
                (
                    "requester_name",
                    models.CharField(blank=True, max_length=200, verbose_name="requester"),
                ),
            ],
            options={"verbose_name": "search entry", "verbose_name_plural": "search entries"},
        ),
    ]
