"""Seed the django-helpdesk peer with the bench's volume, fast (bulk_create).

Run by bench/run.py with the peer's own interpreter, from bench/peer/:
    PEER_DATABASE_URL=... python seed.py N

Migrates, then creates 5 queues, 50 staff, 5,000 requesters and N tickets with 3 follow-ups
each (opening message, agent reply, closing or internal note): the shape of the team's peer
harness (../shared/bench/peer/seed.py). Prints "progress <tickets done>" lines on standard
error and one JSON line of timings on standard output. Deterministic (random seed 42).
"""

from __future__ import annotations

import json
import os
import random
import sys
import time
from datetime import timedelta

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peerdesk.settings")
django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.auth.hashers import make_password  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402
from helpdesk.models import FollowUp, Queue, Ticket, UserSettings  # noqa: E402

STAFF, REQUESTERS = 50, 5000
BATCH = 5000
QUEUES = [
    ("Workstation & printing", "workstation"),
    ("Accounts & access", "access"),
    ("Network & VPN", "network"),
    ("Business applications", "apps"),
    ("Purchasing & onboarding", "onboarding"),
]
SUBJECTS = [
    "Printer not printing",
    "VPN disconnects every hour",
    "Outlook crashes on startup",
    "Password reset needed",
    "New laptop request",
    "Cannot access shared drive",
    "Teams audio is choppy",
    "Screen flickers on docking station",
    "SAP login fails",
    "Wi-Fi drops in meeting room",
    "Request admin rights for install",
    "Phone not syncing mail",
    "Excel macro error",
    "Badge does not open door",
    "Slow computer after update",
    "Onboarding new employee",
    "Licence request for Visio",
    "Email bounced from customer",
    "Invoice PDF will not open",
    "Keyboard replacement",
]
PLACES = [
    "floor 1",
    "floor 2",
    "floor 3",
    "Lyon office",
    "Paris HQ",
    "remote",
    "warehouse",
    "meeting room B",
    "accounting",
    "sales team",
]
SENTENCES = [
    "It started this morning after the update.",
    "Several colleagues have the same problem.",
    "I already restarted the computer twice.",
    "This blocks me from closing the month.",
    "The error message says access denied.",
    "It worked fine yesterday afternoon.",
    "Could someone call me back before noon?",
    "I attached a screenshot of the error.",
    "The issue happens only when connected to the docking station.",
    "Our customer is waiting for this document.",
    "Please treat this as urgent.",
    "No rush, whenever you have time this week.",
]
REPLIES = [
    "Thanks, we are looking into it and will update you within the hour.",
    "Could you tell us the asset tag written under the device?",
    "We pushed a fix to your machine; please restart and confirm.",
    "Escalated to the network team, they will contact you today.",
    "Replaced the toner and cleared the queue on the print server.",
    "Your account was unlocked and the password reset link sent.",
]


def main(count: int) -> dict[str, object]:
    rnd = random.Random(42)  # noqa: S311 (benchmark data)
    timings: dict[str, object] = {}
    started = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    timings["migrate_s"] = round(time.perf_counter() - started, 2)
    user_model = get_user_model()
    if Ticket.objects.exists():
        raise SystemExit("database already seeded; use a fresh one")
    # Auto timestamps would overwrite the spread-out dates.
    for field in Ticket._meta.fields:
        if field.name in ("created", "modified"):
            field.auto_now = field.auto_now_add = False

    seed_started = time.perf_counter()
    with transaction.atomic():
        queues = [
            Queue.objects.create(
                title=title,
                slug=slug,
                email_address=f"{slug}@desk.example",
                allow_public_submission=True,
                allow_email_submission=False,
            )
            for title, slug in QUEUES
        ]
        password = make_password("bench-password")
        staff = [
            user_model(
                username=f"staff{i:02d}",
                email=f"staff{i:02d}@desk.example",
                first_name=f"Agent{i:02d}",
                last_name="Desk",
                is_staff=True,
                password=password,
            )
            for i in range(1, STAFF + 1)
        ]
        requesters = [
            user_model(
                username=f"user{i:05d}",
                email=f"user{i:05d}@client.example",
                first_name=f"Client{i:05d}",
                last_name="Org",
                password=password,
            )
            for i in range(1, REQUESTERS + 1)
        ]
        user_model.objects.bulk_create(staff + requesters, batch_size=BATCH)
        staff_ids = list(
            user_model.objects.filter(is_staff=True).order_by("id").values_list("id", flat=True)
        )
        # bulk_create skips the post_save signal that normally creates these.
        UserSettings.objects.bulk_create(
            [UserSettings(user_id=pk) for pk in user_model.objects.values_list("id", flat=True)],
            batch_size=BATCH,
            ignore_conflicts=True,
        )
    emails = [f"user{i:05d}@client.example" for i in range(1, REQUESTERS + 1)]
    now = timezone.now()
    done = 0
    while done < count:
        size = min(BATCH, count - done)
        tickets = []
        for _ in range(size):
            created = now - timedelta(seconds=rnd.uniform(0, 365 * 86400))
            modified = min(now, created + timedelta(seconds=rnd.uniform(600, 10 * 86400)))
            status = rnd.choices([1, 2, 3, 4], [30, 5, 15, 50])[0]
            tickets.append(
                Ticket(
                    title=f"{rnd.choice(SUBJECTS)} ({rnd.choice(PLACES)})",
                    queue=rnd.choice(queues),
                    created=created,
                    modified=modified,
                    submitter_email=rnd.choice(emails),
                    assigned_to_id=None if rnd.random() < 0.2 else rnd.choice(staff_ids),
                    status=status,
                    description=" ".join(rnd.sample(SENTENCES, 3)),
                    resolution=rnd.choice(REPLIES) if status in (3, 4) else None,
                    priority=rnd.choices([1, 2, 3, 4, 5], [5, 15, 50, 20, 10])[0],
                    due_date=created + timedelta(days=3) if rnd.random() < 0.5 else None,
                )
            )
        with transaction.atomic():
            Ticket.objects.bulk_create(tickets, batch_size=BATCH)
            followups = []
            for ticket in tickets:
                agent = ticket.assigned_to_id or rnd.choice(staff_ids)
                closing = ticket.status in (3, 4)
                followups += [
                    FollowUp(
                        ticket_id=ticket.id,
                        date=ticket.created + timedelta(minutes=5),
                        title="Ticket Opened",
                        comment=ticket.description,
                        public=True,
                    ),
                    FollowUp(
                        ticket_id=ticket.id,
                        date=ticket.created + (ticket.modified - ticket.created) / 2,
                        title="Comment",
                        comment=rnd.choice(REPLIES),
                        public=True,
                        user_id=agent,
                    ),
                    FollowUp(
                        ticket_id=ticket.id,
                        date=ticket.modified,
                        title="Resolved" if closing else "Internal note",
                        comment=ticket.resolution if closing else rnd.choice(SENTENCES),
                        public=closing,
                        user_id=agent,
                        new_status=ticket.status if closing else None,
                    ),
                ]
            FollowUp.objects.bulk_create(followups, batch_size=BATCH)
        done += size
        print(f"progress {done}", file=sys.stderr, flush=True)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    seconds = time.perf_counter() - seed_started
    timings.update(
        seed_s=round(seconds, 2),
        tickets=count,
        followups=FollowUp.objects.count(),
        users=user_model.objects.count(),
        tickets_per_s=round(count / seconds, 1),
    )
    return timings


if __name__ == "__main__":
    print(json.dumps(main(int(sys.argv[1]))))
