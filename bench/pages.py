"""Allié's pages and API in-process: median and p95 time and SQL queries per request.

    .venv/bin/python bench/pages.py [--tickets 100000] [--requests 30] [--rounds 3]
                                    [--database allie_bench_pages] [--keep] [--reuse]

Seeds a PostgreSQL database of its own exactly as `make bench` does (`allie.demo.volume`, then
`VACUUM ANALYZE` and the search index), then calls each endpoint of `make bench` with Django's
test client in this process: a warm-up, one call under query capture, then `--rounds` rounds of
`--requests` calls each. It prints, per endpoint, the queries per request, the server's planning
and run time of its reads (see `planning`), and the median over the rounds of each round's p50
and p95 (a shared machine is noisy; the median of rounds is
steadier than one long run). No HTTP server, no wrk: this is the profiler's view, for finding
what a request spends; `make bench` gives the figures under load. `--keep` leaves the database
for profiling; `--reuse` measures a kept one again without seeding. Figures go to
`bench/results/pages.json`.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

import run  # noqa: E402  (bench/run.py: the same seeding and endpoints as make bench)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--database", default="allie_bench_pages")
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--reuse", action="store_true")
    args = parser.parse_args()
    server = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    cleanup = run.Cleanup()
    try:
        if args.reuse:
            url = run.database_url(server, args.database)
        else:
            url = run.create_database(server, args.database, cleanup)
        if args.keep or args.reuse:
            cleanup.actions.clear()  # leave the database for the next run
        var_dir = Path(tempfile.mkdtemp(prefix="allie-pages-"))
        cleanup.add("remove the var folder", lambda: shutil.rmtree(var_dir, True))
        env = run.allie_environment(url, var_dir)
        os.environ.update({key: value for key, value in env.items() if key in run.ALLIE_VARIABLES})
        os.environ.pop("ALLIE_TESTING", None)
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connection, connections

        cleanup.add("close Django's connections", connections.close_all)
        seeding: dict[str, Any] = {}
        run.collect_static()  # the pages need the manifest, in this run's own var folder
        if not args.reuse:
            call_command("migrate", verbosity=0)
            seeding = run.seed_allie(args.tickets)
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE")
            seeding["search_index"] = run.fill_search_index()
        figures = measure(run.allie_endpoints(), args.requests, args.rounds)
        show(figures)
        results = {"tickets": args.tickets, "seeding": seeding, "endpoints": figures}
        out = BENCH / "results"
        out.mkdir(exist_ok=True)
        (out / "pages.json").write_text(json.dumps(results, indent=2, default=str))
    finally:
        cleanup.run()
    return 0


def measure(endpoints: list[Any], requests: int, rounds: int) -> dict[str, dict[str, Any]]:
    from django.db import connection
    from django.test import Client

    from allie.core.database import may_prepare
    from allie.sla.calendars import clear_calendar_cache

    figures: dict[str, dict[str, Any]] = {}
    for endpoint in endpoints:
        client = Client()
        headers: dict[str, str] = {}
        name, _, value = endpoint.header.partition(": ")
        if name == "Cookie":
            client.cookies["sessionid"] = value.partition("=")[2]
        else:
            headers[name] = value

        def call(client: Client = client, endpoint: Any = endpoint, headers: Any = headers) -> Any:
            if endpoint.method == "POST":
                return client.post(
                    endpoint.path, endpoint.body, content_type="application/json", headers=headers
                )
            return client.get(endpoint.path, headers=headers)

        response = call()
        if response.status_code != endpoint.expect:
            raise RuntimeError(f"{endpoint.path}: HTTP {response.status_code}")
        clear_calendar_cache()
        call()
        queries: list[tuple[str, Any, bool]] = []

        def count(
            execute: Any, sql: str, params: Any, many: bool, context: Any, queries: Any = queries
        ) -> Any:
            queries.append((sql, params, may_prepare(sql)))
            return execute(sql, params, many, context)

        # Counted with an execute wrapper: the test client's request_started signal empties
        # Django's query log, which CaptureQueriesContext reads.
        with connection.execute_wrapper(count):
            call()
        p50s, p95s = [], []
        for _round in range(rounds):
            times = []
            for _ in range(requests):
                started = time.perf_counter()
                call()
                times.append((time.perf_counter() - started) * 1000)
            times.sort()
            p50s.append(statistics.median(times))
            p95s.append(times[max(0, round(len(times) * 0.95) - 1)])
        figures[endpoint.name] = {
            "label": endpoint.label,
            "queries": len(queries),
            **planning(queries),
            "p50_ms": round(statistics.median(p50s), 1),
            "p95_ms": round(statistics.median(p95s), 1),
            "rounds_p50_ms": [round(value, 1) for value in p50s],
        }
    return figures


def planning(queries: list[tuple[str, Any, bool]]) -> dict[str, Any]:
    """The server's planning and run time of a request's reads, from `EXPLAIN (ANALYZE,
    SUMMARY)` of each (reads only: EXPLAIN ANALYZE runs the statement).

    A read the server keeps prepared (`allie.core.database.may_prepare` said so when it ran) is
    planned once per connection, so its planning is left out of `plan_ms`: the figure is what
    each request pays. The read whose planning costs most is named, for the next look.
    """
    from django.db import connection

    if connection.vendor != "postgresql":
        return {}
    plan_ms = run_ms = 0.0
    costliest = (0.0, "")
    with connection.cursor() as cursor:
        for sql, params, prepared in queries:
            if not sql.lstrip().upper().startswith(("SELECT", "WITH")) or "INSERT" in sql.upper():
                continue
            cursor.execute("EXPLAIN (ANALYZE, SUMMARY, TIMING OFF) " + sql, params)
            lines = [row[0] for row in cursor.fetchall()]
            planned = _summary_ms(lines, "Planning Time")
            run_ms += _summary_ms(lines, "Execution Time")
            if not prepared:
                plan_ms += planned
                costliest = max(costliest, (planned, sql[:100]))
    return {
        "plan_ms": round(plan_ms, 2),
        "run_ms": round(run_ms, 2),
        "costliest_plan": {"ms": round(costliest[0], 2), "sql": costliest[1]},
    }


def _summary_ms(lines: list[str], label: str) -> float:
    for line in lines:
        if line.startswith(label + ":"):
            return float(line.split(":")[1].split()[0])
    return 0.0


def show(figures: dict[str, dict[str, Any]]) -> None:
    print(
        f"{'endpoint':<24}{'queries':>8}{'p50 ms':>9}{'p95 ms':>9}{'plan ms':>9}{'run ms':>8}"
        "   p50 of each round"
    )
    for values in figures.values():
        print(
            f"{values['label']:<24}{values['queries']:>8}{values['p50_ms']:>9}"
            f"{values['p95_ms']:>9}{values.get('plan_ms', '-'):>9}{values.get('run_ms', '-'):>8}"
            f"   {values['rounds_p50_ms']}"
        )


if __name__ == "__main__":
    sys.exit(main())
