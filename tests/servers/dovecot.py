"""A real IMAP server for the tests: Debian's dovecot, started on loopback from a temporary folder.

`dovecot` (session-scoped) starts one server per test process with plain IMAP (STARTTLS offered)
and IMAPS on free loopback ports, a self-signed certificate for 127.0.0.1 (`ca_file` trusts it),
users in passwd-files and Maildirs in the same folder; it stops the server at the end.
`imap_account` (per test) adds a fresh user, so tests never see each other's mail; each user
has a passwd-file of its own (dovecot expands `%u` in the path), written once, so users are
added without a restart and without relying on dovecot noticing that a file changed.

Without dovecot the tests that use it are skipped, except in CI (`CI` set), where they fail:
`scripts/system-packages.sh` installs `dovecot-imapd` there. Dovecot refuses to deliver mail as
uid 0, so under root the mail belongs to nobody:nogroup (see STACK.md) and the folder is opened
to it.
"""

from __future__ import annotations

import contextlib
import getpass
import imaplib
import itertools
import os
import re
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"
OPENSSL = shutil.which("openssl")
HOST = "127.0.0.1"
_APPENDUID = re.compile(rb"APPENDUID (\d+) (\d+)")
_FETCH_FLAGS = re.compile(rb"UID (\d+) FLAGS \(([^)]*)\)|FLAGS \(([^)]*)\) UID (\d+)")
_counter = itertools.count(1)

CONFIG = """\
protocols = imap
listen = {host}
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
info_log_path = {root}/dovecot.log
default_internal_user = {internal_user}
default_login_user = {login_user}
first_valid_uid = 1
disable_plaintext_auth = no
auth_mechanisms = plain login
# Failed logins answer at once: dovecot waits 2 s, then more for the next logins from the
# same address (the anvil penalty), against guessing; tests log in wrong on purpose.
auth_failure_delay = 0
mail_location = maildir:{root}/mail/%u
mail_fsync = never
mail_max_userip_connections = 200
ssl = {ssl}
{ssl_files}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/users/%u
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {root}/users/%u
}}
service anvil {{
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
service imap-login {{
  {chroot}
  inet_listener imap {{
    address = {host}
    port = {port}
  }}
  inet_listener imaps {{
    address = {host}
    port = {tls_port}
  }}
}}
"""


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def closed_port() -> int:
    """Return a loopback port nothing listens on (to show an unreachable server)."""
    return _free_port()


def _make_certificate(root: Path) -> tuple[Path, Path] | None:
    if OPENSSL is None:
        return None
    cert, key = root / "cert.pem", root / "key.pem"
    subprocess.run(  # noqa: S603 - fixed arguments, our own temporary folder
        [
            OPENSSL,
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            f"/CN={HOST}",
            "-addext",
            f"subjectAltName=IP:{HOST},DNS:localhost",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


@dataclass
class ImapAccount:
    """One user on the test server, with helpers that talk IMAP through imaplib."""

    server: DovecotServer
    username: str
    password: str

    @contextlib.contextmanager
    def connect(self) -> Iterator[imaplib.IMAP4]:
        client = imaplib.IMAP4(self.server.host, self.server.port, timeout=30)
        try:
            client.login(self.username, self.password)
            yield client
        finally:
            with contextlib.suppress(Exception):
                client.logout()

    def append(self, raw: bytes, *, folder: str = "INBOX", flags: str = "") -> int:
        """Append one message and return its UID."""
        with self.connect() as client:
            status, data = client.append(folder, f"({flags})" if flags else None, None, raw)
        assert status == "OK", data
        found = _APPENDUID.search(data[0] or b"")
        assert found, data
        return int(found.group(2))

    def flags(self, folder: str = "INBOX") -> dict[int, set[str]]:
        """Return the flags of every message of the folder, by UID."""
        with self.connect() as client:
            status, data = client.select(folder, readonly=True)
            assert status == "OK", data
            if int(data[0] or 0) == 0:
                return {}
            status, data = client.uid("FETCH", "1:*", "(UID FLAGS)")
        assert status == "OK", data
        result: dict[int, set[str]] = {}
        for line in data:
            if not isinstance(line, bytes):
                continue
            found = _FETCH_FLAGS.search(line)
            if found:
                uid = found.group(1) or found.group(4)
                names = found.group(2) if found.group(1) else found.group(3)
                result[int(uid)] = set(names.decode().split())
        return result

    def folders(self) -> set[str]:
        """Return the names of the account's folders."""
        with self.connect() as client:
            status, data = client.list()
        assert status == "OK", data
        return {line.decode().rsplit(" ", 1)[-1].strip('"') for line in data if line}

    def uidvalidity(self, folder: str = "INBOX") -> int:
        with self.connect() as client:
            status, data = client.status(folder, "(UIDVALIDITY)")
        assert status == "OK", data
        found = re.search(rb"UIDVALIDITY (\d+)", data[0])
        assert found, data
        return int(found.group(1))


@dataclass
class DovecotServer:
    """A running dovecot; add users with `add_user`."""

    root: Path
    host: str
    port: int
    tls_port: int
    ca_file: Path | None
    process: subprocess.Popen[bytes]
    mail_owner: tuple[int, int]
    users: dict[str, str] = field(default_factory=dict)

    def add_user(self, name: str | None = None, password: str | None = None) -> ImapAccount:
        name = name or f"desk{next(_counter)}"
        assert re.fullmatch(r"[a-z0-9._-]+", name), name
        password = password or secrets.token_urlsafe(12)
        uid, gid = self.mail_owner
        home = self.root / "home" / name
        home.mkdir(parents=True)
        os.chown(home, uid, gid)
        entry = self.root / "users" / name
        # Written aside then renamed: dovecot must never read half a file.
        draft = entry.with_name(f".{name}.new")
        draft.write_text(f"{name}:{{PLAIN}}{password}:{uid}:{gid}::{home}::\n")
        draft.replace(entry)
        self.users[name] = password
        return ImapAccount(server=self, username=name, password=password)

    def log(self) -> str:
        path = self.root / "dovecot.log"
        return path.read_text(errors="replace") if path.exists() else ""


def _wait_for_greeting(server: DovecotServer, deadline: float) -> None:
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"dovecot exited with {server.process.returncode}:\n{server.log()}")
        try:
            with socket.create_connection((server.host, server.port), timeout=1) as probe:
                if probe.recv(100).startswith(b"* OK"):
                    return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"dovecot did not answer on port {server.port}:\n{server.log()}")


