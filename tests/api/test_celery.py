"""Issue 11: solve jobs on Celery workers over the machine's live Redis, two API processes on PostgreSQL.

Real processes, as docs/deploy.md and the Procfile start them: ``rota serve --workers 2`` and two
``rota worker``, on loopback. Skipped without ROTA_TEST_BROKER_URL (a Redis database the tests may
empty, e.g. redis://127.0.0.1:6379/15) or ROTA_TEST_DATABASE_URL; with ROTA_REQUIRE_DATABASE=1 an
absent or unreachable one fails instead.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from apikit import team_doc
from sqlalchemy import func, select, text

from benchmarks.synthetic import synthetic_document
from rota.api.db import Database
from rota.api.models import Base, Job
from rota.api.services.tokens import create_api_token

LEASE = 4  # seconds: a killed worker's job is taken over within about this long
BIG = {**synthetic_document("H", 0), "period": {"start": "2026-10-05", "end": "2026-11-01"}}


def _require(reason: str) -> None:
    if os.environ.get("ROTA_REQUIRE_DATABASE"):
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture(scope="module")
def broker_url() -> str:
    """The test Redis database, emptied (it is the tests' own: ROTA_TEST_BROKER_URL)."""
    url = os.environ.get("ROTA_TEST_BROKER_URL")
    if not url:
        _require(
            "Celery tests need ROTA_TEST_BROKER_URL (a Redis database they may empty, "
            "e.g. redis://127.0.0.1:6379/15)"
        )
    import redis

    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5)
        client.flushdb()
        client.close()
    except Exception as exc:
        _require(f"Redis at {url} is unreachable: {type(exc).__name__}: {exc}")
    return url


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _rota() -> list[str]:
    script = Path(sys.executable).with_name("rota")
    return (
        [str(script)] if script.exists() else [sys.executable, "-c", "from rota.cli.main import main; main()"]
    )


