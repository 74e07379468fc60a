"""receive_message: store once, then open, thread, ignore or reject; real .eml fixtures."""

from __future__ import annotations

import logging
from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path

import pytest
from django.conf import settings

from allie.accounts.models import User
from allie.mail.models import InboundMessage, MailSettings, OutboundMessage, UnknownSenderPolicy
from allie.mail.services import rawstore
from allie.mail.services.intake import receive_message
from allie.mail.tests.test_intake_support import (
    NOW,
    make_mailbox,
    raw,
    simple,
    ticket_with_reference,
)
from allie.tickets.models import Attachment, Channel, Ticket, TimelineEvent
from allie.tickets.services import read_attachment, transition

pytestmark = pytest.mark.django_db


def test_new_mail_opens_a_ticket_with_its_attachments_kept(desk):
    mailbox = make_mailbox(desk)
    message = raw("intake_new_request_fr.eml")

    result = receive_message(message, mailbox=mailbox, uidvalidity=7, uid=1, now=NOW)

    assert result.outcome == "opened"
    assert result.stored
    ticket = result.ticket
    assert ticket.requester == desk.alice
    assert ticket.organisation == desk.finances
    assert ticket.service == desk.service
    assert ticket.channel == Channel.EMAIL
    assert ticket.title == "Écran noir au poste 12"
    assert ticket.description.startswith("Bonjour,\n\nL’écran du poste 12 reste noir")
    row = InboundMessage.objects.get()
    assert row.status == "opened"
    assert row.ticket == ticket
    assert row.attempts == 1
    assert row.message_id == "<new-request-1@finances.test>"
    assert row.sender == "alice@finances.test"
    assert row.uid == 1
    assert row.uidvalidity == 7
    assert row.event.kind == TimelineEvent.Kind.OPENED
    assert rawstore.read_raw(row.raw_path) == message
    # Mail parts are kept even when the portal would refuse their type (.bat).
    files = {a.original_name: a for a in Attachment.objects.filter(event=row.event)}
    assert set(files) == {"journal.txt", "diagnostic.bat"}
    with read_attachment(files["diagnostic.bat"]) as stream:
        assert stream.read() == b"@echo off\r\necho diagnostic\r\n"
    assert files["journal.txt"].is_public


def test_the_same_message_twice_is_stored_and_processed_once(desk):
    mailbox = make_mailbox(desk)
    message = raw("intake_new_request_fr.eml")
    first = receive_message(message, mailbox=mailbox, uidvalidity=7, uid=1, now=NOW)

    again = receive_message(message, mailbox=mailbox, uidvalidity=7, uid=2, now=NOW)

    assert again.outcome == "duplicate"
    assert again.stored
    assert again.message.pk == first.message.pk
    assert again.ticket == first.ticket
    assert InboundMessage.objects.count() == 1
    assert Ticket.objects.count() == 1


def test_the_same_mailbox_uid_is_a_duplicate_even_with_other_bytes(desk):
    mailbox = make_mailbox(desk)
    receive_message(raw("intake_new_request_fr.eml"), mailbox=mailbox, uidvalidity=7, uid=1)

    again = receive_message(
        raw("intake_unknown_sender.eml"), mailbox=mailbox, uidvalidity=7, uid=1, now=NOW
    )

    assert again.outcome == "duplicate"
    assert InboundMessage.objects.count() == 1
    # A new UIDVALIDITY means the server renumbered: the UID is not the same message.
    other = receive_message(
        raw("intake_unknown_sender.eml"), mailbox=mailbox, uidvalidity=8, uid=1, now=NOW
    )
    assert other.outcome == "opened"


