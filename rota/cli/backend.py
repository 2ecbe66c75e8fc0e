"""What the service commands, ``rota serve --demo`` and ``rota worker`` share, a leaf of ``cli``: the
settings' database, API refusals as one line, storing a team file, solving a stored team, the links' base.
"""

from __future__ import annotations

import functools
import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import typer
from rich.console import Console

from rota.cli.errors import fail, guarded

F = TypeVar("F", bound=Callable[..., Any])
err = Console(stderr=True, soft_wrap=True)


def service_errors(func: F) -> F:
    """Like ``guarded``, and an API refusal (422, 404, 409 …) becomes ``path: message`` on one line."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from rota.api.errors import ApiError

        try:
            return func(*args, **kwargs)
        except ApiError as exc:
            problem = exc.problems[0]
            fail(f"{problem['path']}: {problem['message']}" if problem.get("path") else problem["message"])

    return guarded(wrapper)  # type: ignore[return-value]


@contextmanager
def database(*, migrated: bool = True) -> Iterator[Any]:
    """The settings' database; unless ``migrated`` is False, one ``rota db upgrade`` brought up to date."""
    from rota.api.db import Database
    from rota.api.migrate import current, head
    from rota.api.settings import get_settings

    url = get_settings().database_url
    db = Database.connect(url)
    try:
        if migrated:
            try:
                at = current(db.engine)
            except Exception as exc:
                fail(f"cannot open the database {safe_url(url)}: {str(exc).splitlines()[0]}")
            if at != head():
                fail(
                    f"the database {safe_url(url)} is at revision {at or 'none'}, not {head()}: "
                    "run `rota db upgrade`"
                )
        yield db
    finally:
        db.dispose()


def safe_url(url: str) -> str:
    """A URL without its password."""
    return re.sub(r"://([^:/@]+):[^@]*@", r"://\1:***@", url)


def import_team(team_file: Path, team_id: str | None) -> None:
    """Store a team file under ``team_id`` (default: from the file name). Without ``team_id``, a team of
    the same name stored under another id is refused (one line naming ``--id``): importing a renamed copy
    of a file must not make a second team of it."""
    from rota.api.services.teams import list_teams, put_team
    from rota.load import parse_team, read_document

    document = read_document(team_file)
    team = parse_team(document, team_file.name)  # the file's own errors, named by the file
    given = team_id is not None
    team_id = team_id or re.sub(r"[^a-z0-9_-]+", "-", team_file.stem.lower()).strip("-")
    with database() as db, db.write() as session:
        if not given:
            name = team.team.strip().casefold()
            same = [
                r.id
                for r in list_teams(session=session)
                if r.name.strip().casefold() == name and r.id != team_id
            ]
            if same:
                ids = ", ".join(same)
                fail(
                    f'{team_file.name}: team: a team named "{team.team}" is already stored as {ids}: give '
                    f"--id {same[0]} to store this file as its new version, or another --id for a separate "
                    "team"
                )
        row, version, changed = put_team(session=session, team_id=team_id, document=document)
    state = "new version" if changed and version.version > 1 else "created" if changed else "unchanged"
    typer.echo(f"{row.id}: {row.name}, version {version.version} ({state})")


def generate_rota(
    team_id: str,
    month: str | None,
    start: str | None,
    end: str | None,
    time_limit: float,
    seed: int,
    publish: bool,
    effort: float | str | None = None,
) -> Any:
    """Solve a stored team's rota in this process (history from its published rotas); returns the rota.
    ``time_limit``: wall seconds; ``effort``: a name or units (default: the service's setting)."""
    from rota.api.jobs.submit import SolveRunning, get_job, submit_job
    from rota.api.jobs.worker import run_job
    from rota.api.services import audit_publish  # noqa: F401  (every publish in the audit)
    from rota.api.services.publish import publish_rota
    from rota.api.services.rotas import get_rota
    from rota.api.services.teams import get_version, parse_document
    from rota.api.settings import get_settings
    from rota.cli.inputs import resolve_period

    settings = get_settings()
    with database() as db:
        with db.read() as session:
            stored = get_version(session=session, team_id=team_id).document
            team = parse_document(stored, team_id, stored=True)
        first, last = resolve_period(team, month, start, end)
        with db.write() as session:
            try:
                job = submit_job(
                    session=session,
                    settings=settings,
                    team_id=team_id,
                    start=first,
                    end=last,
                    time_limit=time_limit,
                    effort=effort,
                    seed=seed,
                )
            except SolveRunning as running:
                fail(
                    f"{team_id} {first} to {last} is already being solved (job {running.job.id}, "
                    f"{running.job.state}): wait for it, or stop it first"
                )
        err.print(
            f"solving {team_id} {first} to {last} (job {job.id}, {time_limit:g} s; Ctrl-C keeps the best)"
        )
        stop = threading.Event()
        worker = threading.Thread(target=run_job, args=(db, job.id, stop), kwargs={"settings": settings})
        worker.start()
        try:
            while worker.is_alive():
                worker.join(0.2)
        except KeyboardInterrupt:
            stop.set()
            worker.join()
        with db.read() as session:
            job = get_job(session=session, job_id=job.id)
            if job.state == "failed" or job.rota_id is None:
                fail(f"the solve failed: {job.reason}")
            rota = get_rota(session=session, rota_id=job.rota_id)
            doc = rota.document
        gaps = len(doc.get("gaps", []))
        typer.echo(
            f"rota {rota.id}: {rota.status}, objective {rota.objective:g}, "
            f"{len(doc.get('assignments', []))} assignments, {gaps} gap{'s' * (gaps != 1)}"
        )
        if publish:
            with db.write() as session:
                rota = publish_rota(session=session, rota_id=rota.id)
            typer.echo(f"rota {rota.id}: published (version {rota.version})")
        return rota


def link_base(host: str, port: int) -> tuple[str, str]:
    """The base URL of the links the CLI prints (it has no request), and where it came from."""
    from rota.api.settings import get_settings
    from rota.api.urls import WILDCARDS, origin

    settings = get_settings()
    if settings.public_url:
        return settings.public_url.rstrip("/"), "ROTA_PUBLIC_URL"
    if host in WILDCARDS:
        return (
            origin("http", "127.0.0.1", port),
            f"--port; --host {host or '*'} listens everywhere, the "
            "link names this machine; ROTA_PUBLIC_URL is not set",
        )
    return origin("http", host, port), "--host/--port; ROTA_PUBLIC_URL is not set"
