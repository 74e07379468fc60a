"""Two agents at the same instant: compare-and-set lets exactly one win (real commits)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from allie.accounts.models import User
from allie.tickets.models import Handoff, Ticket, TimelineEvent
from allie.tickets.services import (
    ServiceError,
    accept_handoff,
    acknowledge,
    open_ticket,
    propose_handoff,
)

pytestmark = [
    # serialized_rollback puts back the rows of data migrations (default policies, ladder).
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="real concurrent commits need PostgreSQL"
    ),
]


def race(*actions):
    """Run the actions in threads released together; return what each raised (or None)."""
    barrier = threading.Barrier(len(actions))
    outcomes = [None] * len(actions)

    def run(index, action):
        try:
            barrier.wait()
            action()
        except Exception as error:  # the outcome is what we assert on
            outcomes[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, a)) for i, a in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def test_two_agents_acknowledging_at_once_make_exactly_one_owner(desk):
    ticket = open_ticket(requester=desk.person("alice"), title="Course")

    def take(name):
        return lambda: acknowledge(
            Ticket.objects.get(pk=ticket.pk), by=User.objects.get(pk=getattr(desk, name).pk)
        )

    outcomes = race(take("agathe"), take("bruno"))

    assert sum(outcome is None for outcome in outcomes) == 1
    assert all(o is None or isinstance(o, ServiceError) for o in outcomes)
    ticket.refresh_from_db()
    assert ticket.owner_id in {desk.agathe.pk, desk.bruno.pk}
    assert ticket.events.filter(kind=TimelineEvent.Kind.OWNER_CHANGE).count() == 1


def test_a_team_handoff_accepted_by_two_members_at_once_has_one_new_owner(desk):
    ticket = open_ticket(requester=desk.person("alice"), title="Relève")
    acknowledge(ticket, by=desk.person("lea"))
    propose_handoff(ticket, by=desk.person("lea"), to_team=desk.support, reason="Vacances")

    def accept(name):
        return lambda: accept_handoff(
            Ticket.objects.get(pk=ticket.pk), by=User.objects.get(pk=getattr(desk, name).pk)
        )

    outcomes = race(accept("agathe"), accept("bruno"))

    assert sum(outcome is None for outcome in outcomes) == 1
    ticket.refresh_from_db()
    assert ticket.owner_id in {desk.agathe.pk, desk.bruno.pk}
    assert ticket.handoff_count == 1
    assert Handoff.objects.get().state == Handoff.State.ACCEPTED
