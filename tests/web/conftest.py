"""Web test fixtures: the app on a fresh migrated SQLite file with the test team stored and tokens issued."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from webkit import Web, issue_tokens, quick_solve, team_doc

from api.db import make_engine
from api.main import create_app
from api.migrate import upgrade
from api.services.teams import put_team
from api.settings import Settings


@pytest.fixture(scope="session")
def web_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated SQLite file; each test copies it."""
    path = tmp_path_factory.mktemp("webdb") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


@pytest.fixture
def web(tmp_path: Path, web_template: Path) -> Iterator[Web]:
    path = tmp_path / "rota.db"
    shutil.copy(web_template, path)
    settings = Settings(
        database_url=f"sqlite:///{path}",
        solver_workers=1,
        job_workers=1,
        solve_isolation="thread",
        session_secret="web-test-secret",
        public_url="http://testserver",
    )
    app = create_app(settings, solve_fn=quick_solve)
    with TestClient(app) as started:  # runs the lifespan: the job runner
        db = app.state.db
        with db.write() as session:
            put_team(session=session, team_id="tiny", document=team_doc())
        yield Web(app, db, issue_tokens(db))
        del started


@pytest.fixture
def lead(web: Web) -> TestClient:
    from webkit import sign_in

    client = web.client()
    sign_in(client, web.tokens.secrets["lead"])
    return client


@pytest.fixture
def draft(web: Web, lead: TestClient) -> int:
    """A draft rota of next month, generated through the pages (the stand-in solver: the greedy rota)."""
    from webkit import MONTH, post

    response = post(lead, "/teams/tiny", "/teams/tiny/generate", {"month": MONTH, "time_limit": "2"})
    assert response.status_code == 303, response.text
    job = web.wait_job(response.headers["location"].rsplit("/", 1)[1])
    assert job.state == "done", job.reason
    return job.rota_id


@pytest.fixture
def published(web: Web, lead: TestClient, draft: int) -> int:
    from webkit import post

    page = f"/teams/tiny/rotas/{draft}/publish"
    version = int(re.search(r'name="version" value="(\d+)"', lead.get(page).text).group(1))
    response = post(lead, page, page, {"version": version})
    assert response.status_code == 303, response.text
    return draft
