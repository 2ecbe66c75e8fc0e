"""Service commands (serve, db, import, generate, publish, token) registered on the ``rota`` app.

Each command is a thin layer over the service functions of ``rota.api.services``: the same checks and the same
one-line errors as the API, exit status 2 on bad input.
"""

from __future__ import annotations

import re
import socket
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from rota.cli.backend import database, err, generate_rota, import_team, link_base, safe_url, service_errors
from rota.cli.errors import fail

db_app = typer.Typer(no_args_is_help=True, help="The database: create or migrate its tables.")
token_app = typer.Typer(no_args_is_help=True, help="API tokens (bearer, with a role) and calendar feed URLs.")
# where the links the CLI prints point when ROTA_PUBLIC_URL is unset: the server's --host/--port
LinkHost = Annotated[
    str,
    typer.Option(
        "--host",
        help="The server's address, as given to `rota serve`: links name it when ROTA_PUBLIC_URL is unset.",
    ),
]
LinkFlag = Annotated[
    bool, typer.Option("--link", help="Also print a one-time web sign-in link (short expiry).")
]
LinkPort = Annotated[
    int,
    typer.Option(
        "--port",
        min=1,
        max=65535,
        help="The server's port, as given to `rota serve` (when ROTA_PUBLIC_URL is unset).",
    ),
]


@db_app.command("upgrade")
@service_errors
def db_upgrade(revision: Annotated[str, typer.Argument(help="Target revision.")] = "head") -> None:
    """Create the tables or migrate them to the newest revision (ROTA_DATABASE_URL, default sqlite:///rota.db)."""
    from rota.api.migrate import current, upgrade

    with database(migrated=False) as db:
        before = current(db.engine)
        upgrade(db.engine, revision)
        after = current(db.engine)
        url = safe_url(str(db.engine.url))
    err.print(f"{url}: {before or 'empty'} → {after}" if before != after else f"{url}: already at {after}")


@db_app.command("current")
@service_errors
def db_current() -> None:
    """Print the database's revision."""
    from rota.api.migrate import current

    with database(migrated=False) as db:
        typer.echo(current(db.engine) or "none")