def test_a_message_without_message_id_imported_twice_is_a_duplicate(desk):
    mailbox = make_mailbox(desk)
    message = raw("no_message_id_no_date.eml")

    first = receive_message(message, mailbox=mailbox, now=NOW)
    second = receive_message(message, mailbox=mailbox, now=NOW)

    assert first.outcome == "opened"
    assert first.message.message_id.endswith("@synthetic.allie.invalid>")
    assert second.outcome == "duplicate"
    assert second.message.pk == first.message.pk
    assert InboundMessage.objects.count() == 1
    assert Ticket.objects.count() == 1


def test_a_reply_threads_through_in_reply_to_with_the_quote_stripped(desk):
    mailbox = make_mailbox(desk)
    ticket = ticket_with_reference(desk.alice)

    result = receive_message(raw("intake_reply_in_reply_to.eml"), mailbox=mailbox, now=NOW)

    assert result.outcome == "threaded"
    assert result.ticket == ticket
    event = result.message.event
    assert event.kind == TimelineEvent.Kind.PUBLIC_REPLY
    assert event.is_public
    assert event.actor == desk.alice
    assert event.body == "J’ai redémarré le poste et l’écran fonctionne à nouveau.\n\nAlice"
    ticket.refresh_from_db()
    assert ticket.requester_reply_count == 1
    assert Ticket.objects.count() == 1


def test_a_reply_threads_through_the_reference_in_its_subject(desk):
    mailbox = make_mailbox(desk)
    ticket = ticket_with_reference(desk.alice, notice=False)

    result = receive_message(raw("intake_reply_by_subject.eml"), mailbox=mailbox, now=NOW)

    assert result.outcome == "threaded"
    assert result.ticket == ticket
    assert result.message.event.body == "Le problème est revenu cet après-midi."


def test_an_agents_emailed_reply_is_a_public_agent_reply(desk):
    mailbox = make_mailbox(desk)
    opened = receive_message(raw("intake_new_request_fr.eml"), mailbox=mailbox, now=NOW)

    result = receive_message(
        raw("intake_agent_reply.eml"), mailbox=mailbox, now=NOW + timedelta(minutes=5)
    )

    assert result.outcome == "threaded"
    assert result.ticket == opened.ticket
    event = result.message.event
    assert event.actor == desk.agathe
    assert event.is_public
    assert event.data["by_agent"]
    ticket = Ticket.objects.get(pk=opened.ticket.pk)
    assert ticket.agent_reply_count == 1
    assert ticket.first_response_at is not None


def test_a_stranger_quoting_a_reference_never_writes_into_that_ticket(desk):
    mailbox = make_mailbox(desk)
    ticket = ticket_with_reference(desk.alice)
    events_before = ticket.events.filter(is_public=True).count()
    tickets_before = Ticket.objects.count()

    result = receive_message(raw("intake_stranger_quotes_reference.eml"), mailbox=mailbox, now=NOW)

    # Held for the review of the ticket's agents (test_held_for_review.py), not a new ticket.
    assert result.outcome == "held"
    assert result.ticket is None
    assert result.message.held_for == ticket
    assert Ticket.objects.count() == tickets_before
    assert ticket.events.filter(is_public=True).count() == events_before  # an internal entry


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("auto_reply_outlook_fr.eml", "Auto-Submitted: auto-replied"),
        ("auto_reply_absence_fr.eml", "X-Autorespond: Absence du bureau"),
        ("auto_reply_vacation_en.eml", "Auto-Submitted: auto-replied"),
        ("auto_reply_subject_en.eml", "subject: Automatic reply: [D-000127] New laptop"),
        ("bounce_dsn.eml", "multipart/report; report-type=delivery-status"),
        ("read_receipt.eml", "read receipt (disposition-notification)"),
        ("intake_own_address_loop.eml", "sent from the desk's own address soutien@desk.test"),
        ("intake_loop_header.eml", "X-Allie-Loop header present"),
    ],
)
def test_noise_never_opens_a_ticket_nor_gets_an_answer(desk, caplog, name, reason):
    mailbox = make_mailbox(desk, policy=UnknownSenderPolicy.REJECT)
    ticket_with_reference(desk.alice, "D-000127", notice=False)
    replies_before = OutboundMessage.objects.count()
    tickets_before = Ticket.objects.count()

    with caplog.at_level(logging.INFO, logger="allie.mail.services.intake"):
        result = receive_message(raw(name), mailbox=mailbox, now=NOW)

    assert (result.outcome, result.reason) == ("ignored", reason)
    assert result.message.status == "ignored"
    assert result.message.ticket is None
    assert Ticket.objects.count() == tickets_before
    assert OutboundMessage.objects.count() == replies_before
    assert reason in caplog.text


