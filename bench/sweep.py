"""Benchmark the SLA deadline sweep on PostgreSQL: 100,000 open tickets, 100 due deadlines.

    make bench-sweep            # or: .venv/bin/python bench/sweep.py [--tickets N] [--due N]

It creates a database of its own (`allie_bench_sweep` on the local server; BENCH_PG_URL names
the server, default postgres://postgres@127.0.0.1:5432/postgres), migrates it, bulk-creates the
open tickets with their SLA summaries, three pending future deadlines each and one handled
deadline of history each, then measures:

- the query that selects the due rows (`allie.sla.services.due_deadline_ids`), with its plan,
  which must read the partial index `deadline_pending_due`;
- full sweeps (`allie.sla.services.sweep_deadlines`, what the worker runs every minute), each
  over a fresh set of `--due` due deadlines, with their real effects (timeline entries, SLA
  states, the escalation ladder);
- a sweep with nothing due.

It prints a table, writes bench/results/sweep.json and drops the database at the end.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import platform
import re
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "sweep.json"
sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402
from psycopg import sql  # noqa: E402
from rich.console import Console  # noqa: E402
from rich.progress import Progress  # noqa: E402
from rich.table import Table  # noqa: E402

console = Console()
NOW = datetime(2026, 6, 1, 15, 0, tzinfo=UTC)  # the benchmark's "now"; future rows lie after it
CHUNK = 5_000
INDEX = "deadline_pending_due"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=100_000, help="open tickets")
    parser.add_argument("--due", type=int, default=100, help="due deadlines per sweep")
    parser.add_argument("--rounds", type=int, default=5, help="timed sweeps")
    parser.add_argument("--database", default="allie_bench_sweep", help="database to create")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()
    if args.due * (args.rounds + 1) > args.tickets:
        parser.error("--tickets must be at least --due x (--rounds + 1)")

    server = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    create_database(server, args.database)
    try:
        results = run(database_url(server, args.database), args)
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep:
            drop_database(server, args.database)
    show(results)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    console.print(f"Written to {RESULTS.relative_to(ROOT)}")


def database_url(server: str, name: str) -> str:
    parts = urlsplit(server)
    return urlunsplit(parts._replace(path=f"/{name}"))


def create_database(server: str, name: str) -> None:
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def drop_database(server: str, name: str) -> None:
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


def run(url: str, args: argparse.Namespace) -> dict[str, Any]:
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ.setdefault("ALLIE_VAR_DIR", tempfile.mkdtemp(prefix="allie-bench-"))
    os.environ["EMAIL_BACKEND"] = "django.core.mail.backends.locmem.EmailBackend"
    os.environ.pop("ALLIE_TESTING", None)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    started = time.perf_counter()
    with console.status("Migrating"):
        call_command("migrate", verbosity=0)
    migrate_seconds = time.perf_counter() - started

    started = time.perf_counter()
    counts = seed(args.tickets, args.due, args.rounds + 1)
    with console.status("VACUUM ANALYZE"), connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    seed_seconds = time.perf_counter() - started

    return {
        "machine": machine(),
        "command": "make bench-sweep",
        "database": {"migrate_seconds": round(migrate_seconds, 1)},
        "data": {**counts, "seed_seconds": round(seed_seconds, 1)},
        **measure(args.due, args.rounds),
    }


def sweep_moment(round_number: int) -> datetime:
    """Round r sweeps at this moment: its own due rows, and earlier rounds' (already handled)."""
    return NOW - timedelta(hours=1) + timedelta(minutes=round_number, seconds=30)


