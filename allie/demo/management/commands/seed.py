"""`allie seed --tickets N`: create N tickets quickly for benchmarks (see `allie.demo.volume`)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from allie.demo.volume import seed_tickets


class Command(BaseCommand):
    help = "Create many tickets with their timelines, fast, for benchmarks."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--tickets", type=int, required=True, help="How many tickets (> 0).")
        parser.add_argument("--seed", type=int, default=2026, help="Random seed (default 2026).")

    def handle(self, *args: Any, **options: Any) -> None:
        count = options["tickets"]
        if count is None or count <= 0:
            raise CommandError(_("--tickets must be a whole number greater than zero."))
        # Rich writes to the command's real stream (OutputWrapper adds newlines to every write).
        console = Console(file=self.stdout._out, highlight=False)
        with Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=console,
        ) as progress:
            task = progress.add_task(_("Requests"), total=count)
            result = seed_tickets(
                count,
                seed=options["seed"],
                progress=lambda done: progress.advance(task, done),
            )
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