@dataclass
class Cluster:
    """Two API processes and the workers, their logs, tokens and an HTTP client."""

    base: str
    env: dict[str, str]
    logs: Path
    db: Database
    lead: str
    workers: dict[int, subprocess.Popen] = field(default_factory=dict)
    others: list[subprocess.Popen] = field(default_factory=list)

    def start_worker(self) -> int:
        log = self.logs / f"worker-{len(self.workers) + 1}.log"
        process = subprocess.Popen(
            [*_rota(), "worker", "--concurrency", "1", "--solver-threads", "1"],
            env=self.env,
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.workers[process.pid] = process
        _until(lambda: " ready." in log.read_text() or process.poll() is not None, 45, "a worker to start")
        assert process.poll() is None, log.read_text()[-3000:]
        return process.pid

    def live_workers(self) -> list[int]:
        return [pid for pid, p in self.workers.items() if p.poll() is None]

    def call(self, method: str, path: str, expect: int | None = None, **kwargs: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.lead}", **kwargs.pop("headers", {})}
        # a new connection each time: the kernel spreads them over both API processes
        response = httpx.request(method, self.base + path, headers=headers, timeout=30, **kwargs)
        if expect is not None:
            assert response.status_code == expect, (response.status_code, response.text)
        return response

    def job(self, job_id: str) -> dict[str, Any]:
        return self.call("GET", f"/api/jobs/{job_id}", 200).json()

    def row(self, job_id: str) -> Job:
        with self.db.read() as session:
            return session.get(Job, job_id)

    def wait(self, job_id: str, seconds: float = 40) -> dict[str, Any]:
        found: dict[str, Any] = {}

        def ended() -> bool:
            found.update(self.job(job_id))
            return found["state"] not in ("queued", "running")

        try:
            _until(ended, seconds, f"job {job_id} to end")
        except AssertionError as exc:
            row = self.row(job_id)
            raise AssertionError(
                f"{exc}: {row.state}, owner {row.owner}, attempts {row.attempts}, lease "
                f"{row.lease_until}\n{self.tails()}"
            ) from None
        return found

    def tails(self) -> str:
        return "\n".join(f"--- {log.name}\n{log.read_text()[-3000:]}" for log in sorted(self.logs.iterdir()))


def _until(check: Any, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    raise AssertionError(f"waited {seconds} s for {what}")


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(5)
    with contextlib.suppress(ProcessLookupError):  # whatever it left in its group (a solve, a forkserver)
        os.killpg(process.pid, signal.SIGKILL)


@pytest.fixture(scope="module")
def cluster(broker_url: str, pg_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    db = Database.connect(pg_url, pool_size=2, max_overflow=2)
    names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with db.engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    with db.write() as session:
        lead = create_api_token(session=session, role="lead", teams=["tiny", "big"], label="celery").secret
    port = _free_port()
    env = {
        **os.environ,
        "ROTA_DATABASE_URL": pg_url,
        "ROTA_BROKER_URL": broker_url,
        "ROTA_JOB_BACKEND": "celery",
        "ROTA_JOB_LEASE_SECONDS": str(LEASE),
        "ROTA_SOLVER_WORKERS": "1",
        "ROTA_CHECKPOINT_SECONDS": "0.5",
        "ROTA_MAX_JOB_ATTEMPTS": "2",
        "ROTA_PUBLIC_URL": f"http://127.0.0.1:{port}",
    }
    logs = tmp_path_factory.mktemp("celery")
    cluster = Cluster(f"http://127.0.0.1:{port}", env, logs, db, lead)
    api_log = logs / "api.log"
    serve = [*_rota(), "serve", "--workers", "2", "--port", str(port), "--no-upgrade"]
    api = subprocess.Popen(
        serve, env=env, stdout=api_log.open("w"), stderr=subprocess.STDOUT, start_new_session=True
    )
    cluster.others.append(api)
    try:
        threads = [threading.Thread(target=cluster.start_worker) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert len(cluster.live_workers()) == 2, "the workers did not start (see the logs)"

        def ready() -> bool:
            try:
                return httpx.get(cluster.base + "/readyz", timeout=5).status_code == 200
            except httpx.HTTPError:
                assert api.poll() is None, api_log.read_text()[-3000:]
                return False

        _until(ready, 45, "the API processes to be ready")
        cluster.call("PUT", "/api/teams/tiny", 201, json=team_doc())
        cluster.call("PUT", "/api/teams/big", 201, json=BIG)
        yield cluster
    except BaseException:
        for log in sorted(logs.iterdir()):
            print(f"--- {log.name}\n{log.read_text()[-4000:]}")
        raise
    finally:
        for process in [*cluster.others, *cluster.workers.values()]:
            _stop(process)
        db.dispose()


def _worker_pid(job: Job) -> int:
    """The process id in a job's owner (host:pid:nonce), written by the worker that holds it."""
    return int((job.owner or "::").split(":")[1] or 0)


def test_health_and_readiness_on_every_api_process(cluster: Cluster) -> None:
    for _ in range(8):
        assert httpx.get(cluster.base + "/healthz", timeout=5).json() == {"status": "ok"}
        ready = httpx.get(cluster.base + "/readyz", timeout=5)
        assert ready.status_code == 200
        assert ready.json()["checks"] == {"database": "ok", "broker": "ok"}


def test_generate_progress_then_cancel_keeps_a_rota(cluster: Cluster) -> None:
    body = {"time_limit": 120, "seed": 1}
    job_id = cluster.call("POST", "/api/teams/big/rotas", 202, json=body).json()["job_id"]

    def progressing() -> bool:
        job = cluster.job(job_id)
        assert job["state"] in ("queued", "running"), job
        return job["state"] == "running" and job["progress"]["objective"] is not None

    _until(progressing, 30, "progress")
    assert _worker_pid(cluster.row(job_id)) in cluster.live_workers()  # a worker holds it, not the API
    cancelled = cluster.call("DELETE", f"/api/jobs/{job_id}", 200).json()
    assert cancelled["cancel_requested"]
    ended = cluster.wait(job_id, 20)
    assert ended["state"] == "cancelled" and ended["rota_id"] is not None, ended
    rota = cluster.call("GET", f"/api/rotas/{ended['rota_id']}", 200).json()
    assert rota["assignments"]


def test_a_repeated_idempotency_key_starts_one_job(cluster: Cluster) -> None:
    key = str(uuid.uuid4())
    body = {"time_limit": 1}
    answers: list[httpx.Response] = []

    def post() -> None:
        answers.append(
            cluster.call("POST", "/api/teams/tiny/rotas", json=body, headers={"Idempotency-Key": key})
        )

    racing = [threading.Thread(target=post) for _ in range(3)]  # a client retrying before the first answer
    for t in racing:
        t.start()
    for t in racing:
        t.join()
    post()  # and once more, later
    assert [r.status_code for r in answers] == [202] * 4, [r.text for r in answers]
    assert len({r.json()["job_id"] for r in answers}) == 1
    with cluster.db.read() as session:
        assert session.scalar(select(func.count()).select_from(Job).where(Job.idempotency_key == key)) == 1
    job_id = answers[0].json()["job_id"]
    assert cluster.wait(job_id)["state"] == "done"
    assert cluster.row(job_id).attempts == 1  # one solve, however many requests
    other = cluster.call(
        "POST", "/api/teams/tiny/rotas", json={"time_limit": 2}, headers={"Idempotency-Key": key}
    )
    assert other.status_code == 409 and "another request" in other.text


def test_a_publish_changes_the_feed_etag_of_every_api_process(cluster: Cluster) -> None:
    feed = cluster.call("POST", "/api/calendar-tokens", 201, json={"kind": "team", "team": "tiny"}).json()

    def etags() -> set[str]:  # eight new connections: both processes answer some
        return {httpx.get(feed["url"], timeout=10).headers["ETag"] for _ in range(8)}

    before = etags()
    assert len(before) == 1  # both processes agree
    start = date.today() + timedelta(days=7)  # in the feed's window
    body = {"time_limit": 1, "start": start.isoformat(), "end": (start + timedelta(days=11)).isoformat()}
    job_id = cluster.call("POST", "/api/teams/tiny/rotas", 202, json=body).json()["job_id"]
    done = cluster.wait(job_id)
    assert done["state"] == "done", done
    rota = cluster.call("GET", f"/api/rotas/{done['rota_id']}", 200).json()
    cluster.call("POST", f"/api/rotas/{rota['id']}/publish", 200, json={"version": rota["version"]})
    after = etags()  # at once, in every process: the ETag comes from the team's feed revision
    assert len(after) == 1 and after != before
    assert "BEGIN:VEVENT" in httpx.get(feed["url"], timeout=10).text


def test_a_killed_worker_leaves_its_job_to_another_worker(cluster: Cluster) -> None:
    while len(cluster.live_workers()) < 2:
        cluster.start_worker()
    body = {"time_limit": 6, "seed": 2}
    job_id = cluster.call("POST", "/api/teams/big/rotas", 202, json=body).json()["job_id"]

    def held() -> bool:
        row = cluster.row(job_id)
        assert row.state in ("queued", "running"), (row.state, row.reason)
        return row.state == "running"  # a worker has claimed it: the solve starts (it takes 6 s or more)

    _until(held, 30, "the solve to start")
    victim = _worker_pid(cluster.row(job_id))
    assert victim in cluster.live_workers()
    os.kill(victim, signal.SIGKILL)  # mid-solve: no goodbye, no acknowledgement
    cluster.workers[victim].wait(5)
    ended = cluster.wait(job_id, 45)
    assert ended["state"] == "done" and ended["rota_id"] is not None, ended
    row = cluster.row(job_id)
    assert row.attempts == 2 and _worker_pid(row) != victim and _worker_pid(row) in cluster.live_workers()
    assert cluster.call("GET", f"/api/rotas/{ended['rota_id']}", 200).json()["assignments"]


def test_the_procfile_starts_what_these_tests_start() -> None:
    procfile = (Path(__file__).resolve().parents[2] / "Procfile").read_text()
    assert "rota serve --workers" in procfile and "rota worker --concurrency" in procfile


# -- the same rules without Redis: the in-process backend, SQLite and PostgreSQL -------------------------
def test_idempotency_key_on_the_in_process_backend(make_service: Any) -> None:
    from apikit import quick_solve

    service = make_service(solve_fn=quick_solve, solve_isolation="thread")
    service.put_team()
    key = {"Idempotency-Key": "retry-1"}
    first = service.call("POST", "/api/teams/tiny/rotas", json={"time_limit": 1}, headers=key, expect=202)
    again = service.call("POST", "/api/teams/tiny/rotas", json={"time_limit": 1}, headers=key, expect=202)
    assert first.json()["job_id"] == again.json()["job_id"] and again.headers["Idempotent-Replayed"] == "true"
    assert service.wait_job(first.json()["job_id"])["state"] == "done"
    other = service.call("POST", "/api/teams/tiny/rotas", json={}, headers=key, who="other_lead")
    assert other.status_code == 403  # a key is per token: another lead's request is its own (here: refused)
    service.call("POST", "/api/teams/tiny/rotas", json={"time_limit": 2}, headers=key, expect=409)
    service.call("POST", "/api/teams/tiny/rotas", json={}, headers={"Idempotency-Key": "a key"}, expect=422)
    with service.db.read() as session:
        assert session.scalar(select(func.count()).select_from(Job)) == 1


def test_run_job_takes_over_a_dead_workers_job_up_to_the_limit(make_service: Any) -> None:
    from apikit import quick_solve

    from rota.api.db import utcnow
    from rota.api.jobs.worker import run_job

    service = make_service(solve_fn=quick_solve, solve_isolation="thread")
    service.put_team()
    settings = service.client.app.state.settings

    def left_running(attempts: int, cancel: bool = False) -> str:
        job_id = uuid.uuid4().hex
        with service.db.write() as session:
            session.add(
                Job(
                    id=job_id,
                    team_id="tiny",
                    kind="generate",
                    state="running",
                    attempts=attempts,
                    params={
                        "start": "2026-10-19",
                        "end": "2026-10-30",
                        "time_limit": 1,
                        "seed": 0,
                        "team_version": 1,
                    },
                    cancel_requested=cancel,
                    owner="gone:1:x",
                    lease_until=utcnow() - timedelta(seconds=1),
                    started_at=utcnow(),
                )
            )
            session.commit()
        return job_id

    def run(job_id: str) -> Job:
        run_job(service.db, job_id, threading.Event(), settings=settings, solve_fn=quick_solve, owner="w:2:y")
        with service.db.read() as session:
            return session.get(Job, job_id)

    taken = run(left_running(1))
    assert (taken.state, taken.attempts, taken.owner) == ("done", 2, "w:2:y") and taken.rota_id
    spent = run(left_running(2))
    assert spent.state == "failed" and "start 2 of at most 2" in spent.reason
    asked = run(left_running(1, cancel=True))
    assert asked.state == "failed" and "a cancel was asked" in asked.reason
    with service.db.write() as session:  # a live lease: a duplicate delivery does nothing
        live = left_running(1)
        session.get(Job, live).lease_until = utcnow() + timedelta(minutes=1)
        session.commit()
    assert run(live).state == "running"


def test_an_unreachable_broker_answers_503_and_fails_the_job_saying_so(make_service: Any) -> None:
    service = make_service(job_backend="celery", broker_url="redis://127.0.0.1:1/0")
    service.put_team()
    key = {"Idempotency-Key": "k-1"}
    for _ in range(2):  # the retry with the same key tries again: a refused request made no job to replay
        refused = service.call("POST", "/api/teams/tiny/rotas", json={}, headers=key, expect=503)
        assert refused.headers["Retry-After"] and "job queue could not be reached" in refused.text
    with service.db.read() as session:
        jobs = session.scalars(select(Job)).all()
    assert [j.state for j in jobs] == ["failed", "failed"] and "job queue" in jobs[0].reason
    ready = service.call("GET", "/readyz", who="", expect=503).json()
    assert ready["checks"] == {"database": "ok", "broker": "unreachable"}
    assert service.call("GET", "/healthz", who="", expect=200).json() == {"status": "ok"}
