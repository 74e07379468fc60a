"""An email address is one person whatever its letter case: to sign in, and to be unique.

Phones capitalise the first letter typed; mail clients keep the case a sender wrote. A login
that compared the address exactly refused "Alice@…" for "alice@…", and two accounts could
differ by one capital letter, each receiving half of one person's requests.
"""

from __future__ import annotations

from importlib import import_module

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import translation

from allie.accounts.admin import PersonChangeForm
from allie.accounts.models import User
from tests.factories import UserFactory
from tests.plans import plan_with_only, served_by

PASSWORD = "secret-pass-123"  # UserFactory's


def test_a_person_signs_in_whatever_the_case_they_type(client, desk):
    response = client.post(
        reverse("login"), {"username": "  Alice@FINANCES.test", "password": PASSWORD}
    )

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(desk.alice.pk)


def test_the_wrong_password_is_still_refused_in_any_case(client, desk):
    response = client.post(reverse("login"), {"username": "ALICE@finances.test", "password": "x"})

    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_the_database_refuses_a_second_person_differing_by_case(desk):
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(email="Alice@Finances.TEST", username="someone-else", full_name="A")


def test_changing_an_email_to_another_persons_in_other_case_is_refused(desk):
    bob = desk.person("bob")
    bob.email = "ALICE@finances.test"

    with translation.override("en"):
        with pytest.raises(ValidationError, match="already uses"):
            bob.full_clean()
        form = PersonChangeForm(instance=bob, data={"email": "ALICE@finances.test"})
        assert not form.is_valid()
        assert "already uses" in str(form.errors["email"])


def test_a_person_keeps_their_own_address_in_another_case(desk):
    alice = desk.person("alice")
    alice.email = "Alice@Finances.test"

    alice.full_clean()
    alice.save()

    assert User.objects.get(email__iexact="alice@finances.test").pk == alice.pk


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's plans")
def test_finding_a_person_by_address_in_any_case_reads_one_index_entry(db):
    UserFactory.create_batch(3)
    people = User.objects.filter(email__iexact="Someone@Example.test")

    assert served_by(plan_with_only(people, "person_email_any_case"), "person_email_any_case")


def test_the_migration_names_the_accounts_to_merge_before_adding_the_constraint(desk):
    migration = import_module("allie.accounts.migrations.0005_email_unique_any_case")
    with connection.cursor() as cursor:  # as before the migration (rolled back with the test)
        cursor.execute("DROP INDEX person_email_any_case")
    UserFactory(email="Alice@Finances.test", username="alice-again")

    with pytest.raises(RuntimeError, match=r"ALICE@FINANCES\.TEST"):
        migration.refuse_addresses_used_twice(apps, None)
