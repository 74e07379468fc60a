"""`allie seed --tickets N`: create N tickets quickly for benchmarks (see `allie.demo.volume`)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.db.models import Max
from django.utils.translation import gettext as _

from allie.core.progress import command_console, progress_bar
from allie.demo.volume import seed_tickets
from allie.search.services import reindex_tickets
from allie.tickets.models import Ticket


class Command(BaseCommand):
    help = "Create many tickets with their timelines, fast, for benchmarks."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--tickets", type=int, required=True, help="How many tickets (> 0).")
        parser.add_argument("--seed", type=int, default=2026, help="Random seed (default 2026).")

    def handle(self, *args: Any, **options: Any) -> None:
        count = options["tickets"]
        if count is None or count <= 0:
            raise CommandError(_("--tickets must be a whole number greater than zero."))
        console = command_console(self)
        with progress_bar(console) as progress:
            task = progress.add_task(_("Requests"), total=count)
            before = Ticket.objects.aggregate(last=Max("pk"))["last"] or 0
            result = seed_tickets(
                count,
                seed=options["seed"],
                progress=lambda done: progress.advance(task, done),
            )
            # Bulk inserts bypass the services that keep search current: index what was added.
            indexed = progress.add_task(_("Requests indexed"), total=result.tickets)
            reindex_tickets(after_id=before, progress=lambda done: progress.advance(indexed, done))
        if connection.vendor == "postgresql":
            # The planner would go on estimating the tables at their size before the load.
            status = console.status(_("Refreshing the database's statistics (ANALYZE)"))
            with status, connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "Created %(tickets)d requests and %(events)d timeline events in "
                    "%(seconds).1f s (%(rate).0f requests/s)."
                )
                % {
                    "tickets": result.tickets,
                    "events": result.events,
                    "seconds": result.seconds,
                    "rate": result.rate,
                }
            )
        )
