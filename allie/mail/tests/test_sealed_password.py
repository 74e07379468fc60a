"""A mailbox password typed in the admin never sits in the database in clear."""

from __future__ import annotations

from importlib import import_module
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.db import connection
from django.test import override_settings

from allie.core import sealing
from allie.mail.models import Mailbox, Security

MIGRATION = import_module("allie.mail.migrations.0005_sealed_mailbox_password")


def stored_password(mailbox: Mailbox) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT password FROM mail_mailbox WHERE id = %s", [mailbox.pk])
        return cursor.fetchone()[0]


def set_stored_password(mailbox: Mailbox, raw: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute("UPDATE mail_mailbox SET password = %s WHERE id = %s", [raw, mailbox.pk])


@pytest.fixture
def mailbox(desk) -> Mailbox:
    return Mailbox.objects.create(
        name="Soutien",
        address="soutien@desk.test",
        host="imap.desk.test",
        security=Security.SSL,
        username="soutien",
        password="Correct horse 🐎 battery",
        organisation=desk.finances,
        service=desk.service,
    )


def test_the_database_holds_the_password_sealed_and_the_worker_reads_it_clear(mailbox):
    stored = stored_password(mailbox)
    assert stored.startswith(sealing.PREFIX)
    assert "horse" not in stored
    assert Mailbox.objects.get(pk=mailbox.pk).secret() == "Correct horse 🐎 battery"


def test_saving_again_keeps_one_seal_not_a_seal_of_a_seal(mailbox):
    mailbox.refresh_from_db()
    mailbox.save()
    assert Mailbox.objects.get(pk=mailbox.pk).password == "Correct horse 🐎 battery"


def test_a_password_that_looks_sealed_is_still_sealed(mailbox):
    mailbox.password = sealing.PREFIX + "not-a-token"
    mailbox.save()
    assert Mailbox.objects.get(pk=mailbox.pk).password == sealing.PREFIX + "not-a-token"


def test_an_older_secret_key_in_the_fallbacks_still_opens_the_password(mailbox, settings):
    old_key = settings.SECRET_KEY
    with override_settings(SECRET_KEY="a-new-key-" + "x" * 50, SECRET_KEY_FALLBACKS=[old_key]):
        assert Mailbox.objects.get(pk=mailbox.pk).secret() == "Correct horse 🐎 battery"
    with override_settings(SECRET_KEY="a-new-key-" + "x" * 50, SECRET_KEY_FALLBACKS=[]):
        # No key opens it: the mailbox says it has no password rather than failing.
        assert Mailbox.objects.get(pk=mailbox.pk).secret() == ""


def test_the_migration_seals_passwords_stored_in_clear_and_can_open_them_again(mailbox):
    set_stored_password(mailbox, "ancien-mot-de-passe")
    editor = SimpleNamespace(connection=connection)

    MIGRATION.seal_stored_passwords(apps, editor)
    assert sealing.is_sealed(stored_password(mailbox))
    assert Mailbox.objects.get(pk=mailbox.pk).secret() == "ancien-mot-de-passe"

    MIGRATION.open_stored_passwords(apps, editor)
    assert stored_password(mailbox) == "ancien-mot-de-passe"


def test_sealing_is_randomised_and_empty_stays_empty():
    assert sealing.seal("") == ""
    assert sealing.seal("x") != sealing.seal("x")
    assert sealing.unseal(sealing.seal("é" * 300)) == "é" * 300
    assert sealing.unseal(sealing.PREFIX + "garbage") == ""
