"""parse_message on real-looking mail, on broken mail, and on random bytes."""

from __future__ import annotations

import hashlib
import os
import re
from datetime import UTC, datetime
from email.message import EmailMessage

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from allie.mail.domain.parsing import (
    Address,
    ParsedMessage,
    Unparseable,
    decode_bytes,
    display_filename,
    parse_message,
)
from allie.mail.tests import MESSAGES, build, load

ALL_MESSAGES = sorted(path.name for path in MESSAGES.glob("*.eml"))
_UNSTORABLE = re.compile(r"[\x00\ud800-\udfff]")


def _strings(parsed: ParsedMessage) -> list[str]:
    people = [parsed.sender, *parsed.to, *parsed.cc, *parsed.reply_to]
    return [
        parsed.message_id,
        parsed.subject,
        parsed.text,
        parsed.html or "",
        *parsed.references,
        *(value for _, value in parsed.headers),
        *(a.filename for a in parsed.attachments),
        *(p.name + p.address for p in people if p is not None),
    ]


def test_the_folder_holds_the_test_messages() -> None:
    assert len(ALL_MESSAGES) >= 25


@pytest.mark.parametrize("name", ALL_MESSAGES)
def test_every_stored_message_parses(name: str) -> None:
    raw = (MESSAGES / name).read_bytes()
    parsed = parse_message(raw)
    assert isinstance(parsed, ParsedMessage)
    assert parsed.raw_sha256 == hashlib.sha256(raw).hexdigest()
    assert parsed.size == len(raw)
    assert re.fullmatch(r"<[^<>\s]+>", parsed.message_id)
    assert parsed.sender is not None
    assert parsed.date is None or parsed.date.tzinfo is UTC
    assert not any(_UNSTORABLE.search(text) for text in _strings(parsed))
    assert not parsed.capped


# Headers ------------------------------------------------------------------------------------


def test_encoded_words_in_subject_and_names() -> None:
    parsed = load("encoded_words.eml")
    assert parsed.subject == "Problème d’accès à l’imprimante « César »"
    assert parsed.sender == Address("André Bélanger", "andre.belanger@clinique-lavoie.test")
    assert parsed.to == (
        Address("Équipe Soutien", "soutien@desk.test"),
        Address("Léa Côté", "lea@desk.test"),
    )
    assert parsed.cc == (Address("Fortin, Carole", "carole@finances.test"),)


def test_subjects_from_every_client_are_decoded_and_folded() -> None:
    assert load("outlook_reply_fr.eml").subject == "RE: [D-000123] Imprimante du 3e étage"
    assert load("apple_mail_reply_fr.eml").subject == "Re : [D-000128] Accès VPN"
    assert load("thunderbird_reply_fr.eml").subject == "Re: [D-000130] Poste qui redémarre"
    assert load("windows_1252_body.eml").subject == "Coût €"
    assert load("cp1252_labelled_iso_8859_1.eml").subject == "L’été"


def test_threading_headers_are_normalised() -> None:
    parsed = load("outlook_reply_fr.eml")
    assert parsed.message_id == (
        "<YT3PR01MB8123A1B2C3D4E5F6@YT3PR01MB8123.CANPRD01.PROD.OUTLOOK.COM>"
    )
    assert not parsed.message_id_synthetic
    assert parsed.in_reply_to == "<CAF8x9q-desk-0001@desk.test>"
    assert parsed.references == ("<root-0001@desk.test>", "<CAF8x9q-desk-0001@desk.test>")


def test_ids_without_brackets_and_duplicated_references() -> None:
    raw = build(
        {
            "From": "a@finances.test",
            "Message-ID": "  bare-id@finances.test ",
            "In-Reply-To": "<first@desk.test> <second@desk.test>",
            "References": "<first@desk.test>\r\n <first@desk.test> <second@desk.test>",
        }
    )
    parsed = parse_message(raw)
    assert isinstance(parsed, ParsedMessage)
    assert parsed.message_id == "<bare-id@finances.test>"
    assert parsed.in_reply_to == "<first@desk.test>"
    assert parsed.references == ("<first@desk.test>", "<second@desk.test>")


