"""People copied on a ticket (docs/email-intake.md): who may write on it by mail besides the
requester, their organisation's contact and its agents.

`ticket_copy_once` keeps one row per person and ticket and serves the lookups by ticket (the
ticket page's list, whether a sender is copied); the foreign keys to people keep Django's
indexes for the administrator's deletion of a person (CASCADE, SET_NULL).
"""

from __future__ import annotations

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0007_ticket_org_activity"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="TicketCopy",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("added_at", models.DateTimeField(verbose_name="added")),
                (
                    "source",
                    models.CharField(
                        choices=[("mail", "Email"), ("agent", "Agent")],
                        max_length=8,
                        verbose_name="source",
                    ),
                ),
                (
                    "added_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="added by",
                    ),
                ),
                (
                    "person",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="ticket_copies",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="person",
                    ),
                ),
                (
                    "ticket",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="copies",
                        to="tickets.ticket",
                    ),
                ),
            ],
            options={
                "verbose_name": "copied person",
                "verbose_name_plural": "copied people",
                "constraints": [
                    models.UniqueConstraint(fields=("ticket", "person"), name="ticket_copy_once")
                ],
            },
        ),
    ]
