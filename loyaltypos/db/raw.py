"""Statements run on the driver's own cursor, for the till's hottest path (a sale).

SQLAlchemy's Core costs about 60 microseconds a statement before the database does any
work; a sale runs a dozen. Here a statement is SQL written once with ``:name``
parameters and handed to the driver in its own style (SQLite takes ``:name`` itself,
psycopg ``%(name)s``). Values go in and come out as the driver's, except dates and
date-times, which pass through the processors of SQLAlchemy's own column types: a row
written here reads back through the ORM exactly like one the ORM wrote.

Only what a sale does is written this way; everything else stays with the ORM and Core.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from functools import lru_cache

from sqlalchemy import Connection, Date, DateTime
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError

_NAME = re.compile(r"(?<![:\w]):(\w+)")


@lru_cache(maxsize=256)
def _in_style(sql: str, dialect: str) -> str:
    if dialect == "sqlite":  # sqlite3 takes :name with a mapping
        return sql
    return _NAME.sub(r"%(\1)s", sql.replace("%", "%%"))  # psycopg


def _identity(value):
    return value


@lru_cache(maxsize=8)
def _processors(dialect: Dialect) -> tuple:
    stamp, date = DateTime().dialect_impl(dialect), Date().dialect_impl(dialect)
    return (stamp.bind_processor(dialect) or _identity,
            stamp.result_processor(dialect, None) or _identity,
            date.result_processor(dialect, None) or _identity)


class Driver:
    """One transaction's cursor on the driver's connection, with the date conversions of
    its dialect. Use inside the transaction of ``conn``; close it (or use ``with``)."""

    def __init__(self, conn: Connection) -> None:
        dialect = conn.dialect
        self.conn = conn
        self.dialect = dialect.name
        self.server = dialect.name != "sqlite"
        self._dbapi_error = dialect.loaded_dbapi.Error
        self._cursor = conn.connection.cursor()
        self._stamp_in, self._stamp_out, self._date_out = _processors(dialect)

    def __enter__(self) -> Driver:
        return self

    def __exit__(self, *_exc) -> None:
        self.close()

    def close(self) -> None:
        self._cursor.close()

    def stamp(self, value: dt.datetime | None):
        """A date-time as the column stores it."""
        return None if value is None else self._stamp_in(value)

    def read_stamp(self, value) -> dt.datetime | None:
        return None if value is None else self._stamp_out(value)

    def read_date(self, value) -> dt.date | None:
        return None if value is None else self._date_out(value)

    def execute(self, sql: str, params: Mapping | None = None) -> Driver:
        """Run one statement; the driver's errors come out as SQLAlchemy's (an
        ``IntegrityError`` is one whichever way the statement went)."""
        try:
            self._cursor.execute(_in_style(sql, self.dialect), params or {})
        except self._dbapi_error as error:
            raise DBAPIError.instance(sql, params, error, self._dbapi_error) from error
        return self

    def executemany(self, sql: str, rows: Iterable[Mapping]) -> None:
        rows = list(rows)
        try:
            self._cursor.executemany(_in_style(sql, self.dialect), rows)
        except self._dbapi_error as error:
            raise DBAPIError.instance(sql, rows, error, self._dbapi_error) from error

    def one(self) -> tuple | None:
        return self._cursor.fetchone()

    def all(self) -> list[tuple]:
        return self._cursor.fetchall()


def insert_sql(table: str, columns: Iterable[str]) -> str:
    """``INSERT INTO table (a, b) VALUES (:a, :b)``."""
    columns = tuple(columns)
    return (f"INSERT INTO {table} ({', '.join(columns)})"
            f" VALUES ({', '.join(':' + c for c in columns)})")
