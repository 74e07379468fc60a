"""Background jobs of the voice of the client (thin: they call the services)."""

from __future__ import annotations

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from allie.voice.services import break_overdue, send_reminders
from allie.voice.services.followups import escalate_overdue
from allie.voice.services.relationship import send_due_rounds

logger = logging.getLogger(__name__)


@db_periodic_task(crontab(minute="*"))
def break_overdue_commitments() -> int:
    """Mark broken the open commitments past due; a missed minute is caught up by the next."""
    broken = break_overdue()
    if broken:
        logger.info("Marked %d overdue commitment(s) broken.", broken)
    return broken


@db_periodic_task(crontab(minute="*"))
def send_commitment_reminders() -> int:
    """Write the commitment reminders that are due to the outbox, each once."""
    sent = send_reminders()
    if sent:
        logger.info("Queued %d commitment reminder(s).", sent)
    return sent


@db_periodic_task(crontab(minute="*"))
def escalate_overdue_follow_ups() -> int:
    """Escalate to the managers, once, the open follow-ups of low answers past due."""
    escalated = escalate_overdue()
    if escalated:
        logger.info("Escalated %d overdue follow-up(s).", escalated)
    return escalated


@db_periodic_task(crontab(minute="7"))
def send_relationship_surveys() -> int:
    """Send each organisation's relationship survey round once per window (idempotent)."""
    sent = send_due_rounds()
    if sent:
        logger.info("Sent %d relationship survey round(s).", sent)
    return sent
