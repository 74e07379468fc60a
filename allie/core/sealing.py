"""Secrets the application must read back (a mailbox's password), sealed at rest.

A password that logs in to another server cannot be hashed: the worker needs it in clear to
sign in. It is kept encrypted and authenticated (Fernet: AES-128-CBC with HMAC-SHA256) under a
key derived from SECRET_KEY, so a copy of the database alone does not give it away. The key
for sealing is derived from SECRET_KEY; SECRET_KEY_FALLBACKS still open what older keys sealed,
as Django's signing does. A value no key opens (SECRET_KEY changed without a fallback) reads as
empty: the mailbox then reports it has no password, and an administrator types it again.
"""

from __future__ import annotations

import base64
import logging
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.db import models

logger = logging.getLogger(__name__)

# Marks a sealed value in the database, so a value written before sealing existed is told apart.
PREFIX = "sealed:v1:"
_PURPOSE = b"allie.core.sealing"


def _fernet_for(secret_key: str) -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_PURPOSE).derive(
        secret_key.encode()
    )
    return Fernet(base64.urlsafe_b64encode(key))


def _keys() -> MultiFernet:
    secrets = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return MultiFernet([_fernet_for(secret) for secret in secrets])


def seal(plain: str) -> str:
    """Return `plain` encrypted for storage; the empty string stays empty."""
    if not plain:
        return ""
    return PREFIX + _keys().encrypt(plain.encode()).decode("ascii")


def is_sealed(stored: str) -> bool:
    return stored.startswith(PREFIX)


def unseal(stored: str) -> str:
    """Return the clear value of a sealed one ("" when no current or fallback key opens it)."""
    if not stored:
        return ""
    try:
        return _keys().decrypt(stored.removeprefix(PREFIX).encode("ascii")).decode()
    except (InvalidToken, UnicodeError, ValueError):
        logger.warning("A sealed secret could not be opened with the current or fallback keys")
        return ""


class SealedCharField(models.TextField):
    """Text kept sealed in the database and clear in Python (never in a form or a filter)."""

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str | None:
        if value is None or not is_sealed(value):
            return value  # written before sealing; the migration that adds it seals those rows
        return unseal(value)

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        return None if value is None else seal(value)
