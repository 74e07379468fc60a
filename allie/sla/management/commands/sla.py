"""`allie sla …`: SLA tools for administrators.

`allie sla simulate [FILE|-]` reads one JSON document (calendar, policy, events, now) from FILE or
standard input and prints the three SLA clocks as one JSON document; see docs/sla-simulate.md.
A malformed document exits with code 2 and a message naming the field.

`allie sla rebuild-figures` computes the day figures the compliance report adds up afresh from
the tickets' SLA summaries, with a progress bar (after restoring a backup in part, say; the
figures are otherwise kept as the clocks move).
"""

from __future__ import annotations

import json
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from allie.core.progress import command_console, progress_bar
from allie.sla import figures
from allie.sla.domain.clock import compute_clocks
from allie.sla.domain.document import parse_simulation, render_clocks
from allie.sla.domain.errors import SlaError
from allie.sla.models import TicketSla
from allie.tickets.domain.lifecycle import Status

USAGE_ERROR = 2


class Command(BaseCommand):
    help = "SLA tools: `sla simulate [FILE|-]` computes the SLA clocks for a JSON document."

    def add_arguments(self, parser: CommandParser) -> None:
        subcommands = parser.add_subparsers(
            dest="subcommand", required=True, metavar="SUBCOMMAND", title="subcommands"
        )
        simulate = subcommands.add_parser(
            "simulate",
            help="compute the SLA clocks for a calendar, a policy and a ticket history",
            description=(
                "Read one JSON document {calendar, policy, events, now} from FILE (or standard "
                "input when FILE is - or absent) and print the first response, next update and "
                "resolution clocks as JSON. See docs/sla-simulate.md."
            ),
        )
        simulate.add_argument("file", nargs="?", default="-", metavar="FILE|-")
        subcommands.add_parser(
            "rebuild-figures",
            help="compute the SLA compliance day figures afresh from the tickets' SLA summaries",
            description=(
                "Compute the day figures the SLA compliance report adds up afresh from every "
                "ticket's SLA summary. Safe while Allié runs: changes made meanwhile wait and "
                "are added after."
            ),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["subcommand"] == "simulate":
            self.simulate(options["file"])
        elif options["subcommand"] == "rebuild-figures":
            self.rebuild_figures()

    def rebuild_figures(self) -> None:
        console = command_console(self)
        with progress_bar(console) as progress:
            task = progress.add_task(_("SLA summaries read"), total=TicketSla.objects.count())
            groups = figures.rebuild(progress=lambda done: progress.advance(task, done))
        self.stdout.write(
            self.style.SUCCESS(_("Rebuilt %(groups)d day figures.") % {"groups": groups})
        )

    def simulate(self, path: str) -> None:
        data = self._load(path)
        try:
            simulation = parse_simulation(data, known_statuses={s.value for s in Status})
            clocks = compute_clocks(
                simulation.calendar, simulation.policy, simulation.events, simulation.now
            )
        except SlaError as error:
            raise CommandError(str(error), returncode=USAGE_ERROR) from error
        output = render_clocks(clocks, simulation.calendar)
        self.stdout.write(json.dumps(output, indent=2, ensure_ascii=False))

    def _load(self, path: str) -> object:
        try:
            if path == "-":
                text = sys.stdin.read()
            else:
                with open(path, encoding="utf-8") as handle:
                    text = handle.read()
        except (OSError, UnicodeDecodeError) as error:
            raise CommandError(
                f"{path}: cannot read the document ({error})", returncode=USAGE_ERROR
            ) from error
        try:
            return json.loads(text, parse_constant=_reject_constant)
        except ValueError as error:
            raise CommandError(
                f"document: not valid JSON ({error})", returncode=USAGE_ERROR
            ) from error


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not a number JSON allows")
