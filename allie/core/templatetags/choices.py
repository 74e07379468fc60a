"""`{{ ticket|label:"status" }}`: a choice field's label (see `allie.core.choices`)."""

from __future__ import annotations

from django import template

from allie.core.choices import choice_label

register = template.Library()
register.filter("label", choice_label)
