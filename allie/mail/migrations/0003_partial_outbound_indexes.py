"""Two partial indexes on the outbox (docs/indexes.md, issue 6).

- outbound_digest_pending replaces outbound_digest (digest_key, status): the only query,
  `notifications._deliver`, asks for the pending rows of some keys, so the index holds only
  the pending rows (a few hundred at any time, rather than the whole outbox) and a message
  leaves it once sent.
- outbound_rejection_recent: `senders.reject_sender` looks for a rejection recently sent to an
  address, which read the whole outbox. Only rejections are in it, so the notices written at
  every ticket's creation add no entry.
"""

from __future__ import annotations

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("mail", "0002_unused_indexes"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="outboundmessage", name="outbound_digest"),
        migrations.AddIndex(
            model_name="outboundmessage",
            index=models.Index(
                condition=models.Q(("status", "pending")),
                fields=["digest_key"],
                name="outbound_digest_pending",
            ),
        ),
        migrations.AddIndex(
            model_name="outboundmessage",
            index=models.Index(
                condition=models.Q(("kind", "rejection")),
                fields=["to_address", "created_at"],
                name="outbound_rejection_recent",
            ),
        ),
    ]