def seed(tickets: int, due: int, rounds: int) -> dict[str, int]:
    """Bulk-create open tickets, their SLA summaries and deadlines (not through the services)."""
    from allie.accounts.models import Organisation, Role, Team, User, UserRole
    from allie.sla.models import Deadline, TicketSla
    from allie.tickets.models import Ticket

    organisation = Organisation.objects.create(name="Banc d'essai")
    requester = User.objects.create(
        username="requester@bench.test", email="requester@bench.test", organisation=organisation
    )
    lead = User.objects.create(username="lead@bench.test", email="lead@bench.test")
    manager = User.objects.create(username="manager@bench.test", email="manager@bench.test")
    UserRole.objects.bulk_create(
        [
            UserRole(user=lead, role=Role.AGENT),
            UserRole(user=lead, role=Role.TEAM_LEAD),
            UserRole(user=manager, role=Role.MANAGER),
        ]
    )
    team = Team.objects.create(name="Soutien", lead=lead)
    team.members.add(lead, manager)
    team.serves.add(organisation)

    # Round r's due rows sit on tickets [r * due, (r + 1) * due): one due deadline per ticket.
    due_rows = {index: divmod(index, due) for index in range(due * rounds)}
    thresholds = (50, 75, 90, 100)
    pending = handled = due_count = 0
    with Progress(console=console, transient=False) as progress:
        task = progress.add_task("Tickets, SLA summaries, deadlines", total=tickets)
        for start in range(0, tickets, CHUNK):
            size = min(CHUNK, tickets - start)
            opened = [NOW - timedelta(hours=2, minutes=(start + i) % 600) for i in range(size)]
            rows = Ticket.objects.bulk_create(
                [
                    Ticket(
                        reference=f"B-{start + i:07d}",
                        title=f"Demande {start + i}",
                        requester=requester,
                        organisation=organisation,
                        team=team,
                        impact="low",
                        urgency="medium",
                        priority="p4",
                        created_at=opened[i],
                        updated_at=opened[i],
                    )
                    for i in range(size)
                ],
                batch_size=CHUNK,
            )
            TicketSla.objects.bulk_create([summary(ticket) for ticket in rows], batch_size=CHUNK)
            deadlines: list[Deadline] = []
            for offset, ticket in enumerate(rows):
                index = start + offset
                deadlines.append(
                    Deadline(
                        ticket=ticket,
                        clock="first_response",
                        threshold=50,
                        due_at=ticket.created_at + timedelta(minutes=30),
                        handled_at=ticket.created_at + timedelta(minutes=31),
                        outcome="warning",
                    )
                )
                handled += 1
                for hours, clock in ((4, "first_response"), (8, "next_update"), (45, "resolution")):
                    deadlines.append(
                        Deadline(
                            ticket=ticket,
                            clock=clock,
                            threshold=100,
                            due_at=NOW + timedelta(hours=hours, seconds=index % 3600),
                        )
                    )
                    pending += 1
                if index in due_rows:
                    round_number, position = due_rows[index]
                    deadlines.append(
                        Deadline(
                            ticket=ticket,
                            clock="next_update",
                            cycle=1,
                            threshold=thresholds[position % len(thresholds)],
                            due_at=sweep_moment(round_number)
                            - timedelta(seconds=30 - position / 10),
                        )
                    )
                    due_count += 1
            Deadline.objects.bulk_create(deadlines, batch_size=CHUNK)
            progress.advance(task, size)
    return {
        "open_tickets": tickets,
        "pending_future_deadlines": pending,
        "handled_deadlines": handled,
        "due_deadlines_per_sweep": due,
        "due_deadlines_total": due_count,
    }


def summary(ticket: Any) -> Any:
    from allie.sla.models import TicketSla

    return TicketSla(
        ticket=ticket,
        first_response_target=240,
        next_update_target=480,
        resolution_target=2700,
        first_response_state="running",
        first_response_elapsed=7200.0,
        first_response_due_at=NOW + timedelta(hours=4),
        next_update_state="running",
        next_update_elapsed=7200.0,
        next_update_due_at=NOW + timedelta(hours=8),
        resolution_state="running",
        resolution_elapsed=7200.0,
        resolution_due_at=NOW + timedelta(hours=45),
        next_breach_at=NOW + timedelta(hours=4),
        computed_at=ticket.created_at,
    )


