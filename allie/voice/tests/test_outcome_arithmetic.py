"""The pure arithmetic of the outcome figures (no database) and the charts' geometry."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from allie.voice.domain.commitments import Tally
from allie.voice.domain.outcomes import (
    OutcomeTally,
    TicketHistory,
    capped,
    expand,
    resolved_at_first_contact,
    tally_tickets,
)
from allie.voice.templatetags.outcomes import HEIGHT, LABEL_ROOM, VALUE_ROOM, bar_geometry

histories = st.builds(
    TicketHistory,
    resolved=st.booleans(),
    resolved_while_logged=st.booleans(),
    agent_public_replies=st.integers(0, 50),
    requester_replies=st.integers(0, 50),
    reopen_count=st.integers(0, 50),
)


@given(histories)
def test_capping_the_counts_never_changes_the_fcr_verdict(history):
    assert resolved_at_first_contact(capped(history)) == resolved_at_first_contact(history)


@given(st.lists(st.tuples(histories, st.integers(1, 5)), max_size=20))
def test_weighted_histories_count_as_the_tickets_one_by_one(weighted):
    one_by_one = [history for history, times in weighted for _ in range(times)]

    result = tally_tickets((history, times, 0) for history, times in weighted)

    verdicts = [resolved_at_first_contact(history) for history in one_by_one]
    assert result.resolved == sum(1 for verdict in verdicts if verdict is not None)
    assert result.first_contact == sum(1 for verdict in verdicts if verdict)


def test_a_ticket_not_resolved_is_left_out_with_its_handoffs():
    result = tally_tickets(
        [
            (TicketHistory(resolved=False, agent_public_replies=1), 3, 9),
            (TicketHistory(resolved=True, agent_public_replies=1, reopen_count=2), 2, 4),
        ]
    )

    assert (result.resolved, result.first_contact, result.reopened, result.handoffs) == (
        2,
        0,
        2,
        4,
    )
    assert result.handoffs_per_ticket == 2.0


def test_nothing_to_count_reads_as_no_data_never_zero():
    empty = OutcomeTally()

    assert empty.fcr_rate is None
    assert empty.reopen_rate is None
    assert empty.handoffs_per_ticket is None
    assert empty.csat is None
    assert empty.ces is None
    assert empty.response_rate is None
    assert empty.follow_ups_on_time_rate is None
    assert empty.commitments_kept_rate is None


def test_answers_counted_by_value_give_the_same_scores_as_the_answers():
    tally = OutcomeTally(csat_answers={5: 2, 4: 1, 2: 1}, ces_answers={5: 1, 3: 3})

    assert list(expand({5: 2, 3: 1})) == [3, 5, 5]
    assert tally.csat == 3 / 4
    assert tally.ces == (5 + 3 * 3) / 4


def test_tallies_add_up():
    left = OutcomeTally(
        resolved=2,
        first_contact=1,
        surveys_sent=2,
        surveys_answered=1,
        csat_answers={5: 1},
        commitments=Tally(kept=1),
    )
    right = OutcomeTally(
        resolved=1,
        reopened=1,
        handoffs=2,
        surveys_sent=1,
        csat_answers={5: 1, 1: 1},
        follow_ups_closed=1,
        commitments=Tally(broken=1, renegotiated=1),
    )

    both = left + right

    assert (both.resolved, both.first_contact, both.reopened, both.handoffs) == (3, 1, 1, 2)
    assert both.csat_answers == {5: 2, 1: 1}
    assert both.response_rate == 1 / 3
    assert both.follow_ups_on_time_rate == 0.0
    assert both.commitments == Tally(kept=1, renegotiated=1, broken=1)
    assert left.csat_answers == {5: 1}  # adding never changes either side


USABLE = HEIGHT - LABEL_ROOM - VALUE_ROOM


def test_bars_are_in_proportion_and_sit_on_the_baseline():
    bars = bar_geometry([("janv.", 0.5), ("févr.", 1.0), ("mars", None), ("avr.", 0.0)])

    assert [bar.height for bar in bars] == [USABLE / 2, USABLE, 0.0, 0.0]
    assert {round(bar.y + bar.height, 1) for bar in bars} == {HEIGHT - LABEL_ROOM}
    assert [bar.text for bar in bars] == ["50 %", "100 %", "—", "0 %"]
    assert bars[0].x < bars[1].x < bars[2].x < bars[3].x


@pytest.mark.parametrize(("value", "height"), [(-0.2, 0.0), (1.7, USABLE)])
def test_a_value_off_the_scale_is_clamped(value, height):
    [bar] = bar_geometry([("x", value)])

    assert bar.height == height


def test_no_points_no_bars():
    assert bar_geometry([]) == []
