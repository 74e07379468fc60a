"""Kill the deadline worker in the middle of a sweep: after a restart, nothing lost, nothing twice.

Real processes and real commits: the tickets are opened, the deadlines swept and the result read
by separate Python processes (`allie sweep_deadlines` for the sweeps), against the suite's
PostgreSQL test database when DATABASE_URL points at PostgreSQL, else against a SQLite file
migrated for the test (the suite's own SQLite database lives in memory, out of their reach).
The first worker sweeps in batches of BATCH deadlines (one transaction each) and is killed with
SIGKILL inside a batch: the deadlines of that batch have their effects written, not committed.
"""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.db import connection

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

MONTREAL = ZoneInfo("America/Toronto")
OPENED = datetime(2026, 3, 2, 9, 0, tzinfo=MONTREAL)  # an ordinary Monday
# Four weeks on, every clock of a P4 ticket has passed 50, 75, 90 and 100 %: 12 due deadlines.
SWEEP_AT = OPENED + timedelta(days=28)
TICKETS = 17  # 204 due deadlines
BATCH = 5  # deadlines committed together
KILL_AT = 8  # the worker dies while handling its 8th deadline, in its second batch
# The worker pauses this long after each deadline's effect: the kill, sent as soon as the worker
# says it is inside its KILL_AT-th deadline, lands there even on a busy machine.
LINGER = "0.5"
STEP_TIMEOUT = 60.0


# --- Run in the worker-side processes (python -c), never in the test process ----------------


def seed(tickets: int) -> None:
    """Open `tickets` P4 tickets at OPENED through the service, which plans their deadlines."""
    from allie.tickets.services import open_ticket
    from tests.factories import OrganisationFactory, UserFactory

    requester = UserFactory(organisation=OrganisationFactory(name="Panne générale"))
    for number in range(tickets):
        open_ticket(requester=requester, title=f"Panne {number}", now=OPENED)


def report() -> None:
    """Print the deadlines, their SLA timeline entries and the escalations as JSON."""
    from allie.escalations.models import Escalation
    from allie.sla.models import Deadline
    from allie.tickets.models import TimelineEvent

    deadlines = [
        {
            "id": row.pk,
            "ticket": row.ticket_id,
            "clock": row.clock,
            "cycle": row.cycle,
            "threshold": row.threshold,
            "due": row.due_at <= SWEEP_AT,
            "handled": row.handled_at is not None,
            "outcome": row.outcome,
        }
        for row in Deadline.objects.order_by("pk")
    ]
    entries = TimelineEvent.objects.filter(
        kind=TimelineEvent.Kind.SYSTEM, data__sla__in=["warning", "breach"]
    )
    events = [
        {"ticket": event.ticket_id, **{key: event.data.get(key) for key in EVENT_KEYS}}
        for event in entries.order_by("pk")
    ]
    escalations = list(Escalation.objects.values_list("ticket_id", "level", "clock", "threshold"))
    print(json.dumps({"deadlines": deadlines, "events": events, "escalations": escalations}))


EVENT_KEYS = ("sla", "clock", "cycle", "threshold")


# --- The test side ---------------------------------------------------------------------------


