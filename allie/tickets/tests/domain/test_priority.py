"""Priority matrix: the ITIL default, partial overrides and validation."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from allie.tickets.domain.errors import InvalidInputError, InvalidPriorityMatrixError
from allie.tickets.domain.priority import (
    DEFAULT_MATRIX,
    Impact,
    Priority,
    Urgency,
    priority_for,
    validate_matrix,
)

H, M, L = "high", "medium", "low"


@pytest.mark.parametrize(
    ("impact", "urgency", "expected"),
    [
        (H, H, "p1"),
        (H, M, "p2"),
        (M, H, "p2"),
        (H, L, "p3"),
        (M, M, "p3"),
        (L, H, "p3"),
        (M, L, "p4"),
        (L, M, "p4"),
        (L, L, "p4"),
    ],
)
def test_default_matrix_is_itil_style(impact, urgency, expected):
    priority = priority_for(Impact(impact), Urgency(urgency))

    assert priority is Priority(expected)


def test_priority_labels_read_as_words():
    labels = [priority.label for priority in Priority]

    assert labels == ["Critical", "High", "Moderate", "Low"]


def test_a_partial_override_wins_where_it_speaks():
    override = {(Impact.LOW, Urgency.LOW): Priority.P3}

    low_low = priority_for(Impact.LOW, Urgency.LOW, override)
    high_high = priority_for(Impact.HIGH, Urgency.HIGH, override)

    assert low_low is Priority.P3
    assert high_high is Priority.P1


def test_plain_strings_work_as_values_and_keys():
    override = {("medium", "medium"): "p2"}

    priority = priority_for("medium", "medium", override)

    assert priority is Priority.P2


def test_the_default_matrix_is_read_only():
    with pytest.raises(TypeError):
        DEFAULT_MATRIX[(Impact.LOW, Urgency.LOW)] = Priority.P1  # type: ignore[index]


@pytest.mark.parametrize(
    ("impact", "urgency", "code"),
    [("severe", "high", "unknown_impact"), ("high", "", "unknown_urgency")],
)
def test_unknown_impact_or_urgency_is_refused(impact, urgency, code):
    with pytest.raises(InvalidInputError) as caught:
        priority_for(impact, urgency)

    assert caught.value.code == code


def test_an_override_with_an_unknown_priority_is_refused_when_used():
    override = {(Impact.HIGH, Urgency.HIGH): "p0"}

    with pytest.raises(InvalidPriorityMatrixError) as caught:
        priority_for(Impact.HIGH, Urgency.HIGH, override)

    assert caught.value.code == "priority_matrix_unknown_priority"
    assert caught.value.params == {"impact": "high", "urgency": "high", "value": "'p0'"}


def test_the_default_matrix_is_valid():
    validate_matrix(DEFAULT_MATRIX)


def test_a_full_matrix_needs_every_cell():
    matrix = dict(DEFAULT_MATRIX)
    del matrix[(Impact.MEDIUM, Urgency.LOW)]

    with pytest.raises(InvalidPriorityMatrixError) as caught:
        validate_matrix(matrix)

    assert caught.value.code == "priority_matrix_missing_cell"
    assert caught.value.params == {"impact": "medium", "urgency": "low"}


def test_a_partial_matrix_may_leave_cells_out():
    validate_matrix({("low", "low"): "p3"}, partial=True)


@pytest.mark.parametrize(
    ("key", "value", "code"),
    [
        (("huge", "high"), "p1", "priority_matrix_unknown_cell"),
        ("high", "p1", "priority_matrix_unknown_cell"),
        (("high", "high", "high"), "p1", "priority_matrix_unknown_cell"),
        (("high", "high"), "urgent", "priority_matrix_unknown_priority"),
    ],
)
@pytest.mark.parametrize("partial", [True, False])
def test_unknown_cells_and_values_are_refused(key, value, code, partial):
    matrix = {**DEFAULT_MATRIX, key: value}

    with pytest.raises(InvalidPriorityMatrixError) as caught:
        validate_matrix(matrix, partial=partial)

    assert caught.value.code == code


@given(
    impact=st.sampled_from(list(Impact)),
    urgency=st.sampled_from(list(Urgency)),
    raise_impact=st.booleans(),
)
def test_more_impact_or_urgency_never_lowers_the_default_priority(impact, urgency, raise_impact):
    order = ["high", "medium", "low"]
    position = order.index(impact if raise_impact else urgency)
    higher = order[max(position - 1, 0)]
    raised = (higher, urgency) if raise_impact else (impact, higher)

    before = priority_for(impact, urgency)
    after = priority_for(*raised)

    assert after.value <= before.value  # "p1" < "p2": lower string, more urgent
