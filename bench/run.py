"""`make bench`: Allié under HTTP load on PostgreSQL, side by side with django-helpdesk.

    make bench                                  # or: .venv/bin/python bench/run.py
    BENCH_TICKETS=2000 BENCH_DURATION=3 make bench       # a quick check
    BENCH_TICKETS=1000000 make bench                     # the full run

Steps (each with a progress bar or a status line; the figures go to bench/results/bench.json):

1. creates the database `allie_bench` on the PostgreSQL server BENCH_PG_URL, migrates Allié,
   loads a desk (organisations with sites, teams of agents, bilingual requesters, services)
   and BENCH_TICKETS tickets with their timelines (3 to 8 events), SLA summaries and deadlines
   by bulk inserts (`allie.demo.volume`), and fills the search index when the search app
   offers a reindex function; reports the seeding rate;
2. counts the SQL queries of each page in-process (Django's test client), then starts Allié
   under gunicorn (2 workers, DEBUG off, loopback) and drives wrk against the agent queue, a
   ticket page, the portal's "my requests", the API ticket list, API ticket creation and search
   (when a search page or endpoint exists): p50, p95, p99 and requests per second;
3. runs the deadline sweep and email intake benches (bench/sweep.py, bench/mail_intake.py)
   with small sizes, in their own databases;
4. unless BENCH_SKIP_PEER=1: installs django-helpdesk (pinned) in bench/.peer-venv, seeds the
   same number of tickets in `peer_bench` on the same server, measures its staff ticket list
   (the page's data XHR), a ticket page, the list's search and public ticket creation, and
   prints how many times faster Allié is on each;
5. prints the table and writes it as JSON.

Databases are dropped and servers stopped at the end, on failure and on Ctrl-C.
"""

from __future__ import annotations

import http.client
import json
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
LUA = BENCH / "lua"
PEER = BENCH / "peer"
PEER_VENV = BENCH / ".peer-venv"
RESULTS = BENCH / "results"
sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402
from psycopg import sql  # noqa: E402
from rich.console import Console  # noqa: E402
from rich.progress import Progress  # noqa: E402
from rich.table import Table  # noqa: E402

from allie.core.progress import progress_bar as shared_progress_bar  # noqa: E402

console = Console(width=None if sys.stdout.isatty() else 150)

PEER_PACKAGES = [
    "django-helpdesk==2.6.1",
    "Django==5.2.19",
    "djangorestframework==3.18.3",
    "gunicorn==27.0.1",
    "psycopg[binary]==3.3.9",
]
ALLIE_DATABASE = "allie_bench"
PEER_DATABASE = "peer_bench"
SEARCH_WORD = "vpn"
ALLIE_VARIABLES = (
    "DATABASE_URL",
    "DJANGO_SETTINGS_MODULE",
    "ALLIE_VAR_DIR",
    "DEBUG",
    "SECRET_KEY",
    "EMAIL_BACKEND",
    "LOG_LEVEL",
)


@dataclass
class Config:
    tickets: int = 100_000
    duration: int = 10
    connections: int = 2
    skip_peer: bool = False
    server: str = "postgres://postgres@127.0.0.1:5432/postgres"
    port: int = 8051
    peer_port: int = 8052
    sweep_tickets: int = 20_000
    mail_messages: int = 300

    @classmethod
    def from_environment(cls) -> Config:
        env = os.environ
        tickets = int(env.get("BENCH_TICKETS", "100000"))
        return cls(
            tickets=tickets,
            duration=int(env.get("BENCH_DURATION", "10")),
            connections=int(env.get("BENCH_CONNECTIONS", "2")),
            skip_peer=env.get("BENCH_SKIP_PEER", "0").lower() in {"1", "true", "yes"},
            server=env.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/postgres"),
            port=int(env.get("BENCH_PORT", "8051")),
            peer_port=int(env.get("BENCH_PEER_PORT", "8052")),
            sweep_tickets=int(env.get("BENCH_SWEEP_TICKETS", str(min(tickets, 20_000)))),
            mail_messages=int(env.get("BENCH_MAIL_MESSAGES", "300")),
        )


@dataclass
class Cleanup:
    """What to undo at the end, last first, whatever happens (failure, Ctrl-C, SIGTERM)."""

    actions: list[tuple[str, Callable[[], None]]] = field(default_factory=list)

    def add(self, label: str, action: Callable[[], None]) -> None:
        self.actions.append((label, action))

    def run(self) -> None:
        while self.actions:
            label, action = self.actions.pop()
            try:
                action()
            except Exception as error:  # keep cleaning up; say what could not be undone
                console.print(f"[yellow]Clean-up: {label}: {error}[/yellow]")


@dataclass
class Endpoint:
    name: str
    label: str
    path: str
    header: str = ""
    script: str = "report.lua"
    method: str = "GET"
    body: bytes | None = None
    expect: int = 200
    extra_env: dict[str, str] = field(default_factory=dict)
    # For a creation: how many tickets the system holds. Counted before and after the wrk run,
    # so the rate quoted is of tickets really written, not of answers that merely looked right.
    count_rows: Callable[[], int] | None = None


