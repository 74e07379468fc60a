"""A reference in the URL that no ticket can hold answers 404 on every interface."""

from __future__ import annotations

import pytest

from allie.tickets.services import open_ticket


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/tickets/{}/",
        "/api/v1/tickets/{}/timeline/",
        "/desk/tickets/{}/",
        "/portal/requests/{}/",
    ],
)
def test_a_nul_byte_in_a_ticket_reference_is_a_404(client, desk, url):
    ticket = open_ticket(requester=desk.person("alice"), title="Écran noir")
    client.force_login(desk.person("admin"))

    # PostgreSQL refuses a NUL in a text parameter: the lookup failed with a 500.
    response = client.get(url.format(f"{ticket.reference}%00"))

    assert response.status_code == 404
