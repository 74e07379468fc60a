"""`allie sweep_deadlines`: handle the SLA deadlines that are due, once, now.

The worker does this every minute (the Huey periodic task `allie.sla.tasks.sweep_due_deadlines`);
this command runs the same service, `allie.sla.services.sweep_deadlines`, by hand: to catch up
after an outage, from cron when no Huey worker runs, or from the crash and concurrency tests.

Options:
  --now ISO        sweep as if it were this moment (an ISO 8601 time with its offset)
  --batch N        how many due rows each round claims and commits together (default 100)
  --linger S       test hook: pause S seconds after each deadline's effect is written, before
                   its batch commits, printing "handling <id>" first. The crash test kills the
                   process during that pause; production never sets it.

It prints "handled <count>" when done.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.dateparse import parse_datetime

from allie.sla import services
from allie.sla.models import Deadline, TicketSla


class Command(BaseCommand):
    help = "Handle the SLA deadlines that are due (what the worker does every minute)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--now", help="sweep as of this ISO 8601 time (with its offset)")
        parser.add_argument("--batch", type=int, default=100, help="rows per batch")
        parser.add_argument(
            "--linger",
            type=float,
            default=0.0,
            metavar="SECONDS",
            help="test hook: pause this long after each deadline, before its batch commits",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        now = _parse_now(options["now"])
        if options["batch"] < 1:
            raise CommandError("--batch: give a positive number")
        linger = options["linger"]
        hook = None
        if linger > 0:
            hook = self._lingerer(linger)
            services.deadline_handlers.append(hook)
        try:
            handled = services.sweep_deadlines(now=now, batch=options["batch"])
        finally:
            if hook is not None:
                services.deadline_handlers.remove(hook)
        self.stdout.write(f"handled {handled}")

    def _lingerer(self, seconds: float) -> Any:
        def linger(items: Sequence[tuple[Deadline, TicketSla | None]], batch: Any) -> None:
            # Runs last, inside the batch's transaction: its effects are gathered, not committed.
            for deadline, _summary in items:
                self.stdout.write(f"handling {deadline.pk}")
                self.stdout.flush()
                time.sleep(seconds)

        return linger


def _parse_now(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        parsed = parse_datetime(value)
    except ValueError:
        parsed = None
    if parsed is None or parsed.tzinfo is None:
        raise CommandError("--now: give an ISO 8601 time with its offset")
    return parsed
