"""Prepared INSERT and UPDATE statements for the rows every ledger step writes: the
hand-written path the product used before its services went back to the ORM (kept here so
``fastpaths.py rows`` can still measure it beside the ORM, by handing these functions to
``jishi.cases.services`` in place of its ``_insert``, ``_insert_unless_taken`` and
``_update``).

Through ``Model.save`` and ``bulk_create`` each statement is rebuilt from the model's
metadata every time. Here the SQL for a model and a list of fields is built once and reused,
and every value goes through its field's ``pre_save`` and ``get_db_prep_save`` as ``save``
would send it — except the plain values (a ``str`` for a text column, an ``int`` for an
integer or a foreign key, a ``bool``, ``None``), which those methods would return unchanged,
and aware datetimes, which go straight to the backend's adapter. Models with
``pre_save``/``post_save`` receivers take the ORM path instead.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from django.db import (
    DEFAULT_DB_ALIAS,
    DatabaseError,
    IntegrityError,
    connections,
    models,
    transaction,
)
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Field, Model
from django.db.models.signals import post_save, pre_save

# Values of these exact types pass through the plain fields' preparation unchanged.
_PLAIN_TYPES = frozenset({str, int, bool, type(None)})
_PLAIN_FIELDS = frozenset(
    {
        models.CharField,
        models.TextField,
        models.BooleanField,
        models.IntegerField,
        models.SmallIntegerField,
        models.BigIntegerField,
        models.PositiveIntegerField,
        models.PositiveSmallIntegerField,
        models.PositiveBigIntegerField,
        models.ForeignKey,
        models.OneToOneField,
    }
)

Prepare = Callable[[Model, bool, BaseDatabaseWrapper], Any]


def _preparer(field: Field[Any, Any]) -> Prepare:
    """How one field's value becomes a query parameter, the plain cases first."""
    attname = field.attname

    def full(obj: Model, add: bool, conn: BaseDatabaseWrapper) -> Any:
        return field.get_db_prep_save(field.pre_save(obj, add), conn)

    if type(field) in _PLAIN_FIELDS:

        def plain(obj: Model, add: bool, conn: BaseDatabaseWrapper) -> Any:
            value = getattr(obj, attname)
            if type(value) in _PLAIN_TYPES:
                return value
            return field.get_db_prep_save(value, conn)

        return plain
    if type(field) is models.DateTimeField:

        def moment(obj: Model, add: bool, conn: BaseDatabaseWrapper) -> Any:
            value = field.pre_save(obj, add)  # auto_now and auto_now_add are set here
            if type(value) is datetime and value.tzinfo is not None:
                return conn.ops.adapt_datetimefield_value(value)
            return field.get_db_prep_save(value, conn)

        return moment
    return full


_statements: dict[tuple[Any, ...], tuple[str, list[Prepare]]] = {}


def _insert_statement(
    model: type[Model], count: int, conn: BaseDatabaseWrapper
) -> tuple[str, list[Prepare]]:
    """``INSERT … VALUES (…), … RETURNING id`` for ``count`` rows of every column but the
    id, and how each column's value is prepared."""
    key = ("insert", model, count, conn.vendor)
    cached = _statements.get(key)
    if cached is None:
        meta = model._meta
        fields = [f for f in meta.concrete_fields if not f.primary_key and not f.generated]
        assert meta.pk is not None
        # A column whose value needs SQL of its own (a geometry) has no place in a plain list.
        assert not any(hasattr(f, "get_placeholder") for f in fields), model
        qn = conn.ops.quote_name
        row = "(" + ", ".join(["%s"] * len(fields)) + ")"
        sql = (
            f"INSERT INTO {qn(meta.db_table)} ({', '.join(qn(f.column) for f in fields)}) "
            f"VALUES {', '.join([row] * count)} RETURNING {qn(meta.pk.column)}"
        )
        cached = _statements[key] = (sql, [_preparer(f) for f in fields])
    return cached


