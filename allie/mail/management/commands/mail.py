"""`allie mail …`: the email channel's tools for administrators.

`allie mail import PATH…` imports `.eml` files, mbox files, Maildir folders and folders of
`.eml` files (a migration from another desk, or a replay), oldest first so replies thread onto
their originals, with a progress counter on standard error and a summary at the end. Each
message goes through the same intake as IMAP mail, so importing twice imports nothing more.

`allie mail poll` polls every active mailbox now (what the worker does each minute, whatever
their interval) and `allie mail send` sends the outbox messages that are due: both for an
operator without a worker, or to see at once what a mailbox or the SMTP server answers.

Subcommands are methods named `run_<name>`, registered in `add_arguments`.
"""

from __future__ import annotations

import mailbox as stdlib_mailbox
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.parser import BytesHeaderParser
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser, OutputWrapper
from django.utils.translation import gettext as _

from allie.core.snapshot import reference_snapshot
from allie.mail.models import InboundMessage, Mailbox
from allie.mail.services.intake import receive_message

UNREADABLE = 1
SNAPSHOT_SIZE = 100  # messages imported under one snapshot of the reference data
_OLDEST = datetime.min.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Source:
    """One message to import: where it comes from and how to read its bytes again."""

    label: str
    load: Callable[[], bytes]
    date: datetime
    order: int


@dataclass
class Summary:
    outcomes: Counter[str] = field(default_factory=Counter)
    ignored: Counter[str] = field(default_factory=Counter)
    rejected: Counter[str] = field(default_factory=Counter)
    failed: Counter[str] = field(default_factory=Counter)

    def add(self, outcome: str, reason: str) -> None:
        self.outcomes[outcome] += 1
        for name, counter in (
            ("ignored", self.ignored),
            ("rejected", self.rejected),
            ("failed", self.failed),
        ):
            if outcome == name:
                counter[reason or "?"] += 1


class Command(BaseCommand):
    help = "Email channel tools: `mail import PATH…` imports .eml, mbox and Maildir mail."

    def add_arguments(self, parser: CommandParser) -> None:
        subcommands = parser.add_subparsers(
            dest="subcommand", required=True, metavar="SUBCOMMAND", title="subcommands"
        )
        imports = subcommands.add_parser(
            "import",
            help="import .eml files, mbox files and Maildir folders",
            description=(
                "Import mail from files: .eml files, mbox files, Maildir folders and folders "
                "of .eml files, oldest first. Messages already stored are skipped, so running "
                "it twice imports nothing more. Imported mail is history: nobody is answered."
            ),
        )
        imports.add_argument("paths", nargs="+", metavar="PATH")
        imports.add_argument(
            "--mailbox",
            metavar="ADDRESS",
            help="route the mail as this mailbox would (organisation, service, unknown senders)",
        )
        imports.add_argument(
            "--create-senders",
            action="store_true",
            help="create unknown senders as requesters (else they are rejected, silently)",
        )

        subcommands.add_parser("poll", help="poll every active mailbox now")
        subcommands.add_parser("send", help="send the outbox messages that are due now")

    def handle(self, *args: Any, **options: Any) -> None:
        getattr(self, f"run_{options['subcommand']}")(**options)

    # --- poll and send ------------------------------------------------------------------------

    def run_poll(self, **options: Any) -> None:
        from allie.mail.services.imap import poll_mailbox

        failed = False
        for box in Mailbox.objects.filter(is_active=True).order_by("name"):
            result = poll_mailbox(box)
            counts = ", ".join(f"{name} {count}" for name, count in sorted(result.counts.items()))
            if result.ok:
                self.stdout.write(f"{box.address}: {counts or 'no new mail'}")
            else:
                failed = True
                self.stderr.write(f"{box.address}: {result.error}")
        if failed:
            raise CommandError("some mailboxes could not be polled (see above)")

    def run_send(self, **options: Any) -> None:
        from allie.mail.services.sending import send_due_messages

        total = 0
        while sent := send_due_messages():
            total += sent
        self.stdout.write(f"sent {total}")

    # --- import -------------------------------------------------------------------------------

    def run_import(
        self, *, paths: list[str], mailbox: str | None, create_senders: bool, **options: Any
    ) -> None:
        target = self._mailbox(mailbox)
        sources: list[Source] = []
        for path in paths:
            sources.extend(self._collect(Path(path), start=len(sources)))
        sources = chronological(sources)
        progress = Progress(self.stderr, total=len(sources))
        summary = Summary()
        # Reference data (settings, policies, addresses) is read once per 100 messages.
        for start in range(0, len(sources), SNAPSHOT_SIZE):
            with reference_snapshot():
                for source in sources[start : start + SNAPSHOT_SIZE]:
                    try:
                        result = receive_message(
                            source.load(),
                            mailbox=target,
                            source=InboundMessage.Source.IMPORT,
                            create_senders=create_senders,
                        )
                        summary.add(result.outcome, result.reason)
                    except OSError as error:
                        reason = f"cannot read ({error.strerror or error})"
                        summary.add("failed", f"{source.label}: {reason}")
                    except Exception as error:  # the database refused: say so, keep going
                        reason = f"{type(error).__name__}: {error}"
                        summary.add("failed", f"{source.label}: {reason}")
                    progress.advance()
        progress.finish()
        self.stdout.write(render_summary(summary, total=len(sources)))

    def _mailbox(self, address: str | None) -> Mailbox | None:
        if not address:
            return None
        found = Mailbox.objects.filter(address__iexact=address).first()
        if found is None:
            raise CommandError(_("No mailbox has the address %(address)s.") % {"address": address})
        return found

    def _collect(self, path: Path, *, start: int) -> list[Source]:
        try:
            return list(sources_in(path, start=start))
        except (OSError, stdlib_mailbox.Error, UnicodeError) as error:
            raise CommandError(
                _("%(path)s: cannot read (%(error)s)")
                % {"path": path, "error": getattr(error, "strerror", None) or error},
                returncode=UNREADABLE,
            ) from error


