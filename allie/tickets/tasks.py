"""Background entry points for tickets: thin, they call services only."""

from __future__ import annotations

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from allie.tickets.services import close_resolved_after_window

logger = logging.getLogger(__name__)

BATCH = 500
# A run stops after this many batches so one backlog cannot hold the worker; the next run goes on.
MAX_BATCHES = 20


@db_periodic_task(crontab(minute="*/10"))
def close_resolved_tickets() -> int:
    """Close resolved tickets whose reopen window has passed; return how many were closed."""
    closed = 0
    for _batch in range(MAX_BATCHES):
        done = close_resolved_after_window(batch=BATCH)
        closed += done
        if done < BATCH:
            break
    logger.info("Closed %d resolved request(s) after the reopen window.", closed)
    return closed
