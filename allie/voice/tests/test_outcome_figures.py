"""Outcome figures per service, team and agent, against a hand count of a known week.

The week is described ticket by ticket in `outcome_week.week`; the expected figures below are
counted by hand from that description.
"""

from __future__ import annotations

from fractions import Fraction

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from allie.sla.calendars import clear_calendar_cache
from allie.voice.figures import outcome_figures, total

from .conftest import at
from .outcome_week import PERIOD, more_tickets
from .outcome_week import week as week_fixture

week = week_fixture  # the fixture, under its name here


def figures_of(tally):
    """The figures as exact fractions (None: nothing to count), for the hand count."""

    def exact(value, whole):
        return None if whole == 0 else Fraction(value, whole)

    return {
        "resolved": tally.resolved,
        "fcr": exact(tally.first_contact, tally.resolved),
        "reopened": exact(tally.reopened, tally.resolved),
        "handoffs": exact(tally.handoffs, tally.resolved),
        "response": exact(tally.surveys_answered, tally.surveys_sent),
        "csat": tally.csat,
        "ces": tally.ces,
        "follow_ups_on_time": exact(tally.follow_ups_on_time, tally.follow_ups_closed),
        "commitments": (
            tally.commitments.kept,
            tally.commitments.renegotiated,
            tally.commitments.broken,
        ),
        "kept": tally.commitments_kept_rate,
    }


# Counted by hand from the fixture's docstring.
AGATHE = {  # T1 to T5
    "resolved": 5,
    "fcr": Fraction(3, 5),  # T1 (phone), T2, T5
    "reopened": Fraction(1, 5),  # T4
    "handoffs": Fraction(1, 5),  # T5
    "response": Fraction(4, 5),  # T1 to T4 answered, T5 not
    "csat": 2 / 4,  # 5 and 4 satisfied; 2 and 1 not
    "ces": (5 + 4 + 2) / 3,
    "follow_ups_on_time": Fraction(1, 2),  # T3 on time, T4 late
    "commitments": (1, 0, 1),
    "kept": 1 / 2,
}
BRUNO = {  # T6, T7
    "resolved": 2,
    "fcr": Fraction(1, 2),  # T6
    "reopened": Fraction(0),
    "handoffs": Fraction(0),  # T5's handoff counts for its owner when resolved: agathe
    "response": Fraction(1, 2),
    "csat": 0.0,  # one answer, 3/5
    "ces": None,
    "follow_ups_on_time": None,
    "commitments": (0, 1, 0),
    "kept": 1.0,
}
CHLOE = {  # T10, T11
    "resolved": 2,
    "fcr": Fraction(1, 2),
    "reopened": Fraction(0),
    "handoffs": Fraction(0),
    "response": Fraction(1, 2),
    "csat": 1.0,
    "ces": 4.0,
    "follow_ups_on_time": None,
    "commitments": (1, 0, 0),
    "kept": 1.0,
}
SOUTIEN = {  # T1 to T7
    "resolved": 7,
    "fcr": Fraction(4, 7),
    "reopened": Fraction(1, 7),
    "handoffs": Fraction(1, 7),
    "response": Fraction(5, 7),
    "csat": 2 / 5,
    "ces": (5 + 4 + 2) / 3,
    "follow_ups_on_time": Fraction(1, 2),
    "commitments": (1, 1, 1),
    "kept": 2 / 3,
}
LAPTOP = {  # T1 to T6 (T7 has no service)
    **SOUTIEN,
    "resolved": 6,
    "fcr": Fraction(4, 6),
    "reopened": Fraction(1, 6),
    "handoffs": Fraction(1, 6),
    "response": Fraction(5, 6),
}
NO_SERVICE = {  # T7
    "resolved": 1,
    "fcr": Fraction(0),
    "reopened": Fraction(0),
    "handoffs": Fraction(0),
    "response": Fraction(0),
    "csat": None,
    "ces": None,
    "follow_ups_on_time": None,
    "commitments": (0, 0, 0),
    "kept": None,
}


def table(rows):
    return {row.name: figures_of(row.tally) for row in rows}


def assert_figures(actual, expected):
    assert actual.keys() == expected.keys()
    for name, figures in expected.items():
        for key, value in figures.items():
            assert actual[name][key] == pytest.approx(value), (name, key)


def test_figures_per_agent_agree_with_a_hand_count(week):
    rows = outcome_figures(*PERIOD, by="agent", now=at(days=5))

    assert_figures(
        table(rows), {"Agathe Tremblay": AGATHE, "Bruno Gagnon": BRUNO, "Chloé Roy": CHLOE}
    )


def test_figures_per_team_agree_with_a_hand_count(week):
    rows = outcome_figures(*PERIOD, by="team", now=at(days=5))

    assert_figures(table(rows), {"Soutien": SOUTIEN, "Clients": CHLOE})


def test_figures_per_service_agree_with_a_hand_count(week):
    rows = outcome_figures(*PERIOD, by="service", now=at(days=5))

    assert_figures(table(rows), {"Portable": LAPTOP, "RPV": CHLOE, "Aucun service": NO_SERVICE})
    assert rows[-1].key is None  # "no service" comes last


def test_the_team_is_the_sum_of_its_agents(week, desk):
    agents = outcome_figures(*PERIOD, by="agent", team_ids=[desk.support.pk], now=at(days=5))

    assert set(table(agents)) == {"Agathe Tremblay", "Bruno Gagnon"}
    assert_figures({"Soutien": figures_of(total(agents))}, {"Soutien": SOUTIEN})


def test_a_team_filter_leaves_out_other_teams(week, desk):
    rows = outcome_figures(*PERIOD, by="service", team_ids=[desk.clients.pk], now=at(days=5))

    assert_figures(table(rows), {"RPV": CHLOE})


def test_only_tickets_resolved_in_the_period_count(week):
    later = outcome_figures(at(days=7), at(days=8), by="agent", now=at(days=8))

    assert {row.name: row.tally.resolved for row in later} == {"Agathe Tremblay": 1}  # T9


def test_an_empty_period_gives_no_rows(week):
    assert outcome_figures(at(days=-30), at(days=-20), by="team") == []


def test_an_unknown_grouping_is_refused(db):
    with pytest.raises(ValueError, match="Unknown grouping"):
        outcome_figures(*PERIOD, by="organisation")


@pytest.mark.parametrize("by", ["service", "team", "agent"])
def test_the_figures_take_a_fixed_number_of_queries(week, desk, by):
    def measure():
        clear_calendar_cache()
        with CaptureQueriesContext(connection) as queries:
            rows = outcome_figures(*PERIOD, by=by, team_ids=[desk.support.pk], now=at(days=5))
        return len(queries), len(rows)

    small, small_rows = measure()
    more_tickets(desk, 6)
    large, large_rows = measure()

    assert small == large == 5  # tickets, surveys, follow-ups, commitments, names
    assert large_rows >= small_rows
