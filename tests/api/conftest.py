"""API test fixtures: every test runs on SQLite, and on PostgreSQL when ROTA_TEST_DATABASE_URL is set.

PostgreSQL gets a fresh schema per test run (migrated once, emptied before each test); SQLite a fresh
file per test, copied from one migrated template. ROTA_REQUIRE_DATABASE makes an unreachable server fail.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from apikit import Service, empty_database, issue_tokens
from fastapi.testclient import TestClient
from sqlalchemy import text

from rota.api.db import make_engine
from rota.api.main import create_app
from rota.api.migrate import upgrade
from rota.api.settings import Settings


def _postgres_base() -> str | None:
    return os.environ.get("ROTA_TEST_DATABASE_URL") or None


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """A migrated schema of its own on the test server, dropped after the run."""
    base = _postgres_base()
    if base is None:
        pytest.skip("PostgreSQL tests need ROTA_TEST_DATABASE_URL")
    admin = make_engine(base, pool_size=1, max_overflow=0)
    schema = f"rota_test_{uuid.uuid4().hex[:10]}"
    try:
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    except Exception as exc:
        admin.dispose()
        reason = f"PostgreSQL at {base} is unreachable: {type(exc).__name__}: {str(exc).splitlines()[0]}"
        if os.environ.get("ROTA_REQUIRE_DATABASE"):
            pytest.fail(reason)
        pytest.skip(reason)
    sep = "&" if "?" in base else "?"
    url = f"{base}{sep}options={quote(f'-csearch_path={schema}')}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    yield url
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path) -> str:
    """The URL of an empty, migrated database of each kind."""
    return empty_database(request, tmp_path, sqlite_template)


@pytest.fixture
def make_service(database_url: str) -> Iterator[Callable[..., Service]]:
    """Start the app (optionally with a stand-in solver); every app started is stopped after the test."""
    started: list[TestClient] = []

    def make(solve_fn: Callable[..., Any] | None = None, **settings: Any) -> Service:
        settings.setdefault("solver_workers", 1)
        settings.setdefault("job_workers", 2)
        app = create_app(Settings(database_url=database_url, **settings), solve_fn=solve_fn)
        client = TestClient(app)
        client.__enter__()
        started.append(client)
        return Service(client, issue_tokens(app.state.db), app.state.db)

    yield make
    for client in started:
        client.__exit__(None, None, None)


@pytest.fixture
def service(make_service: Callable[..., Service]) -> Service:
    return make_service()


@pytest.fixture(autouse=True)
def no_runner_outlives_its_test() -> Iterator[None]:
    """Every job runner a test starts is stopped by its end. On PostgreSQL the tests share one schema, so a
    runner left running (its courier polling the outbox with another test's settings) takes the next
    tests' messages: a second lifespan of one app once left the first's runner behind this way."""
    import threading
    import time

    yield
    deadline = time.monotonic() + 5
    while True:
        left = sorted(t.name for t in threading.enumerate() if t.name in ("rota-courier", "rota-leases"))
        if not left or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert not left, f"a job runner outlived the test: {left}"
