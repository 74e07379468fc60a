"""Mail that threads to a ticket its sender may not write on waits for an agent's review.

Intake holds it (nothing on the ticket, nothing sent, no ticket opened); an agent who works on
the ticket adds it as an internal note, opens a ticket from it, or discards it, once.
"""

from __future__ import annotations

import threading
from email.message import EmailMessage

import pytest
from django.db import connection, connections
from django.utils import translation

from allie.accounts.models import User
from allie.mail.models import InboundMessage, OutboundMessage, UnknownSenderPolicy
from allie.mail.services import review
from allie.mail.services.intake import receive_message
from allie.mail.tests.test_intake_support import (
    NOTICE_ID,
    NOW,
    HeldScene,
    make_mailbox,
    simple,
    stored_files,
    ticket_with_reference,
)
from allie.tickets.models import Attachment, Ticket, TimelineEvent
from allie.tickets.services import open_ticket
from allie.tickets.services.errors import CONFLICT, FORBIDDEN


def reply_from(sender: str, *, number: int = 1, by_subject: bool = False, body: str = "") -> bytes:
    """A reply to Alice's ticket D-000140: by its notice's Message-ID, or only by the subject."""
    headers = {} if by_subject else {"In_Reply_To": NOTICE_ID, "References": NOTICE_ID}
    return simple(
        sender,
        "Re: [D-000140] Écran noir",
        message_id=f"<reply-{number}@elsewhere.test>",
        body=body or "Moi aussi, mon écran est noir.\n\n> Bonjour Alice,\n> Reçu.\n",
        **headers,
    )


def with_attachment(sender: str, *, number: int = 1) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "soutien@desk.test"
    message["Subject"] = "Re: [D-000140] Écran noir"
    message["Message-ID"] = f"<attached-{number}@elsewhere.test>"
    message["In-Reply-To"] = NOTICE_ID
    message.set_content("Voici la capture.\n")
    message.add_attachment(b"PNG...", maintype="image", subtype="png", filename="capture.png")
    return message.as_bytes()


@pytest.fixture
def scene(desk):
    return HeldScene(desk)


def held(scene, sender: str = "stranger@elsewhere.test", **kwargs) -> InboundMessage:
    result = receive_message(reply_from(sender, **kwargs), mailbox=scene.mailbox, now=NOW)
    assert result.outcome == "held", result
    return result.message


# --- Intake -----------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("policy", [UnknownSenderPolicy.CREATE, UnknownSenderPolicy.REJECT])
@pytest.mark.parametrize("by_subject", [False, True], ids=["in-reply-to", "subject"])
def test_a_strangers_reply_to_alices_ticket_is_held_and_touches_nothing(desk, policy, by_subject):
    mailbox = make_mailbox(desk, policy=policy)
    ticket = ticket_with_reference(desk.alice)
    events, mail, tickets, people = (
        ticket.events.count(),
        OutboundMessage.objects.count(),
        Ticket.objects.count(),
        User.objects.count(),
    )

    result = receive_message(
        reply_from("stranger@elsewhere.test", by_subject=by_subject), mailbox=mailbox, now=NOW
    )

    assert result.outcome == "held"
    assert result.ticket is None
    row = InboundMessage.objects.get(pk=result.message.pk)
    assert (row.status, row.held_for, row.ticket, row.event) == ("held", ticket, None, None)
    assert row.reason == "held for review: the sender may not write on D-000140"
    # Nothing of the sender's on the ticket: one internal entry saying mail waits.
    [entry] = ticket.events.all()[events:]
    assert (entry.kind, entry.is_public, entry.body) == ("system", False, "")
    assert entry.data == {"mail": "held", "sender": "stranger@elsewhere.test"}
    # No rejection to the sender; nobody owns it: the notice goes to whoever takes charge.
    sent = OutboundMessage.objects.order_by("pk")[mail:]
    assert [(row.kind, row.recipient_id) for row in sent] == [("notification", desk.lea.pk)]
    assert Ticket.objects.count() == tickets  # no ticket opened
    assert User.objects.count() == people  # nobody created


@pytest.mark.django_db
@pytest.mark.parametrize("person", ["oscar", "bob", "chloe"])
def test_a_known_sender_who_may_not_write_on_the_ticket_is_held(desk, scene, person):
    # oscar: a client of another organisation; bob: Alice's colleague, not the contact;
    # chloe: an agent of a team that does not serve Finances.
    result = receive_message(reply_from(desk.person(person).email), mailbox=scene.mailbox, now=NOW)

    assert (result.outcome, result.message.held_for) == ("held", scene.ticket)
    assert Ticket.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("person", ["alice", "carole", "agathe"])
