"""Two database drivers behind one small interface: SQLite (embedded) and PostgreSQL (server).

The editorial store writes its SQL once, with ``?`` placeholders; a driver turns that into
what its engine speaks and hands out rows as dicts.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any, Protocol

from ..errors import MedciteError, MissingExtra, StoreError

Params = Sequence[Any]


class Tx(Protocol):
    def query(self, sql: str, params: Params = ()) -> list[dict[str, Any]]: ...
    def one(self, sql: str, params: Params = ()) -> dict[str, Any] | None: ...
    def run(self, sql: str, params: Params = ()) -> int: ...


class Driver(Protocol):
    dialect: str
    url: str

    def transaction(self) -> AbstractContextManager[Tx]: ...
    def close(self) -> None: ...


class _SQLiteTx:
    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def query(self, sql: str, params: Params = ()) -> list[dict[str, Any]]:
        return [dict(r) for r in self.db.execute(sql, tuple(params))]

    def one(self, sql: str, params: Params = ()) -> dict[str, Any] | None:
        row = self.db.execute(sql, tuple(params)).fetchone()
        return dict(row) if row is not None else None

    def run(self, sql: str, params: Params = ()) -> int:
        return self.db.execute(sql, tuple(params)).rowcount


class SQLiteDriver:
    """One connection guarded by a lock; every unit of work is ``BEGIN IMMEDIATE … COMMIT``.

    Other processes (a second server worker, an ingest) wait on SQLite's busy timeout
    instead of failing, so a write is never dropped under contention.
    """

    dialect = "sqlite"

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.url = f"sqlite:///{self.path}"
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(str(self.path), isolation_level=None, check_same_thread=False, timeout=60)
            self.db.row_factory = sqlite3.Row
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA foreign_keys=ON")
            self.db.execute("PRAGMA busy_timeout=60000")
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(f"cannot open editorial database {self.path}: {exc}") from exc
        self.lock = threading.RLock()

    @contextmanager
    def transaction(self) -> Iterator[Tx]:
        with self.lock:
            try:
                self.db.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as exc:
                raise StoreError(f"editorial database {self.path} is busy or unreadable: {exc}") from exc
            try:
                yield _SQLiteTx(self.db)
            except BaseException:
                self.db.execute("ROLLBACK")
                raise
            else:
                self.db.execute("COMMIT")

    def close(self) -> None:
        with self.lock:
            self.db.close()


class UnstorableValue(MedciteError):
    """A value the database cannot store or compare (PostgreSQL text cannot hold NUL)."""


class _PostgresTx:
    def __init__(self, conn: Any) -> None:
        self.conn = conn

    @staticmethod
    def _sql(sql: str) -> str:
        return sql.replace("?", "%s")

    def query(self, sql: str, params: Params = ()) -> list[dict[str, Any]]:
        return list(self.conn.execute(self._sql(sql), tuple(params)).fetchall())

    def one(self, sql: str, params: Params = ()) -> dict[str, Any] | None:
        row = self.conn.execute(self._sql(sql), tuple(params)).fetchone()
        return dict(row) if row is not None else None

    def run(self, sql: str, params: Params = ()) -> int:
        return int(self.conn.execute(self._sql(sql), tuple(params)).rowcount)


class PostgresDriver:
    """A pool of psycopg 3 connections; each unit of work is one transaction on one of them."""

    dialect = "postgresql"

    def __init__(self, url: str, max_size: int = 10) -> None:
        try:
            import psycopg
            from psycopg.rows import dict_row
            from psycopg_pool import ConnectionPool
        except ImportError as exc:
            raise MissingExtra("a PostgreSQL database", "postgres", "psycopg") from exc
        self.url = url
        self._errors = (psycopg.Error,)
        self._data_errors = (psycopg.DataError,)
        try:
            # One plain connection first: a server that cannot be reached (or refuses these
            # credentials) is one clear line within seconds, not 30 s of the pool's retries.
            psycopg.connect(url, connect_timeout=10).close()
        except psycopg.Error as exc:
            raise StoreError(f"cannot connect to PostgreSQL at {redact(url)}: {' '.join(str(exc).split())}") from exc
        try:
            self.pool = ConnectionPool(url, min_size=1, max_size=max_size, kwargs={"row_factory": dict_row},
                                       open=True, timeout=30)
            self.pool.wait(timeout=30)
        except Exception as exc:
            raise StoreError(f"cannot connect to PostgreSQL at {redact(url)}: {exc}") from exc

    @contextmanager
    def transaction(self) -> Iterator[Tx]:
        try:
            with self.pool.connection() as conn, conn.transaction():
                yield _PostgresTx(conn)
        except self._data_errors as exc:  # e.g. text with a NUL character, which SQLite would keep
            raise UnstorableValue(f"the database cannot hold this value: {exc}") from exc

    def close(self) -> None:
        self.pool.close()


def redact(url: str) -> str:
    """The URL without its password, fit for an error message."""
    if "@" not in url or "://" not in url:
        return url
    scheme, rest = url.split("://", 1)
    creds, host = rest.rsplit("@", 1)
    user = creds.split(":", 1)[0]
    return f"{scheme}://{user}:***@{host}" if ":" in creds else f"{scheme}://{user}@{host}"


def open_driver(url: str) -> Driver:
    """``sqlite:///path`` or ``postgresql://…`` (also ``postgres://``)."""
    if url.startswith("sqlite:///"):
        return SQLiteDriver(url[len("sqlite:///"):])
    if url.startswith(("postgresql://", "postgres://")):
        return PostgresDriver(url)
    raise StoreError(f"unsupported database URL {redact(url)!r}: use sqlite:///PATH or postgresql://…")
