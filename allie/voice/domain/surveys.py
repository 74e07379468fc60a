"""Survey rules: scales, who may be asked, how long an answer may change, what is a low answer.

Scales: satisfaction (CSAT) and effort (CES, "it was easy to get help") from 1 to 5; the
relationship survey (NPS) from 0 to 10. Every rule takes the moment to judge as an argument.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum


class Question(StrEnum):
    CSAT = "csat"
    CES = "ces"
    NPS = "nps"


SCALES: dict[Question, tuple[int, int]] = {
    Question.CSAT: (1, 5),
    Question.CES: (1, 5),
    Question.NPS: (0, 10),
}

# Statuses a survey follows by default; declined and cancelled only when configured.
ALWAYS_SURVEYED = frozenset({"resolved"})
SURVEYED_IF_CONFIGURED = frozenset({"declined", "cancelled"})


class AnswerError(ValueError):
    """An answer refused; `code` names the rule, `field` the question."""

    def __init__(self, code: str, *, field: str) -> None:
        self.code = code
        self.field = field
        super().__init__(f"{field}: {code}")


def answer_text(raw: str | None) -> str:
    """Return a free text of an answer or a follow-up as stored: trimmed, without NUL.

    The survey and follow-up pages read their texts without a Django form, whose fields refuse
    NUL; PostgreSQL refuses it in a text column, and no reader misses it.
    """
    return (raw or "").replace("\x00", "").strip()


def parse_score(question: Question, raw: object, *, required: bool = True) -> int | None:
    """Return the score given for `question`, checked against its scale.

    Accepts an int or a string of digits (what a form or a link carries); refuses anything else.
    """
    if raw is None or raw == "":
        if required:
            raise AnswerError("missing", field=question.value)
        return None
    if isinstance(raw, bool):
        raise AnswerError("not_a_number", field=question.value)
    if isinstance(raw, int):
        value = raw
    elif isinstance(raw, str) and (digits := score_digits(raw)) is not None:
        value = digits
    else:
        raise AnswerError("not_a_number", field=question.value)
    low, high = SCALES[question]
    if not low <= value <= high:
        raise AnswerError("out_of_range", field=question.value)
    return value


# No scale reaches three digits, so a longer string is out of range before int() reads it
# (int() refuses over 4300 digits with a ValueError, and is slow well before that).
SCORE_MAX_CHARS = 3


def score_digits(raw: str) -> int | None:
    """Return the number an ASCII digit string carries, else None.

    A string longer than SCORE_MAX_CHARS reads as 10**SCORE_MAX_CHARS: a number on no scale.
    """
    text = raw.strip()
    if not (text.isdigit() and text.isascii()):
        return None
    return int(text) if len(text) <= SCORE_MAX_CHARS else 10**SCORE_MAX_CHARS


def may_send_survey(*, last_sent_at: datetime | None, now: datetime, fatigue_days: int) -> bool:
    """At most one survey per person every `fatigue_days` days (0: no limit)."""
    if last_sent_at is None or fatigue_days <= 0:
        return True
    return now - last_sent_at >= timedelta(days=fatigue_days)


def surveys_status(status: str, *, include_declined_and_cancelled: bool = False) -> bool:
    """Whether a ticket ending in `status` is followed by a satisfaction survey."""
    if status in ALWAYS_SURVEYED:
        return True
    return include_declined_and_cancelled and status in SURVEYED_IF_CONFIGURED


def may_change_answer(
    *, first_answered_at: datetime | None, now: datetime, window_hours: int
) -> bool:
    """An answer may be given, then changed, until `window_hours` after it was first given."""
    if first_answered_at is None:
        return True
    return now - first_answered_at <= timedelta(hours=window_hours)


@dataclass(frozen=True)
class LowAnswerRule:
    """What counts as a low answer, which opens a follow-up (defaults per the desk's practice)."""

    csat_at_most: int = 2
    ces_at_most: int | None = None  # effort is not a trigger unless configured
    nps_at_most: int = 6

    def is_low(
        self,
        *,
        csat: int | None = None,
        ces: int | None = None,
        nps: int | None = None,
        negative_comment: bool = False,
    ) -> bool:
        if negative_comment:
            return True
        if csat is not None and csat <= self.csat_at_most:
            return True
        if ces is not None and self.ces_at_most is not None and ces <= self.ces_at_most:
            return True
        return nps is not None and nps <= self.nps_at_most
