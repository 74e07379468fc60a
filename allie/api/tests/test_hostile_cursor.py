"""A forged pagination cursor answers DRF's JSON "Invalid cursor" 404, never a 500."""

from __future__ import annotations

import base64

import pytest


def forged(raw: str) -> str:
    return base64.b64encode(raw.encode()).decode()


@pytest.mark.parametrize(
    ("url", "position"),
    [
        ("/api/v1/tickets/", "not-a-date"),
        ("/api/v1/tickets/", "2024-01-01%00"),
        ("/api/v1/tickets/", "0001-01-01T00:00:00%2B05:00"),  # overflowed on its way to UTC
        ("/api/v1/tickets/", "9999-12-31T23:59:59-05:00"),
        ("/api/v1/organisations/", "abc"),
        ("/api/v1/organisations/", "1.5"),
        ("/api/v1/services/", "x"),
        ("/api/v1/people/", "%00"),
    ],
)
def test_a_cursor_whose_position_is_not_a_value_of_its_column_is_a_json_404(
    api, desk, open_for, url, position
):
    open_for("alice")

    response = api.as_(desk.person("agathe")).get(url, {"cursor": forged(f"p={position}")})

    if response.status_code == 200:  # PostgreSQL takes the far dates SQLite cannot convert
        assert "0001" in position or "9999" in position
        return
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_a_cursor_the_api_wrote_still_turns_the_page(api, desk, open_for):
    for _ in range(3):
        open_for("alice")
    agent = api.as_(desk.person("agathe"))

    first = agent.get("/api/v1/tickets/", {"page_size": 2}).json()
    second = agent.get(first["next"])

    assert second.status_code == 200
    assert len(second.json()["results"]) == 1
