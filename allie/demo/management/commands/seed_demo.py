"""`manage.py seed_demo`: load the bilingual demo organisation once."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from allie.demo.builder import build_demo, demo_is_loaded


class Command(BaseCommand):
    help = "Load the bilingual demo: organisations, people, teams, services and tickets."

    def handle(self, *args: Any, **options: Any) -> None:
        if demo_is_loaded():
            self.stdout.write(_("The demo is already loaded; nothing to do."))
            return
        summary = build_demo()
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "Demo loaded in %(seconds).1f s: %(organisations)d organisations, "
                    "%(people)d people, %(teams)d teams, %(services)d services, "
                    "%(tickets)d requests."
                )
                % {
                    "seconds": summary.seconds,
                    "organisations": summary.organisations,
                    "people": summary.people,
                    "teams": summary.teams,
                    "services": summary.services,
                    "tickets": summary.tickets,
                }
            )
        )
        self.stdout.write(_("Run “python manage.py demo_logins” to see how to sign in."))
