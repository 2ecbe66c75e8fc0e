"""``rota worker``: a Celery worker that runs solve jobs from the broker (the celery backend).

Start as many as the machines allow (docs/deploy.md); each reads ROTA_DATABASE_URL and ROTA_BROKER_URL.
"""

from __future__ import annotations

import os
import socket
from typing import Annotated

import typer

from rota.cli.errors import fail


def run_worker(
    concurrency: int,
    queues: str | None,
    solver_threads: int | None,
    pool: str,
    loglevel: str,
    hostname: str | None,
) -> int:
    """Run a worker in this process until it is stopped (SIGTERM: running solves finish first); its exit
    status."""
    from rota.api.settings import get_settings

    if solver_threads is not None:  # before the settings are read: the solves of this worker use it
        os.environ["ROTA_SOLVER_WORKERS"] = str(solver_threads)
    get_settings.cache_clear()
    settings = get_settings()
    from rota.cli.backend import database, safe_url

    with database():  # fails in one line unless the database is reachable and migrated
        pass
    from rota.api.jobs.celery import all_queues, app

    names = all_queues(settings.job_queues)
    if queues:
        wanted = [q.strip() for q in queues.split(",") if q.strip()]
        chosen = [f"{names[0].rsplit('.', 1)[0]}.{q}" if q.isdigit() else q for q in wanted]
        unknown = [q for q in chosen if q not in names]
        if unknown:
            fail(
                f"--queues: unknown queue {unknown[0]} (the queues are {names[0]} to {names[-1]}, "
                f"ROTA_JOB_QUEUES={settings.job_queues})"
            )
        names = chosen
    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=2, timeout=3)
            conn.default_channel  # noqa: B018  (opens a channel: the broker really answers)
    except Exception as exc:
        fail(f"cannot reach the broker {safe_url(settings.broker_url)}: {str(exc).splitlines()[0]}")
    node = hostname or f"rota-{os.getpid()}@{socket.gethostname()}"
    worker = app.Worker(
        hostname=node,
        concurrency=concurrency,
        queues=names,
        pool_cls=pool,
        loglevel=loglevel.upper(),
        without_gossip=True,
        without_mingle=True,
        without_heartbeat=True,
        optimization="fair",
    )
    worker.start()
    return int(worker.exitcode or 0)


def register(app: typer.Typer) -> None:
    """Add ``rota worker`` to ``app``."""
    from rota.cli.backend import service_errors

    @app.command("worker")
    @service_errors
    def worker_command(
        concurrency: Annotated[
            int, typer.Option("--concurrency", "-c", min=1, max=256, help="Solves this worker runs at once.")
        ] = 1,
        queues: Annotated[
            str | None,
            typer.Option(
                "--queues",
                "-Q",
                help="Queues to take jobs from, comma-separated: names (rota.solve.3) or "
                "numbers (3); default all of them (ROTA_JOB_QUEUES).",
            ),
        ] = None,
        solver_threads: Annotated[
            int | None,
            typer.Option(
                "--solver-threads",
                min=1,
                max=64,
                help="CP-SAT threads per solve (default ROTA_SOLVER_WORKERS).",
            ),
        ] = None,
        pool: Annotated[
            str,
            typer.Option(
                "--pool", help="threads (default: each solve runs in a child process anyway) or prefork."
            ),
        ] = "threads",
        loglevel: Annotated[str, typer.Option("--loglevel", help="debug, info, warning or error.")] = "info",
        hostname: Annotated[
            str | None,
            typer.Option("--hostname", "-n", help="The worker's node name (default rota-PID@HOST)."),
        ] = None,
    ) -> None:
        """Run solve jobs queued by the API (ROTA_JOB_BACKEND=celery) from the broker (ROTA_BROKER_URL) on
        the database (ROTA_DATABASE_URL); as many workers on as many machines as you like."""
        if pool not in ("threads", "prefork", "solo"):
            fail(f"--pool: {pool} is not one of threads, prefork, solo")
        if loglevel.lower() not in ("debug", "info", "warning", "error", "critical"):
            fail(f"--loglevel: {loglevel} is not one of debug, info, warning, error")
        raise typer.Exit(run_worker(concurrency, queues, solver_threads, pool, loglevel, hostname))