@dataclass
class Worker:
    """A running `allie sweep_deadlines` process whose output lines are read as they come."""

    process: subprocess.Popen[str]
    lines: queue.Queue[str] = field(default_factory=queue.Queue)
    handling: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line.strip())
        self.lines.put("")  # end of output

    def wait_until_handling(self, count: int) -> int:
        """Wait until the worker is inside its `count`-th deadline; return that deadline's id."""
        while len(self.handling) < count:
            line = self.lines.get(timeout=STEP_TIMEOUT)
            assert line, f"the worker ended early: {self.stderr()}"
            if line.startswith("handling "):
                self.handling.append(int(line.split()[1]))
        return self.handling[count - 1]

    def kill(self) -> list[int]:
        """Kill the worker; return the deadlines it said it was handling, in order."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=STEP_TIMEOUT)
        while (line := self.lines.get(timeout=STEP_TIMEOUT)) != "":
            if line.startswith("handling "):
                self.handling.append(int(line.split()[1]))
        return self.handling

    def finish(self) -> int:
        """Wait for the sweep to end; return how many deadlines this worker handled."""
        self.process.wait(timeout=STEP_TIMEOUT)
        assert self.process.returncode == 0, self.stderr()
        while (line := self.lines.get(timeout=STEP_TIMEOUT)) != "":
            if line.startswith("handling "):
                self.handling.append(int(line.split()[1]))
            elif line.startswith("handled "):
                handled = int(line.split()[1])
        return handled

    def stderr(self) -> str:
        return self.process.stderr.read() if self.process.stderr else ""


@dataclass
class WorkerDatabase:
    """A database that worker processes and the test share, with ways to act on it."""

    env: dict[str, str]

    def python(self, call: str) -> str:
        """Run `call` (a call of this module's functions) in a fresh Django process."""
        code = (
            "import django; django.setup(); "
            f"from allie.sla.tests.test_sweeper_crash import *; {call}"
        )
        done = subprocess.run(  # noqa: S603 (our interpreter, our code)
            [sys.executable, "-c", code],
            cwd=settings.BASE_DIR,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=STEP_TIMEOUT,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    def seed(self, tickets: int) -> None:
        self.python(f"seed({tickets})")

    def report(self) -> dict[str, Any]:
        return json.loads(self.python("report()"))  # type: ignore[no-any-return]

    def start_sweeper(self, *options: str) -> Worker:
        process = subprocess.Popen(  # noqa: S603 (our interpreter and command)
            [
                sys.executable,
                "manage.py",
                "sweep_deadlines",
                "--now",
                SWEEP_AT.isoformat(),
                *options,
            ],
            cwd=settings.BASE_DIR,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        return Worker(process)


def prepare_worker_database(tmp_path: Path) -> WorkerDatabase:
    """Point worker processes at the suite's PostgreSQL test database, or at a fresh SQLite file.

    Call it from a `django_db(transaction=True)` test: what the workers commit is then really
    committed, and the suite's test database is emptied afterwards.
    """
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "ALLIE_VAR_DIR": str(tmp_path),
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "DATABASE_CONN_MAX_AGE": "0",
    }
    env.pop("ALLIE_TESTING", None)  # the workers run with the production settings
    if connection.vendor == "postgresql":
        db = connection.settings_dict
        credentials = quote(db["USER"] or "", safe="")
        if db["PASSWORD"]:
            credentials += ":" + quote(db["PASSWORD"], safe="")
        host = f"{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
        env["DATABASE_URL"] = f"postgres://{credentials}@{host}/{db['NAME']}"
        return WorkerDatabase(env)
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'allie.sqlite3'}"
    migrated = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--no-input", "-v", "0"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=STEP_TIMEOUT,
        check=False,
    )
    assert migrated.returncode == 0, migrated.stderr
    return WorkerDatabase(env)


def assert_each_due_deadline_handled_once(state: dict[str, Any]) -> None:
    """Every due deadline is handled, with one timeline entry saying so, and no escalation twice."""
    deadlines = state["deadlines"]
    assert all(row["due"] and row["handled"] for row in deadlines)
    for row in deadlines:
        assert row["outcome"] == ("breach" if row["threshold"] == 100 else "warning")
    expected = Counter(
        (row["ticket"], row["outcome"], row["clock"], row["cycle"], row["threshold"])
        for row in deadlines
    )
    written = Counter(
        (event["ticket"], *(event[key] for key in EVENT_KEYS)) for event in state["events"]
    )
    assert written == expected  # the same entries, each once
    assert max(written.values()) == 1
    raised = Counter((ticket, level) for ticket, level, _clock, _threshold in state["escalations"])
    assert raised  # the ladder ran
    assert max(raised.values()) == 1  # each level once per ticket


def handled(state: dict[str, Any]) -> list[int]:
    return [row["id"] for row in state["deadlines"] if row["handled"]]


@pytest.fixture
def worker_db(tmp_path: Path) -> WorkerDatabase:
    return prepare_worker_database(tmp_path)


def test_a_worker_killed_mid_sweep_loses_no_deadline_and_repeats_none(worker_db):
    worker_db.seed(TICKETS)
    due = TICKETS * 12
    worker = worker_db.start_sweeper("--linger", LINGER, "--batch", str(BATCH))
    worker.wait_until_handling(KILL_AT)  # that deadline's effect is written, not committed

    started = worker.kill()
    halfway = worker_db.report()
    restarted = worker_db.start_sweeper().finish()

    # The kill rolled back the batch in flight with its timeline entries; the batches before it
    # stand, whole.
    in_flight = started[-1]
    committed = started[: (len(started) - 1) // BATCH * BATCH]
    assert len(started) >= KILL_AT
    assert committed  # the first batch committed before the kill
    assert handled(halfway) == sorted(committed)
    assert len(halfway["events"]) == len(committed)
    assert in_flight not in handled(halfway)
    # The restarted worker handled exactly the rest, the one in flight included.
    assert restarted == due - len(committed)
    final = worker_db.report()
    assert len(final["deadlines"]) == due
    assert len(handled(final)) == due
    assert_each_due_deadline_handled_once(final)