def test_mail_from_the_default_sender_address_is_noise(desk, settings):
    settings.DEFAULT_FROM_EMAIL = "Allié <bureau@desk.test>"
    message = simple("bureau@desk.test", "Avis", message_id="<own-2@desk.test>")

    result = receive_message(message, mailbox=make_mailbox(desk), now=NOW)

    assert result.outcome == "ignored"
    assert "own address" in result.reason


def test_an_unknown_sender_becomes_a_requester_when_the_mailbox_says_create(desk):
    mailbox = make_mailbox(desk, policy=UnknownSenderPolicy.CREATE)

    result = receive_message(raw("intake_unknown_sender.eml"), mailbox=mailbox, now=NOW)

    assert result.outcome == "opened"
    person = User.objects.get(email="gabriel.nadeau@finances.test")
    assert person.full_name == "Gabriel Nadeau"
    assert person.organisation == desk.finances
    assert person.language == desk.finances.language
    assert not person.has_usable_password()
    assert person.is_active
    assert result.ticket.requester == person
    assert not OutboundMessage.objects.filter(kind="rejection").exists()


def test_an_unknown_sender_is_rejected_once_politely_when_the_mailbox_says_reject(desk):
    mailbox = make_mailbox(desk, policy=UnknownSenderPolicy.REJECT)

    first = receive_message(raw("intake_unknown_sender.eml"), mailbox=mailbox, now=NOW)
    second = receive_message(
        simple(
            "Gabriel Nadeau <gabriel.nadeau@finances.test>",
            "Encore",
            message_id="<unknown-2@finances.test>",
        ),
        mailbox=mailbox,
        now=NOW + timedelta(minutes=1),
    )

    assert (first.outcome, first.reason) == ("rejected", "unknown sender")
    assert second.outcome == "rejected"
    assert not User.objects.filter(email__iexact="gabriel.nadeau@finances.test").exists()
    assert Ticket.objects.count() == 0
    rejection = OutboundMessage.objects.get(kind="rejection")
    assert rejection.to_address == "gabriel.nadeau@finances.test"
    assert rejection.from_address == "soutien@desk.test"
    assert rejection.in_reply_to == "<unknown-1@finances.test>"
    assert "Imprimante bourrée" in rejection.subject
    assert "\n----\n" in rejection.text_body  # French, then English
    # Once the rate window has passed, a new message gets a new answer.
    receive_message(
        simple("gabriel.nadeau@finances.test", "Toujours", message_id="<unknown-3@finances.test>"),
        mailbox=mailbox,
        now=NOW + timedelta(minutes=11),
    )
    assert OutboundMessage.objects.filter(kind="rejection").count() == 2


def test_a_storm_from_one_sender_is_cut_by_the_rate_limit(desk, caplog):
    MailSettings.objects.update_or_create(
        pk=1, defaults={"rate_limit": 3, "rate_window_minutes": 10}
    )
    mailbox = make_mailbox(desk)
    storm = [
        simple("alice@finances.test", f"Alerte {n}", message_id=f"<storm-{n}@finances.test>")
        for n in range(6)
    ]

    with caplog.at_level(logging.INFO, logger="allie.mail.services.intake"):
        outcomes = [
            receive_message(message, mailbox=mailbox, now=NOW + timedelta(seconds=n)).outcome
            for n, message in enumerate(storm)
        ]

    assert outcomes == ["opened"] * 3 + ["ignored"] * 3
    limited = InboundMessage.objects.filter(status="ignored")
    assert {row.reason for row in limited} == {
        "rate limited: 3 messages from this sender within 10 minutes"
    }
    assert "rate limited" in caplog.text
    later = simple("alice@finances.test", "Plus tard", message_id="<storm-late@finances.test>")
    assert receive_message(later, mailbox=mailbox, now=NOW + timedelta(minutes=11)).outcome == (
        "opened"
    )


