"""`manage.py demo_logins`: print who to sign in as, once the demo is loaded."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from allie.accounts.models import User
from allie.demo import data
from allie.demo.builder import email_for

URL = "http://127.0.0.1:8000/"


def demo_logins() -> list[tuple[str, str, str]]:
    """Return (role, name, email) for the demo people to try, administrator first."""
    people = [(_("administrator"), data.ADMIN_NAME, data.ADMIN_EMAIL)]
    role_labels = {
        "agent, team lead": _("agent, team lead"),
        "agent": _("agent"),
        "requester": _("requester"),
        "organisation contact": _("organisation contact"),
        "requester, English": _("requester, English"),
    }
    people += [
        (str(role_labels[role]), name, email_for(name, domain))
        for role, name, domain in data.DEMO_LOGINS
    ]
    return people


class Command(BaseCommand):
    help = "Print the demo logins and the address of the web app."

    def handle(self, *args: Any, **options: Any) -> None:
        logins = demo_logins()
        present = set(
            User.objects.filter(email__in=[email for _r, _n, email in logins]).values_list(
                "email", flat=True
            )
        )
        if not present:
            self.stdout.write(_("The demo is not loaded. Load it with: python manage.py seed_demo"))
            return
        rows = [(role, name, email) for role, name, email in logins if email in present]
        widths = [max(len(row[i]) for row in rows) for i in range(2)]
        self.stdout.write("")
        self.stdout.write(_("Allié demo: %(url)s") % {"url": URL})
        self.stdout.write(
            _("Password for everyone: %(password)s") % {"password": data.DEMO_PASSWORD}
        )
        self.stdout.write("")
        for role, name, email in rows:
            self.stdout.write(f"  {role.ljust(widths[0])}  {name.ljust(widths[1])}  {email}")
        self.stdout.write("")
