"""Survey links: signed, expiring, and refused whole when anything in them changes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import signing

from allie.voice.links import SALT, LinkError, make_token, read_token


def test_a_link_names_its_survey():
    link = read_token(make_token(42, "n0nce"))

    assert (link.survey_id, link.nonce) == (42, "n0nce")


def test_a_tampered_link_is_refused():
    token = make_token(42, "n0nce")
    head, _sep, signature = token.rpartition(":")

    for forged in (
        head + ":" + signature[::-1],
        ("X" if token[0] != "X" else "Y") + token[1:],
        "",
        "abc",
        token + "x",
    ):
        with pytest.raises(LinkError) as refused:
            read_token(forged)
        assert refused.value.code == "tampered"


def test_a_link_signed_for_something_else_is_refused():
    other = signing.dumps({"s": 42, "n": "n0nce"}, salt="another-purpose")

    with pytest.raises(LinkError):
        read_token(other)


@pytest.mark.parametrize(
    "payload", [[42, "n"], {"s": "42", "n": "n"}, {"s": True, "n": "n"}, {"s": 4}]
)
def test_a_well_signed_link_with_the_wrong_content_is_refused(payload):
    with pytest.raises(LinkError) as refused:
        read_token(signing.dumps(payload, salt=SALT))
    assert refused.value.code == "tampered"


def test_an_old_link_is_expired():
    token = make_token(42, "n0nce")

    with pytest.raises(LinkError) as refused:
        read_token(token, lifetime=timedelta(seconds=-1))
    assert refused.value.code == "expired"