# --- Finding the messages ---------------------------------------------------------------------


def sources_in(path: Path, *, start: int = 0) -> Iterator[Source]:
    """Yield every message found at ``path`` (file order), dated from its Date header."""
    if not path.exists():
        raise FileNotFoundError(2, "no such file or folder", str(path))
    order = start
    if path.is_dir():
        if all((path / name).is_dir() for name in ("cur", "new", "tmp")):
            folder = stdlib_mailbox.Maildir(path, factory=None, create=False)
            for key in sorted(folder.keys()):
                yield _source(f"{path}/{key}", _loader(folder, key), order)
                order += 1
            return
        for file in sorted(p for p in path.rglob("*.eml") if p.is_file()):
            yield _source(str(file), file.read_bytes, order)
            order += 1
        return
    with path.open("rb") as handle:
        head = handle.read(5)
    if head == b"From " and path.suffix.lower() != ".eml":
        box = stdlib_mailbox.mbox(path, factory=None, create=False)
        for key in box.iterkeys():
            yield _source(f"{path}#{key + 1}", _loader(box, key), order)
            order += 1
        return
    yield _source(str(path), path.read_bytes, order)


def _loader(box: stdlib_mailbox.Mailbox, key: Any) -> Callable[[], bytes]:
    return lambda: box.get_bytes(key)


def _source(label: str, load: Callable[[], bytes], order: int) -> Source:
    data = load()  # read once for the date; read again at import so memory stays flat
    return Source(label=label, load=load, date=_date(data), order=order)


def _date(data: bytes) -> datetime:
    head = data.split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0]
    try:
        value = BytesHeaderParser().parsebytes(head).get("Date")
        moment = parsedate_to_datetime(str(value)) if value else None
    except (TypeError, ValueError, IndexError):
        moment = None
    if moment is None:
        return _OLDEST
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def chronological(sources: list[Source]) -> list[Source]:
    """Sort by Date; an undated message keeps its place after the message before it."""
    dated: list[Source] = []
    previous = _OLDEST
    for source in sorted(sources, key=lambda s: s.order):
        if source.date == _OLDEST:
            source = Source(source.label, source.load, previous, source.order)
        previous = source.date
        dated.append(source)
    return sorted(dated, key=lambda s: (s.date, s.order))


# --- Output -----------------------------------------------------------------------------------


class Progress:
    """A counter on standard error: redrawn in place on a terminal, periodic lines otherwise."""

    WIDTH = 30

    def __init__(self, stream: OutputWrapper, *, total: int) -> None:
        self.stream = stream
        self.total = total
        self.done = 0
        self.tty = stream.isatty()
        self.every = max(1, total // 10) if not self.tty else 1

    def advance(self) -> None:
        self.done += 1
        if self.done % self.every == 0 or self.done == self.total:
            self._draw()

    def finish(self) -> None:
        if self.tty and self.total:
            self.stream.write("")
        self.stream.flush()

    def _draw(self) -> None:
        share = self.done / self.total if self.total else 1
        text = _("%(done)d of %(total)d messages") % {"done": self.done, "total": self.total}
        if self.tty:
            filled = round(share * self.WIDTH)
            bar = "█" * filled + "·" * (self.WIDTH - filled)
            self.stream.write(f"\r{bar} {share:4.0%} {text}", ending="")
        else:
            self.stream.write(f"{share:4.0%} {text}")
        self.stream.flush()


def render_summary(summary: Summary, *, total: int, top: int = 10) -> str:
    """Return the end-of-import summary: counts per outcome, reasons for the others."""
    outcomes = summary.outcomes
    lines = [
        _("Messages read: %(count)d") % {"count": total},
        _("Imported (new requests): %(count)d") % {"count": outcomes["opened"]},
        _("Threaded onto existing requests: %(count)d") % {"count": outcomes["threaded"]},
        _("Held for an agent's review: %(count)d") % {"count": outcomes["held"]},
        _("Already imported (duplicates): %(count)d") % {"count": outcomes["duplicate"]},
    ]
    for label, outcome, reasons in (
        (_("Ignored: %(count)d"), "ignored", summary.ignored),
        (_("Rejected: %(count)d"), "rejected", summary.rejected),
        (_("Failed: %(count)d"), "failed", summary.failed),
    ):
        lines.append(label % {"count": outcomes[outcome]})
        common = reasons.most_common()
        lines.extend(f"  - {reason}: {count}" for reason, count in common[:top])
        if len(common) > top:
            rest = sum(count for _reason, count in common[top:])
            lines.append("  - " + _("%(count)d more, for other reasons") % {"count": rest})
    return "\n".join(lines)
