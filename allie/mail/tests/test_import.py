"""`allie mail import`: .eml, mbox and Maildir, oldest first, twice imports nothing more."""

from __future__ import annotations

import mailbox
import re
import shutil
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from allie.accounts.models import User
from allie.mail.models import InboundMessage, OutboundMessage
from allie.mail.tests import MESSAGES
from allie.mail.tests.test_intake_support import make_mailbox, simple
from allie.tickets.models import Ticket

pytestmark = pytest.mark.django_db

# An original and its reply, written to files in reverse order: the import must sort them.
ORIGINAL = MESSAGES / "intake_new_request_fr.eml"  # 10 Mar 2025 09:02
AGENT_REPLY = MESSAGES / "intake_agent_reply.eml"  # 10 Mar 2025 10:40, In-Reply-To the original
AUTO_REPLY = MESSAGES / "auto_reply_outlook_fr.eml"
UNKNOWN = MESSAGES / "intake_unknown_sender.eml"


def _run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    with translation.override("en"):
        call_command("mail", "import", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def _mbox(path: Path, *files: Path) -> Path:
    box = mailbox.mbox(path)
    for file in files:
        box.add(file.read_bytes())
    box.flush()
    box.close()
    return path


def _maildir(path: Path, *files: Path) -> Path:
    box = mailbox.Maildir(path)
    for file in files:
        box.add(file.read_bytes())
    return path


def test_eml_mbox_and_maildir_import_in_date_order_and_only_once(desk, tmp_path):
    folder = tmp_path / "eml"
    folder.mkdir()
    shutil.copy(AGENT_REPLY, folder / "a-reply.eml")  # first in file order, later by date
    mbox = _mbox(tmp_path / "archive.mbox", AUTO_REPLY)
    maildir = _maildir(tmp_path / "Maildir", ORIGINAL, UNKNOWN)

    out, err = _run(str(folder), str(mbox), str(maildir))

    assert "Messages read: 4" in out
    assert "Imported (new requests): 1" in out
    assert "Threaded onto existing requests: 1" in out
    assert "Held for an agent's review: 0" in out
    assert "Already imported (duplicates): 0" in out
    assert "Ignored: 1\n  - Auto-Submitted: auto-replied: 1" in out
    assert "Rejected: 1\n  - unknown sender: 1" in out
    assert "Failed: 0" in out
    assert "4 of 4 messages" in err  # progress, as lines when not on a terminal
    ticket = Ticket.objects.get()
    assert ticket.requester == desk.alice
    assert ticket.agent_reply_count == 1
    assert set(InboundMessage.objects.values_list("source", flat=True)) == {"import"}
    assert not User.objects.filter(email="gabriel.nadeau@finances.test").exists()
    assert not OutboundMessage.objects.exists()  # history: nobody is written to about it

    again, _err = _run(str(folder), str(mbox), str(maildir))

    assert "Already imported (duplicates): 4" in again
    assert "Imported (new requests): 0" in again
    assert InboundMessage.objects.count() == 4
    assert Ticket.objects.count() == 1


def test_a_reply_from_someone_who_may_not_write_on_its_ticket_is_counted_as_held(desk, tmp_path):
    original_id = re.search(rb"^Message-ID: *(<[^>]+>)", ORIGINAL.read_bytes(), re.M | re.I)
    assert original_id is not None
    stranger = tmp_path / "stranger.eml"
    stranger.write_bytes(
        simple(
            desk.person("oscar").email,  # a client of another organisation
            "Re: Imprimante",
            message_id="<oscar-1@clinique.test>",
            In_Reply_To=original_id[1].decode(),
        )
    )

    out, _err = _run(str(ORIGINAL), str(stranger))

    assert "Imported (new requests): 1" in out
    assert "Held for an agent's review: 1" in out
    assert InboundMessage.objects.get(message_id="<oscar-1@clinique.test>").held_for is not None


def test_create_senders_and_a_mailbox_route_unknown_senders(desk, tmp_path):
    make_mailbox(desk, address="aide@desk.test")

    out, _err = _run(str(UNKNOWN), "--mailbox", "AIDE@desk.test", "--create-senders")

    assert "Imported (new requests): 1" in out
    person = User.objects.get(email="gabriel.nadeau@finances.test")
    assert person.organisation == desk.finances
    assert Ticket.objects.get().service == desk.service
    assert InboundMessage.objects.get().mailbox.address == "aide@desk.test"


def test_an_unreadable_path_is_named_and_nothing_is_imported(desk, tmp_path):
    missing = tmp_path / "nowhere.mbox"

    with pytest.raises(CommandError, match=r"nowhere\.mbox: cannot read") as raised:
        _run(str(ORIGINAL), str(missing))

    assert raised.value.returncode == 1
    assert InboundMessage.objects.count() == 0


def test_an_unknown_mailbox_is_refused(desk):
    with pytest.raises(CommandError, match=r"No mailbox has the address x@desk\.test"):
        _run(str(ORIGINAL), "--mailbox", "x@desk.test")


def test_the_progress_bar_redraws_in_place_on_a_terminal(desk, tmp_path):
    class Terminal(StringIO):
        def isatty(self) -> bool:
            return True

    err = Terminal()
    with translation.override("en"):
        call_command("mail", "import", str(ORIGINAL), stdout=StringIO(), stderr=err)

    assert "\r" in err.getvalue()
    assert "1 of 1 messages" in err.getvalue()
    assert "█" in err.getvalue()
