"""Signed, expiring links for surveys answered without signing in.

A link carries the survey's id and a nonce, signed with the site's secret and a salt of its
own, and is refused once older than its lifetime. What it opens is one survey: the page shows
nothing beyond that ticket's title. A link is not a password: it can be forwarded, so an
answer may change only within its window and only through the same survey.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.core import signing

SALT = "allie.voice.survey-link"
#: The relationship survey's links: a salt of their own, so one kind never opens the other.
RELATIONSHIP_SALT = "allie.voice.relationship-link"
DEFAULT_LIFETIME = timedelta(days=30)


class LinkError(ValueError):
    """A refused link; `code` is "expired" or "tampered" (the page says which, in plain words)."""

    def __init__(self, code: str) -> None:
        self.code = code
        super().__init__(code)


@dataclass(frozen=True)
class SurveyLink:
    survey_id: int
    nonce: str


def make_token(survey_id: int, nonce: str, *, salt: str = SALT) -> str:
    """Return the token of a survey's link (URL-safe)."""
    return signing.dumps({"s": survey_id, "n": nonce}, salt=salt, compress=False)


def read_token(
    token: str, *, lifetime: timedelta = DEFAULT_LIFETIME, salt: str = SALT
) -> SurveyLink:
    """Return what a token names, or raise LinkError ("expired" or "tampered")."""
    try:
        data = signing.loads(token, salt=salt, max_age=lifetime)
    except signing.SignatureExpired:
        raise LinkError("expired") from None
    except signing.BadSignature:
        raise LinkError("tampered") from None
    if not isinstance(data, dict):
        raise LinkError("tampered")
    survey_id, nonce = data.get("s"), data.get("n")
    if not isinstance(survey_id, int) or isinstance(survey_id, bool) or not isinstance(nonce, str):
        raise LinkError("tampered")
    return SurveyLink(survey_id=survey_id, nonce=nonce)