def _plain(model: type[Model]) -> bool:
    """True when nothing listens to this model's saves, so skipping ``save`` skips nothing."""
    return not (pre_save.has_listeners(model) or post_save.has_listeners(model))


def insert(objs: Sequence[Model]) -> None:
    """Insert new objects of one model in one statement and give them their ids."""
    if not objs:
        return
    model = type(objs[0])
    conn = connections[DEFAULT_DB_ALIAS]
    if not _plain(model):
        for obj in objs:
            obj.save(force_insert=True)
        return
    if not conn.features.can_return_rows_from_bulk_insert or any(o.pk is not None for o in objs):
        model._default_manager.bulk_create(objs)  # no RETURNING, or ids of their own
        return
    sql, preparers = _insert_statement(model, len(objs), conn)
    params = [prepare(obj, True, conn) for obj in objs for prepare in preparers]
    with conn.cursor() as cursor:
        cursor.execute(sql, params)
        ids = cursor.fetchall()
    # Both databases return the ids of a multi-row INSERT in the order of its VALUES (the
    # ORM's bulk_create relies on the same).
    for obj, (pk,) in zip(objs, ids, strict=True):
        obj.pk = pk
        obj._state.adding = False
        obj._state.db = conn.alias


def insert_unless_taken(obj: Model) -> bool:
    """Insert a new object unless a unique column already holds one of its values: True if
    inserted (with its id), False if taken. The database's own check, in the insert itself
    (``ON CONFLICT DO NOTHING``), so a taken value costs no failed statement — which on
    PostgreSQL would abort the whole transaction — and no lookup beforehand."""
    model = type(obj)
    conn = connections[DEFAULT_DB_ALIAS]
    if (
        not _plain(model)
        or obj.pk is not None
        or not conn.features.supports_ignore_conflicts
        or not conn.features.can_return_rows_from_bulk_insert
    ):
        try:
            with transaction.atomic(using=conn.alias):
                obj.save(force_insert=True)
        except IntegrityError:
            return False
        return True
    key = ("insert-unless-taken", model, conn.vendor)
    cached = _statements.get(key)
    if cached is None:
        sql, preparers = _insert_statement(model, 1, conn)
        head, returning = sql.rsplit(" RETURNING ", 1)
        sql = f"{head} ON CONFLICT DO NOTHING RETURNING {returning}"
        cached = _statements[key] = (sql, preparers)
    sql, preparers = cached
    with conn.cursor() as cursor:
        cursor.execute(sql, [prepare(obj, True, conn) for prepare in preparers])
        row = cursor.fetchone()
    if row is None:
        return False
    obj.pk = row[0]
    obj._state.adding = False
    obj._state.db = conn.alias
    return True


def update(obj: Model, names: Sequence[str]) -> None:
    """``obj.save(update_fields=names)``, with the statement built once per field list."""
    model = type(obj)
    if not _plain(model):
        obj.save(update_fields=names)
        return
    conn = connections[DEFAULT_DB_ALIAS]
    key = ("update", model, tuple(names), conn.vendor)
    cached = _statements.get(key)
    if cached is None:
        meta = model._meta
        fields = [f for name in names if isinstance(f := meta.get_field(name), Field)]
        assert len(fields) == len(names) and meta.pk is not None
        qn = conn.ops.quote_name
        sql = (
            f"UPDATE {qn(meta.db_table)} SET "
            + ", ".join(f"{qn(f.column)} = %s" for f in fields)
            + f" WHERE {qn(meta.pk.column)} = %s"
        )
        cached = _statements[key] = (sql, [_preparer(f) for f in fields])
    sql, preparers = cached
    params = [prepare(obj, False, conn) for prepare in preparers]
    params.append(obj.pk)
    with conn.cursor() as cursor:
        cursor.execute(sql, params)
        if cursor.rowcount != 1:
            raise DatabaseError(f"{model.__name__} {obj.pk} was not updated")
