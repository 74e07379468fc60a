"""Mail waiting for an agent's review (docs/email-intake.md).

A reply whose threading points at a ticket its sender may not write on is stored `held`, with
that ticket in `held_for`, until an agent adds it, opens a ticket from it or discards it.
inbound_held_for_review serves the ticket page's list of held mail and holds only held rows.
"""

from __future__ import annotations

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("mail", "0003_partial_outbound_indexes"),
        ("tickets", "0007_ticket_org_activity"),
    ]

    operations = [
        migrations.AddField(
            model_name="inboundmessage",
            name="held_for",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="tickets.ticket",
            ),
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
                    ("held", "Waiting for an agent's review"),
                ],
                default="received",
                max_length=10,
            ),
        ),
        migrations.AddIndex(
            model_name="inboundmessage",
            index=models.Index(
                condition=models.Q(("status", "held")),
                fields=["held_for", "received_at"],
                name="inbound_held_for_review",
            ),
        ),
    ]
