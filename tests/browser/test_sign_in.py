from __future__ import annotations

import pytest

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_a_person_signs_in_and_a_wrong_password_is_refused(live_server, page, desk, shoot):
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "alice@finances.test")
    page.fill("#id_password", "wrong-password")
    page.click("button.primary")
    assert page.locator("[role=alert]").is_visible()

    page.fill("#id_username", "alice@finances.test")
    page.fill("#id_password", "secret-pass-123")
    page.click("button.primary")

    page.wait_for_url(f"{live_server.url}/portal/**")
    shoot(page, "sign-in-portal")
    assert "Alice Bouchard" in page.inner_text("header")
