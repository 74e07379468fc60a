"""Polling IMAP mailboxes: fetch new mail, hand it to intake, then mark it on the server.

The order is what keeps mail safe: a message is read with `BODY.PEEK[]` (reading does not mark
it seen), stored by `receive_message` (raw bytes first, committed), and only then flagged
`\\Seen` or moved to the processed folder. A crash in between leaves it unseen on the server;
the next poll reads it again and intake answers "duplicate" (its unique keys), so it is marked
then, never imported twice. When storing fails (the database is down), the poll stops and that
message and the following ones stay untouched for the next poll.

Every failure (server unreachable, timeout, bad login or no password, TLS, missing folder) is
recorded on the mailbox in its own short transaction, so administrators see it even when
nothing else could be written. `last_error` holds `<kind>: <exception>: <detail>`; the admin
says what each kind means.
"""

from __future__ import annotations

import imaplib
import logging
import re
import ssl
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import F, Q
from django.utils import timezone
from imap_tools import BaseMailBox, MailBox, MailBoxStartTls, MailBoxUnencrypted
from imap_tools.errors import MailboxFolderSelectError, MailboxLoginError, MailboxStarttlsError

from allie.core.snapshot import reference_snapshot
from allie.mail.models import InboundMessage, Mailbox, Security
from allie.mail.services.intake import receive_message

logger = logging.getLogger(__name__)

# Messages per FETCH: few enough to bound memory (mail may weigh tens of megabytes), enough to
# save round trips on a busy mailbox. A batch stops early once it holds BATCH_BYTES.
BATCH_SIZE = 20
BATCH_BYTES = 32 * 1024 * 1024
# The periodic task runs at the top of each minute with some jitter: a mailbox polled a few
# seconds short of its interval is due anyway, or a 60-second mailbox would wait two minutes.
DUE_SLACK = timedelta(seconds=5)
_UID = re.compile(rb"UID (\d+)")
_SIZE = re.compile(rb"RFC822\.SIZE (\d+)")


class ErrorKind:
    """The kinds of poll failure recorded in `Mailbox.last_error` (stable keys)."""

    CONNECTION = "connection"
    TIMEOUT = "timeout"
    TLS = "tls"
    LOGIN = "login"
    PASSWORD = "password"  # noqa: S105 - the name of a kind of failure, not a secret
    FOLDER = "folder"
    PROTOCOL = "protocol"
    STORAGE = "storage"


@dataclass
class PollResult:
    """What one poll did: a count per intake outcome, and the error that stopped it, if any."""

    mailbox_id: int
    counts: Counter[str] = field(default_factory=Counter)
    error: str = ""

    @property
    def ok(self) -> bool:
        return not self.error

    @property
    def fetched(self) -> int:
        return sum(self.counts.values())


class StorageFailed(Exception):
    """Intake could not store a message; the poll stops and leaves it on the server."""


class MissingPassword(Exception):
    """No password to log in with: the named environment variable is unset, or none stored."""


def _password(mailbox: Mailbox) -> str:
    secret = mailbox.secret()
    if secret:
        return secret
    if mailbox.password_variable:
        raise MissingPassword(f"environment variable {mailbox.password_variable} is not set")
    raise MissingPassword("no password stored")


def _timeout() -> float:
    return float(getattr(settings, "MAIL_IMAP_TIMEOUT", 30))


def _ssl_context() -> ssl.SSLContext:
    # Certificates are always verified; MAIL_IMAP_CA_FILE adds a private authority (tests, or
    # a desk's internal CA) on top of the system's.
    context = ssl.create_default_context()
    ca_file = getattr(settings, "MAIL_IMAP_CA_FILE", None)
    if ca_file:
        context.load_verify_locations(cafile=str(ca_file))
    return context


def _connect(mailbox: Mailbox) -> BaseMailBox:
    if mailbox.security == Security.SSL:
        return MailBox(mailbox.host, mailbox.port, timeout=_timeout(), ssl_context=_ssl_context())
    if mailbox.security == Security.STARTTLS:
        return MailBoxStartTls(
            mailbox.host, mailbox.port, timeout=_timeout(), ssl_context=_ssl_context()
        )
    return MailBoxUnencrypted(mailbox.host, mailbox.port, timeout=_timeout())


def describe_error(error: BaseException) -> str:
    """Return `<kind>: <detail>` for a poll failure; never carries the password."""
    if isinstance(error, StorageFailed):
        kind = ErrorKind.STORAGE
    elif isinstance(error, MissingPassword):
        kind = ErrorKind.PASSWORD
    elif isinstance(error, (ssl.SSLError, ssl.CertificateError, MailboxStarttlsError)):
        kind = ErrorKind.TLS
    elif isinstance(error, TimeoutError):
        kind = ErrorKind.TIMEOUT
    elif isinstance(error, MailboxLoginError):
        kind = ErrorKind.LOGIN
    elif isinstance(error, MailboxFolderSelectError):
        kind = ErrorKind.FOLDER
    elif isinstance(error, OSError):
        kind = ErrorKind.CONNECTION
    else:
        kind = ErrorKind.PROTOCOL
    source = error.__cause__ if isinstance(error, StorageFailed) and error.__cause__ else error
    detail = " ".join(str(source).split())
    return f"{kind}: {type(source).__name__}: {detail}"[:1000]