def test_a_twenty_megabyte_attachment_is_stored_whole(desk):
    message = EmailMessage()
    message["From"] = "Alice Bouchard <alice@finances.test>"
    message["To"] = "soutien@desk.test"
    message["Subject"] = "Sauvegarde complète"
    message["Message-ID"] = "<big-1@finances.test>"
    message.set_content("La sauvegarde est jointe.")
    payload = bytes(range(256)) * (20 * 1024 * 1024 // 256)
    message.add_attachment(
        payload, maintype="application", subtype="octet-stream", filename="sauvegarde.bin"
    )
    data = message.as_bytes()
    assert len(data) > 20 * 1024 * 1024 > settings.ATTACHMENT_MAX_BYTES

    result = receive_message(data, mailbox=make_mailbox(desk), now=NOW)

    assert result.outcome == "opened"
    attachment = Attachment.objects.get(ticket=result.ticket)
    assert attachment.original_name == "sauvegarde.bin"
    assert attachment.size == len(payload)
    with read_attachment(attachment) as stream:
        assert stream.read() == payload


def test_a_message_over_the_size_cap_is_kept_raw_and_ignored(desk, settings):
    settings.MAIL_MAX_BYTES = 500
    message = raw("intake_new_request_fr.eml")

    result = receive_message(message, mailbox=make_mailbox(desk), now=NOW)

    assert result.outcome == "ignored"
    assert result.stored
    assert result.reason == "larger than 500 bytes"
    assert rawstore.read_raw(result.message.raw_path) == message
    assert Ticket.objects.count() == 0


@pytest.mark.parametrize("message", [b"", b"\x00\x01 no header here"])
def test_an_unparseable_message_is_kept_raw_and_marked_failed(desk, message):
    result = receive_message(message, mailbox=make_mailbox(desk), now=NOW)

    assert result.outcome == "failed"
    assert result.stored
    assert result.message.status == "failed"
    assert result.message.reason.startswith("unparseable")
    assert result.message.attempts == 1
    assert rawstore.read_raw(result.message.raw_path) == message
    assert receive_message(message, mailbox=make_mailbox(desk, address="b@desk.test")).outcome == (
        "duplicate"
    )


@pytest.mark.parametrize(
    ("name", "sender", "title"),
    [
        ("windows_1252_body.eml", "bob", "Coût €"),
        ("iso_8859_1_body.eml", "carole", "Réunion à la chaîne"),
        ("cp1252_labelled_iso_8859_1.eml", "bob", "L’été"),
        ("encoded_words.eml", None, "Problème d’accès à l’imprim"),
    ],
)
def test_french_subjects_in_every_charset_become_titles(desk, name, sender, title):
    result = receive_message(raw(name), mailbox=make_mailbox(desk), now=NOW)

    assert result.outcome == "opened"
    assert result.ticket.title.startswith(title)
    if sender:
        assert result.ticket.requester == desk.person(sender)
    else:
        assert result.ticket.requester.full_name == "André Bélanger"


def test_html_only_mail_without_subject_opens_a_ticket_with_a_placeholder_title(desk):
    result = receive_message(raw("intake_empty_subject_html.eml"), mailbox=make_mailbox(desk))

    assert result.outcome == "opened"
    assert result.ticket.title in {"(no subject)", "(sans objet)"}
    assert "VPN coupe toutes les 5 minutes" in result.ticket.description
    assert "alert(1)" not in result.ticket.description


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("winmail_dat.eml", {"winmail.dat"}),
        ("related_inline_image.eml", {"image001.png", "journal.txt"}),
        ("rfc2231_filename.eml", None),
    ],
)
def test_attachments_inline_images_and_winmail_dat_are_kept(desk, name, expected):
    result = receive_message(raw(name), mailbox=make_mailbox(desk), now=NOW)

    assert result.outcome == "opened"
    names = set(
        Attachment.objects.filter(event=result.message.event).values_list(
            "original_name", flat=True
        )
    )
    if expected is None:
        assert names
        assert all("/" not in n and "\\" not in n for n in names)
    else:
        assert names == expected


