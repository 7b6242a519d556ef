"""How the tests empty and refill the PostgreSQL test database, made cheap (a pytest plugin,
loaded by the root conftest.py).

A transactional test (real threads, a worker process, a live server) ends with Django's flush
and the next one starts by loading the reference data again (``serialized_rollback``). On
PostgreSQL both were slow for what they do on a test database of a few hundred rows:

- the flush is one TRUNCATE of every table (~160): PostgreSQL gives each table and index a new
  file, about 6 s a test. Here it deletes the rows instead, in one transaction with the foreign
  keys checked at its end (Django makes them deferrable): the same empty tables in ~0.1 s;
- the reload saves every serialized object (the councils, service types, content types and
  permissions) one by one through the ORM, about 1 s a time. Here the rows migrations left are
  also copied, once, into a schema of their own (``test_reference``, outside the search path,
  so nothing in Django sees it) when the test database is serialized, and the reload copies
  them back, table by table, in SQL: the same rows, column for column.

Everything else (other databases, a flush that resets sequences or cascades) is Django's own.
"""

from __future__ import annotations

from django.db import transaction
from django.db.backends.postgresql.creation import DatabaseCreation
from django.db.backends.postgresql.operations import DatabaseOperations

REFERENCE_SCHEMA = "test_reference"

_django_sql_flush = DatabaseOperations.sql_flush
_django_serialize = DatabaseCreation.serialize_db_to_string
_django_deserialize = DatabaseCreation.deserialize_db_from_string

# alias -> (the serialized string Django keeps, the tables copied into REFERENCE_SCHEMA)
_reference: dict[str, tuple[str, list[str]]] = {}


def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
    if not tables or reset_sequences or allow_cascade:
        return _django_sql_flush(self, style, tables, reset_sequences=reset_sequences,
                                 allow_cascade=allow_cascade)
    quote = self.quote_name
    # Table names come from the models, quoted.
    return ["SET CONSTRAINTS ALL DEFERRED"] + [f"DELETE FROM {quote(table)}" for table in tables]  # noqa: S608


def serialize_db_to_string(self):
    data = _django_serialize(self)
    connection = self.connection
    quote = connection.ops.quote_name
    schema = quote(REFERENCE_SCHEMA)
    kept = []
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        cursor.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        cursor.execute(f"CREATE SCHEMA {schema}")
        for table in sorted(connection.introspection.django_table_names(only_existing=True,
                                                                         include_views=False)):
            cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {quote(table)})")  # noqa: S608
            if cursor.fetchone()[0]:
                cursor.execute(f"CREATE TABLE {schema}.{quote(table)} AS TABLE {quote(table)}")
                kept.append(table)
    _reference[connection.alias] = (data, kept)
    return data


def deserialize_db_from_string(self, data):
    connection = self.connection
    data_kept, tables = _reference.get(connection.alias, (None, None))
    if tables is None or data is not data_kept and data != data_kept:
        return _django_deserialize(self, data)
    quote = connection.ops.quote_name
    schema = quote(REFERENCE_SCHEMA)
    with transaction.atomic(using=connection.alias):
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            for table in tables:
                cursor.execute(f"DELETE FROM {quote(table)}")  # noqa: S608
                cursor.execute(f"INSERT INTO {quote(table)} TABLE {schema}.{quote(table)}")  # noqa: S608
        connection.check_constraints(table_names=tables)
    return None


DatabaseOperations.sql_flush = sql_flush
DatabaseCreation.serialize_db_to_string = serialize_db_to_string
DatabaseCreation.deserialize_db_from_string = deserialize_db_from_string
