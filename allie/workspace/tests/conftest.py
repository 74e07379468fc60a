from __future__ import annotations

import pytest

from allie.tickets.services import open_ticket


@pytest.fixture
def open_for(desk):
    """Open a ticket through the service, for alice unless another requester is given."""

    def _open(title="Écran noir", requester=None, **kwargs):
        kwargs.setdefault("service", desk.service)
        return open_ticket(requester=requester or desk.person("alice"), title=title, **kwargs)

    return _open
