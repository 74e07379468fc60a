"""Raw inbound mail to a ``ParsedMessage``, or an ``Unparseable`` that says why.

``parse_message`` never raises on what a mail server delivers: every header and part is read
defensively, and what cannot be read at all gives ``Unparseable`` with a reason, so that intake
keeps the raw bytes for administrators to see and reprocess. Nothing here touches the network,
the disk or the database.

Charsets follow what mail really carries rather than what it declares: ``iso-8859-1`` is read as
Windows-1252 (as browsers do: Outlook labels cp1252 text with é ’ œ € as Latin-1), text declared
as a single-byte charset that is valid UTF-8 is UTF-8, and an unknown or invalid charset falls
back to UTF-8, then Windows-1252. Strings never carry NUL characters or lone surrogates (neither
can be stored in PostgreSQL text).
"""

from __future__ import annotations

import base64
import codecs
import hashlib
import quopri
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import errors, policy, utils
from email.header import decode_header
from email.message import Message
from email.parser import BytesParser
from typing import TypeVar

from allie.mail.domain.html import html_to_text

_POLICY = policy.default


class _RawHeaders(policy.Compat32):
    """Split the MIME tree without interpreting headers; this module decodes what it reads.

    policy.default parses a structured header in full each time it is read, and the parser
    reads each part's Content-Type several times: 20,000 empty parts (700 kB) took 6 s, one
    190 kB Content-Type 16 s, and a header of nested comments raised RecursionError.
    Values come back as received (8-bit bytes surrogate-escaped, which ``_unescape`` reads),
    cut to MAX_MIME_HEADER_CHARS: reading parameters is quadratic in the value's length.
    """

    def header_fetch_parse(self, name: str, value: str) -> str:
        return value[:MAX_MIME_HEADER_CHARS]


_TREE_POLICY = _RawHeaders()
# Regenerating an attached message must not refold or rewrap what the sender wrote.
_GENERATOR_POLICY = policy.default.clone(refold_source="none", max_line_length=0)

MAX_ID_LENGTH = 255  # longer ids are replaced by a hash so that they fit a database key
MAX_REFERENCES = 100
MAX_HEADER_CHARS = 65_536  # a header value beyond this is truncated before parsing
MAX_MIME_HEADER_CHARS = 16_384  # Content-Type, Content-Disposition... as the MIME tree reads them
MAX_HEADERS = 500
MAX_HEADER_BLOCK = 1_048_576  # what is read of an oversized message with no blank line
MAX_FILENAME_LENGTH = 150
# Lines that may open a MIME part, per part kept: beyond, the rest is not handed to the parser
# (the stdlib spends about 0.3 ms per part, so 700 kB of empty parts would cost seconds).
BOUNDARY_LINES_PER_PART = 5
_BOUNDARY_LINE = re.compile(rb"[\r\n]--[^\s]")
_HEADER_END = re.compile(rb"\r?\n\r?\n")
# The author's own fields and the body: what every copy of one message shares, whatever the
# servers that delivered it added (Received, Delivered-To, Return-Path, X-Spam-*).
_ORIGINATOR_FIELDS = ("from", "sender", "to", "cc", "subject", "date", "in-reply-to", "references")
SYNTHETIC_ID_DOMAIN = "synthetic.allie.invalid"

T = TypeVar("T")


@dataclass(frozen=True)
class Address:
    name: str
    address: str  # lower-cased; may be malformed (no @) when the sender's header was

    def __str__(self) -> str:
        return f"{self.name} <{self.address}>" if self.name else self.address


@dataclass(frozen=True)
class Attachment:
    filename: str  # decoded and made safe to display; never use it as a path
    content_type: str
    size: int
    data: bytes = field(repr=False)
    content_id: str | None  # without angle brackets, as referenced by cid: URLs
    is_inline: bool


