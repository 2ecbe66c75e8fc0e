"""A full disk and a database gone (issue 21.6): 507 or 503 in words with Retry-After, /readyz naming the
cause, a solve that keeps its rota through a full disk, a solve that stops when its database is gone."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from apikit import Service, issue_tokens, quick_result, team_doc
from fastapi.testclient import TestClient
from sqlalchemy import event

from rota.api.jobs import worker
from rota.api.main import create_app
from rota.api.settings import Settings

WRITES = ("INSERT", "UPDATE", "DELETE")


# what SQLite and PostgreSQL say when the disk is full, and when the database is gone
MESSAGES = {
    ("sqlite", "disk full"): "database or disk is full",
    ("sqlite", "gone"): "unable to open database file",
    ("postgresql", "disk full"): 'could not extend file "base/16384/16999": No space left on device',
    ("postgresql", "gone"): 'FATAL:  database "rota" does not exist',
}


class Fault:
    """Makes the engine's statements fail as a full disk (writes) or a database gone (everything) would,
    raised where the driver's own error is: at the cursor, as the driver's OperationalError, so
    SQLAlchemy wraps it as it wraps the real one."""

    def __init__(self, engine: Any):
        self.kind: str | None = None
        event.listen(engine, "before_cursor_execute", self._before)

    def _before(self, conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        writes = statement.lstrip().upper().startswith(WRITES)
        if self.kind == "gone" or (self.kind == "disk full" and writes):
            error = conn.dialect.loaded_dbapi.OperationalError
            raise error(MESSAGES[(conn.dialect.name, self.kind)])


def _detail(response: Any) -> str:
    return response.json()["detail"][0]["message"]


# -- the API's answers ------------------------------------------------------------------------------------
@pytest.fixture
def faulty(make_service: Any) -> tuple[Service, Fault]:
    service = make_service()
    return service, Fault(service.db.engine)


def test_a_full_disk_answers_507_in_words_and_reads_go_on(faulty: tuple[Service, Fault]) -> None:
    service, fault = faulty
    service.put_team()
    fault.kind = "disk full"
    refused = service.call("PUT", "/api/teams/tiny", json=team_doc(team="Renamed"), expect=507)
    assert refused.headers["Retry-After"] == "60"
    assert _detail(refused).startswith("the database's disk is full, so nothing was saved; try again in 60 s")
    assert service.call("GET", "/api/teams/tiny", expect=200).json()["name"] != "Renamed"  # reads go on
    fault.kind = None
    assert service.call("PUT", "/api/teams/tiny", json=team_doc(team="Renamed"), expect=200)


def test_a_database_gone_answers_503_on_every_route_and_readyz_says_so(faulty: tuple[Service, Fault]) -> None:
    service, fault = faulty
    service.put_team()
    fault.kind = "gone"
    for method, url in (
        ("GET", "/api/teams"),
        ("GET", "/api/teams/tiny"),
        ("PUT", "/api/teams/tiny"),
        ("GET", "/api/me/shifts"),
        ("GET", "/calendars/cal_x.ics"),
    ):
        response = service.call(method, url, json=team_doc() if method == "PUT" else None)
        assert response.status_code == 503, (method, url, response.text)
        assert response.headers["Retry-After"] == "10"
        words = "cannot be reached" if "sqlite" in str(service.db.engine.url) else "does not exist any more"
        assert _detail(response) == (f"the database {words}, so nothing was read or saved; try again in 10 s")
    ready = service.client.get("/readyz")
    assert ready.status_code == 503 and ready.json()["checks"]["database"] == "unreachable"
    assert ready.headers["Retry-After"] == "10"
    fault.kind = None
    assert service.client.get("/readyz").status_code == 200


def test_an_unreachable_or_dropped_postgresql_answers_503(tmp_path: Path) -> None:
    """No connection at all (a closed port), and a database that does not exist (dropped)."""
    with socket.socket() as s:
        if s.connect_ex(("127.0.0.1", 5432)) != 0:
            pytest.skip("no PostgreSQL on 127.0.0.1:5432")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    base = "postgresql+psycopg://postgres@127.0.0.1"
    for url, words in (
        (f"{base}:{closed}/rota", "cannot be reached"),
        (f"{base}:5432/faults_dropped_db", "does not exist any more"),
    ):
        app = create_app(Settings(database_url=url, db_pool_timeout=2))
        with TestClient(app) as client:
            response = client.get("/api/teams", headers={"Authorization": "Bearer rota_x"})
            assert response.status_code == 503, response.text
            assert _detail(response).startswith(f"the database {words}, so nothing was read or saved")
            assert response.headers["Retry-After"] == "10"
            ready = client.get("/readyz")
            assert ready.status_code == 503 and ready.json()["checks"]["database"] == "unreachable"


# -- SQLite on a real full filesystem ---------------------------------------------------------------------
@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 4 MiB tmpfs (needs root and permission to mount; skipped otherwise)."""
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mount)], capture_output=True, text=True
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs: {done.stderr.strip() or done.returncode}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def _fill(folder: Path) -> Path:
    """Fill the filesystem of ``folder`` to its last byte; the filler file."""
    filler = folder / "filler"
    with open(filler, "wb", buffering=0) as f, contextlib.suppress(OSError):
        while True:
            f.write(b"\0" * 65536)
            f.flush()
    with open(filler, "ab", buffering=0) as f, contextlib.suppress(OSError):
        while True:
            f.write(b"\0")
            f.flush()
    return filler


