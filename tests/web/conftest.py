"""Web test fixtures: the app on a fresh migrated SQLite file with the test team stored and tokens issued."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from webkit import Web, quick_solve, serve


@pytest.fixture
def web(tmp_path: Path, sqlite_template: Path) -> Iterator[Web]:
    with serve(sqlite_template, tmp_path, quick_solve) as started:
        yield started


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