# --- Entry point ---------------------------------------------------------------------------


def main() -> int:
    config = Config.from_environment()
    cleanup = Cleanup()

    def stop(signum: int, _frame: Any) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    # Explicitly for both: a process started in the background inherits an ignored SIGINT.
    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    started = time.perf_counter()
    results: dict[str, Any] = {
        "command": "make bench",
        "settings": {
            "tickets": config.tickets,
            "duration_s": config.duration,
            "connections": config.connections,
            "skip_peer": config.skip_peer,
        },
        "machine": machine(config.server),
        "phases_s": {},
    }
    try:
        ensure_wrk()
        phase = time.perf_counter()
        results["allie"] = run_allie(config, cleanup)
        results["phases_s"]["allie"] = round(time.perf_counter() - phase, 1)
        phase = time.perf_counter()
        results["in_process"] = run_in_process(config)
        results["phases_s"]["in_process"] = round(time.perf_counter() - phase, 1)
        if not config.skip_peer:
            phase = time.perf_counter()
            results["peer"] = run_peer(config, cleanup)
            results["phases_s"]["peer"] = round(time.perf_counter() - phase, 1)
            phase = time.perf_counter()
            duel = creation_duel(config)
            if duel is not None:
                results["creation_duel"] = duel
                results["phases_s"]["creation_duel"] = round(time.perf_counter() - phase, 1)
            results["ratios"] = ratios(results["allie"], results["peer"])
        results["budgets"] = budgets(results)
    except KeyboardInterrupt:
        console.print("[bold red]Interrupted: cleaning up.[/bold red]")
        cleanup.run()
        return 130
    finally:
        cleanup.run()
    results["phases_s"]["total"] = round(time.perf_counter() - started, 1)
    show(results)
    RESULTS.mkdir(parents=True, exist_ok=True)
    written = RESULTS / "bench.json"
    written.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    console.print(f"Written to {written.relative_to(ROOT)} in {results['phases_s']['total']} s")
    failed = [
        name
        for name, row in results["allie"]["endpoints"].items()
        if row["non2xx3xx"] or row["socket_errors"]
    ]
    if failed:
        console.print(f"[bold red]Allié answered errors under load: {', '.join(failed)}[/bold red]")
        return 1
    return 0


# --- Databases and processes ---------------------------------------------------------------


def database_url(server: str, name: str) -> str:
    return urlunsplit(urlsplit(server)._replace(path=f"/{name}"))


def create_database(server: str, name: str, cleanup: Cleanup) -> str:
    """Create (or re-create) the database `name`; drop it at clean-up. Return its URL."""
    drop_database(server, name)
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    cleanup.add(f"drop database {name}", lambda: drop_database(server, name))
    return database_url(server, name)


def drop_database(server: str, name: str) -> None:
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


def start_server(
    command: list[str], *, env: dict[str, str], cwd: Path, log: Path, cleanup: Cleanup
) -> subprocess.Popen[bytes]:
    """Start a server in its own process group; stop the whole group at clean-up."""
    handle = log.open("wb")
    process = subprocess.Popen(  # noqa: S603 (our interpreter and arguments)
        command, env=env, cwd=cwd, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True
    )

    def stop() -> None:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=5)
        handle.close()

    cleanup.add(f"stop {command[0]} (pid {process.pid})", stop)
    return process


def wait_until_up(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    for _ in range(150):
        if process.poll() is not None:
            raise RuntimeError(f"the server stopped: {log.read_text(errors='replace')[-2000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310 (loopback http)
                return
        except urllib.error.HTTPError:
            return  # it answers
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"no answer from {url}")


def ensure_wrk() -> None:
    if shutil.which("wrk"):
        return
    console.print("wrk is missing: installing it (scripts/bench-packages.sh)")
    subprocess.run(["bash", str(ROOT / "scripts" / "bench-packages.sh")], check=True)  # noqa: S603, S607


# --- Allié ----------------------------------------------------------------------------------


def allie_environment(url: str, var_dir: Path) -> dict[str, str]:
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "ALLIE_VAR_DIR": str(var_dir),
        "DEBUG": "0",
        "SECRET_KEY": "bench-only-" + "x" * 40,
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "LOG_LEVEL": "WARNING",
    }
    env.pop("ALLIE_TESTING", None)
    return env


