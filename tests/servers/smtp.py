"""A real SMTP server for the tests: aiosmtpd on 127.0.0.1, an ephemeral port, in a thread.

It records every message it accepts and can be told to misbehave the way real servers do:
refuse for now (451), refuse for good (550 on RCPT or on DATA), or stop answering. Use the
``smtp_server`` fixture, or ``running_smtp_server()`` in a fixture of your own; ``configure``
points Django's SMTP backend at it.
"""

from __future__ import annotations

import asyncio
import enum
import logging
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller


class Behaviour(enum.Enum):
    ACCEPT = "accept"
    REFUSE_TEMPORARILY = "451 at the end of DATA"
    REFUSE_RECIPIENT = "550 on RCPT"
    REFUSE_MESSAGE = "550 at the end of DATA"
    HANG = "no answer after DATA"


@dataclass(frozen=True)
class Received:
    mail_from: str
    rcpt_tos: list[str]
    content: bytes

    def message(self) -> EmailMessage:
        """The message as a receiving client would read it (stdlib parser, modern policy)."""
        parsed = message_from_bytes(self.content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed


class RecordingHandler:
    """aiosmtpd handler: answers according to ``behaviour`` and keeps what it accepted."""

    def __init__(self, hang_seconds: float) -> None:
        self.behaviour = Behaviour.ACCEPT
        self.hang_seconds = hang_seconds
        self.received: list[Received] = []
        self.refused = 0  # messages (or recipients) turned away
        self.unknown_recipients: set[str] = set()  # always refused with 550, whatever the mode
        self._lock = threading.Lock()

    async def handle_RCPT(  # noqa: N802 (aiosmtpd's hook names)
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        if self.behaviour is Behaviour.REFUSE_RECIPIENT or address in self.unknown_recipients:
            self.refused += 1
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        behaviour = self.behaviour
        if behaviour is Behaviour.HANG:
            await asyncio.sleep(self.hang_seconds)  # the client times out long before
            return "451 4.4.2 Too late"
        if behaviour is Behaviour.REFUSE_TEMPORARILY:
            self.refused += 1
            return "451 4.3.0 Mailbox busy, try again later"
        if behaviour is Behaviour.REFUSE_MESSAGE:
            self.refused += 1
            return "550 5.7.1 Message refused by policy"
        with self._lock:
            self.received.append(
                Received(envelope.mail_from, list(envelope.rcpt_tos), bytes(envelope.content))
            )
        return "250 2.0.0 Message accepted for delivery"


class _LoopbackController(Controller):
    """Serves on a socket bound beforehand: port 0 gives a free port with no race."""

    def __init__(self, handler: RecordingHandler, sock: socket.socket) -> None:
        super().__init__(handler, hostname="127.0.0.1", port=sock.getsockname()[1])
        self._sock = sock

    def _create_server(self) -> Any:
        return self.loop.create_server(self._factory_invoker, sock=self._sock)


@dataclass
class SmtpServer:
    host: str
    port: int
    handler: RecordingHandler

    @property
    def received(self) -> list[Received]:
        return self.handler.received

    def behave(self, behaviour: Behaviour) -> None:
        self.handler.behaviour = behaviour

    def message_ids(self) -> list[str]:
        return [item.message()["Message-ID"] for item in self.received]

    def configure(self, settings: Any, *, timeout: float = 1.0) -> None:
        """Point Django's SMTP backend at this server (``settings`` is pytest-django's)."""
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST = self.host
        settings.EMAIL_PORT = self.port
        settings.EMAIL_HOST_USER = ""
        settings.EMAIL_HOST_PASSWORD = ""
        settings.EMAIL_USE_TLS = False
        settings.EMAIL_USE_SSL = False
        settings.EMAIL_TIMEOUT = timeout


@contextmanager
def running_smtp_server(*, hang_seconds: float = 5.0) -> Iterator[SmtpServer]:
    """Run an SMTP server on loopback for the duration of the block."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    handler = RecordingHandler(hang_seconds)
    controller = _LoopbackController(handler, sock)
    server_log = logging.getLogger("mail.log")  # aiosmtpd logs every command at INFO
    level = server_log.level
    server_log.setLevel(logging.WARNING)
    controller.start()
    try:
        yield SmtpServer("127.0.0.1", sock.getsockname()[1], handler)
    finally:
        controller.stop()
        sock.close()
        server_log.setLevel(level)


def closed_port() -> int:
    """Return a loopback port nobody listens on (bound then released: connection refused)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def smtp_server(settings: Any) -> Iterator[SmtpServer]:
    """A real SMTP server that Django's mail functions send to, accepting by default."""
    with running_smtp_server() as server:
        server.configure(settings)
        yield server
