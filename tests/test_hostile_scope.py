"""Tampered references and cursors never reach another organisation's requests, nor crash."""

from __future__ import annotations

import pytest
from django.urls import reverse

from allie.tickets.services import open_ticket

BIG = "9" * 30


@pytest.fixture
def finances_ticket(desk):
    return open_ticket(requester=desk.person("alice"), title="Paie bloquée", service=desk.service)


@pytest.mark.parametrize("name", ["portal:ticket", "workspace:ticket", "api:ticket"])
@pytest.mark.parametrize(
    "variant",
    [
        str.lower,
        lambda ref: f" {ref}",
        lambda ref: ref.replace("0", "\u0660"),  # Arabic-Indic zero
        lambda ref: ref.replace("0", "\uff10"),  # full-width zero
    ],
)
def test_a_reference_written_otherwise_gives_an_outsider_a_404(
    client, desk, finances_ticket, name, variant
):
    client.force_login(desk.person("oscar") if name != "workspace:ticket" else desk.chloe)

    response = client.get(reverse(name, kwargs={"reference": variant(finances_ticket.reference)}))

    assert response.status_code == 404


@pytest.mark.parametrize(
    "before", [f"1_{BIG}", f"{BIG}_1", f"-{BIG}_1", "\uff11\uff12_\uff13", "1_1\x00", "x_y"]
)
def test_a_tampered_cursor_pages_only_the_organisation_of_its_contact(
    client, desk, finances_ticket, before
):
    open_ticket(requester=desk.person("oscar"), title="Autre chose")
    client.force_login(desk.person("carole"))

    response = client.get(reverse("portal:home"), {"tab": "organisation", "before": before})

    assert response.status_code == 200
    shown = response.context["page"].object_list
    assert {ticket.organisation_id for ticket in shown} <= {desk.finances.pk}