def check_port(host: str, port: int) -> None:
    """Fail with one line when ``host:port`` cannot be listened on (another server has it)."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            reason = exc.strerror or str(exc)
            fail(f"cannot listen on {host}:{port}: {reason}; stop the other server or give --port")


def serve(host: str, port: int, upgrade: bool, reload: bool, workers: int = 1) -> None:
    import uvicorn

    from rota.api.migrate import upgrade as migrate

    check_port(host, port)
    if upgrade:
        with database(migrated=False) as db:
            migrate(db.engine)
    from rota.api.middleware import uvicorn_log_config

    if reload and workers > 1:
        fail("--reload and --workers: give one of them (a reloading server runs one process)")
    from rota.api.urls import origin

    processes = f", {workers} processes" if workers > 1 else ""
    here = origin("http", host, port)
    err.print(f"rota on {here}{processes}  (API docs: {here}/docs)")
    for line in handed_out(host, port):
        err.print(line)
    # several processes share the port; each builds its app from the import string (and its own pool).
    # Forwarded headers are read by the app, from ROTA_TRUSTED_PROXIES only, not by uvicorn.
    # rota.api.server: a request's headers and body must arrive within ROTA_HEADER_TIMEOUT / ROTA_BODY_TIMEOUT
    uvicorn.run(
        "rota.api.main:create_app",
        factory=True,
        host=host,
        port=port,
        reload=reload,
        log_level="info",
        workers=workers if workers > 1 else None,
        proxy_headers=False,
        http="rota.api.server:TimedH11Protocol",
        log_config=uvicorn_log_config(),
    )  # feed secrets and tokens masked in the access log


def handed_out(host: str, port: int) -> list[str]:
    """What ``rota serve`` says at start-up about the base URL of the feed and sign-in links it hands out,
    with a warning when it listens beyond this machine and ROTA_PUBLIC_URL is unset."""
    from rota.api.settings import get_settings
    from rota.api.urls import WILDCARDS, is_loopback, origin

    settings = get_settings()
    if settings.public_url:
        return [f"feed and sign-in links name {settings.public_url.rstrip('/')} (ROTA_PUBLIC_URL)"]
    if is_loopback(host):
        return [
            f"feed and sign-in links name {origin('http', host, port)} (the address each request comes "
            "to; ROTA_PUBLIC_URL is not set)"
        ]
    example = origin("http", "<this machine's address>" if host in WILDCARDS else host, port)
    return [
        f"feed and sign-in links name the address each request comes to, e.g. {example} (through a "
        f"proxy in ROTA_TRUSTED_PROXIES={settings.trusted_proxies}: its X-Forwarded-Host)",
        f"warning: serving on {host}, beyond this machine, without ROTA_PUBLIC_URL: set it to the "
        "address your staff use (e.g. ROTA_PUBLIC_URL=https://rota.example.org), or feed links may "
        "name an address their calendars cannot reach",
    ]


def sign_in_link(token_id: int, base: str) -> tuple[str, int]:
    """A one-time web sign-in URL on ``base`` for an API token, and the minutes it is valid for."""
    from rota.api.services.tokens import create_sign_in_link
    from rota.api.settings import get_settings

    settings = get_settings()
    with database() as db, db.write() as session:
        minutes = settings.sign_in_link_minutes
        issued = create_sign_in_link(session=session, token_id=token_id, minutes=minutes)
    return f"{base.rstrip('/')}/sign-in?code={issued.secret}", settings.sign_in_link_minutes


def register(app: typer.Typer) -> None:
    """Add the service commands to ``app``."""
    app.add_typer(db_app, name="db")
    app.add_typer(token_app, name="token")

    @app.command("serve")
    @service_errors
    def serve_command(
        host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
        port: Annotated[int, typer.Option("--port", min=1, max=65535, help="Port to listen on.")] = 8000,
        upgrade: Annotated[
            bool, typer.Option("--upgrade/--no-upgrade", help="Migrate the database first.")
        ] = True,
        reload: Annotated[
            bool, typer.Option("--reload", help="Restart on code changes (development).")
        ] = False,
        demo: Annotated[
            bool,
            typer.Option(
                "--demo",
                help="First set up the demo: import data/examples, generate and publish next month's "
                "rotas, print a lead token, the /docs URL and a person's feed URL.",
            ),
        ] = False,
        demo_time_limit: Annotated[
            float, typer.Option("--demo-time-limit", min=0.1, help="--demo: effort units per team's solve.")
        ] = 5,
        examples: Annotated[
            Path | None, typer.Option("--examples", help="--demo: folder of team files.")
        ] = None,
        demo_month: Annotated[
            str | None, typer.Option("--demo-month", help="--demo: month to solve, YYYY-MM (default: next).")
        ] = None,
        workers: Annotated[
            int,
            typer.Option(
                "--workers",
                min=1,
                max=64,
                help="API processes sharing the port (a database server, not SQLite: docs/deploy.md).",
            ),
        ] = 1,
    ) -> None:
        """Run the API, the feeds and the in-process solver (ROTA_DATABASE_URL, default sqlite:///rota.db)."""
        if demo:
            from rota.cli.demo import EXAMPLES, service_demo

            check_port(host, port)
            from rota.cli.inputs import month_start

            first = month_start(demo_month, "--demo-month") if demo_month is not None else None
            service_demo(
                examples=examples or EXAMPLES,
                time_limit=demo_time_limit,
                host=host,
                port=port,
                console=Console(),
                month=first,
            )
            upgrade = False
        serve(host, port, upgrade, reload, workers)

    @app.command("import")
    @service_errors
    def import_command(
        team_file: Annotated[Path, typer.Argument(help="Team file (YAML or JSON).", metavar="TEAMFILE")],
        team_id: Annotated[str | None, typer.Option("--id", help="Team id (default: the file name).")] = None,
    ) -> None:
        """Store a team file in the database (a new version when it changed)."""
        import_team(team_file, team_id)

    @app.command("teams")
    @service_errors
    def teams_command() -> None:
        """List the stored teams: id (what import --id, generate and the API take), name, version and when
        it last changed (UTC)."""
        from rota.api.services.teams import list_teams

        with database() as db, db.read() as session:
            rows = list_teams(session=session)
        if not rows:
            err.print("no teams yet: rota import TEAMFILE")
            return
        typer.echo("id\tname\tversion\tchanged")
        for row in rows:
            typer.echo(f"{row.id}\t{row.name}\t{row.current_version}\t{_when(row.updated_at)}")

    @app.command("generate")
    @service_errors
    def generate_command(
        team_id: Annotated[str, typer.Argument(help="Team id.", metavar="TEAM")],
        month: Annotated[str | None, typer.Option("--month", help="The month to plan, YYYY-MM.")] = None,
        start: Annotated[str | None, typer.Option("--from", help="First date, YYYY-MM-DD.")] = None,
        end: Annotated[str | None, typer.Option("--to", help="Last date, YYYY-MM-DD.")] = None,
        time_limit: Annotated[
            float, typer.Option("--time-limit", min=0.1, help="Wall seconds: the rota comes by then.")
        ] = 30,
        effort: Annotated[
            str | None,
            typer.Option("--effort", help="quick, normal, thorough or units (default: ROTA_EFFORT)."),
        ] = None,
        seed: Annotated[int, typer.Option("--seed", help="Solver random seed.")] = 0,
        publish: Annotated[bool, typer.Option("--publish", help="Publish the rota when done.")] = False,
    ) -> None:
        """Solve a stored team's rota (history from its published rotas) and store it as a draft."""
        generate_rota(team_id, month, start, end, time_limit, seed, publish, effort)

    @app.command("publish")
    @service_errors
    def publish_command(
        rota_id: Annotated[int, typer.Argument(help="Rota id.", metavar="ROTA_ID")],
        version: Annotated[
            int | None, typer.Option("--version", help="Refuse unless the rota is at it.")
        ] = None,
    ) -> None:
        """Make a rota its team's rota for its dates, superseding older published ones."""
        from rota.api.services import audit_publish  # noqa: F401  (every publish in the audit)
        from rota.api.services.publish import publish_rota

        with database() as db, db.write() as session:
            rota = publish_rota(session=session, rota_id=rota_id, version=version)
        typer.echo(f"rota {rota.id}: published {rota.start} to {rota.end} (version {rota.version})")

    register_tokens()
    from rota.cli import worker

    worker.register(app)  # ``rota worker``: solve jobs from the broker (the celery backend)


def parse_expiry(text: str | None) -> Any:
    """``--expires``: ``90d`` (days from now), a date ``2027-06-30`` (expires at its start, UTC) or ``never``;
    None (not given) is the ``token_days`` default."""
    from datetime import UTC, date, datetime, timedelta

    from rota.api.db import utcnow
    from rota.api.services.tokens import DEFAULT

    if text is None:
        return DEFAULT
    value = text.strip().lower()
    if value == "never":
        return None
    days = re.fullmatch(r"(\d+)d", value)
    if days:
        if int(days.group(1)) < 1 or int(days.group(1)) > 36500:
            fail(f'--expires: "{text}" is not between 1d and 36500d')
        return utcnow() + timedelta(days=int(days.group(1)))
    try:
        day = date.fromisoformat(value)
    except ValueError:
        fail(f'--expires: "{text}" is not a number of days (90d), a date (2027-06-30) or never')
    at = datetime.combine(day, datetime.min.time(), tzinfo=UTC)
    if at <= utcnow():
        fail(f"--expires: {day.isoformat()} is not in the future")
    return at


def _when(value: Any) -> str:
    return "-" if value is None else value.strftime("%Y-%m-%d %H:%M")


def register_tokens() -> None:
    """``rota token create|rotate|list|revoke|feed``."""

    @token_app.command("create")
    @service_errors
    def create_command(
        role: Annotated[str, typer.Option("--role", help="lead, hr, staff or integration (on-duty only).")],
        team: Annotated[
            list[str] | None, typer.Option("--team", help="A team the token covers (repeat).")
        ] = None,
        person: Annotated[str | None, typer.Option("--person", help="Staff: the person's id.")] = None,
        label: Annotated[str | None, typer.Option("--label", help="Who holds it, for the records.")] = None,
        expires: Annotated[
            str | None,
            typer.Option("--expires", help="90d, 2027-06-30 or never (default: ROTA_TOKEN_DAYS, 365 days)."),
        ] = None,
        link: LinkFlag = False,
        host: LinkHost = "127.0.0.1",
        port: LinkPort = 8000,
    ) -> None:
        """Print a new API token (shown once; the database keeps only its hash)."""
        from rota.api.models import ApiToken
        from rota.api.services.tokens import create_api_token

        expires_at = parse_expiry(expires)
        with database() as db, db.write() as session:
            issued = create_api_token(
                session=session,
                role=role,
                teams=team or [],
                person=person,
                label=label,
                expires_at=expires_at,
            )
            row = session.get(ApiToken, issued.id)
            until = row.expires_at if row is not None else None
        err.print(
            f"token {issued.id} ({role}{' for ' + ', '.join(team) if team else ''}, "
            f"{'expires ' + until.date().isoformat() if until else 'never expires'}); "
            "send it as: Authorization: Bearer <token>"
        )
        typer.echo(issued.secret)
        if link:
            print_link(issued.id, host, port)

    def print_link(token_id: int, host: str, port: int) -> None:
        base, source = link_base(host, port)
        url, minutes = sign_in_link(token_id, base)
        err.print(f"one-time sign-in link on {base} ({source}); it expires in {minutes} minutes, works once:")
        typer.echo(url)

    @token_app.command("rotate")
    @service_errors
    def rotate_command(
        token: Annotated[str, typer.Argument(help="The token, or its id.")],
        link: LinkFlag = False,
        host: LinkHost = "127.0.0.1",
        port: LinkPort = 8000,
    ) -> None:
        """Replace an API token: a new secret with the same role, teams, person, label and lifetime; the old
        one is refused (401) from now on."""
        from rota.api.models import ApiToken
        from rota.api.services.tokens import rotate_api_token

        with database() as db, db.write() as session:
            old, issued = rotate_api_token(
                session=session,
                token_id=int(token) if token.isdigit() else None,
                secret=None if token.isdigit() else token,
            )
            row = session.get(ApiToken, issued.id)
            until = row.expires_at if row is not None else None
        err.print(
            f"token {old.id} revoked; token {issued.id} replaces it "
            f"({'expires ' + until.date().isoformat() if until else 'never expires'})"
        )
        typer.echo(issued.secret)
        if link:
            print_link(issued.id, host, port)

    @token_app.command("list")
    @service_errors
    def list_command(
        revoked: Annotated[bool, typer.Option("--revoked", help="Revoked tokens too.")] = False,
    ) -> None:
        """The API tokens: id, role, teams, person, label, expiry and last use (UTC); never the secrets."""
        from rota.api.db import utcnow
        from rota.api.services.tokens import list_api_tokens

        with database() as db, db.read() as session:
            rows = list_api_tokens(session=session, revoked=revoked)
        now = utcnow()
        typer.echo("id\trole\tteams\tperson\tlabel\texpires\tlast used\tstate")
        for row in rows:
            state = (
                "revoked"
                if row.revoked_at is not None
                else "expired"
                if row.expires_at is not None and row.expires_at <= now
                else "live"
            )
            typer.echo(
                "\t".join(
                    [
                        str(row.id),
                        row.role,
                        ",".join(row.teams or ()) or "-",
                        row.person or "-",
                        row.label or "-",
                        _when(row.expires_at) if row.expires_at else "never",
                        _when(row.last_used_at),
                        state,
                    ]
                )
            )

    @token_app.command("revoke")
    @service_errors
    def revoke_command(token: Annotated[str, typer.Argument(help="The token, or its id.")]) -> None:
        """Revoke an API token: it is refused (401) from now on."""
        from rota.api.services.tokens import revoke_api_token

        with database() as db, db.write() as session:
            row = revoke_api_token(
                session=session,
                token_id=int(token) if token.isdigit() else None,
                secret=None if token.isdigit() else token,
            )
        typer.echo(f"token {row.id} revoked")

    @token_app.command("feed")
    @service_errors
    def feed_command(
        team: Annotated[str, typer.Option("--team", help="Team id.")],
        person: Annotated[str | None, typer.Option("--person", help="A person's shifts.")] = None,
        role: Annotated[str | None, typer.Option("--role", help="Who is on duty in a role.")] = None,
        host: LinkHost = "127.0.0.1",
        port: LinkPort = 8000,
    ) -> None:
        """Print a new calendar feed URL: a person's (--person), a role's (--role) or the whole team's."""
        from rota.api.auth import Principal
        from rota.api.services.tokens import create_calendar_token
        from rota.api.urls import feed_urls

        if person and role:
            fail("--person and --role: give one of them (or neither, for the whole team)")
        kind = "person" if person else "role" if role else "team"
        with database() as db, db.write() as session:
            issued = create_calendar_token(
                session=session,
                principal=Principal(None, "hr", label="cli"),
                kind=kind,
                team_id=team,
                person=person,
                role=role,
            )
        base, source = link_base(host, port)
        url, webcal = feed_urls(base, issued.secret)
        err.print(f"calendar {issued.id} ({kind}) on {base} ({source}); subscribe with {webcal}")
        typer.echo(url)