def test_a_very_long_message_id_is_hashed_the_same_way_everywhere() -> None:
    long_id = "x" * 400 + "@finances.test"
    first = parse_message(build({"From": "a@b.test", "Message-ID": f"<{long_id}>"}))
    reply = parse_message(build({"From": "c@d.test", "In-Reply-To": f"<{long_id}>"}))
    assert isinstance(first, ParsedMessage)
    assert isinstance(reply, ParsedMessage)
    assert len(first.message_id) <= 255
    assert first.message_id == reply.in_reply_to


def test_missing_message_id_and_date() -> None:
    raw = (MESSAGES / "no_message_id_no_date.eml").read_bytes()
    parsed = load("no_message_id_no_date.eml")
    assert parsed.message_id_synthetic
    assert parsed.message_id == f"<{hashlib.sha256(raw).hexdigest()}@synthetic.allie.invalid>"
    assert load("no_message_id_no_date.eml").message_id == parsed.message_id  # stable
    assert parsed.date is None
    assert parsed.sender == Address("", "scanner@finances.test")


def test_dates_become_aware_utc() -> None:
    assert load("outlook_reply_en.eml").date == datetime(2025, 3, 3, 16, 20, 5, tzinfo=UTC)
    naive = parse_message(build({"From": "a@b.test", "Date": "Mon, 3 Mar 2025 10:00:00 -0000"}))
    assert isinstance(naive, ParsedMessage)
    assert naive.date == datetime(2025, 3, 3, 10, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "value", ["Mon, 32 Foo 2025 99:99", "hier", "Thu, 31 Feb 2025 25:61:00 +9999", "0", ""]
)
def test_malformed_dates_give_none(value: str) -> None:
    parsed = parse_message(build({"From": "a@b.test", "Date": value}))
    assert isinstance(parsed, ParsedMessage)
    assert parsed.date is None


def test_malformed_headers_are_worked_around() -> None:
    parsed = load("malformed_headers.eml")
    assert parsed.sender == Address("", "alice@finances.test")  # unclosed quote, rescued
    assert "bob@finances.test" in [a.address for a in parsed.to]  # names lost in the rescue
    assert parsed.date is None
    assert parsed.message_id_synthetic  # "not an id but words" is no id
    assert parsed.in_reply_to == "<broken@id>"
    assert parsed.references == ("<a@b>", "<c@d>")
    assert parsed.subject == "café et été brut"  # unknown charset, raw Latin-1 bytes
    assert "Corps du message : café" in parsed.text
    assert "MissingHeaderBodySeparatorDefect" in parsed.defects


def test_noise_headers_are_kept_for_classification() -> None:
    parsed = load("bounce_dsn.eml")
    assert parsed.header("return-path") == "<>"
    assert parsed.header("Auto-Submitted") == "auto-replied"
    assert parsed.content_type == "multipart/report"
    assert parsed.report_type == "delivery-status"
    assert parsed.header("X-Allie-Loop") is None  # only the attached original carries it
    assert load("auto_reply_vacation_en.eml").header_values("precedence") == ("bulk",)


# Bodies and charsets ------------------------------------------------------------------------


def test_windows_1252_body() -> None:
    text = load("windows_1252_body.eml").text
    assert "L’été dernier, à Montréal, le coût était de 12 € par mois; l’œuvre" in text
    assert "« Père Noël » è." in text


def test_windows_1252_mislabelled_as_iso_8859_1() -> None:
    assert load("cp1252_labelled_iso_8859_1.eml").text == load("windows_1252_body.eml").text


def test_iso_8859_1_body() -> None:
    text = load("iso_8859_1_body.eml").text
    assert text == "Réunion à la chaîne: ça démarre à 9 h, Hélène sera là. ±5 °C"


def test_unknown_charsets_fall_back() -> None:
    parsed = load("unknown_charset.eml")
    assert parsed.text == "Le système est lent."
    assert parsed.subject == "Problème"
    assert parsed.sender == Address("José", "jose@autre.test")


