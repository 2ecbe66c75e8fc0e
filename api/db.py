"""Engine and sessions: SQLite (serialised writers, WAL) or PostgreSQL, chosen by the URL."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy import DateTime, Engine, create_engine, event
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """An aware UTC datetime stored naive in UTC, so SQLite and PostgreSQL read back the same."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value.isoformat()} given for a UTC column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


def utcnow() -> datetime:
    """Now, aware, in UTC, to the microsecond."""
    return datetime.now(UTC)


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


POOL_OPTIONS = ("pool_size", "max_overflow", "pool_timeout")


def pool_options(settings: Any) -> dict[str, Any]:
    """The pool's size, overflow and wait from the settings (``ROTA_DB_POOL_*``, ``ROTA_DB_MAX_OVERFLOW``).

    A request that waits ``pool_timeout`` seconds for a connection gets SQLAlchemy's ``TimeoutError``,
    which the app answers with 503 and ``Retry-After`` (api/main.py).
    """
    return {
        "pool_size": settings.db_pool_size,
        "max_overflow": settings.db_max_overflow,
        "pool_timeout": settings.db_pool_timeout,
    }


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for ``url``; SQLite gets WAL, foreign keys and explicit BEGIN (IMMEDIATE for writers)."""
    if not is_sqlite(url):
        kwargs.setdefault("pool_pre_ping", True)
        kwargs.setdefault("pool_size", 10)
        kwargs.setdefault("max_overflow", 20)
        return create_engine(url, **kwargs)
    if ":memory:" in url or url.rstrip("/") == "sqlite:":  # one connection per thread: no queue to size
        for key in POOL_OPTIONS:
            kwargs.pop(key, None)
    connect_args = {"timeout": 30, "check_same_thread": False, **kwargs.pop("connect_args", {})}
    engine = create_engine(url, connect_args=connect_args, **kwargs)
    event.listen(engine, "connect", _sqlite_connect)
    event.listen(engine, "begin", _sqlite_begin)
    return engine


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None  # we issue BEGIN ourselves (see _sqlite_begin)
    cursor = dbapi_connection.cursor()
    if ":memory:" not in str(dbapi_connection):
        cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _sqlite_begin(conn: Connection) -> None:
    # A writer takes the write lock when it begins: two writers queue instead of failing on upgrade.
    immediate = conn.get_execution_options().get("sqlite_immediate", False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


@dataclass
class Database:
    """An engine with its two session factories: readers, and writers that lock early."""

    engine: Engine
    read: sessionmaker[Session]
    write: sessionmaker[Session]

    @classmethod
    def connect(cls, url: str, **kwargs: Any) -> Database:
        engine = make_engine(url, **kwargs)
        writer = engine.execution_options(sqlite_immediate=True)
        return cls(
            engine, sessionmaker(engine, expire_on_commit=False), sessionmaker(writer, expire_on_commit=False)
        )

    def dispose(self) -> None:
        self.engine.dispose()


def get_session(request: Request) -> Iterator[Session]:
    """A session for reading; rolled back at the end of the request."""
    with request.app.state.db.read() as session:
        yield session


def get_write_session(request: Request) -> Iterator[Session]:
    """A session for changing data; the service functions commit, anything else is rolled back."""
    with request.app.state.db.write() as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]
WriteSessionDep = Annotated[Session, Depends(get_write_session)]
