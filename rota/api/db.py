"""Engine and sessions: SQLite (serialised writers, WAL) or PostgreSQL, chosen by the URL."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
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
    which the app answers with 503 and ``Retry-After`` (rota/api/main.py).
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


@dataclass(frozen=True)
class DatabaseFault:
    """A database that cannot do its work for a while, in words: its disk is full, or it is gone."""

    kind: str  # "disk full" or "unreachable"
    status: int  # 507 or 503
    message: str
    retry_after: int  # seconds


DISK_FULL_RETRY_AFTER = 60
UNREACHABLE_RETRY_AFTER = 10
_DISK_FULL = (
    "database or disk is full",
    "no space left on device",
    "could not extend file",
    "disk full",
    "could not write to file",
)
_UNREACHABLE = (
    "unable to open database file",
    "connection refused",
    "could not connect",
    "connection failed",
    "could not translate host name",
    "server closed the connection",
    "terminating connection",
    "connection is closed",
    "connection timeout",
    "timeout expired",
    "server conn crashed",
    "the database system is shutting down",
    "the database system is starting up",
    "the database system is in recovery mode",
    "consuming input failed",
    "ssl syscall error",
    "cannot operate on a closed database",
    "no such host",
    "name or service not known",
)


def database_fault(exc: BaseException) -> DatabaseFault | None:
    """What a database error says about the database itself: its disk is full (507), or it cannot be
    reached (stopped, dropped, refusing connections: 503); None for any other error (a bad statement, a
    missing table, a busy database: the caller decides)."""
    from sqlalchemy.exc import DBAPIError

    if not isinstance(exc, DBAPIError) and type(exc).__module__.split(".")[0] not in ("sqlite3", "psycopg"):
        return None
    text = str(exc).lower()
    if any(s in text for s in _DISK_FULL):
        return DatabaseFault(
            "disk full",
            507,
            "the database's disk is full, so nothing was saved; try again in "
            f"{DISK_FULL_RETRY_AFTER} s (an administrator must free space first)",
            DISK_FULL_RETRY_AFTER,
        )
    gone = 'database "' in text and "does not exist" in text
    if gone or any(s in text for s in _UNREACHABLE):
        cause = "does not exist any more" if gone else "cannot be reached"
        return DatabaseFault(
            "unreachable",
            503,
            f"the database {cause}, so nothing was read or saved; try again in {UNREACHABLE_RETRY_AFTER} s",
            UNREACHABLE_RETRY_AFTER,
        )
    return None


@dataclass
class Database:
    """An engine with its two session factories: readers, and writers that lock early; and when each kind
    of fault (``DatabaseFault.kind``) was last met, for ``/readyz``."""

    engine: Engine
    read: sessionmaker[Session]
    write: sessionmaker[Session]
    faults: dict[str, float] = field(default_factory=dict)

    def note_fault(self, fault: DatabaseFault) -> None:
        self.faults[fault.kind] = time.monotonic()

    def fault_seen(self, kind: str, within: float) -> bool:
        """Whether a fault of ``kind`` was met in the last ``within`` seconds."""
        seen = self.faults.get(kind)
        return seen is not None and time.monotonic() - seen < within

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
