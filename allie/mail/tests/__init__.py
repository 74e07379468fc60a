"""Tests of the mail domain: no database, real-looking messages kept as .eml files."""

from __future__ import annotations

from pathlib import Path

from allie.mail.domain.parsing import ParsedMessage, parse_message

MESSAGES = Path(__file__).parent / "messages"


def load(name: str) -> ParsedMessage:
    """Parse one of the stored test messages, which are all parseable."""
    parsed = parse_message((MESSAGES / name).read_bytes())
    assert isinstance(parsed, ParsedMessage), parsed
    return parsed


def build(headers: dict[str, str], body: str = "Bonjour.\n") -> bytes:
    """A small message from headers (in order) and a UTF-8 text body."""
    lines = [f"{name}: {value}" for name, value in headers.items()]
    lines += ["MIME-Version: 1.0", "Content-Type: text/plain; charset=utf-8", "", body]
    return "\r\n".join(lines).encode("utf-8")