def test_people_who_may_write_on_the_ticket_still_thread(desk, scene, person):
    result = receive_message(reply_from(desk.person(person).email), mailbox=scene.mailbox, now=NOW)

    assert result.outcome == "threaded"
    assert result.ticket == scene.ticket
    assert result.message.held_for is None


@pytest.mark.django_db
def test_noise_and_empty_replies_are_ignored_before_anything_is_held(scene):
    auto_reply = simple(
        "stranger@elsewhere.test",
        "Réponse automatique : [D-000140] Écran noir",
        message_id="<auto@elsewhere.test>",
        In_Reply_To=NOTICE_ID,
        Auto_Submitted="auto-replied",
    )

    noise = receive_message(auto_reply, mailbox=scene.mailbox, now=NOW)
    empty = receive_message(
        reply_from("stranger@elsewhere.test", body=" \n"),
        mailbox=scene.mailbox,
        now=NOW,
    )

    assert noise.outcome == "ignored"
    assert empty.outcome == "ignored"
    assert not InboundMessage.objects.filter(status="held").exists()


# --- Reviewing --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_adding_a_held_message_makes_an_internal_note_quoting_its_sender(desk, scene):
    message = receive_message(
        with_attachment("Oscar Morin <oscar@autre.test>"), mailbox=scene.mailbox, now=NOW
    ).message
    mail = OutboundMessage.objects.count()

    with translation.override("en"):
        event = review.add_held_to_ticket(
            scene.ticket, message_pk=message.pk, by=desk.person("agathe")
        )

    assert event.kind == TimelineEvent.Kind.INTERNAL_NOTE
    assert not event.is_public
    assert event.actor == desk.agathe
    assert "Oscar Morin <oscar@autre.test>" in event.body
    assert "not the requester's" in event.body
    assert "> Subject: Re: [D-000140] Écran noir\n>\n> Voici la capture." in event.body
    files = Attachment.objects.filter(event=event)
    assert [(a.original_name, a.is_public) for a in files] == [("capture.png", False)]
    row = InboundMessage.objects.get(pk=message.pk)
    assert (row.status, row.ticket, row.event, row.held_for) == (
        "threaded",
        scene.ticket,
        event,
        scene.ticket,
    )
    assert row.reason == "added by agathe@desk.test after review"
    assert OutboundMessage.objects.count() == mail  # an internal note tells no client


@pytest.mark.django_db
def test_opening_a_ticket_from_a_known_senders_held_message(desk, scene):
    message = held(scene, "oscar@autre.test")

    result = review.open_ticket_from_held(
        scene.ticket, message_pk=message.pk, by=desk.person("agathe")
    )

    assert result.outcome == "opened"
    opened = result.ticket
    assert opened != scene.ticket
    assert (opened.requester, opened.organisation) == (desk.oscar, desk.other)
    assert opened.description == "Moi aussi, mon écran est noir."
    row = InboundMessage.objects.get(pk=message.pk)
    assert (row.status, row.ticket, row.event) == ("opened", opened, opened.opening_event)
    assert row.reason == "opened by agathe@desk.test after review"
    # Its receipt answers the sender's own message, as for mail opened at intake.
    receipt = OutboundMessage.objects.get(ticket=opened, to_address="oscar@autre.test")
    assert receipt.in_reply_to == message.message_id


@pytest.mark.django_db
def test_opening_from_an_unknown_senders_message_follows_the_mailbox_policy(desk):
    creating = make_mailbox(desk)
    rejecting = make_mailbox(desk, address="refus@desk.test", name="Refus", policy="reject")
    ticket = ticket_with_reference(desk.alice)
    created = receive_message(reply_from("new.person@finances.test"), mailbox=creating, now=NOW)
    refused = receive_message(
        reply_from("someone@elsewhere.test", number=2), mailbox=rejecting, now=NOW
    )
    agathe = desk.person("agathe")

    opened = review.open_ticket_from_held(ticket, message_pk=created.message.pk, by=agathe)
    rejected = review.open_ticket_from_held(ticket, message_pk=refused.message.pk, by=agathe)

    assert opened.outcome == "opened"
    assert opened.ticket.requester.email == "new.person@finances.test"
    assert (rejected.outcome, rejected.ticket) == ("rejected", None)
    assert InboundMessage.objects.get(pk=refused.message.pk).status == "rejected"
    assert OutboundMessage.objects.get(kind="rejection").to_address == "someone@elsewhere.test"


