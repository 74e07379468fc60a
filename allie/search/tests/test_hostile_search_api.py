"""Out-of-range values in `GET /api/v1/search/`: a 400 with the field, never a 500."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize("value", ["9" * 40, str(2**63), "0", "-1"])
def test_an_organisation_beyond_any_key_is_a_400(client, desk, make, value):
    make("alice", title="Imprimante bloquée")
    client.force_login(desk.person("agathe"))

    # 40 digits overflowed the database's integer: a 500.
    response = client.get("/api/v1/search/", {"q": "imprimante", "organisation": value})

    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"organisation"}


def test_the_largest_key_is_still_a_valid_organisation(client, desk, make):
    make("alice", title="Imprimante bloquée")
    client.force_login(desk.person("agathe"))

    response = client.get("/api/v1/search/", {"q": "imprimante", "organisation": str(2**63 - 1)})

    assert response.status_code == 200
    assert response.json()["results"] == []