@dataclass(frozen=True)
class ParsedMessage:
    message_id: str  # always "<...>"; synthetic (from raw_sha256) when the message had none
    message_id_synthetic: bool
    raw_sha256: str
    size: int
    in_reply_to: str | None
    references: tuple[str, ...]
    subject: str
    sender: Address | None  # the From header (named so as not to shadow the keyword)
    reply_to: tuple[Address, ...]
    to: tuple[Address, ...]
    cc: tuple[Address, ...]
    date: datetime | None  # aware, UTC; None when missing or malformed
    text: str  # the best plain text: text/plain parts, else text derived from the HTML
    text_from_html: bool
    html: str | None  # raw, NOT sanitised: sanitise with html.sanitise_html when displayed
    attachments: tuple[Attachment, ...]
    content_type: str  # of the top-level entity, e.g. "multipart/report"
    report_type: str | None  # the report-type parameter of a multipart/report
    headers: tuple[tuple[str, str], ...]  # top-level headers, unfolded, encoded-words decoded
    recipients_capped: bool = False
    parts_capped: bool = False
    depth_capped: bool = False
    # From names several addresses, or hides one in a broken header: nobody is the sender.
    sender_ambiguous: bool = False
    size_capped: bool = False  # larger than max_bytes: only the header block was read
    defects: tuple[str, ...] = ()  # what was malformed but worked around

    def header(self, name: str) -> str | None:
        """The first value of header ``name`` (case-insensitive), or None."""
        return next(iter(self.header_values(name)), None)

    def header_values(self, name: str) -> tuple[str, ...]:
        wanted = name.lower()
        return tuple(value for key, value in self.headers if key.lower() == wanted)

    @property
    def capped(self) -> bool:
        return self.recipients_capped or self.parts_capped or self.depth_capped or self.size_capped


@dataclass(frozen=True)
class Unparseable:
    reason: str
    raw_sha256: str
    size: int

    @property
    def message_id(self) -> str:
        """The synthetic id intake can use as the unique key of the raw message."""
        return _synthetic_id(self.raw_sha256)


def parse_message(
    raw: bytes,
    *,
    max_parts: int = 200,
    max_depth: int = 10,
    max_recipients: int = 100,
    max_bytes: int | None = None,
) -> ParsedMessage | Unparseable:
    """Parse one raw message (RFC 5322 bytes as stored by the IMAP server).

    A message over ``max_bytes`` is not parsed past its header block (``size_capped``).
    """
    if not isinstance(raw, bytes | bytearray | memoryview):
        return Unparseable("not bytes", hashlib.sha256(b"").hexdigest(), 0)
    raw = bytes(raw)
    digest = hashlib.sha256(raw).hexdigest()
    if not raw.strip():
        return Unparseable("empty message", digest, len(raw))
    size_capped = max_bytes is not None and len(raw) > max_bytes
    head, parts_cut = _head(raw, max_parts * BOUNDARY_LINES_PER_PART, headers_only=size_capped)
    try:
        message = BytesParser(policy=_TREE_POLICY).parsebytes(head)
    except RecursionError:
        return Unparseable("MIME structure nested too deeply to parse", digest, len(raw))
    except Exception as error:
        return Unparseable(f"MIME parser failed: {type(error).__name__}", digest, len(raw))
    reader = _Reader(message, raw, digest, max_parts, max_depth, max_recipients)
    if parts_cut:
        reader.parts_capped = True
        reader.defects.append("too many MIME boundaries: the rest was not parsed")
    reader.size_capped = size_capped
    try:
        return reader.read()
    except RecursionError:
        return Unparseable("MIME structure nested too deeply to read", digest, len(raw))
    except Exception as error:  # a bug of ours must not lose the message: keep it raw
        return Unparseable(f"unexpected {type(error).__name__} while reading", digest, len(raw))


