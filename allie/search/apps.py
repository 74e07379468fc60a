from __future__ import annotations

from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "allie.search"
    label = "search"

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from allie.accounts.models import User
        from allie.search.services.indexing import on_person_saved

        # A decoupled side effect: a renamed requester is found under the new name.
        post_save.connect(on_person_saved, sender=User, dispatch_uid="search_requester_name")