@pytest.mark.django_db
def test_discarding_a_held_message_keeps_it_ignored_with_who_discarded_it(desk, scene, caplog):
    message = held(scene)
    events = scene.ticket.events.count()

    with caplog.at_level("INFO", logger="allie.mail.services.review"):
        review.discard_held(scene.ticket, message_pk=message.pk, by=desk.person("agathe"))

    row = InboundMessage.objects.get(pk=message.pk)
    assert (row.status, row.ticket) == ("ignored", None)
    assert row.reason == "discarded by agathe@desk.test after review"
    assert scene.ticket.events.count() == events
    assert "discarded" in caplog.text


@pytest.mark.django_db
@pytest.mark.parametrize("person", ["chloe", "alice", "carole", "oscar"])
def test_only_agents_who_work_on_the_ticket_may_review_its_held_mail(desk, scene, person):
    message = held(scene)

    for action in (review.add_held_to_ticket, review.open_ticket_from_held, review.discard_held):
        with pytest.raises(review.ReviewError) as refused:
            action(scene.ticket, message_pk=message.pk, by=desk.person(person))
        assert refused.value.kind == FORBIDDEN

    assert InboundMessage.objects.get(pk=message.pk).status == "held"


@pytest.mark.django_db
def test_a_message_held_for_another_ticket_cannot_be_reviewed_through_this_one(desk, scene):
    message = held(scene)
    mine = open_ticket(requester=desk.person("bob"), title="Souris")

    with pytest.raises(review.ReviewError) as refused:
        review.discard_held(mine, message_pk=message.pk, by=desk.person("agathe"))

    assert refused.value.kind == FORBIDDEN
    assert InboundMessage.objects.get(pk=message.pk).status == "held"


@pytest.mark.django_db
def test_a_second_action_on_a_reviewed_message_is_refused(desk, scene):
    message = held(scene)
    agathe = desk.person("agathe")
    review.discard_held(scene.ticket, message_pk=message.pk, by=agathe)

    with pytest.raises(review.ReviewError) as refused:
        review.add_held_to_ticket(scene.ticket, message_pk=message.pk, by=desk.person("bruno"))

    assert refused.value.kind == CONFLICT
    assert not scene.ticket.events.filter(kind=TimelineEvent.Kind.INTERNAL_NOTE).exists()


@pytest.mark.django_db
def test_the_claim_is_compare_and_set_when_another_agent_acts_in_between(desk, scene, monkeypatch):
    # Both agents read the row while it is held; bruno's discard commits first. agathe's add
    # must then lose on the row's status, leaving no note and no file behind.
    message = held(scene)
    files = stored_files()
    read = review._read_or_refuse

    def bruno_discards_meanwhile(row):
        review.discard_held(scene.ticket, message_pk=message.pk, by=desk.person("bruno"))
        return read(row)

    monkeypatch.setattr(review, "_read_or_refuse", bruno_discards_meanwhile)

    with pytest.raises(review.ReviewError) as refused:
        review.add_held_to_ticket(scene.ticket, message_pk=message.pk, by=desk.person("agathe"))

    assert refused.value.kind == CONFLICT
    row = InboundMessage.objects.get(pk=message.pk)
    assert (row.status, row.reason) == ("ignored", "discarded by bruno@desk.test after review")
    assert not scene.ticket.events.filter(kind=TimelineEvent.Kind.INTERNAL_NOTE).exists()
    assert stored_files() == files


