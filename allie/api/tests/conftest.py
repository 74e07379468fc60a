from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from allie.tickets.services import open_ticket


@pytest.fixture
def api():
    """Return a client that logs in a persona by name and speaks JSON."""

    class Api(APIClient):
        def as_(self, person):
            self.force_login(person)
            return self

    return Api()


@pytest.fixture
def open_for(desk):
    """Open a ticket through the service, for a persona name."""

    def _open(name="alice", **kwargs):
        kwargs.setdefault("title", "Écran noir")
        return open_ticket(requester=desk.person(name), **kwargs)

    return _open