def run_allie(config: Config, cleanup: Cleanup) -> dict[str, Any]:
    var_dir = Path(tempfile.mkdtemp(prefix="allie-bench-"))
    cleanup.add("remove the bench's var folder", lambda: shutil.rmtree(var_dir, True))
    url = create_database(config.server, ALLIE_DATABASE, cleanup)
    env = allie_environment(url, var_dir)
    os.environ.update({key: value for key, value in env.items() if key in ALLIE_VARIABLES})
    os.environ.pop("ALLIE_TESTING", None)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, connections

    cleanup.add("close Django's connections", connections.close_all)
    phase = time.perf_counter()
    with console.status("Allié: migrating"):
        call_command("migrate", verbosity=0)
    migrate_s = time.perf_counter() - phase
    collect_static()

    seeding = seed_allie(config.tickets)
    phase = time.perf_counter()
    with console.status("Allié: VACUUM ANALYZE"), connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    seeding["vacuum_analyze_s"] = round(time.perf_counter() - phase, 1)
    seeding["migrate_s"] = round(migrate_s, 1)
    seeding["search_index"] = fill_search_index()

    endpoints = allie_endpoints()
    queries = count_allie_queries(endpoints)
    connections.close_all()

    log = var_dir / "gunicorn.log"
    gunicorn = start_server(
        [
            str(ROOT / ".venv" / "bin" / "gunicorn"),
            "config.wsgi:application",
            "--workers",
            "2",
            "--bind",
            f"127.0.0.1:{config.port}",
            "--log-level",
            "warning",
            "--timeout",
            "120",
        ],
        env=env,
        cwd=ROOT,
        log=log,
        cleanup=cleanup,
    )
    base = f"http://127.0.0.1:{config.port}"
    with console.status("Allié: starting gunicorn (2 workers)"):
        wait_until_up(base + "/health/", gunicorn, log)
    load = drive(base, endpoints, config, system="Allié")
    keep_serving("allie", base, endpoints, "api_create")
    for name, figures in load.items():
        figures.update(queries.get(name, {}))
    return {"seeding": seeding, "endpoints": load, "notes": endpoint_notes(endpoints)}


def collect_static() -> None:
    """Collect the static files with their manifest, which templates need once DEBUG is off.

    The production storage also compresses every file (gzip and brotli), which takes a minute
    on 2 cores and changes nothing for the pages measured here (no static file is requested):
    the plain manifest storage writes the same staticfiles.json without compressing.
    """
    from django.core.management import call_command
    from django.test import override_settings

    storages = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
    }
    with (
        console.status("Allié: collecting static files (their manifest)"),
        override_settings(STORAGES=storages),
    ):
        call_command("collectstatic", interactive=False, verbosity=0)


