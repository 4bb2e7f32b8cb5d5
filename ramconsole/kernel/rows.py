"""Model instances from SQL written once, for the reads made on every request (the signing key and
the named user of an API call, the principal of a console session).

Compiling a queryset costs more than running it: 0.5-0.9 ms against 0.1-0.3 ms for an AccessKey
with its owner and account, or a RAM user by name (benchmarks/RESULTS.md, issue 11). A selector
writes such a query with `select`, and `instances` turns each row back into model instances the way
a queryset does (the backend's and the fields' converters, then `Model.from_db`), so callers get
ordinary instances.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any
from weakref import WeakKeyDictionary

from django.db import connection, connections, models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.utils import CursorWrapper


def cursor() -> CursorWrapper:
    """The cursor for SQL written once. On PostgreSQL it binds parameters on the server, so psycopg
    prepares each statement at its fifth use on a connection and PostgreSQL stops planning it anew:
    the planning cost more than the running (the signing key's query: 0.9-1.3 ms planning, 0.13-0.16 ms
    execution). Django's own cursors bind on the client, which never prepares."""
    if connection.vendor != "postgresql":
        return connection.cursor()
    import psycopg  # only on PostgreSQL

    connection.ensure_connection()
    with connection.wrap_database_errors:
        server_binding = psycopg.Cursor(connection.connection)
    return (
        connection.make_debug_cursor(server_binding)
        if connection.queries_logged
        else connection.make_cursor(server_binding)
    )


def table(model: type[models.Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def select(*sources: tuple[type[models.Model], str]) -> str:
    """`SELECT alias."col", …` over every concrete field of each (model, alias), in `_meta` order."""
    quote = connection.ops.quote_name
    return "SELECT " + ", ".join(
        f"{alias}.{quote(field.column)}" for model, alias in sources for field in model._meta.concrete_fields
    )


def insert_unless_present(model: type[models.Model], fields: Sequence[str], unique: Sequence[str]) -> str:
    """One statement that inserts a row (values bound in `fields` order) unless a row with the same
    `unique` fields exists: it returns the new id, or no row."""
    quote = connection.ops.quote_name
    columns = ", ".join(quote(model._meta.get_field(name).column) for name in fields)
    conflict = ", ".join(quote(model._meta.get_field(name).column) for name in unique)
    placeholders = ", ".join(["%s"] * len(fields))
    return (
        f"INSERT INTO {table(model)} ({columns}) VALUES ({placeholders}) "  # noqa: S608 - names from model metadata
        f"ON CONFLICT ({conflict}) DO NOTHING RETURNING {quote(model._meta.pk.column)}"
    )


@cache
def _columns(model: type[models.Model]) -> tuple[list[str], list[Any]]:
    fields = model._meta.concrete_fields
    return [field.attname for field in fields], [field.get_col(model._meta.db_table) for field in fields]


# Per thread's connection (the backend's converters are bound to it) and model: the columns that
# have converters, with them. Looking them up for every row took 51 lookups per signed call.
ConvertedColumns = list[tuple[int, Any, list]]  # (index in the row, column, its converters)
_converters: WeakKeyDictionary[BaseDatabaseWrapper, dict[type[models.Model], ConvertedColumns]] = WeakKeyDictionary()


def _converted_columns(model: type[models.Model]) -> ConvertedColumns:
    wrapper = connections[connection.alias]
    by_model = _converters.setdefault(wrapper, {})
    if model not in by_model:
        by_model[model] = [
            (index, column, converters)
            for index, column in enumerate(_columns(model)[1])
            if (converters := wrapper.ops.get_db_converters(column) + column.get_db_converters(wrapper))
        ]
    return by_model[model]


def _instance(model: type[models.Model], values: list[Any]) -> models.Model:
    # As the ORM's compiler does: the backend's converters, then the field's.
    for index, column, converters in _converted_columns(model):
        for converter in converters:
            values[index] = converter(values[index], column, connection)
    attnames = _columns(model)[0]
    return model.from_db(connection.alias, attnames, values)


def instances(row: Sequence[Any], *models_in_order: type[models.Model]) -> list[models.Model]:
    """One instance per model from a row of `select`, models in the same order."""
    result, start = [], 0
    for model in models_in_order:
        end = start + len(model._meta.concrete_fields)
        result.append(_instance(model, list(row[start:end])))
        start = end
    return result