class _Reader:
    """Reads one parsed ``email.message.Message``; holds the counters of the caps."""

    def __init__(
        self,
        message: Message,
        raw: bytes,
        digest: str,
        max_parts: int,
        max_depth: int,
        max_recipients: int,
    ) -> None:
        self.message = message
        self.raw = raw
        self.digest = digest
        self.max_parts = max_parts
        self.max_depth = max_depth
        self.max_recipients = max_recipients
        self.parts_seen = 0
        self.parts_capped = False
        self.depth_capped = False
        self.recipients_capped = False
        self.size_capped = False
        self.attachments: list[Attachment] = []
        self.defects: list[str] = []

    def read(self) -> ParsedMessage | Unparseable:
        raw_headers = _raw_items(self.message)
        if not raw_headers:
            return Unparseable("no header fields: not a mail message", self.digest, len(self.raw))
        if len(raw_headers) > MAX_HEADERS:
            self.defects.append(f"more than {MAX_HEADERS} header fields; the rest ignored")
            raw_headers = raw_headers[:MAX_HEADERS]
        headers = tuple((name, _light_decode(value)) for name, value in raw_headers)
        first = {name.lower(): value for name, value in reversed(raw_headers)}

        message_ids = _message_ids(first.get("message-id", ""))
        references = _message_ids(" ".join(v for n, v in raw_headers if n.lower() == "references"))
        if len(references) > MAX_REFERENCES:
            # The root and the latest ancestors are what threading needs.
            references = references[:1] + references[-(MAX_REFERENCES - 1) :]
        in_reply_to = _message_ids(first.get("in-reply-to", ""))
        sender, sender_ambiguous = _sender(raw_headers)
        content_type = _safe(self.message.get_content_type, "text/plain")
        report_type = None
        if content_type == "multipart/report":
            report_type = _safe(lambda: _param(self.message, "report-type"), None)
            report_type = str(report_type).strip().lower() if report_type else None

        plain, html = self._visit(self.message, depth=0)
        text = "\n\n".join(piece for piece in plain if piece.strip())
        html_body = "\n".join(html) if html else None
        text_from_html = False
        if not text.strip() and html_body:
            text, text_from_html = html_to_text(html_body), True

        synthetic = _synthetic_id(_delivery_digest(raw_headers, self.raw) or self.digest)
        return ParsedMessage(
            message_id=message_ids[0] if message_ids else synthetic,
            message_id_synthetic=not message_ids,
            raw_sha256=self.digest,
            size=len(self.raw),
            in_reply_to=in_reply_to[0] if in_reply_to else None,
            references=tuple(dict.fromkeys(references)),
            subject=_fold(_header_text("subject", first.get("subject", ""))),
            sender=sender,
            reply_to=tuple(self._addresses(raw_headers, "reply-to")),
            to=tuple(self._addresses(raw_headers, "to")),
            cc=tuple(self._addresses(raw_headers, "cc")),
            date=_date(first.get("date")),
            text=text.strip("\n"),
            text_from_html=text_from_html,
            html=html_body,
            attachments=tuple(self.attachments),
            content_type=content_type,
            report_type=report_type,
            headers=headers,
            recipients_capped=self.recipients_capped,
            parts_capped=self.parts_capped,
            depth_capped=self.depth_capped,
            sender_ambiguous=sender_ambiguous,
            size_capped=self.size_capped,
            defects=tuple(dict.fromkeys(self.defects + _defects(self.message))),
        )

    # Recipients -------------------------------------------------------------------------------

    def _addresses(
        self, raw_headers: list[tuple[str, str]], name: str, *, cap: bool = True
    ) -> list[Address]:
        found: list[Address] = []
        for key, value in raw_headers:
            if key.lower() == name:
                found.extend(_parse_addresses(name, value))
        unique = list(dict.fromkeys(found))
        if cap and len(unique) > self.max_recipients:
            self.recipients_capped = True
            unique = unique[: self.max_recipients]
        return unique

    # MIME tree --------------------------------------------------------------------------------

    def _visit(self, part: Message, depth: int) -> tuple[list[str], list[str]]:
        """Collect attachments under ``part``; return its (plain texts, html bodies)."""
        maintype = _safe(part.get_content_maintype, "text")
        if maintype == "multipart" and part.is_multipart():
            return self._visit_multipart(part, depth)
        if maintype == "multipart":
            # No boundary, or one that never occurs: the parser could not split it. What
            # the sender wrote is in there as text; a nameless .bin would hide it.
            return [_part_text(part)], []
        if maintype == "message" and part.is_multipart():
            self._attach_message(part)
            return [], []
        content_type = _content_type(part)
        disposition = _safe(part.get_content_disposition, None)
        filename = _filename(part)
        if (
            content_type in {"text/plain", "text/html"}
            and disposition != "attachment"
            and filename is None
        ):
            text = _part_text(part)
            return ([text], []) if content_type == "text/plain" else ([], [text])
        self._attach_leaf(part, content_type, disposition, filename)
        return [], []

    def _visit_multipart(self, part: Message, depth: int) -> tuple[list[str], list[str]]:
        children = part.get_payload()
        if not isinstance(children, list):
            return [], []
        results: list[tuple[list[str], list[str]]] = []
        for child in children:
            if depth + 1 > self.max_depth:
                self.depth_capped = True
                break
            if self.parts_seen >= self.max_parts:
                self.parts_capped = True
                break
            self.parts_seen += 1
            results.append(self._visit(child, depth + 1))
        if _safe(part.get_content_subtype, "mixed") == "alternative":
            # Alternatives come in increasing order of preference: keep the last that has
            # readable text, and the last that has HTML.
            plain = next((p for p, _ in reversed(results) if any(t.strip() for t in p)), [])
            html = next((h for _, h in reversed(results) if h), [])
            return plain, html
        plain = [text for p, _ in results for text in p]
        html = [text for _, h in results for text in h]
        return plain, html

    def _attach_leaf(
        self, part: Message, content_type: str, disposition: str | None, filename: str | None
    ) -> None:
        data = _safe(lambda: part.get_payload(decode=True), None)
        if not isinstance(data, bytes):
            data = b""
        content_id = _content_id(part)
        self.attachments.append(
            Attachment(
                filename=display_filename(filename, content_type, len(self.attachments) + 1),
                content_type=content_type,
                size=len(data),
                data=data,
                content_id=content_id,
                is_inline=disposition == "inline"
                or (disposition is None and content_id is not None),
            )
        )

    def _attach_message(self, part: Message) -> None:
        """Keep an attached message (forward as attachment, bounce's original) as a .eml."""
        content_type = _content_type(part)
        inner = part.get_payload()
        blocks = inner if isinstance(inner, list) else []
        data = b"".join(_safe(lambda block=block: _as_bytes(block), b"") for block in blocks)
        encoding = str(_safe(lambda: part.get("content-transfer-encoding"), "") or "")
        if encoding.strip().lower() in {"base64", "quoted-printable"}:
            # Forbidden for message/* (RFC 2046) yet sent: the parser took the encoded text
            # for a message without headers. Keep the message itself, decoded.
            data = _safe(lambda: _transfer_decode(data, encoding.strip().lower()), data)
            headers = _safe(lambda: BytesParser(policy=_TREE_POLICY).parsebytes(data, True), None)
            blocks = [headers] if headers is not None else []
        filename = _filename(part)
        if filename is None and blocks and content_type == "message/rfc822":
            subject = _fold(_header_text("subject", blocks[0].get("subject", "") or ""))
            filename = f"{subject}.eml" if subject else None
        if filename is None:
            subtype = content_type.partition("/")[2] or "message"
            filename = f"{subtype}.eml" if subtype == "rfc822" else f"{subtype}.txt"
            filename = "message.eml" if subtype == "rfc822" else filename
        self.attachments.append(
            Attachment(
                filename=display_filename(filename, content_type, len(self.attachments) + 1),
                content_type=content_type,
                size=len(data),
                data=data,
                content_id=_content_id(part),
                is_inline=False,
            )
        )


