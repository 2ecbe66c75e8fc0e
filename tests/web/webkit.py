"""Helpers of the web tests: a small team, tokens of every role, signing in through the pages."""

from __future__ import annotations

import copy
import re
import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from standins import quick_solve as quick_solve  # the tests import it from here

from rota.api.db import Database
from rota.api.services.tokens import create_api_token, create_sign_in_link


def next_month(today: date | None = None) -> tuple[date, date]:
    """First and last date of the month after ``today`` (UTC): the pages list shifts from today on."""
    today = today or datetime.now(UTC).date()
    first = date(today.year + today.month // 12, today.month % 12 + 1, 1)
    after = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return first, after - timedelta(days=1)


FIRST, LAST = next_month()
MONTH = f"{FIRST:%Y-%m}"
LEAVE = [FIRST.replace(day=d) for d in range(12, 17)]  # Sem's holiday
LEAVE_WEEKDAY = next(d for d in LEAVE if d.weekday() < 5)

# Next month in Amsterdam: a weekday desk in core hours, a nightly on-call shift, someone on leave.
# Small enough to solve in a second.
TEAM: dict[str, Any] = {
    "team": "Tiny Help Desk",
    "timezone": "Europe/Amsterdam",
    "period": {"start": FIRST.isoformat(), "end": LAST.isoformat()},
    "opening_hours": {"daily": "00:00-24:00"},
    "core_hours": {"weekdays": "09:00-17:00"},
    "roles": {
        "desk": {
            "name": "Service desk",
            "skills": ["desk"],
            "demand": [
                {"days": "weekdays", "time": "core_hours", "min": 1},
                {"days": "fri", "time": "13:00-17:00", "min": 3},  # everyone on Friday afternoons
            ],
        },
        "oncall": {"name": "On call", "skills": ["oncall"], "demand": [{"time": "22:00-06:00", "min": 1}]},
    },
    "shifts": {
        "am": {"name": "Morning", "start": "09:00", "end": "13:00", "roles": ["desk"], "days": "weekdays"},
        "pm": {"name": "Afternoon", "start": "13:00", "end": "17:00", "roles": ["desk"], "days": "weekdays"},
        "night": {"name": "Night", "start": "22:00", "end": "06:00", "roles": ["oncall"]},
    },
    "rules": {"max_consecutive_days": 6},
    "people": [
        {"id": "noor", "name": "Noor de Vries", "skills": ["desk"], "hours_per_week": 20},
        {
            "id": "sem",
            "name": "Sem Jansen",
            "skills": ["desk"],
            "unavailable": [{"from": LEAVE[0].isoformat(), "to": LEAVE[-1].isoformat(), "reason": "holiday"}],
        },
        {"id": "lotte", "name": "Lotte Visser", "skills": ["desk", "oncall"]},
        {"id": "daan", "name": "Daan Bakker", "skills": ["oncall"]},
        {"id": "eva", "name": "Eva Smit", "skills": ["oncall"]},
    ],
}
PEOPLE = [p["name"] for p in TEAM["people"]]
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@dataclass
class Web:
    """The app's client (signed out), its database and the test tokens."""

    app: Any
    db: Database
    tokens: Tokens

    def client(self) -> TestClient:
        """A new browser: its own cookies."""
        return TestClient(self.app, base_url="http://testserver")

    def wait_job(self, job_id: str, timeout: float = 20) -> Any:
        from rota.api.jobs.submit import get_job

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.db.read() as session:
                job = get_job(session=session, job_id=job_id)
            if job.state not in ("queued", "running"):
                return job
            time.sleep(0.05)
        raise AssertionError(f"job {job_id} still running")


def team_doc() -> dict[str, Any]:
    return copy.deepcopy(TEAM)


@dataclass
class Tokens:
    """Secrets and ids of the test tokens: lead of "tiny", lead of "other", hr, staff noor (tiny)."""

    secrets: dict[str, str]
    ids: dict[str, int]


def issue_tokens(db: Database) -> Tokens:
    with db.write() as session:
        made = {
            "lead": create_api_token(session=session, role="lead", teams=["tiny"], label="Tiny lead"),
            "other_lead": create_api_token(session=session, role="lead", teams=["other"], label="Other lead"),
            "hr": create_api_token(session=session, role="hr", label="HR officer"),
            "staff": create_api_token(
                session=session, role="staff", teams=["tiny"], person="noor", label="Noor"
            ),
        }
    return Tokens({k: v.secret for k, v in made.items()}, {k: v.id for k, v in made.items()})


def sign_in_link(db: Database, token_id: int, minutes: int = 30) -> str:
    with db.write() as session:
        return create_sign_in_link(session=session, token_id=token_id, minutes=minutes).secret


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found, "no CSRF field on the page"
    return found.group(1)


def sign_in(client: TestClient, secret: str) -> None:
    """Sign in with a pasted token, as a browser would (the form's CSRF token first)."""
    csrf = csrf_of(client.get("/sign-in").text)
    response = client.post("/sign-in", data={"token": secret, "csrf": csrf}, follow_redirects=False)
    assert response.status_code == 303, response.text


def post(client: TestClient, page: str, url: str, data: dict[str, Any] | None = None, **kwargs: Any) -> Any:
    """Submit a form found on ``page`` (its CSRF token) to ``url``."""
    csrf = csrf_of(client.get(page).text)
    return client.post(url, data={"csrf": csrf, **(data or {})}, follow_redirects=False, **kwargs)


def landed(client: TestClient, response: Any) -> Any:
    """Post-redirect-get: ``response`` (to a POST) is a 303; the page it leads to."""
    assert response.status_code == 303, (response.status_code, response.text[:500])
    return client.get(response.headers["location"])


@contextmanager
def serve(
    template: Path, tmp_path: Path, solve_fn: Callable[..., Any] | None, **settings: Any
) -> Iterator[Web]:
    """The app on a copy of the migrated ``template`` database, its lifespan running (the job runner),
    the test team stored and tokens issued; ``solve_fn`` None: the real solver, in a thread."""
    from rota.api.main import create_app
    from rota.api.services.teams import put_team
    from rota.api.settings import Settings

    path = tmp_path / "rota.db"
    shutil.copy(template, path)
    config = Settings(
        database_url=f"sqlite:///{path}",
        solver_workers=1,
        job_workers=1,
        solve_isolation="thread",
        session_secret="web-test-secret",
        public_url="http://testserver",
        **settings,
    )
    app = create_app(config, solve_fn=solve_fn)
    with TestClient(app):
        with app.state.db.write() as session:
            put_team(session=session, team_id="tiny", document=team_doc())
        yield Web(app, app.state.db, issue_tokens(app.state.db))
