"""Browser journeys: Playwright drives Debian's Chromium (never a downloaded browser)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-results" / "screenshots"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    return {**browser_context_args, "locale": "fr-CA", "viewport": {"width": 1280, "height": 900}}


@pytest.fixture
def shoot() -> Any:
    """Save a full-page screenshot under test-results/screenshots/ (kept as a CI artifact)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    def take(page: Any, name: str) -> Path:
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


PASSWORD = "secret-pass-123"  # the factories' password


@pytest.fixture
def sign_in(browser: Any, live_server: Any, browser_context_args: dict[str, Any]) -> Any:
    """Open a browser context of its own for a person, signed in; return its page."""

    def open_as(email: str) -> Any:
        context = browser.new_context(**browser_context_args)
        page = context.new_page()
        page.goto(f"{live_server.url}/login/")
        page.fill("#id_username", email)
        page.fill("#id_password", PASSWORD)
        page.click("button.primary")
        page.wait_for_load_state("networkidle")
        return page

    return open_as