def test_a_reply_on_a_resolved_ticket_is_added_like_on_the_portal(desk):
    ticket = ticket_with_reference(desk.alice)
    transition(ticket, by=desk.person("agathe"), command="acknowledge", now=NOW)
    transition(ticket, by=desk.person("agathe"), command="resolve", now=NOW)

    result = receive_message(raw("intake_reply_in_reply_to.eml"), mailbox=make_mailbox(desk))

    assert result.outcome == "threaded"
    assert result.ticket == ticket
    ticket.refresh_from_db()
    assert ticket.status == "resolved"


def test_a_reply_on_a_closed_ticket_opens_one_follow_up(desk):
    mailbox = make_mailbox(desk)
    ticket = ticket_with_reference(desk.alice)
    transition(ticket, by=desk.person("alice"), command="cancel", now=NOW)

    first = receive_message(raw("intake_reply_in_reply_to.eml"), mailbox=mailbox, now=NOW)
    second = receive_message(raw("intake_reply_by_subject.eml"), mailbox=mailbox, now=NOW)

    assert first.outcome == "opened"
    assert first.ticket != ticket
    assert first.ticket.requester == desk.alice
    assert "D-000140" in first.ticket.description
    assert first.ticket.title == "RE: [D-000140] Écran noir au poste 12"
    assert second.outcome == "threaded"
    assert second.ticket == first.ticket
    assert Ticket.objects.count() == 2


def test_an_agents_mail_on_a_closed_ticket_is_kept_as_an_internal_note(desk):
    mailbox = make_mailbox(desk)
    opened = receive_message(raw("intake_new_request_fr.eml"), mailbox=mailbox, now=NOW)
    transition(opened.ticket, by=desk.person("alice"), command="cancel", now=NOW)

    result = receive_message(raw("intake_agent_reply.eml"), mailbox=mailbox, now=NOW)

    assert result.outcome == "threaded"
    assert result.ticket == opened.ticket
    assert result.message.event.kind == TimelineEvent.Kind.INTERNAL_NOTE
    assert not result.message.event.is_public
    assert Ticket.objects.count() == 1


def test_raw_mail_files_are_shared_by_identical_bytes(desk, tmp_path, settings):
    settings.MAIL_RAW_ROOT = tmp_path
    first = rawstore.store_raw(b"Subject: x\r\n\r\nbody")
    second = rawstore.store_raw(b"Subject: x\r\n\r\nbody")

    assert first == second
    assert [p for p in Path(tmp_path).rglob("*") if p.is_file()] == [tmp_path / first]
    with pytest.raises(ValueError, match="outside"):
        rawstore.read_raw("../../etc/passwd")


def test_the_receipt_of_an_emailed_request_answers_the_clients_email(desk):
    from allie.mail.models import OutboundMessage
    from allie.mail.tests.test_intake_support import make_mailbox, raw

    result = receive_message(raw("intake_new_request_fr.eml"), mailbox=make_mailbox(desk))

    receipt = OutboundMessage.objects.get(ticket=result.ticket, recipient=desk.alice)
    assert receipt.in_reply_to == result.message.message_id
    assert result.message.message_id in receipt.references.split()
    assert receipt.from_address.endswith("soutien@desk.test")
