"""The demo on the embedded default: ``rota serve --demo`` (what ``make demo`` runs) and ``rota demo``.

It migrates the settings' database (default: the SQLite file ``rota.db``), imports the example teams,
solves next month's rota of each in this process, publishes it, prints the council service desk's month
(grid, coverage, hours, objective) and a lead token, the /docs URL and a feed URL for ``rota serve``, and
one-time web sign-in links for the lead, a staff member and HR.
``rota serve --demo`` then serves; ``rota demo`` stops there.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import typer
from rich.console import Console

EXAMPLES = Path(__file__).resolve().parents[2] / "data" / "examples"
# Team ids of the example files in the service demo (the others keep their file name).
DEMO_IDS = {"council-service-desk": "council-desk", "smod-pool": "smod"}


def next_month(today: date) -> str:
    """``YYYY-MM`` of the month after ``today``."""
    return f"{today.year + today.month // 12}-{today.month % 12 + 1:02d}"


@dataclass(frozen=True)
class DemoLinks:
    """What the service demo prints: a lead token, the API docs, a person's feed, web sign-in links."""

    teams: list[str]
    month: str
    rotas: dict[str, int]
    token: str
    docs: str
    person: str
    feed: str
    webcal: str
    sign_in: dict[str, str] | None = None  # role → one-time web sign-in URL


def service_demo(
    *,
    examples: Path = EXAMPLES,
    time_limit: float = 5,
    host: str = "127.0.0.1",
    port: int = 8000,
    today: date | None = None,
    console: Console | None = None,
    month: date | None = None,
) -> DemoLinks:
    """Migrate the settings' database, import the example teams, generate and publish next month's rota
    of each, and print a lead token for them, the /docs URL and the first person's feed URL.

    With ``console``, the first team's published month is printed there in full. ``month`` (its first
    date) replaces next month, so a captured demo can be run again to the figure.
    Runs again on the same database without harm: unchanged teams stay at their version and the new
    rotas supersede the ones published by the last run.
    """
    from rota.api.auth import Principal
    from rota.api.migrate import upgrade
    from rota.api.services.teams import current_document
    from rota.api.services.tokens import create_api_token, create_calendar_token, create_sign_in_link
    from rota.api.settings import get_settings
    from rota.api.urls import feed_urls
    from rota.cli.backend import database, generate_rota, import_team, link_base
    from rota.cli.errors import fail

    files = sorted(examples.glob("*.yaml"))
    if not files:
        fail(f"--examples: no team files (*.yaml) in {examples}")
    with database(migrated=False) as db:
        upgrade(db.engine)
    ids = [DEMO_IDS.get(f.stem, f.stem) for f in files]
    for path, team_id in zip(files, ids, strict=True):
        import_team(path, team_id)
    month = f"{month:%Y-%m}" if month is not None else next_month(today or date.today())
    # the demo's limit is effort units, with the wall allowance they had before issue 22 (4 × + 10 s):
    # the same rotas on every machine, as the README's tour prints them
    rotas = {
        team_id: generate_rota(
            team_id, month, None, None, 4 * time_limit + 10, 0, publish=True, effort=time_limit
        ).id
        for team_id in ids
    }
    if console is not None:
        show_rota(console, rotas[ids[0]])
    settings = get_settings()
    with database() as db, db.write() as session:
        issued = create_api_token(session=session, role="lead", teams=ids, label="demo lead")
        token = issued.secret
        person = current_document(session=session, team_id=ids[0])["people"][0]["id"]
        staff = create_api_token(
            session=session, role="staff", teams=[ids[0]], person=person, label=f"demo staff {person}"
        )
        hr = create_api_token(session=session, role="hr", label="demo HR")
        codes = {
            role: create_sign_in_link(
                session=session, token_id=made.id, minutes=settings.sign_in_link_minutes
            ).secret
            for role, made in (("lead", issued), ("staff", staff), ("hr", hr))
        }
        feed = create_calendar_token(
            session=session,
            principal=Principal(None, "hr", label="demo"),
            kind="person",
            team_id=ids[0],
            person=person,
        ).secret
    base = f"http://{host}:{port}"
    site, _ = link_base(host, port)  # ROTA_PUBLIC_URL, else this server's --host/--port
    url, webcal = feed_urls(site, feed)
    sign_in = {role: f"{site}/sign-in?code={code}" for role, code in codes.items()}
    links = DemoLinks(ids, month, rotas, token, f"{base}/docs", person, url, webcal, sign_in)
    published = ", ".join(f"{t} rota {r}" for t, r in rotas.items())
    typer.echo("")
    typer.echo(f"published {month}: {published}")
    typer.echo(f"lead token ({', '.join(ids)}): {token}")
    typer.echo(f"API docs: {links.docs}  (Authorize, then paste the token)")
    typer.echo(f"{person}'s calendar feed: {url}")
    typer.echo(f"subscribe in a calendar app: {webcal}")
    typer.echo(f'try: curl -H "Authorization: Bearer {token}" {base}/api/teams')
    typer.echo("")
    typer.echo(
        f"web app: open a one-time sign-in link (each works once, within "
        f"{settings.sign_in_link_minutes} minutes; `rota token create … --link` makes more):"
    )
    typer.echo(f"  team lead ({', '.join(ids)}): {sign_in['lead']}")
    typer.echo(f"  staff ({person}, {ids[0]}): {sign_in['staff']}")
    typer.echo(f"  HR (coverage of every team): {sign_in['hr']}")
    typer.echo("")
    return links


def show_rota(console: Console, rota_id: int) -> None:
    """Print a stored rota as ``rota solve`` prints a solved one."""
    from rota.api.services.rotas import get_rota
    from rota.api.services.teams import get_version, parse_document
    from rota.cli.backend import database
    from rota.cli.render import render_rota
    from rota.document import RotaDocument

    with database() as db, db.read() as session:
        rota = get_rota(session=session, rota_id=rota_id)
        team = parse_document(
            get_version(session=session, team_id=rota.team_id, version=rota.team_version).document,
            rota.team_id,
        )
        doc = RotaDocument.model_validate(rota.document)
    console.rule(f"[bold]{team.team}[/bold] · {rota.team_id} rota {rota.id} ({rota.state})")
    render_rota(console, team, doc)
