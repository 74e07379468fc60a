"""Senders the desk knows but must not open requests for: deactivated, or of no organisation."""

from __future__ import annotations

import pytest

from allie.accounts.models import User
from allie.mail.models import InboundMessage, OutboundMessage, UnknownSenderPolicy
from allie.mail.services.intake import receive_message
from allie.mail.tests.test_intake_support import NOW, make_mailbox, simple
from allie.tickets.models import Ticket
from allie.tickets.services import transition
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

DEACTIVATED = "the sender's account is deactivated"
NO_ORGANISATION = "the sender belongs to no organisation"


def _new_request(sender: str, message_id: str = "<new@finances.test>") -> bytes:
    return simple(sender, "Imprimante bourrée", message_id=message_id)


@pytest.mark.parametrize("policy", [UnknownSenderPolicy.CREATE, UnknownSenderPolicy.REJECT])
def test_a_deactivated_person_opens_no_request_by_mail(desk, policy):
    gone = UserFactory(email="zoe@finances.test", organisation=desk.finances, is_active=False)
    mailbox = make_mailbox(desk, policy=policy)

    # Written with other capitals than the account's: the address is the same person's.
    result = receive_message(_new_request("Zoé <Zoe@Finances.test>"), mailbox=mailbox, now=NOW)

    assert (result.outcome, result.reason) == ("rejected", DEACTIVATED)
    assert InboundMessage.objects.get().status == "rejected"
    assert not Ticket.objects.exists()
    assert list(User.objects.filter(email__iexact="zoe@finances.test")) == [gone]
    assert not User.objects.get(pk=gone.pk).is_active
    # Answered like any rejected sender: once, politely.
    rejection = OutboundMessage.objects.get(kind="rejection")
    assert rejection.to_address == "zoe@finances.test"


def test_an_imported_message_of_a_deactivated_person_is_rejected_silently(desk):
    UserFactory(email="zoe@finances.test", organisation=desk.finances, is_active=False)

    result = receive_message(
        _new_request("zoe@finances.test"),
        mailbox=make_mailbox(desk),
        source=InboundMessage.Source.IMPORT,
        create_senders=True,
        now=NOW,
    )

    assert (result.outcome, result.reason) == ("rejected", DEACTIVATED)
    assert not Ticket.objects.exists()
    assert not OutboundMessage.objects.filter(kind="rejection").exists()


def test_a_person_of_no_organisation_is_rejected_with_the_reason(desk):
    loner = UserFactory(email="solo@finances.test", organisation=None)

    result = receive_message(_new_request(loner.email), mailbox=make_mailbox(desk), now=NOW)

    assert (result.outcome, result.reason) == ("rejected", NO_ORGANISATION)
    row = InboundMessage.objects.get()
    assert (row.status, row.reason, row.attempts) == ("rejected", NO_ORGANISATION, 1)
    assert not Ticket.objects.exists()


def test_a_requester_who_left_their_organisation_opens_no_follow_up(desk):
    mailbox = make_mailbox(desk)
    opened = receive_message(_new_request("bob@finances.test", "<first@x.test>"), mailbox=mailbox)
    transition(opened.ticket, by=desk.person("bob"), command="cancel", now=NOW)
    User.objects.filter(pk=desk.bob.pk).update(organisation=None)

    result = receive_message(
        simple(
            "bob@finances.test",
            f"RE: [{opened.ticket.reference}] Imprimante bourrée",
            message_id="<again@finances.test>",
        ),
        mailbox=mailbox,
        now=NOW,
    )

    assert (result.outcome, result.reason) == ("rejected", NO_ORGANISATION)
    assert Ticket.objects.count() == 1