def test_sqlite_on_a_full_filesystem(small_disk: Path, sqlite_template: Path) -> None:
    shutil.copy(sqlite_template, small_disk / "rota.db")
    app = create_app(Settings(database_url=f"sqlite:///{small_disk / 'rota.db'}", job_workers=1))
    tokens = issue_tokens(app.state.db)
    with TestClient(app) as client:
        lead = tokens.auth("lead")
        assert client.put("/api/teams/tiny", json=team_doc(), headers=lead).status_code == 201
        assert client.get("/readyz").status_code == 200
        filler = _fill(small_disk)
        big = team_doc(team="Renamed Desk")
        refused = client.put("/api/teams/tiny", json=big, headers=lead)
        assert refused.status_code == 507, refused.text
        assert "disk is full" in _detail(refused) and refused.headers["Retry-After"] == "60"
        ready = client.get("/readyz")
        assert ready.status_code == 503 and ready.json()["checks"]["database"] == "disk full"
        assert client.get("/api/teams/tiny", headers=lead).status_code == 200  # reads go on
        os.remove(filler)
        assert client.put("/api/teams/tiny", json=big, headers=lead).status_code == 200
        assert client.get("/readyz").status_code == 200


# -- solves -----------------------------------------------------------------------------------------------
def test_a_disk_that_fills_during_a_solve_keeps_the_rota(
    faulty: tuple[Service, Fault], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The disk fills as the solve ends and is freed 4.5 s later: the final write, retried with back-off,
    stores the rota and the job ends done (three tries in 3.5 s lost it, and the job ended failed)."""
    service, fault = faulty
    monkeypatch.setattr(worker, "STORE_FIRST_WAIT", 0.1)
    service.put_team()

    def fills_the_disk(team: Any, start: Any, end: Any, params: Any) -> Any:
        fault.kind = "disk full"
        threading.Timer(4.5, lambda: setattr(fault, "kind", None)).start()
        return quick_result(team, start, end)

    service.client.app.state.runner.solve_fn = fills_the_disk
    job_id = service.call("POST", "/api/teams/tiny/rotas", json={}, expect=202).json()["job_id"]
    time.sleep(1.0)
    assert service.call("GET", f"/api/jobs/{job_id}", expect=200).json()["state"] == "running"
    ended = service.wait_job(job_id, timeout=30)
    assert ended["state"] == "done", ended
    assert ended["rota_id"] and ended.get("reason") is None
    service.call("GET", f"/api/rotas/{ended['rota_id']}", expect=200)


def test_a_worker_whose_database_is_gone_stops_its_solve(make_service: Any) -> None:
    """The database goes away mid-solve: after a lease (2 s) of failed heartbeats the solve is stopped
    (not left to run its 30 s); when the database is back its best rota is stored, saying why it stopped."""
    ran: dict[str, float] = {}
    holder: dict[str, Fault] = {}

    def patient(team: Any, start: Any, end: Any, params: Any) -> Any:
        began = time.monotonic()
        holder["fault"].kind = "gone"
        while not params.stop.is_set() and time.monotonic() - began < 30:
            time.sleep(0.05)
        ran["seconds"] = time.monotonic() - began
        holder["fault"].kind = None  # the database is back
        return quick_result(team, start, end)

    service = make_service(solve_fn=patient, job_lease_seconds=2)
    holder["fault"] = Fault(service.db.engine)
    service.put_team()
    job_id = service.call("POST", "/api/teams/tiny/rotas", json={"time_limit": 30}, expect=202).json()[
        "job_id"
    ]
    deadline = time.monotonic() + 40
    while True:  # the API answers 503 while the database is gone
        ended = service.call("GET", f"/api/jobs/{job_id}").json()
        if ended.get("state") in ("done", "failed", "cancelled") or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert ran["seconds"] < 6, ran
    assert ended["state"] == "done" and ended["rota_id"], ended
    assert ended["reason"].startswith("the database stopped answering for "), ended["reason"]
    assert ended["reason"].endswith("the solve stopped early, its best rota kept")


def test_a_postgresql_database_dropped_under_the_app_answers_503() -> None:
    """The probe's reproduction: the app serving, its database's connections terminated and the
    database dropped; every route answers 503 saying so, /readyz "unreachable"."""
    from sqlalchemy import create_engine, text

    from rota.api.migrate import upgrade

    with socket.socket() as s:
        if s.connect_ex(("127.0.0.1", 5432)) != 0:
            pytest.skip("no PostgreSQL on 127.0.0.1:5432")
    admin = create_engine(
        "postgresql+psycopg://postgres@127.0.0.1:5432/postgres", isolation_level="AUTOCOMMIT"
    )
    name = "faults_dropped_under_load"
    try:
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            conn.execute(text(f"CREATE DATABASE {name}"))
    except Exception as exc:  # no right to create databases here
        admin.dispose()
        pytest.skip(f"cannot create a database: {exc}")
    url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    try:
        from rota.api.db import make_engine

        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()
        app = create_app(Settings(database_url=url, db_pool_timeout=2, job_workers=1))
        tokens = issue_tokens(app.state.db)
        with TestClient(app) as client:
            lead = tokens.auth("lead")
            assert client.put("/api/teams/tiny", json=team_doc(), headers=lead).status_code == 201
            with admin.connect() as conn:
                conn.execute(text(f"DROP DATABASE {name} WITH (FORCE)"))  # its connections terminated
            for method, path in (
                ("GET", "/api/teams/tiny"),
                ("PUT", "/api/teams/tiny"),
                ("GET", "/api/teams"),
            ):
                response = client.request(
                    method, path, headers=lead, json=team_doc() if method == "PUT" else None
                )
                assert response.status_code == 503, (method, path, response.text)
                assert "the database does not exist any more" in _detail(response)
                assert response.headers["Retry-After"] == "10"
            ready = client.get("/readyz")
            assert ready.status_code == 503 and ready.json()["checks"]["database"] == "unreachable"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()
