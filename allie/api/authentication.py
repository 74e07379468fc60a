"""Personal API tokens: `Authorization: Bearer allie_<secret>`, only a digest is stored."""

from __future__ import annotations

import functools
import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

from django.db import connection
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from allie.accounts.models import ApiToken, Organisation, Site, User, UserRole
from allie.core.database import prepared_lookups

TOKEN_PREFIX = "allie_"  # noqa: S105 (a public marker, not a secret)


def digest_of(raw: str) -> str:
    """Return the SHA-256 hex digest stored for a raw token."""
    return hashlib.sha256(raw.encode()).hexdigest()


def issue_token(user: User, *, name: str) -> tuple[ApiToken, str]:
    """Create a token for `user`; return it with the raw secret, shown once and never stored."""
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, name=name[:100], prefix=raw[: len(TOKEN_PREFIX) + 6], digest=digest_of(raw)
    )
    return token, raw


def revoke_token(token: ApiToken) -> None:
    """Revoke a token; it stops working at once."""
    ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())


# The rows one token lookup reads, each under an alias: the token, its user, the user's
# organisation and site (those two may be missing: outer joins).
_LOOKUP_ROWS: tuple[tuple[str, type[Model]], ...] = (
    ("t", ApiToken),
    ("u", User),
    ("o", Organisation),
    ("s", Site),
)


@dataclass(frozen=True)
class _Lookup:
    sql: str
    # For each row: its model, the attribute names of its columns, where they start.
    rows: tuple[tuple[type[Model], tuple[str, ...], int], ...]
    # Column index, the converters of its value (SQLite's dates and booleans), its column.
    converters: tuple[tuple[int, tuple[Callable[..., Any], ...], Any], ...]


@functools.cache
def _lookup(vendor: str) -> _Lookup:
    """The token lookup's statement, written once per process from the models' metadata.

    The busiest requests authenticate this way: composing and compiling the same four-table
    query with the ORM on every request cost more than a millisecond; the instances are built
    with `from_db` and the same converters the ORM applies.
    """
    quote = connection.ops.quote_name
    columns: list[str] = []
    rows: list[tuple[type[Model], tuple[str, ...], int]] = []
    converters: list[tuple[int, tuple[Callable[..., Any], ...], Any]] = []
    for alias, model in _LOOKUP_ROWS:
        fields = model._meta.concrete_fields
        rows.append((model, tuple(field.attname for field in fields), len(columns)))
        for field in fields:
            column = field.get_col(alias)
            found = connection.ops.get_db_converters(column) + field.get_db_converters(connection)
            if found:
                converters.append((len(columns), tuple(found), column))
            columns.append(f"{alias}.{quote(field.column)}")
    aggregate = "GROUP_CONCAT" if vendor == "sqlite" else "STRING_AGG"
    roles = (
        f"(SELECT {aggregate}(g.{quote('role')}, ',') FROM {quote(UserRole._meta.db_table)} g "  # noqa: S608 (our names)
        f"WHERE g.{quote('user_id')} = t.{quote('user_id')})"
    )
    table = {alias: quote(model._meta.db_table) for alias, model in _LOOKUP_ROWS}
    sql = (
        f"SELECT {', '.join(columns)}, {roles} FROM {table['t']} t "  # noqa: S608 (our names; the digest is a parameter)
        f"INNER JOIN {table['u']} u ON u.{quote('id')} = t.{quote('user_id')} "
        f"LEFT OUTER JOIN {table['o']} o ON o.{quote('id')} = u.{quote('organisation_id')} "
        f"LEFT OUTER JOIN {table['s']} s ON s.{quote('id')} = u.{quote('site_id')} "
        f"WHERE t.{quote('digest')} = %s AND t.{quote('revoked_at')} IS NULL"
    )
    return _Lookup(sql=sql, rows=tuple(rows), converters=tuple(converters))


def find_live_token(digest: str) -> ApiToken | None:
    """Return the unrevoked token with this digest, with its user, the user's organisation,
    site and roles loaded (one query), or None."""
    lookup = _lookup(connection.vendor)
    with connection.cursor() as cursor, prepared_lookups():  # by the token's unique digest
        cursor.execute(lookup.sql, [digest])
        found = cursor.fetchone()
    if found is None:
        return None
    values = list(found)
    for index, functions, column in lookup.converters:
        for convert in functions:
            values[index] = convert(values[index], column, connection)
    built: list[Model | None] = []
    for model, names, start in lookup.rows:
        row = values[start : start + len(names)]
        # An outer join that found nothing gives a row of NULLs, the primary key among them.
        missing = row[names.index(model._meta.pk.attname)] is None
        built.append(None if missing else model.from_db(connection.alias, names, row))
    # The user is an inner join: both are there.
    token, user, organisation, site = cast(ApiToken, built[0]), cast(User, built[1]), *built[2:]
    ApiToken._meta.get_field("user").set_cached_value(token, user)
    User._meta.get_field("organisation").set_cached_value(user, organisation)
    User._meta.get_field("site").set_cached_value(user, site)
    user.remember_roles(filter(None, (values[-1] or "").split(",")))
    return token


class PersonalTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request: Any) -> tuple[User, ApiToken] | None:
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Invalid token header."))
        try:
            raw = header[1].decode()
        except UnicodeError:
            raise exceptions.AuthenticationFailed(_("Invalid token header.")) from None
        # The caller's organisation, site and roles come with it: opening a ticket (the
        # busiest write) reads the first two for the ticket and its SLA calendar, and every
        # answer checks the roles.
        token = find_live_token(digest_of(raw))
        if token is None or not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("Invalid or revoked token."))
        now = timezone.now()
        if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.user, token

    def authenticate_header(self, request: Any) -> str:
        return self.keyword


class PersonalTokenScheme(OpenApiAuthenticationExtension):
    """Describe the personal tokens in the OpenAPI schema."""

    target_class = "allie.api.authentication.PersonalTokenAuthentication"
    name = "personalToken"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A personal token from the API tokens page (allie_…).",
        }
