"""Background jobs of the SLA: the deadline sweeper (thin: it calls the service)."""

from __future__ import annotations

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from allie.sla.services import sweep_deadlines

logger = logging.getLogger(__name__)


@db_periodic_task(crontab(minute="*"))
def sweep_due_deadlines() -> int:
    """Handle the deadlines that are due; a missed minute is caught up by the next run."""
    handled = sweep_deadlines()
    if handled:
        logger.info("Handled %d SLA deadline(s).", handled)
    return handled