@pytest.mark.parametrize(
    ("data", "declared", "expected"),
    [
        ("été".encode(), "us-ascii", "été"),  # UTF-8 labelled ASCII
        ("été".encode(), "iso-8859-1", "été"),  # UTF-8 labelled Latin-1
        ("l’œuvre €".encode("cp1252"), "iso-8859-1", "l’œuvre €"),
        ("l’œuvre €".encode("cp1252"), None, "l’œuvre €"),
        ("Grüße".encode("iso-8859-15"), "iso-8859-15", "Grüße"),
        ("été".encode("cp1252"), "rot13", "été"),  # not a text encoding
        ("été".encode("cp1252"), "zlib", "été"),
        ("été".encode("cp1252"), "\x00bogus", "été"),
        ("шрифт".encode("koi8-r"), "koi8-r", "шрифт"),
    ],
)
def test_decode_bytes(data: bytes, declared: str | None, expected: str) -> None:
    assert decode_bytes(data, declared) == expected


def test_plain_text_is_preferred_and_html_kept_raw() -> None:
    parsed = load("outlook_reply_fr.eml")
    assert parsed.text.startswith("Bonjour Agathe,\n\nJ’ai redémarré le poste")
    assert not parsed.text_from_html
    assert parsed.html is not None
    assert "<style>" in parsed.html  # raw: sanitising is for display time


def test_html_only_message_gets_text_from_the_html() -> None:
    parsed = load("html_only.eml")
    assert parsed.text_from_html
    assert parsed.text == (
        "Nouvelle demande\nL’usager Jean Côté signale :\n- écran noir\n- clavier inopérant\n"
        "Poste B-204"
    )
    assert "alert" not in parsed.text
    assert "body{" not in parsed.text


def test_text_parts_around_an_inline_image_are_joined() -> None:
    parsed = load("apple_mail_reply_en.eml")
    assert "Here is a photo of the screen:" in parsed.text
    assert "It happens after about an hour." in parsed.text
    (image,) = parsed.attachments
    assert image.filename == "IMG_0042.png"
    assert image.is_inline
    assert image.data.startswith(b"\x89PNG")


def test_message_without_any_text_part() -> None:
    parsed = load("no_text_part.eml")
    assert parsed.text == ""
    assert parsed.html is None
    (pdf,) = parsed.attachments
    assert pdf.filename == "attachment-1.pdf"
    assert pdf.data == b"%PDF-1.4 scan"


# Attachments --------------------------------------------------------------------------------


def test_rfc2231_and_encoded_word_file_names() -> None:
    names = [a.filename for a in load("rfc2231_filename.eml").attachments]
    assert names == [
        "rapport d'activité.pdf",
        "budget prévisionnel 2025 (révisé).xlsx",
        "dépenses — mars.csv",
        "passwd",  # "../../etc/.passwd": never a path, never hidden
    ]
    pdf = load("rfc2231_filename.eml").attachments[0]
    assert pdf.content_type == "application/pdf"
    assert pdf.data == b"%PDF-1.4\n% rapport\n%%EOF\n"
    assert pdf.size == len(pdf.data)


def test_related_inline_image_and_attachment() -> None:
    parsed = load("related_inline_image.eml")
    image, journal = parsed.attachments
    assert image.content_id == "image001.png@01DB8C4E.A1B2C3D0"
    assert image.is_inline
    assert image.content_type == "image/png"
    assert parsed.html is not None
    assert 'src="cid:image001.png@01DB8C4E.A1B2C3D0"' in parsed.html
    assert journal.filename == "journal.txt"
    assert not journal.is_inline
    assert journal.data == b"erreur 0x80070005"
    assert parsed.text.startswith("Voici l'erreur :")  # the plain alternative, not the file


def test_winmail_dat_is_an_ordinary_attachment() -> None:
    parsed = load("winmail_dat.eml")
    assert parsed.text == "Please find the contract attached."
    (tnef,) = parsed.attachments
    assert (tnef.filename, tnef.content_type) == ("winmail.dat", "application/ms-tnef")
    assert tnef.data.startswith(b"\x78\x9f\x3e\x22")