# --- Two agents at once, on PostgreSQL with real commits ---------------------------------------


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite runs one writer at a time")
def test_two_agents_acting_at_once_act_once(desk, monkeypatch):
    mailbox = make_mailbox(desk)
    ticket = ticket_with_reference(desk.alice)
    message = receive_message(reply_from("oscar@autre.test"), mailbox=mailbox, now=NOW).message
    # Both have read the row as held before either claims it.
    both_read = threading.Barrier(2, timeout=30)
    read = review._read_or_refuse

    def read_then_wait(row):
        parsed = read(row)
        both_read.wait()
        return parsed

    monkeypatch.setattr(review, "_read_or_refuse", read_then_wait)
    outcomes: list[str] = []

    def act(name, action):
        try:
            action(ticket, message_pk=message.pk, by=desk.person(name))
            outcomes.append("done")
        except review.ReviewError as error:
            outcomes.append(error.kind)
        except BaseException as error:  # reported by the assertion below
            outcomes.append(repr(error))
        finally:
            connections.close_all()

    workers = [
        threading.Thread(target=act, args=("agathe", review.add_held_to_ticket)),
        threading.Thread(target=act, args=("bruno", review.open_ticket_from_held)),
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()

    assert sorted(outcomes) == [CONFLICT, "done"]
    row = InboundMessage.objects.get(pk=message.pk)
    notes = ticket.events.filter(kind=TimelineEvent.Kind.INTERNAL_NOTE).count()
    opened = Ticket.objects.filter(requester=desk.oscar).count()
    assert (row.status, notes, opened) in [("threaded", 1, 0), ("opened", 0, 1)]


@pytest.mark.django_db
def test_the_owner_hears_that_mail_waits_and_the_timeline_says_so(desk, scene, client):
    from allie.mail.services.notifications import render_message
    from allie.tickets.services import acknowledge

    acknowledge(scene.ticket, by=desk.person("agathe"), now=NOW)
    before = set(OutboundMessage.objects.values_list("pk", flat=True))

    held(scene)

    [notice] = OutboundMessage.objects.exclude(pk__in=before).filter(recipient=desk.agathe)
    assert [item["notice"] for item in notice.events] == ["mail_held"]
    with translation.override("en"):
        text = render_message(notice).text_body
    assert "stranger@elsewhere.test" in text
    assert "may not write on it" in text or "ne peut pas y écrire" in text
    assert not OutboundMessage.objects.exclude(pk__in=before).exclude(recipient=desk.agathe)
    client.force_login(desk.person("agathe"))
    with translation.override("en"):
        page = client.get(f"/desk/tickets/{scene.ticket.reference}/", HTTP_ACCEPT_LANGUAGE="en")
    summary = (
        "stranger@elsewhere.test waits for review",
        "stranger@elsewhere.test attend un examen",
    )
    assert any(line in page.content.decode() for line in summary)


@pytest.mark.django_db
@pytest.mark.parametrize("case", ["team-lead", "serving-lead", "administrator"])
def test_on_a_ticket_nobody_owns_whoever_takes_charge_hears_that_mail_waits(desk, scene, case):
    """Nobody owns it yet: the notice goes to the lead of the ticket's team, else to the lead of
    a team serving its organisation, else to an administrator (the ticket page also shows the
    held mail to every agent who works on the ticket)."""
    expected = {"team-lead": desk.lea, "serving-lead": desk.lea, "administrator": desk.admin}
    if case == "team-lead":
        Ticket.objects.filter(pk=scene.ticket.pk).update(team=desk.support)
    if case == "administrator":
        desk.support.serves.clear()
    before = set(OutboundMessage.objects.values_list("pk", flat=True))

    held(scene)

    notices = OutboundMessage.objects.exclude(pk__in=before).filter(kind="notification")
    assert [row.recipient_id for row in notices] == [expected[case].pk]
    assert [item["notice"] for item in notices[0].events] == ["mail_held"]


def follow_up(sender: str, answered: str, number: int) -> bytes:
    """A message answering only `answered` (no References, no reference in its subject)."""
    return simple(
        sender,
        "Oubli",
        message_id=f"<follow-up-{number}@elsewhere.test>",
        body="J'oubliais : c'est l'écran du poste 12.\n",
        In_Reply_To=answered,
    )


@pytest.mark.django_db
def test_a_follow_up_to_held_mail_is_held_for_the_same_ticket(desk, scene):
    """The stranger answers their own held message: weighed against the ticket it was held for
    (held again), not taken for new mail (which would open a stray ticket or be rejected)."""
    first = held(scene)
    tickets = Ticket.objects.count()

    result = receive_message(
        follow_up("stranger@elsewhere.test", first.message_id, 1), mailbox=scene.mailbox, now=NOW
    )

    assert result.outcome == "held", result
    assert result.message.held_for_id == scene.ticket.pk
    assert Ticket.objects.count() == tickets


@pytest.mark.django_db
def test_the_requester_answering_held_mail_she_was_copied_on_writes_on_her_ticket(desk, scene):
    first = held(scene)

    result = receive_message(
        follow_up(desk.alice.email, first.message_id, 2), mailbox=scene.mailbox, now=NOW
    )

    assert result.outcome == "threaded", result
    assert result.message.ticket_id == scene.ticket.pk
    assert scene.ticket.events.filter(body__contains="poste 12", is_public=True).exists()