def measure(due: int, rounds: int) -> dict[str, Any]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from allie.sla.models import Deadline
    from allie.sla.services import due_deadline_ids, sweep_deadlines

    first = sweep_moment(0)
    selected = due_deadline_ids(now=first, limit=200)
    assert len(selected) == due, f"expected {due} due rows, found {len(selected)}"
    query = (
        Deadline.objects.filter(handled_at__isnull=True, due_at__lte=first)
        .order_by("due_at")
        .values_list("id", flat=True)[:200]
    )
    plan = query.explain(analyze=True, buffers=True)
    select_times = timed(lambda: due_deadline_ids(now=first, limit=200), repeat=200)

    nothing_due = NOW - timedelta(hours=2)
    empty_times = timed(lambda: sweep_deadlines(now=nothing_due), repeat=50)

    sweep_times = []
    for round_number in range(rounds):
        started = time.perf_counter()
        handled = sweep_deadlines(now=sweep_moment(round_number))
        sweep_times.append((time.perf_counter() - started) * 1000)
        assert handled == due, f"round {round_number}: handled {handled}, expected {due}"
    with CaptureQueriesContext(connection) as queries:
        handled = sweep_deadlines(now=sweep_moment(rounds))
    assert handled == due
    if os.environ.get("BENCH_SHOW_QUERIES"):
        shapes = collections.Counter(
            re.sub(r"\d+", "N", query["sql"])[:150] for query in queries.captured_queries
        )
        for shape, count in shapes.most_common():
            print(f"{count:5d}  {shape}")
    sweep_median = statistics.median(sweep_times)
    return {
        "select_due": {
            "median_ms": round(statistics.median(select_times), 3),
            "p95_ms": round(percentile(select_times, 95), 3),
            "rows": len(selected),
            "uses_partial_index": INDEX in plan,
            "explain": plan.splitlines(),
        },
        "sweep": {
            "rounds_ms": [round(value, 1) for value in sweep_times],
            "median_ms": round(sweep_median, 1),
            "per_deadline_ms": round(sweep_median / due, 2),
            "queries_per_deadline": round(len(queries) / due, 1),
        },
        "empty_sweep": {"median_ms": round(statistics.median(empty_times), 3)},
    }


def timed(action: Any, *, repeat: int) -> list[float]:
    action()  # warm the caches
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        times.append((time.perf_counter() - started) * 1000)
    return times


def percentile(values: list[float], rank: int) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(rank / 100 * (len(ordered) - 1)))]


def machine() -> dict[str, Any]:
    with psycopg.connect(
        os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    ) as pg:
        server = pg.execute("SHOW server_version").fetchone()
    return {
        "cpus": os.cpu_count(),
        "processor": cpu_name(),
        "python": platform.python_version(),
        "postgresql": server[0] if server else "?",
        "date": datetime.now(UTC).strftime("%Y-%m-%d"),
    }


def cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "?"


def show(results: dict[str, Any]) -> None:
    data, select, sweep = results["data"], results["select_due"], results["sweep"]
    table = Table(title="Deadline sweep on PostgreSQL")
    table.add_column("measure")
    table.add_column("value", justify="right")
    table.add_row("open tickets", f"{data['open_tickets']:,}")
    table.add_row("pending future deadlines", f"{data['pending_future_deadlines']:,}")
    table.add_row("handled deadlines (history)", f"{data['handled_deadlines']:,}")
    table.add_row("due deadlines per sweep", f"{data['due_deadlines_per_sweep']:,}")
    table.add_row("select due rows, median / p95", f"{select['median_ms']} / {select['p95_ms']} ms")
    table.add_row("… reads the partial index", "yes" if select["uses_partial_index"] else "NO")
    table.add_row("sweep of the due rows, median", f"{sweep['median_ms']} ms")
    table.add_row("… per deadline", f"{sweep['per_deadline_ms']} ms")
    table.add_row("… SQL queries per deadline", f"{sweep['queries_per_deadline']}")
    table.add_row("sweep with nothing due, median", f"{results['empty_sweep']['median_ms']} ms")
    console.print(table)
    console.print("\n".join(select["explain"]), style="dim")
    if not select["uses_partial_index"]:
        console.print(f"The due-rows query did not use {INDEX}.", style="bold red")
        sys.exit(1)


if __name__ == "__main__":
    main()