def test_attached_message_is_kept_whole_as_eml() -> None:
    parsed = load("nested_rfc822.eml")
    assert parsed.text == "Ce courriel me semble frauduleux, pouvez-vous vérifier?"
    (forwarded,) = parsed.attachments
    assert forwarded.filename == "Facture impayée.eml"
    assert forwarded.content_type == "message/rfc822"
    inner = parse_message(forwarded.data)
    assert isinstance(inner, ParsedMessage)
    assert inner.message_id == "<facture-99@fournisseur.test>"
    assert inner.text == "Payez maintenant."
    assert [a.filename for a in inner.attachments] == ["facture.pdf"]
    assert inner.attachments[0].data == b"%PDF-1.4 fake invoice"


def test_bounce_keeps_report_and_original() -> None:
    parsed = load("bounce_dsn.eml")
    status, original = parsed.attachments
    assert status.content_type == "message/delivery-status"
    assert b"Status: 5.1.1" in status.data
    assert original.content_type == "message/rfc822"
    assert b"X-Allie-Loop: desk.test" in original.data
    assert "User unknown" in parsed.text


def test_twenty_megabyte_attachment() -> None:
    payload = os.urandom(20 * 1024 * 1024)
    message = EmailMessage()
    message["From"] = "Alice Bouchard <alice@finances.test>"
    message["To"] = "soutien@desk.test"
    message["Subject"] = "Journal complet"
    message.set_content("Le journal est joint.")
    message.add_attachment(
        payload, maintype="application", subtype="zip", filename="journal-complet.zip"
    )
    parsed = parse_message(message.as_bytes())
    assert isinstance(parsed, ParsedMessage)
    (attachment,) = parsed.attachments
    assert attachment.size == 20 * 1024 * 1024
    assert attachment.data == payload
    assert parsed.text == "Le journal est joint."


@pytest.mark.parametrize(
    ("name", "content_type", "expected"),
    [
        ("C:\\Users\\alice\\Desktop\\photo.jpg", "image/jpeg", "photo.jpg"),
        ("facture\u202efdp.exe", "application/octet-stream", "facturefdp.exe"),
        ("..", "application/pdf", "attachment-3.pdf"),
        (None, "image/png", "attachment-3.png"),
        ("  ", "application/x-unknown", "attachment-3.bin"),
        ('a<b>:"c"|?*.txt', "text/plain", "a_b___c____.txt"),
        ("tab\there\x00.pdf", "application/pdf", "tabhere.pdf"),
        ("e\u0301te\u0301.txt", "text/plain", "été.txt"),  # NFC
    ],
)
def test_display_filename(name: str | None, content_type: str, expected: str) -> None:
    assert display_filename(name, content_type, 3) == expected


def test_display_filename_caps_length_and_keeps_extension() -> None:
    name = display_filename("r" * 300 + ".pdf", "application/pdf", 1)
    assert len(name) == 150
    assert name.endswith("r.pdf")


# Caps ---------------------------------------------------------------------------------------


def test_recipients_are_capped() -> None:
    to = ", ".join(f"user{i}@finances.test" for i in range(150))
    parsed = parse_message(build({"From": "a@b.test", "To": to, "Cc": "c@d.test"}))
    assert isinstance(parsed, ParsedMessage)
    assert len(parsed.to) == 100
    assert parsed.to[0].address == "user0@finances.test"
    assert parsed.recipients_capped
    assert parsed.cc == (Address("", "c@d.test"),)
    small = parse_message(build({"From": "a@b.test", "To": to}), max_recipients=200)
    assert isinstance(small, ParsedMessage)
    assert not small.recipients_capped


def _multipart(count: int) -> bytes:
    parts = b"".join(
        b"--b\r\nContent-Type: text/plain\r\n\r\npart %d\r\n" % i for i in range(count)
    )
    return b"From: a@b.test\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n" + parts + b"--b--"


def test_parts_are_capped() -> None:
    parsed = parse_message(_multipart(300), max_parts=200)
    assert isinstance(parsed, ParsedMessage)
    assert parsed.parts_capped
    assert parsed.text.count("part ") == 200
    within = parse_message(_multipart(200), max_parts=200)
    assert isinstance(within, ParsedMessage)
    assert not within.parts_capped


