"""`allie search reindex`: rebuild the search index of every ticket, in batches.

The index is kept current by the ticket services in the transaction of each change; reindex
is for data loaded without them (an import, a benchmark's bulk seeding) or after an upgrade.
Subcommands are methods named `run_<name>`, registered in `add_arguments`.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from allie.core.progress import command_console, progress_bar
from allie.search.services.indexing import REINDEX_BATCH, reindex_tickets
from allie.tickets.models import Ticket


class Command(BaseCommand):
    help = "Full-text search tools: `search reindex` rebuilds the index of every ticket."

    def add_arguments(self, parser: CommandParser) -> None:
        subcommands = parser.add_subparsers(
            dest="subcommand", required=True, metavar="SUBCOMMAND", title="subcommands"
        )
        reindex = subcommands.add_parser(
            "reindex",
            help="rebuild the search index of every ticket",
            description="Rebuild every ticket's search entry, in batches of ticket ids.",
        )
        reindex.add_argument(
            "--batch-size",
            type=int,
            default=REINDEX_BATCH,
            help=f"tickets per transaction (default {REINDEX_BATCH})",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        getattr(self, f"run_{options['subcommand']}")(**options)

    def run_reindex(self, *, batch_size: int, **options: Any) -> None:
        if batch_size <= 0:
            raise CommandError(_("--batch-size must be a whole number greater than zero."))
        total = Ticket.objects.count()
        with progress_bar(command_console(self)) as progress:
            task = progress.add_task(_("Requests indexed"), total=total)
            done = reindex_tickets(
                batch_size=batch_size, progress=lambda count: progress.advance(task, count)
            )
        self.stdout.write(
            self.style.SUCCESS(_("Indexed %(count)d requests for search.") % {"count": done})
        )
