"""Benchmark email intake on PostgreSQL: messages per second, parsed, threaded and stored.

    .venv/bin/python bench/mail_intake.py [--messages 1200] [--requesters 200] [--processes 2]

It creates a database of its own (`allie_bench_mail` on the local server; BENCH_PG_URL names
the server, default postgres://postgres@127.0.0.1:5432/postgres), migrates it, creates one
organisation with its requesters, a team, a service and a mailbox, then generates realistic
mail in memory and runs every message through `allie.mail.services.intake.receive_message`,
exactly as the IMAP poller does (raw bytes written to disk, row stored, then processed):

- new requests (plain text, HTML with a text alternative, some with a small attachment);
- replies threaded by In-Reply-To and by the reference in the subject, with quoted history;
- agents' replies by email;
- auto-replies (ignored) and mail from unknown senders (created as requesters).

With `--processes N`, N forked workers run at once on the same database, each with its own
mailbox and share of the requesters, and the rate is every message over the wall-clock time.
The target is at least 50 messages per second on 2 cores. It prints the figures, the queries
per message by outcome, writes bench/results/mail_intake.json and drops the database.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import statistics
import sys
import tempfile
import time
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "mail_intake.json"
sys.path.insert(0, str(ROOT))

from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402
from sweep import create_database, database_url, drop_database, machine  # noqa: E402

console = Console()
START = datetime(2026, 6, 1, 13, 0, tzinfo=UTC)
TARGET = 50.0
POLL_BATCH = 20  # messages the IMAP poller fetches at a time (imap.BATCH_SIZE)
SUBJECTS = [
    "Imprimante du 3e étage bloquée",
    "Accès VPN refusé depuis la maison",
    "Écran noir au démarrage",
    "Nouveau portable pour une arrivée lundi",
    "Mot de passe expiré",
    "Le courriel ne se synchronise plus",
    "Accès au dossier partagé des Finances",
    "Shared drive is read-only",
    "Teams crashes when sharing my screen",
    "Licence Office à renouveler",
]
BODIES = [
    "Bonjour,\n\nDepuis ce matin, {thing}. J’ai déjà redémarré le poste.\n\n"
    "Merci de votre aide,\n{name}",
    "Hello,\n\nSince this morning {thing}. I already restarted.\n\nThanks,\n{name}",
]
THINGS = [
    "rien ne s’imprime",
    "la connexion coupe toutes les cinq minutes",
    "l’écran reste noir",
    "le logiciel refuse de s’ouvrir",
    "nothing works as expected",
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=1200, help="messages to run through")
    parser.add_argument("--requesters", type=int, default=200, help="known requesters")
    parser.add_argument("--database", default="allie_bench_mail", help="database to create")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--seed", type=int, default=4, help="random seed")
    parser.add_argument(
        "--processes",
        type=int,
        default=1,
        help="worker processes at once, each polling its own mailbox (the 2-core figure: 2)",
    )
    args = parser.parse_args()

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
    if results["intake"]["messages_per_second"] < TARGET:
        console.print(f"Under the target of {TARGET:.0f} messages per second.", style="bold red")
        sys.exit(1)


def run(url: str, args: argparse.Namespace) -> dict[str, Any]:
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ.setdefault("ALLIE_VAR_DIR", tempfile.mkdtemp(prefix="allie-bench-"))
    os.environ["EMAIL_BACKEND"] = "django.core.mail.backends.locmem.EmailBackend"
    os.environ.pop("ALLIE_TESTING", None)
    import django

    django.setup()
    import logging

    from django.core.management import call_command

    # Each ignored message is logged at INFO: keep the figures readable.
    logging.getLogger("allie.mail.services.intake").setLevel(logging.WARNING)
    with console.status("Migrating"):
        call_command("migrate", verbosity=0)
    desk = seed(args.requesters, mailboxes=args.processes)
    command = "python bench/mail_intake.py"
    if args.processes > 1:
        return {
            "machine": machine(),
            "command": f"{command} --processes {args.processes}",
            **in_parallel(desk, args),
        }
    generator = Generator(desk, random.Random(args.seed))  # noqa: S311 - test data, not secrets
    figures = measure(generator, desk, args.messages)
    for raw in ("times", "wall", "warmup"):  # what the parallel run aggregates
        figures.pop(raw)
    return {"machine": machine(), "command": command, **figures}


def in_parallel(desk: dict[str, Any], args: argparse.Namespace) -> dict[str, Any]:
    """Run `--processes` workers at once, each with its own mailbox and share of requesters;
    the rate is every message handled over the wall-clock time from first start to last end."""
    import multiprocessing

    from django.db import connections

    connections.close_all()  # each forked worker opens its own connection
    context = multiprocessing.get_context("fork")
    start = context.Barrier(args.processes)
    results = context.Queue()
    workers = [
        context.Process(target=_worker, args=(number, desk, args, start, results))
        for number in range(args.processes)
    ]
    for worker in workers:
        worker.start()
    parts = [results.get(timeout=3600) for _worker in workers]
    for worker in workers:
        worker.join()
    handled = sum(part["messages"]["total"] + part["warmup"] for part in parts)
    wall = max(part["wall"][1] for part in parts) - min(part["wall"][0] for part in parts)
    per_message = sorted(value for part in parts for value in part["times"])
    outcomes: Counter[str] = Counter()
    for part in parts:
        outcomes.update(part["messages"]["by_outcome"])
    return {
        "processes": args.processes,
        "messages": {"total": handled, "by_outcome": dict(outcomes)},
        "intake": {
            "wall_seconds": round(wall, 2),
            "messages_per_second": round(handled / wall, 1),
            "median_ms": round(statistics.median(per_message) * 1000, 2),
            "p95_ms": round(per_message[int(0.95 * (len(per_message) - 1))] * 1000, 2),
        },
        "queries_per_message": parts[0]["queries_per_message"],
    }


def _worker(
    number: int, desk: dict[str, Any], args: argparse.Namespace, start: Any, out: Any
) -> None:
    share = {
        "people": desk["people"][number :: args.processes],
        "agents": desk["agents"],
        "mailbox": desk["mailboxes"][number],
    }
    rng = random.Random(args.seed + number)  # noqa: S311 - test data, not secrets
    generator = Generator(share, rng, stranger_prefix=f"inconnu{number}-")
    start.wait()
    out.put(measure(generator, share, args.messages // args.processes))


def seed(requesters: int, *, mailboxes: int = 1) -> dict[str, Any]:
    from allie.accounts.models import Organisation, Role, Team, User, UserRole
    from allie.catalog.models import Service
    from allie.mail.models import Mailbox, UnknownSenderPolicy

    organisation = Organisation.objects.create(name="Banc d'essai")
    agents = []
    for n in range(5):
        agent = User.objects.create(
            username=f"agent{n}@desk.bench", email=f"agent{n}@desk.bench", full_name=f"Agent {n}"
        )
        UserRole.objects.create(user=agent, role=Role.AGENT)
        agents.append(agent)
    team = Team.objects.create(name="Soutien")
    team.members.add(*agents)
    team.serves.add(organisation)
    service = Service.objects.create(
        code="general", name_fr="Soutien général", name_en="General support", owner_team=team
    )
    people = User.objects.bulk_create(
        [
            User(
                username=f"person{n}@client.bench",
                email=f"person{n}@client.bench",
                full_name=f"Personne {n}",
                organisation=organisation,
            )
            for n in range(requesters)
        ]
    )
    boxes = [
        Mailbox.objects.create(
            name=f"Soutien {n}" if n else "Soutien",
            address=f"soutien{n}@desk.bench" if n else "soutien@desk.bench",
            host="127.0.0.1",
            username=f"soutien{n}",
            organisation=organisation,
            service=service,
            unknown_senders=UnknownSenderPolicy.CREATE,
        )
        for n in range(mailboxes)
    ]
    return {"people": people, "agents": agents, "mailbox": boxes[0], "mailboxes": boxes}


class Generator:
    """Realistic mail, some of it answering mail already received (known once it is stored)."""

    def __init__(
        self, desk: dict[str, Any], rng: random.Random, *, stranger_prefix: str = "inconnu"
    ) -> None:
        self.stranger_prefix = stranger_prefix
        self.people = desk["people"]
        self.agents = desk["agents"]
        self.rng = rng
        self.count = 0
        self.threads: list[tuple[str, str, str, str]] = []  # (sender, message id, subject, ref)
        self.strangers = 0

    def next(self, moment: datetime) -> tuple[str, bytes]:
        self.count += 1
        roll = self.rng.random()
        if self.threads and roll < 0.25:
            return "reply_in_reply_to", self.reply(moment, by_subject=False)
        if self.threads and roll < 0.37:
            return "reply_subject", self.reply(moment, by_subject=True)
        if self.threads and roll < 0.45:
            return "agent_reply", self.agent_reply(moment)
        if roll < 0.55:
            return "auto_reply", self.auto_reply(moment)
        if roll < 0.60:
            self.strangers += 1
            return "unknown_sender", self.new(
                moment, f"{self.stranger_prefix}{self.strangers}@client.bench", track=False
            )
        person = self.rng.choice(self.people)
        return "new", self.new(moment, person.email, track=True)

    def _message(self, sender: str, subject: str, moment: datetime) -> EmailMessage:
        message = EmailMessage()
        message["From"] = sender
        message["To"] = "Soutien <soutien@desk.bench>"
        message["Subject"] = subject
        message["Date"] = format_datetime(moment)
        message["Message-ID"] = f"<bench-{self.count}.{self.rng.getrandbits(40):x}@client.bench>"
        return message

    def _text(self, sender: str) -> str:
        template = self.rng.choice(BODIES)
        return template.format(thing=self.rng.choice(THINGS), name=sender.partition("@")[0])

    def new(self, moment: datetime, sender: str, *, track: bool) -> bytes:
        subject = self.rng.choice(SUBJECTS)
        message = self._message(sender, subject, moment)
        text = self._text(sender)
        message.set_content(text)
        if self.rng.random() < 0.4:
            html = "<html><body>" + "".join(f"<p>{line}</p>" for line in text.splitlines())
            message.add_alternative(html + "</body></html>", subtype="html")
        if self.rng.random() < 0.3:
            message.add_attachment(
                self.rng.randbytes(self.rng.randint(2_000, 60_000)),
                maintype="image",
                subtype="png",
                filename="capture d’écran.png",
            )
        if track:
            self.pending = (sender, message["Message-ID"], subject)
        else:
            self.pending = None
        return message.as_bytes()

    def stored(self, result: Any) -> None:
        """Remember new tickets so that later messages can answer them."""
        pending = getattr(self, "pending", None)
        self.pending = None
        if pending and result.outcome == "opened":
            self.threads.append((*pending, result.ticket.reference))

    def reply(self, moment: datetime, *, by_subject: bool) -> bytes:
        sender, message_id, subject, reference = self.rng.choice(self.threads)
        message = self._message(sender, f"RE: [{reference}] {subject}", moment)
        if not by_subject:
            message["In-Reply-To"] = message_id
            message["References"] = message_id
        quoted = "\n".join(f"> {line}" for line in self._text(sender).splitlines())
        message.set_content(
            f"{self._text(sender)}\n\nLe 1 juin 2026 à 09:00, Soutien a écrit :\n{quoted}\n"
        )
        return message.as_bytes()

    def agent_reply(self, moment: datetime) -> bytes:
        _sender, message_id, subject, reference = self.rng.choice(self.threads)
        agent = self.rng.choice(self.agents)
        message = self._message(agent.email, f"RE: [{reference}] {subject}", moment)
        message["In-Reply-To"] = message_id
        message.set_content("Bonjour,\n\nPouvez-vous essayer de nouveau?\n\nAgent")
        return message.as_bytes()

    def auto_reply(self, moment: datetime) -> bytes:
        sender = self.rng.choice(self.people).email
        message = self._message(sender, "Réponse automatique : absent du bureau", moment)
        message["Auto-Submitted"] = "auto-replied"
        message.set_content("Je suis absent jusqu’au 15 juin.")
        return message.as_bytes()


def measure(generator: Generator, desk: dict[str, Any], count: int) -> dict[str, Any]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from allie.core.snapshot import reference_snapshot
    from allie.mail.services.intake import receive_message

    mailbox = desk["mailbox"]
    outcomes: Counter[str] = Counter()
    kinds: Counter[str] = Counter()
    times: list[float] = []
    queries: dict[str, list[int]] = defaultdict(list)
    warmup = 20
    wall_start = time.time()
    snapshot = contextlib.ExitStack()
    shown: set[str] = set()
    for n in range(count + warmup):
        moment = START + timedelta(seconds=3 * n)
        kind, raw = generator.next(moment)
        capture = n % 10 == 0  # a sample, counted apart from the timing
        if n % POLL_BATCH == 0:  # a poll's fetched batch reads the reference data once
            snapshot.close()
            snapshot.enter_context(reference_snapshot())
        started = time.perf_counter()
        if capture:
            with CaptureQueriesContext(connection) as context:
                result = receive_message(raw, mailbox=mailbox, uid=n + 1, uidvalidity=1, now=moment)
            queries[kind].append(len(context.captured_queries))
            if os.environ.get("BENCH_SHOW_QUERIES") and kind not in shown:
                shown.add(kind)
                console.print(f"[bold]{kind}[/]")
                for query in context.captured_queries:
                    console.print("  " + query["sql"][:160], markup=False, highlight=False)
        else:
            result = receive_message(raw, mailbox=mailbox, uid=n + 1, uidvalidity=1, now=moment)
        elapsed = time.perf_counter() - started
        generator.stored(result)
        if n < warmup:
            continue
        if not capture:
            times.append(elapsed)
        outcomes[result.outcome] += 1
        kinds[kind] += 1
    wall_end = time.time()
    snapshot.close()
    total = sum(times)
    rate = len(times) / total
    return {
        "messages": {"total": count, "by_kind": dict(kinds), "by_outcome": dict(outcomes)},
        "intake": {
            "timed_messages": len(times),
            "seconds": round(total, 2),
            "messages_per_second": round(rate, 1),
            "median_ms": round(statistics.median(times) * 1000, 2),
            "p95_ms": round(sorted(times)[int(0.95 * (len(times) - 1))] * 1000, 2),
        },
        "queries_per_message": {
            kind: round(statistics.mean(values), 1) for kind, values in sorted(queries.items())
        },
        "warmup": warmup,
        "wall": (wall_start, wall_end),
        "times": times,
    }


def show(results: dict[str, Any]) -> None:
    intake = results["intake"]
    table = Table(title="Email intake on PostgreSQL")
    table.add_column("measure")
    table.add_column("value", justify="right")
    table.add_row("messages", f"{results['messages']['total']:,}")
    for outcome, number in sorted(results["messages"]["by_outcome"].items()):
        table.add_row(f"… {outcome}", f"{number:,}")
    label = "messages per second"
    if results.get("processes", 1) > 1:
        label += f", {results['processes']} processes at once (wall clock)"
    table.add_row(label, f"{intake['messages_per_second']}")
    table.add_row("per message, median / p95", f"{intake['median_ms']} / {intake['p95_ms']} ms")
    for kind, number in results["queries_per_message"].items():
        table.add_row(f"SQL queries per message: {kind}", f"{number}")
    console.print(table)


if __name__ == "__main__":
    main()
