"""Background jobs of the email channel (thin: each calls a service).

Both run every minute on the one consumer that runs periodic tasks. The rows are the truth: a
run missed while the worker was down is caught up by the next one (mail waits on the IMAP
server, unsent messages wait in the outbox).
"""

from __future__ import annotations

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from allie.mail.services.imap import poll_due_mailboxes

logger = logging.getLogger(__name__)


@db_periodic_task(crontab(minute="*"))
def poll_mailboxes() -> int:
    """Poll the mailboxes whose interval has passed (so at most once a minute each)."""
    polled = poll_due_mailboxes()
    if polled:
        logger.info("Polled %d mailbox(es).", polled)
    return polled


@db_periodic_task(crontab(minute="*"))
def send_outbox() -> int:
    """Send the outbox messages that are due, retrying those whose back-off has passed."""
    # Imported here so this module loads even when the sending service is being replaced.
    from allie.mail.services.sending import send_due_messages

    sent = send_due_messages()
    if sent:
        logger.info("Sent %d outbound message(s).", sent)
    return sent
