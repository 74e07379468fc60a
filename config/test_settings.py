"""Settings for the test suite: the real settings, with fast hashing and a private var folder."""

from __future__ import annotations

import os
import tempfile

os.environ["ALLIE_TESTING"] = "1"
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright with live_server

from config.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
ATTACHMENTS_ROOT = Path(tempfile.mkdtemp(prefix="allie-attachments-"))  # noqa: F405
MAIL_RAW_ROOT = Path(tempfile.mkdtemp(prefix="allie-mail-"))  # noqa: F405
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
LANGUAGE_CODE = "fr-ca"
