from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import translation

from allie.accounts.models import Organisation, User
from allie.demo import data
from allie.demo.builder import email_for
from allie.tickets.domain.reference import format_reference
from allie.tickets.models import Handoff, Status, Ticket, TimelineEvent


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """Load the demo once for the module, inside a transaction rolled back at the end."""
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("seed_demo", stdout=StringIO())
        yield
        transaction.set_rollback(True)


def test_the_demo_has_tickets_in_every_status(demo, db):
    statuses = set(Ticket.objects.values_list("status", flat=True))

    assert statuses == set(Status.values)
    assert 180 <= Ticket.objects.count() <= 220
    assert set(Handoff.objects.values_list("state", flat=True)) >= {
        "pending",
        "accepted",
        "declined",
    }
    assert Ticket.objects.filter(reopen_count__gt=0).exists()
    assert Ticket.objects.filter(resolved_at_first_contact=True).exists()


def test_every_worked_ticket_of_the_demo_has_an_owner(demo, db):
    ownerless = Ticket.objects.filter(owner__isnull=True).exclude(
        status__in=[Status.NEW, Status.DECLINED, Status.CANCELLED]
    )

    assert not ownerless.exists()
    assert not Ticket.objects.filter(status=Status.NEW, owner__isnull=False).exists()


def test_every_demo_timeline_starts_at_the_opening_and_goes_forward(demo, db):
    tickets = Ticket.objects.prefetch_related("events")

    for ticket in tickets:
        moments = [event.created_at for event in ticket.events.all()]
        assert moments[0] == ticket.created_at
        assert moments == sorted(moments)
        # SLA warnings and escalations (system events) may come after the last change.
        changes = [e.created_at for e in ticket.events.all() if e.kind != TimelineEvent.Kind.SYSTEM]
        assert changes[-1] == ticket.updated_at
        assert ticket.reference == format_reference(ticket.pk)


def test_declined_demo_tickets_give_a_reason_and_an_alternative(demo, db):
    declined = Ticket.objects.filter(status=Status.DECLINED)

    assert declined.exists()
    assert not declined.filter(decline_reason="").exists()
    assert not declined.filter(decline_alternative="").exists()


def test_the_demo_has_unowned_new_tickets_older_than_thirty_minutes(demo, db):
    from datetime import timedelta

    from django.utils import timezone

    old = Ticket.objects.filter(
        status=Status.NEW,
        owner__isnull=True,
        created_at__lt=timezone.now() - timedelta(minutes=30),
    )

    assert old.count() >= 3


def test_seed_demo_twice_creates_nothing_the_second_time(demo, db):
    before = (Ticket.objects.count(), User.objects.count(), TimelineEvent.objects.count())
    out = StringIO()

    with translation.override("en"):
        call_command("seed_demo", stdout=out)

    assert "already loaded" in out.getvalue()
    assert (Ticket.objects.count(), User.objects.count(), TimelineEvent.objects.count()) == before


def test_every_demo_person_signs_in_with_the_demo_password(demo, db):
    admin = User.objects.get(email=data.ADMIN_EMAIL)

    assert admin.check_password(data.DEMO_PASSWORD)
    assert admin.is_staff
    assert admin.is_administrator
    assert User.objects.filter(password=admin.password).count() == User.objects.count()
    assert Organisation.objects.filter(is_vip=True, kind="external").exists()


def test_demo_logins_lists_the_emails_and_the_password(demo, db):
    out = StringIO()

    call_command("demo_logins", stdout=out)

    text = out.getvalue()
    assert data.ADMIN_EMAIL in text
    for _role, name, domain in data.DEMO_LOGINS:
        assert email_for(name, domain) in text
    assert data.DEMO_PASSWORD in text
    assert "http://127.0.0.1:8000/" in text


def test_seed_reuses_the_demo_people_when_the_demo_is_loaded(demo, db):
    people = User.objects.count()

    call_command("seed", tickets=20, stdout=StringIO())

    assert User.objects.count() == people
    assert Ticket.objects.filter(organisation__name=data.IT_DEPARTMENT).count() == 0
