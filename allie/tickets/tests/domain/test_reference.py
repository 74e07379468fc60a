"""Ticket references: formatting and finding them in email subjects."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from allie.tickets.domain.reference import format_reference, parse_reference


@pytest.mark.parametrize(
    ("number", "expected"),
    [(1, "D-000001"), (123, "D-000123"), (999_999, "D-999999"), (1_234_567, "D-1234567")],
)
def test_format_pads_to_six_digits_and_grows_beyond(number, expected):
    reference = format_reference(number)

    assert reference == expected


def test_format_with_another_prefix():
    reference = format_reference(42, prefix="T")

    assert reference == "T-000042"


@pytest.mark.parametrize(("number", "prefix"), [(0, "D"), (-5, "D"), (1, "D1"), (1, "")])
def test_format_refuses_bad_numbers_and_prefixes(number, prefix):
    with pytest.raises(ValueError, match=r"start at 1|ASCII letters"):
        format_reference(number, prefix)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("D-000123", 123),
        ("d-123", 123),
        ("Re: [D-000123] Printer on fire", 123),
        ("TR: Re:[d-000042]", 42),
        ("about D-7, and also D-8", 7),
        ("(D-1234567)", 1_234_567),
        ("D-000000 then D-000009", 9),
    ],
)
def test_parse_finds_the_first_reference(text, expected):
    number = parse_reference(text)

    assert number == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "No reference here",
        "AD-12",
        "D-12a",
        "D12",
        "D-",
        "D - 12",
        "éD-12",
        "_D-12",
        "D-12_",
        "D-١٢٣",  # Arabic-Indic digits are not ticket numbers
        "D-" + "9" * 5000,  # too long to be a number we issued; must not blow up int()
    ],
)
def test_parse_rejects_lookalikes(text):
    number = parse_reference(text)

    assert number is None


def test_parse_with_another_prefix():
    number = parse_reference("Re: [T-000042] and D-000001", prefix="T")

    assert number == 42


@given(number=st.integers(min_value=1, max_value=10**15), lower=st.booleans())
def test_format_then_parse_round_trips(number, lower):
    reference = format_reference(number)
    subject = f"Re: [{reference.lower() if lower else reference}] Écran noir"

    parsed = parse_reference(subject)

    assert parsed == number


@given(text=st.text())
def test_parse_never_fails_on_any_text(text):
    number = parse_reference(text)

    assert number is None or number >= 1
