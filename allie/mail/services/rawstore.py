"""Raw inbound mail on disk, under ``settings.MAIL_RAW_ROOT``, named after its SHA-256.

Raw mail may weigh tens of megabytes, so it lives in files rather than in the database; the
``InboundMessage`` row holds the relative path. A file is written to a temporary name, flushed
to disk, then renamed into place: a reader never sees half a message, and a crash leaves at
worst a stray temporary file. Identical bytes share one file (same name), so writing the same
message again is a no-op.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from django.conf import settings


def raw_root() -> Path:
    """Return the folder holding raw mail (created on first use)."""
    return Path(settings.MAIL_RAW_ROOT)


def relative_path(sha256: str) -> str:
    """Return where the raw message with this digest lives, relative to the root."""
    if len(sha256) != 64 or any(ch not in "0123456789abcdef" for ch in sha256):
        raise ValueError("a raw message is named after its lower-case hex SHA-256")
    return f"{sha256[:2]}/{sha256[2:4]}/{sha256}.eml"


def store_raw(raw: bytes, sha256: str | None = None) -> str:
    """Write ``raw`` durably (if not already there) and return its relative path."""
    digest = sha256 or hashlib.sha256(raw).hexdigest()
    relative = relative_path(digest)
    target = raw_root() / relative
    if target.is_file() and target.stat().st_size == len(raw):
        return relative  # same name means same bytes: already stored
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=".incoming-", dir=target.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(raw)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return relative


def read_raw(relative: str) -> bytes:
    """Return the stored bytes of a raw message (``InboundMessage.raw_path``)."""
    root = raw_root().resolve()
    path = (root / relative).resolve()
    if not path.is_relative_to(root):
        raise ValueError("raw message path outside the raw mail folder")
    return path.read_bytes()