def seed_allie(tickets: int) -> dict[str, Any]:
    from allie.accounts.models import User
    from allie.demo.volume import create_base, seed_tickets

    requesters = max(200, min(20_000, tickets // 50))
    agents = 40 if tickets >= 10_000 else 12
    phase = time.perf_counter()
    with console.status("Allié: organisations, teams, agents, requesters, services"):
        create_base(organisations=12, teams=4, agents=agents, requesters=requesters)
    base_s = time.perf_counter() - phase
    with progress_bar() as progress:
        task = progress.add_task("Allié: tickets, timelines, SLA", total=tickets)
        result = seed_tickets(
            tickets, sla=True, surveys=True, progress=lambda size: progress.advance(task, size)
        )
    return {
        "tickets": result.tickets,
        "timeline_events": result.events,
        "sla_summaries": result.sla_summaries,
        "deadlines": result.deadlines,
        "surveys": result.surveys,
        "people": User.objects.count(),
        "base_s": round(base_s, 1),
        "tickets_s": round(result.seconds, 1),
        "tickets_per_s": round(result.rate),
    }


def fill_search_index() -> dict[str, Any]:
    """Fill the search index with the search app's bulk reindex, when the app is there."""
    try:
        from allie.search.services import reindex_tickets
    except ImportError:
        return {"function": None, "note": "no search app with reindex_tickets at run time"}
    phase = time.perf_counter()
    from allie.tickets.models import Ticket

    with progress_bar() as progress:
        task = progress.add_task("Allié: search index", total=Ticket.objects.count())
        indexed = reindex_tickets(progress=lambda size: progress.advance(task, size))
    seconds = time.perf_counter() - phase
    return {
        "function": "allie.search.services.reindex_tickets",
        "tickets": indexed,
        "seconds": round(seconds, 1),
        "tickets_per_s": round(indexed / seconds) if seconds else None,
    }


def allie_endpoints() -> list[Endpoint]:
    """The pages and API calls under load, logged in as an agent or a requester."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.urls import NoReverseMatch, reverse

    from allie.accounts.models import Role, Team, User
    from allie.api.authentication import issue_token
    from allie.tickets.models import Status, Ticket

    team = Team.objects.order_by("pk").first()
    assert team is not None
    assert team.lead is not None
    agent = team.lead
    requester = (
        User.objects.filter(role_grants__role=Role.REQUESTER, is_organisation_contact=False)
        .order_by("pk")
        .first()
    )
    assert requester is not None

    def session_cookie(user: User) -> str:
        store = SessionStore()
        store[SESSION_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store.create()
        return f"sessionid={store.session_key}"

    visible = Ticket.objects.visible_to(agent).filter(status=Status.IN_PROGRESS)
    count = visible.count()
    ticket = visible.order_by("pk")[count // 2]
    agent_cookie, requester_cookie = session_cookie(agent), session_cookie(requester)
    _token, agent_token = issue_token(agent, name="bench")
    _token, requester_token = issue_token(requester, name="bench")
    endpoints = [
        Endpoint("queue", "agent queue", "/desk/queues/teams/", "Cookie: " + agent_cookie),
        Endpoint(
            "ticket_page",
            "ticket page",
            f"/desk/tickets/{ticket.reference}/",
            "Cookie: " + agent_cookie,
        ),
        Endpoint("portal", "portal: my requests", "/portal/", "Cookie: " + requester_cookie),
        Endpoint(
            "api_list",
            "API ticket list",
            "/api/v1/tickets/",
            "Authorization: Bearer " + agent_token,
        ),
        Endpoint(
            "api_create",
            "API ticket creation",
            "/api/v1/tickets/",
            "Authorization: Bearer " + requester_token,
            script="post_json.lua",
            method="POST",
            body=json.dumps(
                {"title": "Imprimante bloquée (bench)", "description": "Bourrage. Paper jam."}
            ).encode(),
            expect=201,
            count_rows=Ticket.objects.count,
        ),
    ]
    # The dashboards a team lead reads (DESIGN: under 500 ms, rollups, not scans), over their
    # default period, with the surveys of the tickets resolved in it (seed_tickets(surveys=True)).
    routed = [
        ("search", "search page", "search:desk", "Cookie: " + agent_cookie),
        ("api_search", "search API", "api:search", "Authorization: Bearer " + agent_token),
        (
            "sla_compliance",
            "dashboard: SLA compliance",
            "sla:compliance",
            "Cookie: " + agent_cookie,
        ),
        ("voice_team", "dashboard: team figures", "voice:team", "Cookie: " + agent_cookie),
    ]
    for name, label, route, header in routed:
        try:
            path = reverse(route)
        except NoReverseMatch:
            continue
        query = f"?q={SEARCH_WORD}" if "search" in name else ""
        endpoints.append(Endpoint(name, label, path + query, header))
    return endpoints


def endpoint_notes(endpoints: list[Endpoint]) -> list[str]:
    names = {endpoint.name for endpoint in endpoints}
    return [
        f"{name} skipped: no such route at run time"
        for name in ("search", "api_search")
        if name not in names
    ]


def count_allie_queries(endpoints: list[Endpoint]) -> dict[str, dict[str, Any]]:
    """SQL queries per request, counted in-process with the test client on the same data."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from allie.sla.calendars import clear_calendar_cache

    counted: dict[str, dict[str, Any]] = {}
    with console.status("Allié: counting SQL queries per request"):
        for endpoint in endpoints:
            client = Client()
            headers: dict[str, str] = {}
            name, _, value = endpoint.header.partition(": ")
            if name == "Cookie":
                client.cookies["sessionid"] = value.partition("=")[2]
            else:
                headers[name] = value

            def call(
                client: Client = client,
                endpoint: Endpoint = endpoint,
                headers: dict[str, str] = headers,
            ) -> Any:
                if endpoint.method == "POST":
                    return client.post(
                        endpoint.path,
                        endpoint.body,
                        content_type="application/json",
                        headers=headers,
                    )
                return client.get(endpoint.path, headers=headers)

            call()  # warm the caches as a running server has them
            clear_calendar_cache()
            call()
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                response = call()
                elapsed = time.perf_counter() - started
            if response.status_code != endpoint.expect:
                raise RuntimeError(
                    f"{endpoint.path} answered {response.status_code}, not {endpoint.expect}"
                )
            counted[endpoint.name] = {
                "queries": len(captured),
                "in_process_ms": round(elapsed * 1000, 1),
                "bytes": len(response.content),
            }
    return counted


# --- Load -----------------------------------------------------------------------------------


def drive(
    base: str, endpoints: list[Endpoint], config: Config, *, system: str
) -> dict[str, dict[str, Any]]:
    """Run wrk against each endpoint after a warm-up that checks the answer."""
    measured: dict[str, dict[str, Any]] = {}
    with progress_bar() as progress:
        task = progress.add_task(f"{system}: wrk", total=len(endpoints) * config.duration)
        for endpoint in endpoints:
            progress.update(task, description=f"{system}: wrk {endpoint.label}")
            for _ in range(4):  # two per worker
                status = request(base + endpoint.path, endpoint)
                if status != endpoint.expect:
                    raise RuntimeError(f"{system} {endpoint.path}: HTTP {status}")
            before = endpoint.count_rows() if endpoint.count_rows else 0
            env = {
                **os.environ,
                "WRK_LABEL": endpoint.name,
                "WRK_LUA_DIR": str(LUA),
                **endpoint.extra_env,
            }
            if endpoint.header:
                env["WRK_HEADER"] = endpoint.header
            else:
                env.pop("WRK_HEADER", None)
            process = subprocess.Popen(  # noqa: S603
                [
                    shutil.which("wrk") or "/usr/bin/wrk",
                    "-t1",
                    f"-c{config.connections}",
                    f"-d{config.duration}s",
                    "--timeout",
                    "60s",
                    "-s",
                    str(LUA / endpoint.script),
                    base + endpoint.path,
                ],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                start_new_session=True,
            )
            try:
                for _ in range(config.duration):
                    time.sleep(1)
                    progress.advance(task, 1)
                stdout, stderr = process.communicate(timeout=config.duration + 120)
            finally:
                if process.poll() is None:
                    os.killpg(process.pid, signal.SIGKILL)
            lines = [line for line in stdout.decode().splitlines() if line.startswith("{")]
            if not lines:
                raise RuntimeError(f"wrk gave no figures for {endpoint.path}: {stderr.decode()}")
            figures = json.loads(lines[-1])
            figures.pop("label", None)
            figures["label"] = endpoint.label
            figures["path"] = re.sub(
                r"/datatables_ticket_list/[^?]+", "/datatables_…/", endpoint.path
            )
            if endpoint.count_rows:
                figures["rows_written"] = endpoint.count_rows() - before
                check_rows_written(system, endpoint, figures, config.connections)
            measured[endpoint.name] = figures
    return measured


def check_rows_written(
    system: str, endpoint: Endpoint, figures: dict[str, Any], connections: int
) -> None:
    """Fail unless every answer wrk counted wrote its ticket.

    wrk counts the answers it received; a request still in flight when it stops may have
    been written too, so up to one more per connection.
    """
    answered, written = figures["requests"], figures["rows_written"]
    if not answered <= written <= answered + connections:
        raise RuntimeError(
            f"{system} {endpoint.label}: wrk counted {answered} answers but "
            f"{written} tickets were written"
        )


def request(url: str, endpoint: Endpoint) -> int:
    """Send the endpoint's request once and return the status (redirects are not followed)."""
    parts = urlsplit(url)
    headers = {"Accept": "text/html,application/json"}
    if endpoint.header:
        name, _, value = endpoint.header.partition(": ")
        headers[name] = value
    if endpoint.method == "POST":
        json_body = endpoint.body is not None and endpoint.body.startswith(b"{")
        headers["Content-Type"] = (
            "application/json" if json_body else "application/x-www-form-urlencoded"
        )
        csrf = endpoint.extra_env.get("WRK_CSRF")
        if csrf:  # the peer's: the cookie, and the header its REST API reads
            headers["X-CSRFToken"] = csrf
            if "csrftoken=" not in headers.get("Cookie", ""):
                headers["Cookie"] = "; ".join(
                    filter(None, [headers.get("Cookie"), "csrftoken=" + csrf])
                )
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=120)
    try:
        connection.request(endpoint.method, target, body=endpoint.body, headers=headers)
        answer = connection.getresponse()
        answer.read()
        return answer.status
    finally:
        connection.close()


# --- In-process benches ----------------------------------------------------------------------


def run_in_process(config: Config) -> dict[str, Any]:
    """The deadline sweep and email intake, by their own scripts at a bounded size."""
    figures: dict[str, Any] = {}
    runs = [
        (
            "sweep",
            [
                "bench/sweep.py",
                "--tickets",
                str(config.sweep_tickets),
                "--due",
                "100",
                "--rounds",
                "3",
            ],
            "sweep.json",
        ),
        (
            "mail_intake",
            ["bench/mail_intake.py", "--messages", str(config.mail_messages)],
            "mail_intake.json",
        ),
    ]
    for name, command, result in runs:
        target = RESULTS / result
        target.unlink(missing_ok=True)
        with console.status(f"In-process: {' '.join(command)}"):
            done = subprocess.run(  # noqa: S603
                [sys.executable, *command],
                cwd=ROOT,
                env={**os.environ, "DATABASE_URL": "", "COLUMNS": "100"},
                capture_output=True,
                text=True,
                check=False,
            )
        if not target.exists():
            raise RuntimeError(f"{command[0]} failed: {done.stderr[-2000:]}")
        data = json.loads(target.read_text(encoding="utf-8"))
        data["exit_code"] = done.returncode
        figures[name] = data
    return figures


# --- The peer --------------------------------------------------------------------------------


def ensure_peer_venv() -> Path:
    python = PEER_VENV / "bin" / "python"
    stamp = PEER_VENV / ".installed"
    wanted = "\n".join(PEER_PACKAGES)
    if python.exists() and stamp.exists() and stamp.read_text() == wanted:
        return python
    with console.status("Peer: installing django-helpdesk 2.6.1 in bench/.peer-venv"):
        subprocess.run([sys.executable, "-m", "venv", str(PEER_VENV)], check=True)  # noqa: S603
        subprocess.run(  # noqa: S603
            [str(python), "-m", "pip", "install", "-q", *PEER_PACKAGES], check=True
        )
    stamp.write_text(wanted)
    return python


def count_peer_tickets(url: str) -> int:
    with psycopg.connect(url, autocommit=True) as connection:
        found = connection.execute("SELECT count(*) FROM helpdesk_ticket").fetchone()
    return int(found[0]) if found else 0


def run_peer(config: Config, cleanup: Cleanup) -> dict[str, Any]:
    python = ensure_peer_venv()
    url = create_database(config.server, PEER_DATABASE, cleanup)
    env = {
        **os.environ,
        "PEER_DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "peerdesk.settings",
        "PYTHONPATH": str(PEER),
    }
    for key in ("DATABASE_URL", "ALLIE_VAR_DIR"):
        env.pop(key, None)
    with progress_bar() as progress:
        task = progress.add_task("Peer: tickets and follow-ups", total=config.tickets)
        seeder = subprocess.Popen(  # noqa: S603
            [str(python), "seed.py", str(config.tickets)],
            cwd=PEER,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        cleanup.add("stop the peer's seeder", lambda: seeder.poll() is None and seeder.kill())
        assert seeder.stderr is not None
        assert seeder.stdout is not None
        errors = []
        for line in seeder.stderr:
            if line.startswith("progress "):
                progress.update(task, completed=int(line.split()[1]))
            else:
                errors.append(line)
        output = seeder.stdout.read()
        if seeder.wait() != 0:
            raise RuntimeError("the peer's seed failed: " + "".join(errors[-30:]))
    seeding = json.loads(output.strip().splitlines()[-1])
    with console.status("Peer: session, URLs and SQL queries per page"):
        done = subprocess.run(  # noqa: S603
            [str(python), "measure.py"],
            cwd=PEER,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
    if done.returncode != 0:
        raise RuntimeError("the peer's measure.py failed: " + done.stderr[-3000:])
    prepared = json.loads(done.stdout.strip().splitlines()[-1])
    cookie = "Cookie: sessionid=" + prepared["session"]
    urls = prepared["urls"]
    endpoints = [
        Endpoint("ticket_list_json", "ticket list (data XHR)", urls["ticket_list_json"], cookie),
        Endpoint("ticket_view", "ticket page", urls["ticket_view"], cookie),
        Endpoint("search_json", "search (list XHR)", urls["search_json"], cookie),
        Endpoint(
            "public_submit_post",
            "public ticket creation",
            urls["public_submit_post"],
            script="post_form.lua",
            method="POST",
            body=(
                f"csrfmiddlewaretoken={prepared['csrf']}&queue={prepared['queue']}"
                "&title=warmup+bench&body=warmup&priority=3&submitter_email=user00001%40client.example"
            ).encode(),
            expect=302,
            extra_env={"WRK_QUEUE": str(prepared["queue"]), "WRK_CSRF": prepared["csrf"]},
            count_rows=lambda: count_peer_tickets(url),
        ),
        Endpoint(
            "api_create_rest",
            "REST API ticket creation",
            urls["api_create_rest"],
            f"{cookie}; csrftoken={prepared['csrf']}",
            script="post_peer_api.lua",
            method="POST",
            body=json.dumps(
                {
                    "queue": prepared["queue"],
                    "title": "warmup bench API",
                    "description": "warmup",
                    "priority": 3,
                    "submitter_email": "user00001@client.example",
                }
            ).encode(),
            expect=201,
            extra_env={"WRK_QUEUE": str(prepared["queue"]), "WRK_CSRF": prepared["csrf"]},
            count_rows=lambda: count_peer_tickets(url),
        ),
    ]
    log = Path(tempfile.gettempdir()) / f"peer-gunicorn-{os.getpid()}.log"
    cleanup.add("remove the peer's log", lambda: log.unlink(missing_ok=True))
    gunicorn = start_server(
        [
            str(PEER_VENV / "bin" / "gunicorn"),
            "peerdesk.wsgi:application",
            "--workers",
            "2",
            "--bind",
            f"127.0.0.1:{config.peer_port}",
            "--log-level",
            "warning",
            "--timeout",
            "300",
        ],
        env=env,
        cwd=PEER,
        log=log,
        cleanup=cleanup,
    )
    base = f"http://127.0.0.1:{config.peer_port}"
    with console.status("Peer: starting gunicorn (2 workers)"):
        wait_until_up(base + "/", gunicorn, log)
    load = drive(base, endpoints, config, system="Peer")
    keep_serving("peer", base, endpoints, "public_submit_post")
    for name, figures in load.items():
        figures.update(prepared["queries"].get(name, {}))
        figures.pop("status", None)
    return {"seeding": seeding, "endpoints": load}


# --- Creation in alternation --------------------------------------------------------------

# Each system's creation endpoint, still served after its own run (both servers stop at the
# clean-up), for the rounds in alternation.
SERVING: dict[str, tuple[str, Endpoint]] = {}
DUEL_ROUNDS = 3


def keep_serving(system: str, base: str, endpoints: list[Endpoint], name: str) -> None:
    for endpoint in endpoints:
        if endpoint.name == name:
            SERVING[system] = (base, endpoint)


def creation_duel(config: Config) -> dict[str, Any] | None:
    """Both systems' ticket creation again, in turns: Allié then the peer, the peer then Allié,
    Allié then the peer, half the usual duration each.

    The two systems' main runs are minutes apart, and this shared machine's speed drifts more
    than the difference being measured from one minute to the next (docs/performance.md). Taken
    in turns, a few seconds apart, both see the same machine: the creation budget is judged on
    the median of the rounds' ratios.
    """
    if "allie" not in SERVING or "peer" not in SERVING:
        return None
    turn = replace(config, duration=max(3, config.duration // 2))
    rounds = []
    for number in range(DUEL_ROUNDS):
        order = ("allie", "peer") if number % 2 == 0 else ("peer", "allie")
        rates: dict[str, float] = {}
        for system in order:
            base, endpoint = SERVING[system]
            label = f"{'Allié' if system == 'allie' else 'Peer'}: round {number + 1}"
            rates[system] = drive(base, [endpoint], turn, system=label)[endpoint.name]["rps"]
        rounds.append({**rates, "ratio": divide(rates["allie"], rates["peer"])})
    ratios = [item["ratio"] for item in rounds if item["ratio"] is not None]
    return {
        "seconds_per_turn": turn.duration,
        "rounds": rounds,
        "allie_rps_median": round(statistics.median(item["allie"] for item in rounds), 1),
        "peer_rps_median": round(statistics.median(item["peer"] for item in rounds), 1),
        "ratio_median": round(statistics.median(ratios), 1) if ratios else None,
    }


# The pairs compared: the pair's name, Allié's endpoint, the peer's counterpart, which figure.
# Creation has two counterparts: the peer's public form (the figure the issue quotes, and the
# one the creation budget is judged on) and its REST API (the same interface as Allié's).
PAIRS = [
    ("queue", "queue", "ticket_list_json", "latency"),
    ("ticket_page", "ticket_page", "ticket_view", "latency"),
    ("search", "search", "search_json", "latency"),
    ("api_search", "api_search", "search_json", "latency"),
    ("api_create", "api_create", "public_submit_post", "throughput"),
    ("api_create_vs_rest", "api_create", "api_create_rest", "throughput"),
]


def ratios(allie: dict[str, Any], peer: dict[str, Any]) -> dict[str, Any]:
    """How many times faster Allié is: peer latency / Allié's for reads, req/s for creation."""
    found: dict[str, Any] = {}
    for pair, ours, theirs, kind in PAIRS:
        mine, other = allie["endpoints"].get(ours), peer["endpoints"].get(theirs)
        if not mine or not other:
            continue
        if not other["rps"]:
            # wrk saw no answer within its timeout (the peer's search at a million): no ratio.
            found[pair] = {"peer": theirs, "times_faster": None, "basis": "no peer answer in time"}
            continue
        if kind == "latency":
            found[pair] = {
                "peer": theirs,
                "times_faster": divide(other["p50_ms"], mine["p50_ms"]),
                "times_faster_p95": divide(other["p95_ms"], mine["p95_ms"]),
                "basis": "peer p50 / Allié p50 (and the same for p95)",
            }
        else:
            found[pair] = {
                "ours": ours,
                "peer": theirs,
                "times_faster": divide(mine["rps"], other["rps"]),
                "basis": "Allié req/s / peer req/s",
            }
    return found


def divide(numerator: float, denominator: float) -> float | None:
    return round(numerator / denominator, 1) if denominator else None


# Budgets of DESIGN.md and issue 6 (they hold at 1,000,000 tickets; the ratios at 100,000).
LATENCY_BUDGET_MS = 100.0
DASHBOARD_BUDGET_MS = 500.0
LATENCY_BUDGETS_MS = {
    **dict.fromkeys(
        ("queue", "ticket_page", "api_list", "search", "api_search"), LATENCY_BUDGET_MS
    ),
    **dict.fromkeys(("sla_compliance", "voice_team"), DASHBOARD_BUDGET_MS),
}
CREATION_BUDGET_RPS = 300.0
READ_RATIO_BUDGET = 10.0
CREATION_RATIO_BUDGET = 3.0


def budgets(results: dict[str, Any]) -> list[dict[str, Any]]:
    """Each budget with the figure measured in this run and whether it is met."""
    rows: list[dict[str, Any]] = []
    endpoints = results["allie"]["endpoints"]
    for name, budget in LATENCY_BUDGETS_MS.items():
        if name in endpoints:
            value = endpoints[name]["p95_ms"]
            rows.append(
                {
                    "budget": f"{endpoints[name]['label']}: p95 under {budget:.0f} ms",
                    "value": value,
                    "met": value < budget,
                }
            )
    if "api_create" in endpoints:
        value = endpoints["api_create"]["rps"]
        rows.append(
            {
                "budget": f"API ticket creation: {CREATION_BUDGET_RPS:.0f} req/s or more",
                "value": value,
                "met": value >= CREATION_BUDGET_RPS,
            }
        )
    duel = results.get("creation_duel")
    peer_endpoints = results.get("peer", {}).get("endpoints", {})
    for name, ratio in results.get("ratios", {}).items():
        creation = name.startswith("api_create")
        target = CREATION_RATIO_BUDGET if creation else READ_RATIO_BUDGET
        value = ratio["times_faster"]
        ours = endpoints[ratio.get("ours", name)]["label"]
        label = f"{ours}: {target:.0f}× the peer or more"
        if creation:
            label = f"{ours}: {target:.0f}× the peer's {peer_endpoints[ratio['peer']]['label']}"
        if name == "api_create" and duel is not None:
            # Judged on the rounds in alternation (creation_duel), not on runs minutes apart.
            value, label = duel["ratio_median"], f"{label} (median of rounds in turns)"
        if value is None:
            label = f"{label} ({ratio['basis']})"
        rows.append({"budget": label, "value": value, "met": value is not None and value >= target})
    return rows


# --- Output ---------------------------------------------------------------------------------


def progress_bar() -> Progress:
    return shared_progress_bar(console)


def show(results: dict[str, Any]) -> None:
    settings = results["settings"]
    title = (
        f"HTTP under load: {settings['tickets']:,} tickets on PostgreSQL, gunicorn 2 workers, "
        f"wrk {settings['connections']} connections × {settings['duration_s']} s"
    )
    table = Table(title=title)
    for column in (
        "system",
        "endpoint",
        "p50 ms",
        "p95 ms",
        "p99 ms",
        "req/s",
        "queries",
        "errors",
        "× faster",
    ):
        table.add_column(column, justify="left" if column in ("system", "endpoint") else "right")
    allie_ratios = results.get("ratios", {})
    for system, key in (("Allié", "allie"), ("peer", "peer")):
        if key not in results:
            continue
        for name, row in results[key]["endpoints"].items():
            ratio = allie_ratios.get(name, {}).get("times_faster") if key == "allie" else None
            table.add_row(
                system,
                row["label"],
                f"{row['p50_ms']:.1f}",
                f"{row['p95_ms']:.1f}",
                f"{row['p99_ms']:.1f}",
                f"{row['rps']:.1f}",
                str(row.get("queries", "?")),
                str(row["non2xx3xx"] + row["socket_errors"]),
                f"{ratio}" if ratio else "",
            )
    console.print(table)
    duel = results.get("creation_duel")
    if duel:
        turns = Table(title=f"Ticket creation in turns ({duel['seconds_per_turn']} s each), req/s")
        for column in ("round", "Allié", "peer", "× faster"):
            turns.add_column(column, justify="right")
        for number, item in enumerate(duel["rounds"], 1):
            turns.add_row(
                str(number), f"{item['allie']:.1f}", f"{item['peer']:.1f}", str(item["ratio"])
            )
        turns.add_row(
            "median",
            f"{duel['allie_rps_median']:.1f}",
            f"{duel['peer_rps_median']:.1f}",
            str(duel["ratio_median"]),
        )
        console.print(turns)
    verdicts = Table(title="Budgets (they apply at 1,000,000 tickets; ratios at 100,000)")
    verdicts.add_column("budget")
    verdicts.add_column("this run", justify="right")
    verdicts.add_column("met", justify="center")
    for row in results.get("budgets", []):
        shown = "—" if row["value"] is None else str(row["value"])
        verdicts.add_row(row["budget"], shown, "yes" if row["met"] else "[red]no[/red]")
    console.print(verdicts)
    for note in results["allie"].get("notes", []):
        console.print(f"Note: {note}")

    seeding = results["allie"]["seeding"]
    facts = Table(title="Seeding and in-process figures")
    facts.add_column("measure")
    facts.add_column("value", justify="right")
    facts.add_row(
        "Allié seeding",
        f"{seeding['tickets']:,} tickets, {seeding['timeline_events']:,} events, "
        f"{seeding['deadlines']:,} deadlines, {seeding.get('surveys', 0):,} surveys "
        f"in {seeding['tickets_s']} s "
        f"({seeding['tickets_per_s']:,} tickets/s)",
    )
    if "peer" in results:
        peer = results["peer"]["seeding"]
        facts.add_row(
            "peer seeding",
            f"{peer['tickets']:,} tickets, {peer['followups']:,} follow-ups in {peer['seed_s']} s "
            f"({peer['tickets_per_s']:,} tickets/s)",
        )
    sweep = results["in_process"].get("sweep")
    if sweep:
        facts.add_row(
            f"deadline sweep: {sweep['data']['open_tickets']:,} open tickets, "
            f"{sweep['data']['due_deadlines_per_sweep']} due",
            f"select {sweep['select_due']['median_ms']} ms, sweep {sweep['sweep']['median_ms']} ms "
            f"({sweep['sweep']['queries_per_deadline']} queries/deadline)",
        )
    mail = results["in_process"].get("mail_intake")
    if mail:
        facts.add_row(
            f"email intake: {mail['messages']['total']} messages",
            f"{mail['intake']['messages_per_second']} messages/s "
            f"(median {mail['intake']['median_ms']} ms)",
        )
    for phase, seconds in results["phases_s"].items():
        facts.add_row(f"time: {phase}", f"{seconds} s")
    console.print(facts)


def machine(server: str) -> dict[str, Any]:
    with psycopg.connect(server) as pg:
        row = pg.execute("SHOW server_version").fetchone()
    processor = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                processor = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    wrk = (
        subprocess.run(  # noqa: S603
            [shutil.which("wrk") or "wrk", "--version"], capture_output=True, text=True, check=False
        )
        if shutil.which("wrk")
        else None
    )
    return {
        "cpus": os.cpu_count(),
        "processor": processor,
        "python": platform.python_version(),
        "postgresql": row[0] if row else "?",
        "wrk": (wrk.stdout or wrk.stderr).split("\n")[0] if wrk else None,
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
    }


if __name__ == "__main__":
    sys.exit(main())
