"""Commitments figures per agent, team and organisation, against a hand count."""

from __future__ import annotations

import pytest

from allie.tickets.services import open_ticket
from allie.voice.selectors import commitment_figures
from allie.voice.services import break_overdue, make_commitment, mark_broken, mark_kept, renegotiate
from tests.factories import AgentFactory

from .conftest import at

PERIOD = (at(days=0), at(days=7))  # Monday 9:00 to the next Monday 9:00


@pytest.fixture
def ledger(desk, ticket, promise):
    """A week of promises, counted by hand below.

    agathe (Soutien, Finances): kept 2, renegotiated 1 (its replacement is due after the
    period), broken 1 by the sweep, and 1 still open past due (counts as broken).
    bruno (Soutien, Finances): kept 1, broken 1 by hand, 1 open not yet due (not counted).
    chloe (Clients, Clinique Lavoie): kept 1, and 1 due after the period (not counted).
    """
    agathe, bruno, chloe = desk.person("agathe"), desk.person("bruno"), desk.person("chloe")
    mark_kept(promise(4), by=agathe, now=at(3))
    mark_kept(promise(30), by=bruno, now=at(20))  # a colleague marks agathe's promise kept
    renegotiate(promise(50), by=agathe, new_due_at=at(days=9), client_told=True, now=at(40))
    promise(10)
    break_overdue(now=at(11))
    promise(100)  # still open, past due at the time of the figures (day 5)
    mark_kept(promise(20, by="bruno"), by=bruno, now=at(19))
    mark_broken(promise(60, by="bruno"), by=bruno, now=at(59))
    promise(150, by="bruno")  # open, due after "now"
    clinic = {"organisation": desk.clinic, "ticket": None, "to_name": "Dre Lavoie"}
    mark_kept(promise(24, by="chloe", **clinic), by=chloe, now=at(23))
    promise(24 * 8, by="chloe", **clinic)


def as_table(rows):
    return {
        row.name: (row.tally.kept, row.tally.renegotiated, row.tally.broken, row.kept_percent)
        for row in rows
    }


def test_figures_per_agent_agree_with_a_hand_count(ledger):
    rows = commitment_figures(*PERIOD, by="agent", now=at(days=5))

    assert as_table(rows) == {
        "Agathe Tremblay": (2, 1, 2, 60.0),
        "Bruno Gagnon": (1, 0, 1, 50.0),
        "Chloé Roy": (1, 0, 0, 100.0),
    }


def test_figures_per_team_agree_with_a_hand_count(ledger):
    rows = commitment_figures(*PERIOD, by="team", now=at(days=5))

    assert as_table(rows) == {"Clients": (1, 0, 0, 100.0), "Soutien": (3, 1, 3, 57.1)}


def test_figures_per_organisation_agree_with_a_hand_count(ledger):
    rows = commitment_figures(*PERIOD, by="organisation", now=at(days=5))

    assert as_table(rows) == {"Clinique Lavoie": (1, 0, 0, 100.0), "Finances": (3, 1, 3, 57.1)}


def test_figures_count_only_what_the_reader_may_see(desk, ledger):
    lea = commitment_figures(*PERIOD, by="organisation", user=desk.person("lea"), now=at(days=5))
    admin = commitment_figures(
        *PERIOD, by="organisation", user=desk.person("admin"), now=at(days=5)
    )

    assert set(as_table(lea)) == {"Finances"}
    assert set(as_table(admin)) == {"Finances", "Clinique Lavoie"}


def test_figures_cover_only_commitments_due_in_the_period(ledger):
    rows = commitment_figures(at(days=8), at(days=10), by="agent", now=at(days=5))

    # The renegotiated promise's replacement (day 9) is open and not yet due: counted nowhere.
    assert as_table(rows) == {"Agathe Tremblay": (0, 0, 0, None), "Chloé Roy": (0, 0, 0, None)}


def test_an_unknown_grouping_is_refused(db):
    with pytest.raises(ValueError, match="Unknown grouping"):
        commitment_figures(*PERIOD, by="service")


def test_a_commitment_without_a_team_is_grouped_under_no_team(desk):
    admin = desk.person("admin")
    made = make_commitment(
        by=admin, organisation=desk.other, to_name="Oscar", what="x", due_at=at(2), now=at()
    )
    mark_kept(made, by=admin, now=at(1))

    rows = commitment_figures(*PERIOD, by="team", now=at(days=5))

    assert as_table(rows) == {"": (1, 0, 0, 100.0)}


def test_requesters_see_the_public_commitments_of_their_tickets_only(desk, ticket, promise):
    from allie.voice.models import Commitment

    public = promise(10, is_public=True)
    promise(20)  # internal: no requester sees it
    promise(30, is_public=True, ticket=None, organisation=desk.finances, to_name="Carole")
    bob = open_ticket(requester=desk.person("bob"), title="Écran", service=desk.service, now=at())
    bobs = promise(40, is_public=True, ticket=bob)

    def seen(name):
        return set(Commitment.objects.visible_to(desk.person(name)))

    assert seen("alice") == {public}
    assert seen("bob") == {bobs}
    assert seen("carole") == {public, bobs}  # Finances' contact: all of its tickets
    assert seen("oscar") == set()
    assert len(seen("agathe")) == 4  # all of a served organisation's
    assert seen("chloe") == set()


def test_an_agent_sees_the_public_commitments_of_a_ticket_they_requested(desk, ticket, promise):
    from allie.voice.models import Commitment

    # An agent of Finances in no team: Finances' tickets are not theirs to see.
    colleague = AgentFactory(email="denis@finances.test", organisation=desk.finances)
    own = open_ticket(requester=colleague, title="Mon poste", service=desk.service, now=at())
    public = promise(10, is_public=True, ticket=own)
    promise(20, ticket=own)
    promise(30, is_public=True)  # alice's

    assert set(Commitment.objects.visible_to(colleague)) == {public}
