"""Attachments with hostile names, types and counts: what is stored, what is refused, and what
the download view sends back."""

from __future__ import annotations

import io

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from allie.tickets.models import Attachment, Ticket
from allie.tickets.services import ServiceError, open_ticket
from allie.tickets.services.attachments import UploadedFile, safe_display_name

pytestmark = pytest.mark.django_db

DATA = b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>"


@pytest.mark.parametrize(
    ("name", "disposition"),
    [
        ('fac"ture.svg', 'attachment; filename="facture.svg"'),
        ("a.txt\r\nSet-Cookie: x=1.html", 'attachment; filename="a.txtSet-Cookie x=1.html"'),
        (
            "a.txt\"; filename*=UTF-8''b.html",
            "attachment; filename=\"a.txt; filename=UTF-8''b.html\"",
        ),
        ("facture\u202elmth.pdf", 'attachment; filename="facturelmth.pdf"'),  # no RTL spoof
        ("café «noir».html", "attachment; filename*=utf-8''caf%C3%A9%20%C2%ABnoir%C2%BB.html"),
    ],
)
def test_a_hostile_file_is_a_download_whatever_its_name_and_claimed_type(
    client, desk, name, disposition
):
    upload = UploadedFile(
        name=name, content_type="image/svg+xml", size=len(DATA), stream=io.BytesIO(DATA)
    )
    ticket = open_ticket(requester=desk.person("alice"), title="Pièce", files=[upload])
    client.force_login(desk.person("alice"))

    response = client.get(reverse("tickets:attachment", args=[ticket.attachments.get().pk]))

    assert response.status_code == 200
    assert response["Content-Disposition"] == disposition
    assert response["Content-Type"] == "application/octet-stream"  # never the client's claim
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "sandbox; default-src 'none'"
    assert b"".join(response.streaming_content) == DATA


def upload(name: str = "note.txt", content_type: str = "text/plain") -> UploadedFile:
    return UploadedFile(name=name, content_type=content_type, size=3, stream=io.BytesIO(b"abc"))


# --- Content types: stored as text any database takes ----------------------------------------


@pytest.mark.parametrize(
    ("claimed", "stored"),
    [
        ("text/plain\x00", "text/plain"),  # PostgreSQL refuses NUL in text
        ("image/\x00png\r\n", "image/png"),
        ("\x00\x01\x7f", "application/octet-stream"),
        ("text/\ud800plain", "text/plain"),  # a lone surrogate cannot be encoded
        ("", "application/octet-stream"),
        ("application/" + "x" * 5000, "application/" + "x" * 138),
    ],
)
def test_a_claimed_content_type_is_stored_without_control_characters(desk, claimed, stored):
    ticket = open_ticket(
        requester=desk.person("alice"), title="Pièce", files=[upload(content_type=claimed)]
    )

    assert ticket.attachments.get().content_type == stored


def test_a_nul_in_an_uploaded_content_type_is_dropped_through_the_portal(client, desk):
    client.force_login(desk.person("alice"))
    sent = SimpleUploadedFile("capture.png", b"png-bytes", "image/png\x00")
    ticket = open_ticket(requester=desk.person("alice"), title="Écran", service=desk.service)

    response = client.post(
        reverse("portal:reply", args=[ticket.reference]), {"body": "Voici", "attachments": [sent]}
    )

    assert response.status_code == 302
    assert ticket.attachments.get().content_type == "image/png"


# --- How many files one message may carry ----------------------------------------------------


def test_more_files_than_allowed_on_a_new_request_are_refused_and_nothing_is_saved(desk, settings):
    settings.ATTACHMENT_MAX_FILES = 2

    with pytest.raises(ServiceError) as refused:
        open_ticket(requester=desk.person("alice"), title="Pièces", files=[upload()] * 3)

    assert (refused.value.code, refused.value.field) == ("attachment_too_many", "files")
    with translation.override("en"):
        assert "at most 2" in refused.value.message
    assert not Ticket.objects.exists()
    assert not Attachment.objects.exists()


def test_as_many_files_as_allowed_are_accepted(desk, settings):
    settings.ATTACHMENT_MAX_FILES = 2

    ticket = open_ticket(
        requester=desk.person("alice"), title="Pièces", files=[upload("a.txt"), upload("b.txt")]
    )

    assert ticket.attachments.count() == 2


def test_a_reply_with_too_many_files_shows_the_error_on_the_form(client, desk, settings):
    settings.ATTACHMENT_MAX_FILES = 2
    ticket = open_ticket(requester=desk.person("alice"), title="Écran", service=desk.service)
    client.force_login(desk.person("alice"))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    files = [SimpleUploadedFile(f"{n}.txt", b"abc", "text/plain") for n in range(3)]

    response = client.post(
        reverse("portal:reply", args=[ticket.reference]), {"body": "Voici", "attachments": files}
    )

    assert response.status_code == 200
    assert response["Content-Language"] == "en"
    assert "at most 2" in str(response.context["reply_form"].errors["attachments"])
    assert not Attachment.objects.exists()
    assert ticket.events.count() == 1


def test_an_agent_reply_with_too_many_files_is_refused(client, desk, settings):
    settings.ATTACHMENT_MAX_FILES = 2
    ticket = open_ticket(requester=desk.person("alice"), title="Écran", service=desk.service)
    client.force_login(desk.person("agathe"))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    files = [SimpleUploadedFile(f"{n}.txt", b"abc", "text/plain") for n in range(3)]

    response = client.post(
        reverse("workspace:reply", args=[ticket.reference]),
        {"body": "Tiens", "files": files},
        headers={"HX-Request": "true"},
    )

    assert response.status_code == 400
    assert response["Content-Language"] == "en"
    assert "at most 2" in response.content.decode()
    assert not Attachment.objects.exists()


def test_the_file_limit_defaults_to_twenty():
    assert django_settings.ATTACHMENT_MAX_FILES == 20


# --- Display names: never a Windows device ---------------------------------------------------


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("CON", "_CON"),
        ("con.txt", "_con.txt"),
        ("Nul.tar.gz", "_Nul.tar.gz"),
        ("prn", "_prn"),
        ("AUX.pdf", "_AUX.pdf"),
        ("COM1.log", "_COM1.log"),
        ("lpt9", "_lpt9"),
        ("C:\\temp\\com3.txt", "_com3.txt"),
        ("con .txt", "_con .txt"),  # Windows ignores the blank before the extension
        ("console.txt", "console.txt"),
        ("COM10.txt", "COM10.txt"),
        ("icon.png", "icon.png"),
        ("_CON.txt", "_CON.txt"),
    ],
)
def test_a_windows_device_name_is_prefixed_so_it_saves_as_a_file(name, shown):
    assert safe_display_name(name) == shown
