"""The one scoping rule: who sees which tickets."""

from __future__ import annotations

import io

import pytest

from allie.tickets.models import Ticket
from allie.tickets.services import UploadedFile, open_ticket, reply


def titles_visible_to(user):
    return set(Ticket.objects.visible_to(user).values_list("title", flat=True))


@pytest.fixture
def tickets(desk):
    open_ticket(requester=desk.person("alice"), title="alice-finances")
    open_ticket(requester=desk.person("bob"), title="bob-finances")
    open_ticket(requester=desk.person("oscar"), title="oscar-autre")
    clinic_person = desk.person("oscar")
    clinic_person.organisation = desk.clinic
    clinic_person.save()
    open_ticket(requester=clinic_person, title="clinique")
    return desk


@pytest.mark.parametrize(
    ("person", "expected"),
    [
        ("alice", {"alice-finances"}),
        ("bob", {"bob-finances"}),
        ("carole", {"alice-finances", "bob-finances"}),
        ("oscar", {"oscar-autre", "clinique"}),
        ("agathe", {"alice-finances", "bob-finances"}),
        ("chloe", {"clinique"}),
        ("admin", {"alice-finances", "bob-finances", "oscar-autre", "clinique"}),
    ],
)
def test_each_person_sees_exactly_their_scope(tickets, person, expected):
    user = tickets.person(person)

    assert titles_visible_to(user) == expected


@pytest.mark.parametrize(
    "person", ["alice", "bob", "carole", "oscar", "agathe", "chloe", "lea", "admin", "inactive"]
)
def test_the_rule_split_by_organisation_is_the_same_rule(tickets, person):
    from allie.tickets.selectors import visibility_by_organisation

    user = tickets.person("agathe" if person == "inactive" else person)
    user.is_active = person != "inactive"
    # Tickets each person asked for or owns outside what they see by organisation.
    lea = tickets.person("lea")
    lea.organisation = tickets.clinic
    open_ticket(requester=lea, title="lea-clinique")
    Ticket.objects.filter(title="oscar-autre").update(owner=tickets.person("agathe"))

    organisations, others = visibility_by_organisation(user)
    split = Ticket.objects.filter(others)
    if organisations is None:
        split = Ticket.objects.all()
    elif organisations:
        split |= Ticket.objects.filter(organisation_id__in=organisations)

    assert set(split.values_list("title", flat=True)) == set(
        Ticket.objects.visible_to(user).values_list("title", flat=True)
    )


def test_inactive_and_anonymous_people_see_nothing(tickets):
    from django.contrib.auth.models import AnonymousUser

    alice = tickets.person("alice")
    alice.is_active = False

    assert titles_visible_to(alice) == set()
    assert titles_visible_to(AnonymousUser()) == set()


def upload(name="rapport.pdf", data=b"%PDF-1.4 test"):
    return UploadedFile(
        name=name, content_type="application/pdf", size=len(data), stream=io.BytesIO(data)
    )


def test_attachment_is_a_download_for_those_who_see_the_ticket_and_404_for_others(desk, client):
    ticket = open_ticket(requester=desk.person("alice"), title="Avec pièce", files=[upload()])
    attachment = ticket.attachments.get()

    client.force_login(desk.person("alice"))
    response = client.get(f"/attachments/{attachment.pk}/")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert b"".join(response.streaming_content) == b"%PDF-1.4 test"

    client.force_login(desk.person("oscar"))
    assert client.get(f"/attachments/{attachment.pk}/").status_code == 404
    client.force_login(desk.person("chloe"))
    assert client.get(f"/attachments/{attachment.pk}/").status_code == 404


def test_attachment_of_an_internal_note_is_hidden_from_the_requester(desk, client):
    ticket = open_ticket(requester=desk.person("alice"), title="Note interne")
    reply(ticket, by=desk.person("agathe"), body="journal", public=False, files=[upload("log.txt")])
    attachment = ticket.attachments.get()

    client.force_login(desk.person("alice"))
    assert client.get(f"/attachments/{attachment.pk}/").status_code == 404
    client.force_login(desk.person("bruno"))
    assert client.get(f"/attachments/{attachment.pk}/").status_code == 200


def test_stored_name_is_random_and_display_name_is_cleaned(desk):
    ticket = open_ticket(
        requester=desk.person("alice"),
        title="Nom piégé",
        files=[upload(name="../../etc/passwd\x00<script>.pdf")],
    )
    attachment = ticket.attachments.get()

    assert "/" not in attachment.original_name
    assert "<" not in attachment.original_name
    assert "\x00" not in attachment.original_name
    assert len(attachment.stored_name) == 32
    assert attachment.original_name not in attachment.stored_name


def test_a_file_refused_while_writing_leaves_no_row_and_no_file_behind(desk, settings):
    from pathlib import Path

    from allie.tickets.services import ServiceError

    settings.ATTACHMENT_MAX_BYTES = 10
    small = upload(name="ok.txt", data=b"12345")
    liar = UploadedFile(
        name="big.txt", content_type="text/plain", size=5, stream=io.BytesIO(b"x" * 50)
    )
    before = {p for p in Path(settings.ATTACHMENTS_ROOT).rglob("*") if p.is_file()}

    with pytest.raises(ServiceError) as error:
        open_ticket(requester=desk.person("alice"), title="Deux fichiers", files=[small, liar])

    assert error.value.code == "attachment_too_large"
    assert not Ticket.objects.filter(title="Deux fichiers").exists()
    after = {p for p in Path(settings.ATTACHMENTS_ROOT).rglob("*") if p.is_file()}
    assert after == before
