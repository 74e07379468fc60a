"""Attachments: checked, stored under random names outside any public URL, read back by id."""

from __future__ import annotations

import secrets
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import IO, Any

from django.conf import settings
from django.template.defaultfilters import filesizeformat

from allie.tickets.models import Attachment, Ticket, TimelineEvent
from allie.tickets.services.errors import ServiceError

CHUNK = 64 * 1024
CONTENT_TYPE_MAX = 150  # Attachment.content_type's max_length
FALLBACK_CONTENT_TYPE = "application/octet-stream"
# Names Windows reserves for devices, whatever the case and the extension ("nul.tar.gz").
WINDOWS_DEVICES = frozenset(
    {"CON", "PRN", "AUX", "NUL"}
    | {f"{port}{n}" for port in ("COM", "LPT") for n in "0123456789\u00b9\u00b2\u00b3"}
)


@dataclass(frozen=True)
class UploadedFile:
    """A file handed to a service by any interface (form upload, API, email part)."""

    name: str
    content_type: str
    size: int
    stream: IO[bytes]


def safe_content_type(raw: str | None) -> str:
    """Return the claimed content type fit for storing: no control characters, bounded.

    The claim comes from the client and is only ever shown (downloads are always sent as
    application/octet-stream), but a NUL makes PostgreSQL refuse the row and a lone surrogate
    cannot be encoded, so both go, with every other control or unassigned character.
    """
    cleaned = "".join(ch for ch in raw or "" if unicodedata.category(ch)[0] != "C").strip()
    return cleaned[:CONTENT_TYPE_MAX] or FALLBACK_CONTENT_TYPE


def from_django_files(files: Iterable[Any]) -> list[UploadedFile]:
    """Return service-level files for Django's UploadedFile objects."""
    return [
        UploadedFile(
            name=f.name or "",
            content_type=getattr(f, "content_type", "") or FALLBACK_CONTENT_TYPE,
            size=f.size or 0,
            stream=f,
        )
        for f in files
    ]


def safe_display_name(name: str) -> str:
    """Return a file name fit for display and download headers; never used as a path."""
    base = PureWindowsPath(PurePosixPath(name or "").name).name
    base = unicodedata.normalize("NFC", base)
    cleaned = "".join(
        ch for ch in base if unicodedata.category(ch)[0] != "C" and ch not in '<>:"/\\|?*'
    )
    cleaned = cleaned.strip(" .")
    if not cleaned:
        cleaned = "fichier"
    if cleaned.partition(".")[0].rstrip(" ").upper() in WINDOWS_DEVICES:
        # Saved under its own name on Windows, "CON.txt" would open the console, not a file.
        cleaned = "_" + cleaned
    if len(cleaned) > 200:
        stem, dot, extension = cleaned.rpartition(".")
        cleaned = (stem[:190] + dot + extension[:9]) if dot else cleaned[:200]
    return cleaned


def check_files(files: Iterable[UploadedFile]) -> None:
    """Refuse too many files, or oversized, empty or forbidden ones, before anything is written."""
    files = list(files)
    if len(files) > settings.ATTACHMENT_MAX_FILES:
        raise ServiceError(
            "attachment_too_many", params={"limit": settings.ATTACHMENT_MAX_FILES}, field="files"
        )
    limit = settings.ATTACHMENT_MAX_BYTES
    for upload in files:
        name = safe_display_name(upload.name)
        extension = name.rpartition(".")[2].lower() if "." in name else ""
        if extension in settings.ATTACHMENT_FORBIDDEN_EXTENSIONS:
            raise ServiceError(
                "attachment_forbidden_type", params={"extension": extension}, field="files"
            )
        if upload.size > limit:
            raise ServiceError(
                "attachment_too_large",
                params={"name": name, "limit": filesizeformat(limit)},
                field="files",
            )
        if upload.size == 0:
            raise ServiceError("attachment_empty", params={"name": name}, field="files")


def store_files(
    ticket: Ticket,
    files: Iterable[UploadedFile],
    *,
    event: TimelineEvent | None,
    by: Any,
    public: bool,
    now: datetime,
) -> list[Attachment]:
    """Write the files under random names and record them on the ticket."""
    root = Path(settings.ATTACHMENTS_ROOT)
    stored: list[Attachment] = []
    try:
        _write_all(root, files, stored, ticket=ticket, event=event, by=by, public=public, now=now)
    except BaseException:
        # The transaction rolls back the rows; remove the files so nothing is half saved.
        for attachment in stored:
            (root / attachment.stored_name[:2] / attachment.stored_name).unlink(missing_ok=True)
        raise
    return Attachment.objects.bulk_create(stored)


def _write_all(
    root: Path,
    files: Iterable[UploadedFile],
    stored: list[Attachment],
    **fields: Any,
) -> None:
    for upload in files:
        stored_name = secrets.token_hex(16)
        path = root / stored_name[:2] / stored_name
        path.parent.mkdir(parents=True, exist_ok=True)
        written = 0
        with path.open("xb") as target:
            for chunk in _chunks(upload.stream):
                written += len(chunk)
                if written > settings.ATTACHMENT_MAX_BYTES:
                    target.close()
                    path.unlink(missing_ok=True)
                    raise ServiceError(
                        "attachment_too_large",
                        params={
                            "name": safe_display_name(upload.name),
                            "limit": filesizeformat(settings.ATTACHMENT_MAX_BYTES),
                        },
                        field="files",
                    )
                target.write(chunk)
        stored.append(
            Attachment(
                ticket=fields["ticket"],
                event=fields["event"],
                uploaded_by=fields["by"],
                is_public=fields["public"],
                original_name=safe_display_name(upload.name),
                stored_name=stored_name,
                content_type=safe_content_type(upload.content_type),
                size=written,
                created_at=fields["now"],
            )
        )


def _chunks(stream: Any) -> Iterator[bytes]:
    if hasattr(stream, "chunks"):
        yield from stream.chunks(CHUNK)
        return
    while chunk := stream.read(CHUNK):
        yield chunk


def read_attachment(attachment: Attachment) -> IO[bytes]:
    """Open a stored attachment for reading (the caller has checked access)."""
    root = Path(settings.ATTACHMENTS_ROOT)
    return (root / attachment.stored_name[:2] / attachment.stored_name).open("rb")
