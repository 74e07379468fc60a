"""The voice of the client's rules, without a database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from allie.voice.domain.commitments import (
    CommitmentError,
    State,
    check_new,
    effective_state,
    mark,
    reminder_times,
    tally,
)
from allie.voice.domain.outcomes import (
    TicketHistory,
    csat_score,
    mean,
    nps,
    rate,
    resolved_at_first_contact,
)
from allie.voice.domain.surveys import (
    AnswerError,
    LowAnswerRule,
    Question,
    may_change_answer,
    may_send_survey,
    parse_score,
    surveys_status,
)
from allie.voice.domain.themes import Theme, is_negative, themes_of

NOW = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)


# --- Surveys ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "raw", "expected"),
    [
        ("csat", "1", 1),
        ("csat", 5, 5),
        ("ces", " 3 ", 3),
        ("nps", "0", 0),
        ("nps", "10", 10),
        ("nps", "010", 10),
    ],
)
def test_scores_within_the_scale_are_read(question, raw, expected):
    assert parse_score(Question(question), raw) == expected


@pytest.mark.parametrize(
    ("question", "raw", "code"),
    [
        ("csat", "0", "out_of_range"),
        ("csat", "6", "out_of_range"),
        ("nps", "11", "out_of_range"),
        ("ces", "-1", "not_a_number"),
        ("csat", "4.5", "not_a_number"),
        ("csat", "٣", "not_a_number"),  # an Arabic-Indic digit is not a score
        ("nps", "9" * 5000, "out_of_range"),  # past int()'s 4300-digit limit
        ("csat", "0" * 5000 + "4", "out_of_range"),
        ("nps", "1e999999", "not_a_number"),
        ("csat", True, "not_a_number"),
        ("csat", "", "missing"),
        ("csat", None, "missing"),
    ],
)
def test_a_score_outside_the_scale_or_missing_is_refused_naming_the_question(question, raw, code):
    with pytest.raises(AnswerError) as refused:
        parse_score(Question(question), raw)
    assert (refused.value.code, refused.value.field) == (code, question)


def test_an_optional_score_may_be_left_out():
    assert parse_score(Question.CES, "", required=False) is None


@given(days=st.integers(min_value=1, max_value=90), elapsed=st.integers(0, 200 * 24))
def test_at_most_one_survey_per_person_per_period(days, elapsed):
    last = NOW - timedelta(hours=elapsed)
    allowed = may_send_survey(last_sent_at=last, now=NOW, fatigue_days=days)
    assert allowed == (elapsed >= days * 24)


def test_declined_and_cancelled_tickets_are_surveyed_only_when_configured():
    assert surveys_status("resolved")
    assert not surveys_status("declined")
    assert not surveys_status("cancelled")
    assert surveys_status("declined", include_declined_and_cancelled=True)
    assert not surveys_status("closed", include_declined_and_cancelled=True)


def test_an_answer_may_change_within_its_window_only():
    first = NOW - timedelta(hours=47)
    assert may_change_answer(first_answered_at=None, now=NOW, window_hours=48)
    assert may_change_answer(first_answered_at=first, now=NOW, window_hours=48)
    assert not may_change_answer(first_answered_at=first, now=NOW, window_hours=46)


def test_low_answers_by_default_are_csat_1_or_2_nps_0_to_6_or_a_negative_comment():
    rule = LowAnswerRule()
    assert [rule.is_low(csat=value) for value in range(1, 6)] == [True, True, False, False, False]
    assert [rule.is_low(nps=value) for value in range(11)] == [True] * 7 + [False] * 4
    assert not rule.is_low(ces=1)  # effort is not a trigger unless configured
    assert LowAnswerRule(ces_at_most=2).is_low(ces=2)
    assert rule.is_low(csat=5, negative_comment=True)
    assert not rule.is_low()


# --- Themes ------------------------------------------------------------------------------------


def test_comments_are_grouped_into_themes_in_french_and_english():
    assert themes_of("Beaucoup trop LENT, trois semaines d’attente") == ["speed"]
    assert themes_of("Technicien très poli, problème réglé") == ["courtesy", "outcome"]
    assert themes_of("Nobody explained anything and it is still broken") == [
        "communication",
        "outcome",
    ]
    assert themes_of("Merci!") == []


def test_an_administrators_theme_with_keywords_is_matched_on_whole_words():
    billing = Theme("billing", ("factur*", "invoice*", "prix"))
    assert themes_of("La facturation est confuse", [billing]) == ["billing"]
    assert themes_of("Caprix", [billing]) == []  # "prix" inside another word does not match


def test_negative_comments_are_recognised_in_both_languages():
    assert is_negative("Très déçue du service")
    assert is_negative("Total waste of time")
    assert is_negative("Toujours pas réglé!")
    assert not is_negative("Parfait, merci beaucoup")
    assert is_negative("moyen", extra_words=["moyen"])


# --- Commitments -------------------------------------------------------------------------------


def test_a_commitment_needs_what_and_a_due_time_in_the_future():
    check_new(what="Je vous rappelle", due_at=NOW + timedelta(hours=1), now=NOW)
    for what, due, code in [
        ("  ", NOW + timedelta(hours=1), "what_required"),
        ("Rappel", None, "due_required"),
        ("Rappel", NOW, "due_in_past"),
        ("Rappel", NOW - timedelta(minutes=1), "due_in_past"),
        ("Rappel", datetime(2026, 3, 3, 9, 0), "due_naive"),
    ]:
        with pytest.raises(CommitmentError) as refused:
            check_new(what=what, due_at=due, now=NOW)
        assert refused.value.code == code


def test_an_open_commitment_past_due_is_broken():
    due = NOW + timedelta(hours=2)
    assert effective_state(State.OPEN, due_at=due, now=NOW) is State.OPEN
    assert effective_state(State.OPEN, due_at=due, now=due) is State.OPEN
    assert effective_state(State.OPEN, due_at=due, now=due + timedelta(seconds=1)) is State.BROKEN
    assert effective_state(State.KEPT, due_at=due, now=due + timedelta(days=9)) is State.KEPT


def test_renegotiating_is_allowed_only_before_the_due_time():
    due = NOW + timedelta(hours=2)
    assert mark(State.OPEN, State.RENEGOTIATED, due_at=due, now=NOW) is State.RENEGOTIATED
    with pytest.raises(CommitmentError) as refused:
        mark(State.OPEN, State.RENEGOTIATED, due_at=due, now=due)
    assert refused.value.code == "renegotiate_too_late"


def test_a_settled_commitment_cannot_change_again():
    due = NOW + timedelta(hours=2)
    for final in (State.KEPT, State.RENEGOTIATED, State.BROKEN):
        with pytest.raises(CommitmentError):
            mark(final, State.KEPT, due_at=due, now=NOW)
    with pytest.raises(CommitmentError):  # past due: already broken
        mark(State.OPEN, State.KEPT, due_at=due, now=due + timedelta(minutes=5))


@given(
    made=st.integers(min_value=0, max_value=10 * 24 * 60),
    ahead=st.integers(min_value=1, max_value=10 * 24 * 60),
)
def test_reminders_fall_between_the_promise_and_its_due_time(made, ahead):
    created = NOW + timedelta(minutes=made)
    due = created + timedelta(minutes=ahead)
    times = reminder_times(created_at=created, due_at=due)
    assert all(created < moment < due for moment in times)
    assert times == sorted(times)
    assert (due - timedelta(hours=1) in times) == (ahead > 60)


def test_the_kept_rate_counts_renegotiated_in_time_as_kept():
    counted = tally([State.KEPT, State.KEPT, State.RENEGOTIATED, State.BROKEN, State.OPEN])
    assert (counted.kept, counted.renegotiated, counted.broken) == (2, 1, 1)
    assert counted.kept_rate == 0.75
    assert tally([State.OPEN]).kept_rate is None


# --- Outcomes ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("history", "expected"),
    [
        (TicketHistory(resolved=True, resolved_while_logged=True), True),
        (TicketHistory(resolved=True, agent_public_replies=1), True),
        (TicketHistory(resolved=True, agent_public_replies=2), False),
        (TicketHistory(resolved=True, agent_public_replies=0), False),
        (TicketHistory(resolved=True, agent_public_replies=1, requester_replies=1), False),
        (TicketHistory(resolved=True, agent_public_replies=1, reopen_count=1), False),
        (TicketHistory(resolved=False, agent_public_replies=1), None),
    ],
)
def test_first_contact_resolution(history, expected):
    assert resolved_at_first_contact(history) is expected


def test_rates_and_scores_say_none_rather_than_zero_when_there_is_nothing():
    assert rate(0, 0) is None
    assert mean([]) is None
    assert csat_score([]) is None
    assert nps([]) is None


def test_scores_agree_with_a_hand_computation():
    assert csat_score([5, 4, 3, 1]) == 0.5
    assert mean([1, 2, 3, 5]) == 2.75
    # 3 promoters, 2 passives, 5 detractors of 10: 30 % - 50 % = -20
    assert nps([10, 9, 9, 8, 7, 6, 5, 3, 0, 1]) == -20


@given(st.lists(st.integers(min_value=0, max_value=10), min_size=1))
def test_nps_stays_between_minus_and_plus_one_hundred(answers):
    assert -100 <= nps(answers) <= 100


# --- Commitments (ledger additions) ------------------------------------------------------------


def test_a_commitment_cannot_be_marked_open_again():
    with pytest.raises(CommitmentError) as refused:
        mark(State.OPEN, State.OPEN, due_at=NOW + timedelta(hours=2), now=NOW)
    assert refused.value.code == "unknown_state"


@pytest.mark.parametrize(
    ("ahead", "reminders"),
    [
        (timedelta(minutes=30), []),
        (timedelta(hours=1), []),
        (timedelta(hours=5), [timedelta(hours=4)]),
        (timedelta(days=2), [timedelta(days=1), timedelta(days=1, hours=23)]),
    ],
)
def test_reminders_a_day_and_an_hour_ahead_of_a_promise(ahead, reminders):
    times = reminder_times(created_at=NOW, due_at=NOW + ahead)
    assert times == [NOW + offset for offset in reminders]
