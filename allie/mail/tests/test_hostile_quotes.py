"""strip_quoted against hostile blank lines: work grows with the lines, not with their square."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from allie.mail.domain.quotes import strip_quoted

BLANK_LINES = 250_000  # 250 kB: about a second; dropped one by one, they took minutes


@contextmanager
def interrupted_after(seconds: int) -> Iterator[None]:
    """Fail instead of hanging: not a time budget (that is `make bench`'s), a guard against
    work that grows with the square of the input, thirty times over what linear work takes."""

    def hang(signum: int, frame: object) -> None:
        raise TimeoutError(f"still working after {seconds} s")

    previous = signal.signal(signal.SIGALRM, hang)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@pytest.mark.parametrize(
    "tail",
    ["> cité\n", "Le 10 mars, Soutien a écrit :\n> cité\n"],
    ids=["quoted-lines", "attribution"],
)
def test_blank_lines_before_the_quoted_history_are_dropped_in_one_pass(tail: str) -> None:
    text = "Bonjour\n" + "\n" * BLANK_LINES + tail

    with interrupted_after(30):
        new = strip_quoted(text)

    assert new == "Bonjour"