def _select(client: BaseMailBox, folder: str) -> int | None:
    client.folder.set(folder)
    _status, data = client.client.response("UIDVALIDITY")
    return int(data[0]) if data and data[0] else None


def _search(client: BaseMailBox, mailbox: Mailbox) -> list[int]:
    # When processed mail is moved away, everything left in the folder is new, read or not
    # (someone may have opened it in a mail client first); otherwise new means unseen.
    criteria = "UNDELETED" if mailbox.processed_folder else "UNSEEN UNDELETED"
    return sorted(int(uid) for uid in client.uids(criteria))


def _fetch(client: BaseMailBox, uids: Sequence[int], items: str) -> list[tuple[int, Any]]:
    """Return (uid, data) for each message of a UID FETCH: the literal, or the response line."""
    status, data = client.client.uid("FETCH", ",".join(map(str, uids)), items)
    if status != "OK":
        raise imaplib.IMAP4.error(f"FETCH failed: {data!r}")
    result: list[tuple[int, Any]] = []
    for position, item in enumerate(data):
        if isinstance(item, tuple):
            found = _UID.search(item[0])
            if found is None:  # some servers put UID after the literal
                tail = data[position + 1] if position + 1 < len(data) else b""
                found = _UID.search(tail if isinstance(tail, bytes) else b"")
            if found:
                result.append((int(found.group(1)), item[1]))
        elif isinstance(item, bytes):
            found = _UID.search(item)
            if found and _SIZE.search(item):
                result.append((int(found.group(1)), item))
    return result


def _batches(client: BaseMailBox, uids: Sequence[int]) -> Iterator[list[int]]:
    """Yield the UIDs in batches bounded by count and by total size."""
    for start in range(0, len(uids), BATCH_SIZE):
        chunk = uids[start : start + BATCH_SIZE]
        sizes = {
            uid: int(match.group(1)) if (match := _SIZE.search(line)) else 0
            for uid, line in _fetch(client, chunk, "(UID RFC822.SIZE)")
        }
        batch: list[int] = []
        total = 0
        for uid in chunk:
            if uid not in sizes:
                continue  # expunged meanwhile
            if batch and total + sizes[uid] > BATCH_BYTES:
                yield batch
                batch, total = [], 0
            batch.append(uid)
            total += sizes[uid]
        if batch:
            yield batch


def _known_uids(mailbox: Mailbox, uidvalidity: int | None, uids: Sequence[int]) -> set[int]:
    """Return which of these UIDs are already stored for this mailbox and UIDVALIDITY."""
    known: set[int] = set()
    for start in range(0, len(uids), 500):  # stay far below SQLite's bound-parameter limit
        known.update(
            InboundMessage.objects.filter(
                mailbox=mailbox, uidvalidity=uidvalidity, uid__in=uids[start : start + 500]
            ).values_list("uid", flat=True)
        )
    return known


def _mark_processed(client: BaseMailBox, mailbox: Mailbox, uids: list[int]) -> None:
    if not uids:
        return
    if mailbox.processed_folder:
        client.move([str(uid) for uid in uids], mailbox.processed_folder)
    else:
        # A plain STORE: imap-tools' flag() also runs EXPUNGE, which is not ours to do.
        status, data = client.client.uid(
            "STORE", ",".join(map(str, uids)), "+FLAGS.SILENT", r"(\Seen)"
        )
        if status != "OK":
            raise imaplib.IMAP4.error(f"STORE failed: {data!r}")
    uids.clear()


def _ensure_folder(client: BaseMailBox, folder: str) -> None:
    if folder and not client.folder.exists(folder):
        client.folder.create(folder)


def _record_success(mailbox: Mailbox, now: datetime, uidvalidity: int | None) -> None:
    Mailbox.objects.filter(pk=mailbox.pk).update(
        last_polled_at=now, failures=0, last_error="", last_error_at=None, uidvalidity=uidvalidity
    )
    mailbox.last_polled_at, mailbox.failures, mailbox.uidvalidity = now, 0, uidvalidity
    mailbox.last_error, mailbox.last_error_at = "", None


