"""``rota demo``: solve the bundled council service desk example and show its rota.

``rota serve --demo`` (what ``make demo`` runs) is the service's demo: the database, the example teams,
next month's published rotas, a lead token and a feed URL, then the server.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import typer
from rich.console import Console

from cli.solving import solve_and_show
from rota.load import load_team
from solver import SolveParams, SolveResult

EXAMPLES = Path(__file__).resolve().parent.parent / "data" / "examples"
DEMO_TEAM = EXAMPLES / "council-service-desk.yaml"
# Team ids of the example files in the service demo (the others keep their file name).
DEMO_IDS = {"council-service-desk": "council-desk", "smod-pool": "smod"}


def run_demo(console: Console, *, time_limit: float = 10, workers: int = 2) -> SolveResult:
    """Solve the demo team for its period and print grid, coverage, hours and status."""
    team = load_team(DEMO_TEAM)
    console.rule(f"[bold]{team.team}[/bold] · {DEMO_TEAM.name}")
    return solve_and_show(team, None, None, SolveParams(time_limit=time_limit, workers=workers, seed=0),
                          console)


def next_month(today: date) -> str:
    """``YYYY-MM`` of the month after ``today``."""
    return f"{today.year + today.month // 12}-{today.month % 12 + 1:02d}"


@dataclass(frozen=True)
class DemoLinks:
    """What the service demo prints: a lead token, the API docs, a person's feed."""

    teams: list[str]
    month: str
    rotas: dict[str, int]
    token: str
    docs: str
    person: str
    feed: str
    webcal: str


def service_demo(
    *,
    examples: Path = EXAMPLES,
    time_limit: float = 5,
    host: str = "127.0.0.1",
    port: int = 8000,
    today: date | None = None,
) -> DemoLinks:
    """Migrate the settings' database, import the example teams, generate and publish next month's rota
    of each, and print a lead token for them, the /docs URL and the first person's feed URL.

    Runs again on the same database without harm: unchanged teams stay at their version and the new
    rotas supersede the ones published by the last run.
    """
    from api.auth import Principal
    from api.migrate import upgrade
    from api.routes.tokens import feed_urls
    from api.services.teams import current_document
    from api.services.tokens import create_api_token, create_calendar_token
    from api.settings import get_settings
    from cli.errors import fail
    from cli.service import database, generate_rota, import_team

    files = sorted(examples.glob("*.yaml"))
    if not files:
        fail(f"no example teams (*.yaml) in {examples}")
    with database(migrated=False) as db:
        upgrade(db.engine)
    ids = [DEMO_IDS.get(f.stem, f.stem) for f in files]
    for path, team_id in zip(files, ids, strict=True):
        import_team(path, team_id)
    month = next_month(today or date.today())
    rotas = {
        team_id: generate_rota(team_id, month, None, None, time_limit, 0, publish=True).id for team_id in ids
    }
    with database() as db, db.write() as session:
        token = create_api_token(session=session, role="lead", teams=ids, label="demo lead").secret
        person = current_document(session=session, team_id=ids[0])["people"][0]["id"]
        feed = create_calendar_token(
            session=session,
            principal=Principal(None, "hr", label="demo"),
            kind="person",
            team_id=ids[0],
            person=person,
        ).secret
    base = f"http://{host}:{port}"
    url, webcal = feed_urls(get_settings().public_url or base, feed)
    links = DemoLinks(ids, month, rotas, token, f"{base}/docs", person, url, webcal)
    published = ", ".join(f"{t} rota {r}" for t, r in rotas.items())
    typer.echo("")
    typer.echo(f"published {month}: {published}")
    typer.echo(f"lead token ({', '.join(ids)}): {token}")
    typer.echo(f"API docs: {links.docs}  (Authorize, then paste the token)")
    typer.echo(f"{person}'s calendar feed: {url}")
    typer.echo(f"subscribe in a calendar app: {webcal}")
    typer.echo(f'try: curl -H "Authorization: Bearer {token}" {base}/api/teams')
    typer.echo("")
    return links