def start_dovecot() -> DovecotServer:
    """Start dovecot in a new temporary folder and return it once it answers."""
    root = Path(tempfile.mkdtemp(prefix="allie-dovecot-"))
    # The mail user (nobody under root) must reach its Maildir inside this folder.
    root.chmod(0o755)
    if os.geteuid() == 0:
        mail_owner = (65534, 65534)  # nobody:nogroup; dovecot refuses uid 0 for mail
        internal_user, login_user, chroot = "dovecot", "dovenull", ""
    else:
        mail_owner = (os.getuid(), os.getgid())
        internal_user = login_user = getpass.getuser()
        chroot = "chroot ="  # chroot needs root
    for name in ("mail", "home"):
        (root / name).mkdir()
        os.chown(root / name, *mail_owner)
    (root / "users").mkdir()
    certificate = _make_certificate(root)
    ssl_files = f"ssl_cert = <{certificate[0]}\nssl_key = <{certificate[1]}" if certificate else ""
    port, tls_port = _free_port(), _free_port()
    config = root / "dovecot.conf"
    config.write_text(
        CONFIG.format(
            host=HOST,
            root=root,
            internal_user=internal_user,
            login_user=login_user,
            ssl="yes" if certificate else "no",
            ssl_files=ssl_files,
            chroot=chroot,
            port=port,
            tls_port=tls_port if certificate else 0,
        )
    )
    process = subprocess.Popen(  # noqa: S603 - fixed binary, our own configuration
        [DOVECOT, "-F", "-c", str(config)],
        stdout=(root / "stdout.log").open("wb"),
        stderr=subprocess.STDOUT,
    )
    server = DovecotServer(
        root=root,
        host=HOST,
        port=port,
        tls_port=tls_port,
        ca_file=certificate[0] if certificate else None,
        process=process,
        mail_owner=mail_owner,
    )
    try:
        _wait_for_greeting(server, time.monotonic() + 20)
    except Exception:
        stop_dovecot(server)
        raise
    return server


def stop_dovecot(server: DovecotServer) -> None:
    """Stop the server and remove its folder."""
    if server.process.poll() is None:
        server.process.terminate()
        try:
            server.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait(timeout=10)
    shutil.rmtree(server.root, ignore_errors=True)


def dovecot_available() -> bool:
    return Path(DOVECOT).is_file() and os.access(DOVECOT, os.X_OK)


@pytest.fixture(scope="session")
def dovecot() -> Iterator[DovecotServer]:
    """A running dovecot for this test process (skipped without dovecot, except in CI)."""
    if not dovecot_available():
        reason = (
            "dovecot is not installed: run `make system-packages` "
            "(Debian package dovecot-imapd) to run the IMAP tests"
        )
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    server = start_dovecot()
    yield server
    stop_dovecot(server)


@pytest.fixture
def imap_account(dovecot: DovecotServer) -> ImapAccount:
    """A fresh, empty IMAP account on the test server."""
    return dovecot.add_user()