def _nested(depth: int) -> bytes:
    opening = b"".join(
        b"--b%d\r\nContent-Type: multipart/mixed; boundary=b%d\r\n\r\n" % (i, i + 1)
        for i in range(depth)
    )
    return (
        b"From: a@b.test\r\nContent-Type: multipart/mixed; boundary=b0\r\n\r\n"
        + opening
        + b"--b%d\r\nContent-Type: text/plain\r\n\r\ndeep text\r\n" % depth
    )


def test_nesting_is_capped() -> None:
    shallow = parse_message(_nested(5), max_depth=10)
    assert isinstance(shallow, ParsedMessage)
    assert shallow.text == "deep text"
    assert not shallow.depth_capped
    deep = parse_message(_nested(30), max_depth=10)
    assert isinstance(deep, ParsedMessage)
    assert deep.depth_capped
    assert deep.text == ""


def test_nesting_beyond_what_the_stdlib_parser_can_hold_is_unparseable() -> None:
    result = parse_message(_nested(5000))
    assert isinstance(result, Unparseable)
    assert "nested too deeply" in result.reason


# Unparseable and fuzzing --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"", "empty message"),
        (b" \r\n\r\n", "empty message"),
        (b"\x00\x01\x02 binary garbage", "no header fields: not a mail message"),
        (b"just some text\nwith lines\n", "no header fields: not a mail message"),
    ],
)
def test_unparseable_says_why(raw: bytes, reason: str) -> None:
    result = parse_message(raw)
    assert isinstance(result, Unparseable)
    assert result.reason == reason
    assert result.raw_sha256 == hashlib.sha256(raw).hexdigest()
    assert result.message_id == f"<{result.raw_sha256}@synthetic.allie.invalid>"


def test_something_that_is_not_bytes_is_unparseable() -> None:
    assert isinstance(parse_message("From: a@b"), Unparseable)  # type: ignore[arg-type]


def _check(raw: bytes) -> None:
    result = parse_message(raw)
    assert isinstance(result, ParsedMessage | Unparseable)
    if isinstance(result, ParsedMessage):
        assert result.message_id.startswith("<")
        assert not any(_UNSTORABLE.search(text) for text in _strings(result))


@settings(max_examples=300)
@given(st.binary(max_size=2000))
@example(b"From: =?utf-8?b?####?= <>\r\n\r\n")
@example(b"Content-Type: multipart/mixed; boundary=\r\n\r\n--\r\n--")
@example(b'To: "\\\r\nContent-Type: message/rfc822\r\n\r\nFrom: x\r\n\r\n')
def test_random_bytes_never_raise(raw: bytes) -> None:
    _check(raw)


_SNIPPETS = [
    b"\r\n",
    b"=?utf-8?q?",
    b"?=",
    b"\xe9",
    b"\xc3",
    b"--",
    b"<",
    b">",
    b'"',
    b";",
    b":",
    b'Content-Type: multipart/mixed; boundary="x"\r\n',
    b"Content-Type: message/rfc822\r\n",
    b"Content-Transfer-Encoding: base64\r\n",
    b'charset="x-bogus"',
    b"filename*0*=utf-8''%C3",
    b"\x00",
]


@settings(max_examples=300)
@given(
    st.sampled_from(ALL_MESSAGES),
    st.lists(
        st.tuples(st.floats(0, 1), st.sampled_from(["cut", "insert", "flip"]), st.integers(0, 16)),
        min_size=1,
        max_size=6,
    ),
)
def test_mutated_messages_never_raise(name: str, mutations: list[tuple[float, str, int]]) -> None:
    raw = bytearray((MESSAGES / name).read_bytes())
    for where, how, which in mutations:
        at = int(where * len(raw))
        if how == "cut":
            del raw[at : at + 1 + which * 7]
        elif how == "insert":
            raw[at:at] = _SNIPPETS[which]
        elif raw:
            raw[min(at, len(raw) - 1)] ^= 1 << (which % 8)
    _check(bytes(raw))
