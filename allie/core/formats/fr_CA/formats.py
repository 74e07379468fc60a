"""Québec French formats: Django's own use an unescaped "h", printing "15 03 27" for 15 h 27."""

from __future__ import annotations

from django.conf.locale.fr_CA.formats import *  # noqa: F403

TIME_FORMAT = "H\xa0\\h\xa0i"  # 13 h 40
DATETIME_FORMAT = "j F Y, H\xa0\\h\xa0i"  # 31 janvier 2024, 13 h 40
SHORT_DATETIME_FORMAT = "Y-m-d H\xa0\\h\xa0i"