# Helpers: safety ------------------------------------------------------------------------------


def _safe(call: Callable[[], T], default: T) -> T:
    """Call an accessor of the stdlib parser, which may raise on malformed input."""
    try:
        return call()
    except Exception:
        return default


def _raw_items(message: Message) -> list[tuple[str, str]]:
    # raw_items gives the header values as received, before the policy's parsing (which may
    # raise on malformed values): each value is then parsed on its own, in a try.
    items = _safe(lambda: list(message.raw_items()), [])
    return [(str(name), _unescape(str(value))) for name, value in items]


def _head(raw: bytes, boundary_lines: int, *, headers_only: bool) -> tuple[bytes, bool]:
    """Return the bytes handed to the stdlib parser, and whether MIME parts were left out."""
    if headers_only:
        end = _HEADER_END.search(raw)
        return (raw[: end.end()] if end else raw[:MAX_HEADER_BLOCK]), False
    for count, match in enumerate(_BOUNDARY_LINE.finditer(raw), start=1):
        if count > boundary_lines:
            # Cut at a line start: the parser sees an unterminated multipart, which it reads.
            return raw[: match.start() + 1], True
    return raw, False


def _delivery_digest(raw_headers: list[tuple[str, str]], raw: bytes) -> str | None:
    """Return a digest of what the author wrote, the same for every delivered copy.

    A message without a Message-ID sent to two of the desk's addresses arrives twice with
    different trace headers; this makes both copies one message. Without a Date, two
    separate sends of the same text (a device's repeated alert) could not be told apart
    from two copies, so there is none (None).
    """
    fields = [(name.lower(), value) for name, value in raw_headers]
    fields = [(name, value) for name, value in fields if name in _ORIGINATOR_FIELDS]
    if not any(name == "date" for name, _ in fields):
        return None
    end = _HEADER_END.search(raw)
    digest = hashlib.sha256()
    for name, value in fields:
        digest.update(f"{name}:{' '.join(value.split())}\n".encode("utf-8", "replace"))
    digest.update(b"\n")
    digest.update((raw[end.end() :] if end else b"").replace(b"\r\n", b"\n"))
    return digest.hexdigest()


