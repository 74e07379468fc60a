"""Reading `Authentication-Results` (RFC 8601): only the desk's own server vouches for a From."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from allie.mail.domain.authentication import parse_field, vouched_for
from allie.mail.services.intake import receive_message
from allie.mail.tests.test_intake_support import (
    NOTICE_ID,
    NOW,
    make_mailbox,
    simple,
    ticket_with_reference,
)

TRUSTED = ["mx.desk.test"]

# Shapes written by real servers (OpenDMARC/OpenDKIM behind Postfix, Microsoft 365, Gmail).
POSTFIX = (
    "mx.desk.test; dkim=pass (2048-bit key; unprotected) header.d=finances.test "
    'header.i=@finances.test header.b="AbC;d/e"; spf=pass (mx.desk.test: domain of '
    "alice@finances.test designates 192.0.2.1 as permitted sender) "
    "smtp.mailfrom=alice@finances.test; "
    "dmarc=pass (p=reject dis=none) header.from=finances.test"
)
MICROSOFT = (
    "mx.desk.test 1; spf=pass (sender IP is 192.0.2.1) smtp.mailfrom=finances.test; "
    "dkim=none (message not signed) header.d=none;dmarc=none action=none header.from=finances.test;"
)
GMAIL_DKIM_ONLY = "mx.desk.test; dkim=pass header.i=@finances.test header.s=s1 header.b=XyZ"


@pytest.mark.parametrize("field", [POSTFIX, MICROSOFT, GMAIL_DKIM_ONLY])
def test_a_pass_for_the_from_domain_from_our_server_vouches_for_it(field):
    assert vouched_for("finances.test", [field], TRUSTED)
    assert vouched_for("FINANCES.test.", [field], ["MX.desk.test"])  # case, final dot


def test_the_parts_of_a_field_are_read_past_comments_and_quotes():
    parsed = parse_field(POSTFIX)

    assert parsed is not None
    assert parsed.authserv_id == "mx.desk.test"
    assert [(r.method, r.result) for r in parsed.results] == [
        ("dkim", "pass"),
        ("spf", "pass"),
        ("dmarc", "pass"),
    ]
    assert parsed.results[0].property("header.d") == "finances.test"


@pytest.mark.parametrize(
    ("field", "why"),
    [
        (POSTFIX.replace("mx.desk.test;", "mx.evil.test;", 1), "another server's field"),
        ("mx.desk.test; dmarc=fail header.from=finances.test", "a failure"),
        ("mx.desk.test; dmarc=pass header.from=evil.test", "a pass for another domain"),
        ("mx.desk.test; dkim=pass header.d=evil.test", "signed by another domain"),
        ("mx.desk.test; dkim=pass header.d=test", "signed by a parent domain"),
        ("mx.desk.test; spf=pass smtp.mailfrom=bounce@evil.test", "SPF for another domain"),
        ("mx.desk.test; spf=softfail smtp.mailfrom=finances.test", "a soft failure"),
        ("mx.desk.test; none", "nothing checked"),
        ("mx.desk.test (dmarc=pass header.from=finances.test)", "a pass inside a comment"),
        ('mx.desk.test; x="; dmarc=pass header.from=finances.test"', "a pass inside quotes"),
        ("; dmarc=pass header.from=finances.test", "no server id"),
        ("mx.desk.test; dmarc=pass header.from=finances.test" + " x" * 5000, "a huge field"),
    ],
)
def test_nothing_else_vouches_for_it(field, why):
    assert not vouched_for("finances.test", [field], TRUSTED), why


def test_a_trusted_field_among_forged_ones_is_found_and_no_trusted_id_trusts_nothing():
    forged = "mx.desk.test.evil.test; dmarc=pass header.from=finances.test"
    assert vouched_for("finances.test", [forged, POSTFIX], TRUSTED)
    assert not vouched_for("finances.test", [forged], TRUSTED)
    assert not vouched_for("finances.test", [POSTFIX], [])
    assert not vouched_for("", [POSTFIX], TRUSTED)


@given(st.text(max_size=300))
def test_any_text_is_read_without_error(field):
    parse_field(field)
    vouched_for("finances.test", [field], TRUSTED)


# --- Intake: an agent's address on a client's ticket ---------------------------------------


def agents_reply(*fields: str) -> bytes:
    """Agathe (an agent) answering Alice's ticket D-000140 by mail, with these results."""
    message = simple(
        "agathe@desk.test",
        "Re: [D-000140] Écran noir",
        message_id=f"<agathe-{len(fields)}@desk.test>",
        body="Votre écran est réparé.\n",
        In_Reply_To=NOTICE_ID,
    )
    added = b"".join(f"Authentication-Results: {field}\r\n".encode() for field in fields)
    return added + message


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("trusted", "fields", "outcome"),
    [
        ([], [], "threaded"),  # nothing to check against: as before, documented
        (TRUSTED, [], "held"),
        (TRUSTED, ["mx.evil.test; dmarc=pass header.from=desk.test"], "held"),
        (TRUSTED, ["mx.desk.test; dmarc=fail header.from=desk.test"], "held"),
        (TRUSTED, ["mx.desk.test; dmarc=pass header.from=desk.test"], "threaded"),
    ],
)
def test_an_agents_mail_lands_on_a_ticket_only_when_our_server_vouched_for_it(
    desk, settings, trusted, fields, outcome
):
    settings.MAIL_TRUSTED_AUTHSERV_IDS = trusted
    mailbox = make_mailbox(desk)
    ticket = ticket_with_reference(desk.alice)
    before = ticket.events.filter(is_public=True).count()

    result = receive_message(agents_reply(*fields), mailbox=mailbox, now=NOW)

    assert result.outcome == outcome
    if outcome == "held":
        assert result.message.held_for == ticket
        assert "not authenticated" in result.message.reason
        # nothing published as the agent's words
        assert ticket.events.filter(is_public=True).count() == before


@pytest.mark.django_db
def test_a_clients_mail_is_not_asked_for_authentication(desk, settings):
    settings.MAIL_TRUSTED_AUTHSERV_IDS = TRUSTED
    mailbox = make_mailbox(desk)
    ticket_with_reference(desk.alice)
    reply = simple(
        "alice@finances.test",
        "Re: [D-000140] Écran noir",
        message_id="<alice-1@finances.test>",
        In_Reply_To=NOTICE_ID,
    )

    assert receive_message(reply, mailbox=mailbox, now=NOW).outcome == "threaded"