def _record_failure(mailbox: Mailbox, now: datetime, error: str) -> None:
    logger.warning("Polling mailbox %s (%s) failed: %s", mailbox.pk, mailbox.name, error)
    try:
        # A short transaction of its own (autocommit): it must stick even if nothing else can.
        Mailbox.objects.filter(pk=mailbox.pk).update(
            last_polled_at=now, last_error=error, last_error_at=now, failures=F("failures") + 1
        )
    except Exception:
        logger.exception("Could not record the failure of mailbox %s", mailbox.pk)
        return
    mailbox.refresh_from_db(fields=["failures", "last_error", "last_error_at", "last_polled_at"])


def poll_mailbox(
    mailbox: Mailbox, *, now: datetime | None = None, limit: int | None = None
) -> PollResult:
    """Fetch the mailbox's new mail into intake, mark what was stored, and return the counts.

    Call it outside any transaction: intake's commit is what makes marking a message safe.
    """
    now = now or timezone.now()
    result = PollResult(mailbox_id=mailbox.pk)
    processed: list[int] = []
    client: BaseMailBox | None = None
    uidvalidity: int | None = None
    try:
        password = _password(mailbox)
        client = _connect(mailbox)
        client.login(mailbox.username, password, initial_folder=None)
        _ensure_folder(client, mailbox.processed_folder)
        uidvalidity = _select(client, mailbox.folder)
        if mailbox.uidvalidity not in (None, uidvalidity):
            # The folder was recreated: UIDs start over, Message-IDs still catch re-imports.
            logger.info("Mailbox %s: UIDVALIDITY changed to %s", mailbox.pk, uidvalidity)
        uids = _search(client, mailbox)[:limit]
        # Already stored under this UID (a crash came between storing and marking): mark them
        # without downloading them again.
        known = _known_uids(mailbox, uidvalidity, uids)
        processed.extend(uid for uid in uids if uid in known)
        if processed:
            result.counts["duplicate"] += len(processed)
        _mark_processed(client, mailbox, processed)
        fresh = [uid for uid in uids if uid not in known]
        for batch in _batches(client, fresh):
            # One fetched batch reads the settings, policies and addresses once.
            with reference_snapshot():
                _receive_batch(mailbox, client, batch, uidvalidity, now, result, processed)
            _mark_processed(client, mailbox, processed)
    except Exception as error:
        if client is not None and processed:
            try:
                _mark_processed(client, mailbox, processed)  # what was stored before the fault
            except Exception:
                logger.warning("Could not mark stored messages of mailbox %s", mailbox.pk)
        result.error = describe_error(error)
        _record_failure(mailbox, now, result.error)
    else:
        _record_success(mailbox, now, uidvalidity)
    finally:
        if client is not None:
            try:
                client.logout()
            except Exception:  # the connection may already be gone; nothing is pending
                logger.debug("IMAP logout failed for mailbox %s", mailbox.pk)
    if result.fetched:
        logger.info("Mailbox %s: %s", mailbox.pk, dict(result.counts))
    return result


def _receive_batch(
    mailbox: Mailbox,
    client: BaseMailBox,
    batch: list[int],
    uidvalidity: int | None,
    now: datetime,
    result: PollResult,
    stored: list[int],
) -> None:
    """Hand each message of a fetched batch to intake; add the UIDs stored to `stored`.

    They are added as they are stored, so a fault later in the batch still marks them.
    """
    for uid, raw in _fetch(client, batch, "(UID BODY.PEEK[])"):
        try:
            intake = receive_message(
                raw, mailbox=mailbox, uidvalidity=uidvalidity, uid=uid, source="imap", now=now
            )
        except Exception as error:
            raise StorageFailed(str(error)) from error
        result.counts[str(intake.outcome)] += 1
        if intake.stored:
            stored.append(uid)


def is_due(mailbox: Mailbox, now: datetime) -> bool:
    """Return whether the mailbox's poll interval has passed since its last poll."""
    if mailbox.last_polled_at is None:
        return True
    return mailbox.last_polled_at <= now - timedelta(seconds=mailbox.poll_interval) + DUE_SLACK


def poll_due_mailboxes(now: datetime | None = None) -> int:
    """Poll every active mailbox whose interval has passed; return how many were polled."""
    now = now or timezone.now()
    polled = 0
    for mailbox in Mailbox.objects.filter(is_active=True).order_by("pk"):
        if not is_due(mailbox, now):
            continue
        # Claim it (compare-and-set on the last poll time), so two workers or an admin's "poll
        # now" at the same moment do not poll the same mailbox twice.
        claimed = Mailbox.objects.filter(
            Q(last_polled_at=mailbox.last_polled_at)
            if mailbox.last_polled_at
            else Q(last_polled_at__isnull=True),
            pk=mailbox.pk,
        ).update(last_polled_at=now)
        if not claimed:
            continue
        try:
            poll_mailbox(mailbox, now=now)
        except Exception:  # one broken mailbox never stops the others
            logger.exception("Polling mailbox %s crashed", mailbox.pk)
        polled += 1
    return polled
