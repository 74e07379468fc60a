"""Password guessing on the sign-in page: after AXES_FAILURE_LIMIT failures for one username
from one address, further attempts are refused, the right password included."""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.test import override_settings
from django.urls import reverse

from tests.factories import UserFactory

PASSWORD = "secret-pass-123"  # UserFactory's


@pytest.fixture
def lockout():
    # Axes is off under tests (config/settings.py); this test turns it on for itself.
    with override_settings(AXES_ENABLED=True):
        yield settings.AXES_FAILURE_LIMIT


def sign_in(client, email: str, password: str):
    return client.post(reverse("login"), {"username": email, "password": password})


@pytest.mark.django_db
def test_failed_sign_ins_for_one_username_lock_even_the_right_password(client, lockout):
    user = UserFactory(email="target@example.test")

    for _ in range(lockout):
        sign_in(client, user.email, "wrong-guess")
    response = sign_in(client, user.email, PASSWORD)

    assert response.status_code == 429
    assert "Connexion suspendue" in response.content.decode()  # the site's page, in French
    assert "_auth_user_id" not in client.session
    assert AccessAttempt.objects.filter(username=user.email).exists()


@pytest.mark.django_db
def test_a_few_failures_still_let_the_right_password_in(client, lockout):
    user = UserFactory(email="typo@example.test")

    for _ in range(lockout - 1):
        sign_in(client, user.email, "wrong-guess")
    response = sign_in(client, user.email, PASSWORD)

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


@pytest.mark.django_db
def test_changing_the_case_of_the_username_does_not_reset_the_count(client, lockout):
    user = UserFactory(email="target@example.test")

    for attempt in range(lockout):
        sign_in(client, "TARGET@example.test" if attempt % 2 else "Target@Example.Test", "x")
    response = sign_in(client, user.email, PASSWORD)

    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