def _defects(message: Message) -> list[str]:
    return [type(defect).__name__ for defect in _safe(lambda: list(message.defects), [])]


def _param(part: Message, name: str) -> str | None:
    value = part.get_param(name)
    if value is None:  # compat32 leaves RFC 2231 names with a hyphen ("report-type*") encoded
        encoded = part.get_param(f"{name}*")
        value = utils.decode_rfc2231(str(encoded)) if encoded is not None else None
    return utils.collapse_rfc2231_value(value) if value is not None else None  # type: ignore[arg-type]


def _as_bytes(message: Message) -> bytes:
    return message.as_bytes(policy=_GENERATOR_POLICY)


def _transfer_decode(data: bytes, encoding: str) -> bytes:
    if encoding == "base64":
        return base64.b64decode(data, validate=False)  # skips line breaks and stray bytes
    return quopri.decodestring(data)


# Helpers: text and charsets -------------------------------------------------------------------

_CHARSET_ALIASES = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "ks_c_5601-1987": "cp949",
    "iso-8859-8-i": "iso-8859-8",
    "x-mac-roman": "mac-roman",
    "unicode-1-1-utf-8": "utf-8",
    "utf8": "utf-8",
}
# Declared charsets whose text is read as UTF-8 when it is valid UTF-8, else as Windows-1252.
_WESTERN = frozenset({"ascii", "iso8859-1", "cp1252", "utf-8"})  # codecs.lookup names
# Charsets written in ASCII bytes that mean something else (Japanese mail is ISO-2022-JP).
_SEVEN_BIT_CODECS = ("utf-7", "iso2022", "hz")
_SURROGATES = re.compile(r"[\ud800-\udfff]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def decode_bytes(data: bytes, declared: str | None) -> str:
    """Decode text bytes with the declared charset, falling back rather than failing."""
    codec = _codec(declared)
    if data.isascii() and not (codec or "").startswith(_SEVEN_BIT_CODECS):
        return data.decode("ascii")
    if codec is None or codec in _WESTERN:
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            return data.decode("cp1252", errors="replace")
    try:
        return data.decode(codec, errors="replace")
    except Exception:  # codecs that are not text encodings (rot13, zlib...) raise LookupError
        return data.decode("cp1252", errors="replace")


def _codec(declared: str | None) -> str | None:
    if not declared:
        return None
    name = declared.strip().strip("\"'").lower()
    name = _CHARSET_ALIASES.get(name, name)
    try:
        return codecs.lookup(name).name
    except (LookupError, ValueError, TypeError):
        return None


def _part_text(part: Message) -> str:
    data = _safe(lambda: part.get_payload(decode=True), None)
    if not isinstance(data, bytes):
        return ""
    charset = _safe(part.get_content_charset, None)
    text = decode_bytes(data, charset)
    return _scrub(text.replace("\r\n", "\n").replace("\r", "\n"))


def _unescape(value: str) -> str:
    """Undo the parser's surrogateescape of 8-bit header bytes (raw UTF-8 or Latin-1)."""
    if not _SURROGATES.search(value):
        return value
    try:
        data = value.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        return _SURROGATES.sub("\ufffd", value)
    return decode_bytes(data, None)


def _scrub(text: str) -> str:
    """Text safe to store: no lone surrogates, no NUL."""
    return _SURROGATES.sub("\ufffd", _unescape(text)).replace("\x00", "")


def _fold(text: str) -> str:
    """One line: control characters dropped, runs of whitespace folded into one space."""
    return " ".join(_CONTROL.sub("", _scrub(text)).split())


def _light_decode(value: str) -> str:
    """Unfolded header value with encoded-words decoded, without the policy's full parsing."""
    value = value[:MAX_HEADER_CHARS]
    if "=?" in value:
        value = _decode_words(value)
    return _fold(value)


def _decode_words(value: str) -> str:
    """Decode RFC 2047 encoded-words, each with its own charset and the same fallbacks."""
    try:
        chunks = decode_header(value)
    except Exception:
        return value
    return "".join(
        chunk if isinstance(chunk, str) else decode_bytes(chunk, charset)
        for chunk, charset in chunks
    )


def _header_text(name: str, value: str) -> str:
    """An unstructured header (Subject) decoded by the policy, or by hand if that fails."""
    value = _unescape(str(value))[:MAX_HEADER_CHARS]
    if "=?" in value:
        # decode_header lets every encoded-word keep its own charset fallback, where the
        # policy would turn a mislabelled word into replacement characters.
        return _scrub(_decode_words("".join(value.splitlines())))
    return _scrub(_safe(lambda: str(_POLICY.header_factory(name, value)), value))


# Helpers: addresses, ids, date ----------------------------------------------------------------


# A bare local part is allowed ("MAILER-DAEMON" without a domain is common in bounces).
_SANE_ADDRESS = re.compile(r"^(?:[^\s<>\"(),;:@]+@[^\s<>\"(),;:@]+|[\w.+-]+)$")
_ANY_ADDRESS = re.compile(r"[\w.!#$%&'*+/=?^`{|}~-]+@[\w-]+(?:\.[\w-]+)*")


def _parse_addresses(name: str, value: str) -> list[Address]:
    value = "".join(value[:MAX_HEADER_CHARS].splitlines())
    try:
        header = _POLICY.header_factory(name, value)
        pairs = [(a.display_name, a.addr_spec) for a in header.addresses]
    except Exception:
        pairs = _safe(lambda: utils.getaddresses([value]), [])
        pairs = [(_decode_words(n), a) for n, a in pairs]
    result = []
    for display, spec in pairs:
        address = _address(display, spec)
        if address is None:
            # The header was too broken for the grammar (an unclosed quote swallows the
            # address): rescue whatever looks like addresses, without names.
            return [Address(name="", address=found.lower()) for found in _rescue(value)]
        result.append(address)
    return result


def _address(display: object, spec: object) -> Address | None:
    address = _fold(str(spec or "")).replace(" ", "").lower()
    if not _SANE_ADDRESS.match(address):
        return None
    return Address(name=_fold(str(display or "")).strip("\"' "), address=address)


def _sender(raw_headers: list[tuple[str, str]]) -> tuple[Address | None, bool]:
    """Return the author (From), or (None, True) when From names several or is ambiguous."""
    found: list[Address] = []
    for key, value in raw_headers:
        if key.lower() == "from":
            addresses, ambiguous = _from_addresses(value)
            if ambiguous:
                return None, True
            found.extend(addresses)
    if len({address.address for address in found}) > 1:
        return None, True  # several authors, or several From fields: who wrote is unclear
    return (found[0] if found else None), False


def _from_addresses(value: str) -> tuple[list[Address], bool]:
    """Return the addresses of one From value, and whether it is ambiguous.

    A value the grammar reads cleanly is taken as read. A broken one is where spoofs hide:
    the parser drops what it cannot read ("alice@a.test <evil@b.test>" gives alice), and an
    encoded-word or a NUL can make an address that no mail server saw. From such a value only
    an address written out literally, and alone, is taken.
    """
    value = "".join(value[:MAX_HEADER_CHARS].splitlines())
    try:
        header = _POLICY.header_factory("from", value)
        pairs = [(a.display_name, a.addr_spec) for a in header.addresses]
        broken = any(isinstance(d, errors.InvalidHeaderDefect) for d in header.defects)
    except Exception:
        pairs, broken = [], True
    parsed = [_address(display, spec) for display, spec in pairs]
    if not broken and all(address is not None for address in parsed):
        return [address for address in parsed if address is not None], False
    text = _fold(value)
    literal = _ANY_ADDRESS.findall(text)
    distinct = list(dict.fromkeys(found.lower() for found in literal))
    if len(distinct) > 1 or text.count("@") > len(literal):
        return [], True
    if distinct:
        name = next((a.name for a in parsed if a is not None and a.address == distinct[0]), "")
        return [Address(name=name, address=distinct[0])], False
    # No address at all: a bare name such as MAILER-DAEMON still tells noise from mail.
    return [a for a in parsed if a is not None and "@" not in a.address], False


def _rescue(value: str) -> list[str]:
    return list(dict.fromkeys(_ANY_ADDRESS.findall(_decode_words(value))))


_ANGLE_ID = re.compile(r"<\s*([^<>\s]+)\s*>")


def _message_ids(value: str) -> list[str]:
    """Every msg-id in a Message-ID, In-Reply-To or References value, as "<...>"."""
    value = _scrub(value[:MAX_HEADER_CHARS])
    ids = _ANGLE_ID.findall(value)
    if not ids:
        # Some senders omit the brackets; a lone token, or tokens with an @, are ids.
        tokens = [token.strip("<>,;\"'") for token in value.split()]
        ids = tokens if len(tokens) == 1 else [token for token in tokens if "@" in token]
    return [_normalise_id(core) for core in ids if core]


def _normalise_id(core: str) -> str:
    core = _CONTROL.sub("", core)
    if len(core) > MAX_ID_LENGTH - 2:
        # A deterministic stand-in, so that a reference to the same long id still threads.
        core = hashlib.sha256(core.encode("utf-8")).hexdigest() + "@long-id.allie.invalid"
    return f"<{core}>"


def _synthetic_id(digest: str) -> str:
    return f"<{digest}@{SYNTHETIC_ID_DOMAIN}>"


def _date(value: str | None) -> datetime | None:
    if not value or not value.strip():
        return None
    try:
        parsed = utils.parsedate_to_datetime(_fold(value))
        if parsed.tzinfo is None:  # "-0000": UTC with no statement about the local zone
            parsed = parsed.replace(tzinfo=UTC)
        return parsed.astimezone(UTC)
    except Exception:
        return None


# Helpers: attachments -------------------------------------------------------------------------


def _filename(part: Message) -> str | None:
    name = _safe(part.get_filename, None)
    if name is None:
        return None
    name = _unescape(str(name))
    if "=?" in name:  # Outlook and Gmail put encoded-words in quoted parameters
        name = _decode_words(name)
    return name


# RFC 2045's type "/" subtype, both tokens: printable ASCII without spaces nor tspecials.
_MIME_TYPE = re.compile(r"[a-z0-9!#$%&'*+.^_`{|}~-]+/[a-z0-9!#$%&'*+.^_`{|}~-]+")
OCTET_STREAM = "application/octet-stream"


def _content_type(part: Message) -> str:
    """The part's type, lower-cased; application/octet-stream when it is not a clean token.

    Raw 8-bit bytes (surrogate-escaped), NUL or control characters in Content-Type would
    otherwise reach the attachment's row, which the database refuses: the whole message
    failed for one mangled part header.
    """
    content_type = _safe(part.get_content_type, OCTET_STREAM)
    return content_type if _MIME_TYPE.fullmatch(content_type) else OCTET_STREAM


def _content_id(part: Message) -> str | None:
    values = [v for k, v in _raw_items(part) if k.lower() == "content-id"]
    if not values:
        return None
    content_id = _fold(values[0]).strip("<> ")
    return content_id or None


_PATH_SEPARATORS = re.compile(r"[/\\]")
# Control, zero-width and bidirectional-override characters hide or reverse parts of a name
# ("invoice\u202efdp.exe" reads as "invoiceexe.pdf"); the rest upset downloads on Windows.
_UNSAFE_NAME = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
_RESERVED_NAME = re.compile(r'[<>:"|?*]')
_EXTENSIONS = {
    "application/pdf": ".pdf",
    "application/ms-tnef": ".dat",
    "application/zip": ".zip",
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "image/gif": ".gif",
    "image/webp": ".webp",
    "text/plain": ".txt",
    "text/html": ".html",
    "text/calendar": ".ics",
    "message/rfc822": ".eml",
}


def display_filename(name: str | None, content_type: str, index: int) -> str:
    """A file name safe to display and offer as a download name (never as a path)."""
    cleaned = unicodedata.normalize("NFC", _scrub(name or ""))
    cleaned = _PATH_SEPARATORS.split(cleaned)[-1]
    cleaned = _UNSAFE_NAME.sub("", cleaned)
    cleaned = _RESERVED_NAME.sub("_", cleaned)
    cleaned = " ".join(cleaned.split()).strip(". ")  # no hidden files, no "..", no "x.pdf."
    if len(cleaned) > MAX_FILENAME_LENGTH:
        stem, dot, extension = cleaned.rpartition(".")
        if dot and 0 < len(extension) <= 10:
            cleaned = f"{stem[: MAX_FILENAME_LENGTH - len(extension) - 1]}.{extension}"
        else:
            cleaned = cleaned[:MAX_FILENAME_LENGTH]
    if not cleaned:
        cleaned = f"attachment-{index}{_EXTENSIONS.get(content_type, '.bin')}"
    return cleaned
