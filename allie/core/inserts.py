"""New rows on the busiest writes, with their INSERT written once per model.

`Model.save()` and `QuerySet.bulk_create()` compose and compile an INSERT at every call. For the
one-row writes that open a ticket, that cost more Python than the database spent writing the rows
(docs/performance.md). `insert(obj)` prepares each value exactly as the ORM does
(`Field.pre_save(obj, add=True)`, then `Field.get_db_prep_save`), reuses the statement text
built once per model and database vendor, and sets the primary key from `RETURNING`. It sends
`pre_save` and `post_save` as `save()` does, so receivers (the mail app's notices) still hear
of the row.

`sql_values` gives a column a fixed SQL fragment instead of a parameter (the ticket's reference,
computed by the INSERT itself on PostgreSQL). The fragment is part of the cached statement, so
its text must not vary; its parameters go beside it.

`then` are more statements written with the row (a ticket's SLA summary, its deadlines and its
day figures): on PostgreSQL all go as one statement (the row's INSERT and all but the last in
data-modifying `WITH`s, which PostgreSQL always runs to completion), one round trip instead of
several; elsewhere one after the other.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from django.db import connections, router
from django.db.models import Field, Model
from django.db.models.signals import post_save, pre_save

from allie.core.database import always_prepared

M = TypeVar("M", bound=Model)

#: A column's SQL fragment and its parameters.
Fragment = tuple[str, Sequence[Any]]


@dataclass(frozen=True)
class _Statement:
    sql: str
    # One per column, in the statement's order: the field whose value is a parameter, or the
    # name of a column given as an SQL fragment (whose parameters go in its place).
    slots: tuple[Field | str, ...]
    returns_pk: bool


@functools.cache
def _statement(
    model: type[Model], alias: str, fragments: tuple[tuple[str, str], ...]
) -> _Statement:
    connection = connections[alias]
    meta = model._meta
    quote = connection.ops.quote_name
    sql_of = dict(fragments)
    columns, values, slots = [], [], []
    for field in meta.local_concrete_fields:
        if field is meta.auto_field or field.generated:
            continue
        columns.append(quote(field.column))
        if field.name in sql_of:
            values.append(sql_of.pop(field.name))
            slots.append(field.name)
        else:
            values.append("%s")
            slots.append(field)
    if sql_of:
        raise TypeError(f"{model.__name__} has no column for {sorted(sql_of)}")
    # Our names, quoted; the fragments are the callers' fixed text; values are parameters.
    table, names, placeholders = quote(meta.db_table), ", ".join(columns), ", ".join(values)
    sql = f"INSERT INTO {table} ({names}) VALUES ({placeholders})"  # noqa: S608
    # A key the caller gives (a one-to-one key) is a column like the others.
    returns_pk = meta.auto_field is not None and connection.features.can_return_columns_from_insert
    if returns_pk:
        returning, _params = connection.ops.return_insert_columns([meta.pk])
        sql = f"{sql} {returning}"
    return _Statement(sql=sql, slots=tuple(slots), returns_pk=returns_pk)


@functools.cache
def _with_then(first: str, *then: str) -> str:
    written = [f"written AS ({first})"]
    written += [f"then_{number} AS ({sql})" for number, sql in enumerate(then[:-1], start=1)]
    return always_prepared(f"WITH {', '.join(written)} {then[-1]}")


def insert(
    obj: M, *, sql_values: Mapping[str, Fragment] | None = None, then: Sequence[Fragment] = ()
) -> M:
    """Write `obj`, a new instance whose related objects are saved, and return it with its pk.

    For models without a parent model (multi-table inheritance writes several tables: use
    `save()`) whose key is automatic or set on `obj`. `then`: statements (each a fixed text and
    its parameters) written with the row (see the module's docstring); only for a row whose key
    is set on `obj` (the combined statement returns nothing).
    """
    model = type(obj)
    meta = model._meta
    if meta.parents or not obj._state.adding or (meta.auto_field is None and obj.pk is None):
        raise TypeError(f"insert() writes a new row with its key automatic or set, not {obj!r}")
    sql_values = sql_values or {}
    using = router.db_for_write(model, instance=obj)
    connection = connections[using]
    fragments = tuple(sorted((name, sql) for name, (sql, _params) in sql_values.items()))
    statement = _statement(model, using, fragments)
    if then and meta.auto_field is not None:
        raise TypeError("insert(then=...) writes rows whose key is set, not generated")
    if pre_save.has_listeners(model):
        pre_save.send(sender=model, instance=obj, raw=False, using=using, update_fields=None)
    params: list[Any] = []
    for slot in statement.slots:
        if isinstance(slot, str):
            params.extend(sql_values[slot][1])
            continue
        value = slot.pre_save(obj, add=True)
        if hasattr(value, "resolve_expression"):
            raise TypeError(f"{slot.name}: give an expression through sql_values")
        params.append(slot.get_db_prep_save(value, connection=connection))
    with connection.cursor() as cursor:
        if then and connection.vendor == "postgresql":
            texts = [sql for sql, _params in then]
            then_params = [param for _sql, values in then for param in values]
            cursor.execute(_with_then(statement.sql, *texts), [*params, *then_params])
        else:
            cursor.execute(statement.sql, params)
            for sql, values in then:
                cursor.execute(sql, values)
        if statement.returns_pk:
            setattr(obj, meta.pk.attname, cursor.fetchone()[0])
        elif meta.auto_field is not None:
            pk = connection.ops.last_insert_id(cursor, meta.db_table, meta.pk.column)
            setattr(obj, meta.pk.attname, pk)
    obj._state.adding = False
    obj._state.db = using
    if post_save.has_listeners(model):
        post_save.send(
            sender=model, instance=obj, created=True, update_fields=None, raw=False, using=using
        )
    return obj
