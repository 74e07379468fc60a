"""The admin of MailSettings: administrators only, one row, the list leads straight to it."""

from __future__ import annotations

import pytest
from django.urls import reverse

# Registers the admin even before allie/mail/admin/__init__.py imports it (a no-op afterwards).
from allie.mail.admin import settings as settings_admin  # noqa: F401
from allie.mail.models import MailSettings

pytestmark = pytest.mark.django_db


def test_the_list_leads_to_the_single_row_which_an_administrator_can_change(client, desk):
    client.force_login(desk.person("admin"))

    response = client.get(reverse("admin:mail_mailsettings_changelist"))

    change = reverse("admin:mail_mailsettings_change", args=[1])
    assert response.status_code == 302
    assert response["Location"] == change
    page = client.get(change)
    assert page.status_code == 200
    assert 'name="rate_limit"' in page.content.decode()
    saved = client.post(change, {"rate_limit": 5, "rate_window_minutes": 15, "max_attempts": 4})
    assert saved.status_code == 302
    assert MailSettings.current().rate_limit == 5
    assert MailSettings.objects.count() == 1


def test_agents_cannot_reach_the_mail_settings(client, desk):
    agent = desk.person("agathe")
    agent.is_staff = True
    agent.save()
    client.force_login(agent)

    change = client.get(reverse("admin:mail_mailsettings_change", args=[1]))
    listing = client.get(reverse("admin:mail_mailsettings_changelist"))

    assert change.status_code in {302, 403}
    assert listing.status_code in {302, 403}
    assert listing.get("Location", "") != reverse("admin:mail_mailsettings_change", args=[1])
    assert MailSettings.objects.count() == 0
