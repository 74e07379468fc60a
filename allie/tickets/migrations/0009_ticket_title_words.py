"""The queues' "Reference or words" filter from an index, on PostgreSQL.

The filter keeps the tickets whose reference is the text (any case) or whose title holds it
(`title__icontains`, i.e. `UPPER(title) LIKE UPPER('%…%')`). No index served the title's
part, so the OR read every ticket the agent may see: 105 ms for a word among 100,000 tickets,
157 ms for a reference, ten times that at a million. A trigram index (`pg_trgm`) on
`UPPER(title)` serves the LIKE; with `ticket_reference_upper` the OR becomes two index reads
(the page with its count at 100,000: 16.5 ms for a common word, 2.8 ms for a rare one, 4.6 ms
for a reference). Its price on creation, measured in alternation in one process: 3.72 → 3.78
ms a ticket (docs/indexes.md).

Built CONCURRENTLY like 0003 (no write lock on a large ticket table), hence not atomic; plain
SQL on PostgreSQL only: SQLite reads its small tables whole.
"""

from __future__ import annotations

from django.db import migrations

from allie.core.migration_operations import postgresql_index

DEFINITION = "tickets_ticket USING gin (UPPER(title::text) gin_trgm_ops)"


class Migration(migrations.Migration):
    atomic = False
    dependencies = [("tickets", "0008_ticket_copy")]

    operations = [postgresql_index("ticket_title_words", DEFINITION, extension="pg_trgm")]
