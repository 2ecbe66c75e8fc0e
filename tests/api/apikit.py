"""Helpers of the API tests: the test team, tokens of every kind, a client wrapper with job polling."""

from __future__ import annotations

import copy
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from standins import quick_result as quick_result  # the tests import them from here
from standins import quick_solve as quick_solve

from rota.api.db import Database, make_engine
from rota.api.models import Base
from rota.api.services.tokens import create_api_token

# Twelve days in Amsterdam across the end of summer time (Sun 25 Oct 2026, 03:00 CEST → 02:00 CET):
# a weekday desk in core hours and a nightly on-call shift that lasts 9 h on the night of the change.
TEAM: dict[str, Any] = {
    "team": "Tiny Help Desk",
    "timezone": "Europe/Amsterdam",
    "period": {"start": "2026-10-19", "end": "2026-10-30"},
    "opening_hours": {"daily": "00:00-24:00"},
    "core_hours": {"weekdays": "09:00-17:00"},
    "roles": {
        "desk": {
            "name": "Service desk",
            "skills": ["desk"],
            "demand": [{"days": "weekdays", "time": "core_hours", "min": 1}],
        },
        "oncall": {"name": "On call", "skills": ["oncall"], "demand": [{"time": "22:00-06:00", "min": 1}]},
    },
    "shifts": {
        "am": {"start": "09:00", "end": "13:00", "roles": ["desk"], "days": "weekdays"},
        "pm": {"start": "13:00", "end": "17:00", "roles": ["desk"], "days": "weekdays"},
        "night": {"start": "22:00", "end": "06:00", "roles": ["oncall"]},
    },
    "rules": {"max_consecutive_days": 6},
    "people": [
        {"id": "noor", "name": "Noor de Vries", "skills": ["desk"], "hours_per_week": 20},
        {"id": "sem", "name": "Sem Jansen", "skills": ["desk"], "unavailable": [{"date": "2026-10-21"}]},
        {"id": "lotte", "name": "Lotte Visser", "skills": ["desk", "oncall"]},
        {"id": "daan", "name": "Daan Bakker", "skills": ["oncall"]},
        {"id": "eva", "name": "Eva Smit", "skills": ["oncall"]},
    ],
}


def team_doc(**overrides: Any) -> dict[str, Any]:
    """A copy of the test team with top-level keys replaced."""
    doc = copy.deepcopy(TEAM)
    doc.update(copy.deepcopy(overrides))
    return doc


@dataclass
class Tokens:
    """Bearer tokens of every kind: leads of "tiny" and of "other", hr, staff noor (tiny) and eva (other)."""

    lead: str
    other_lead: str
    hr: str
    staff: str
    other_staff: str

    def auth(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {getattr(self, who)}"}


def issue_tokens(db: Database) -> Tokens:
    with db.write() as session:
        made = {
            "lead": create_api_token(session=session, role="lead", teams=["tiny"], label="tiny lead"),
            "other_lead": create_api_token(session=session, role="lead", teams=["other"]),
            "hr": create_api_token(session=session, role="hr", label="hr"),
            "staff": create_api_token(session=session, role="staff", teams=["tiny"], person="noor"),
            "other_staff": create_api_token(session=session, role="staff", teams=["other"], person="eva"),
        }
    return Tokens(**{k: v.secret for k, v in made.items()})


@dataclass
class Service:
    """A running app on a test database: its client, tokens and a few helpers."""

    client: TestClient
    tokens: Tokens
    db: Database

    def call(self, method: str, url: str, who: str = "lead", expect: int | None = None, **kwargs: Any) -> Any:
        headers = {**self.tokens.auth(who), **kwargs.pop("headers", {})} if who else kwargs.pop("headers", {})
        response = self.client.request(method, url, headers=headers, **kwargs)
        if expect is not None:
            assert response.status_code == expect, (response.status_code, response.text)
        return response

    def put_team(self, team_id: str = "tiny", doc: dict[str, Any] | None = None, who: str = "lead") -> Any:
        return self.call("PUT", f"/api/teams/{team_id}", who, json=doc or team_doc()).json()

    def wait_job(self, job_id: str, timeout: float = 30.0, who: str = "lead") -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            job = self.call("GET", f"/api/jobs/{job_id}", who, expect=200).json()
            if job["state"] not in ("queued", "running"):
                return job
            time.sleep(0.05)
        raise AssertionError(f"job {job_id} still {job['state']} after {timeout} s")

    def generate(self, team_id: str = "tiny", **body: Any) -> dict[str, Any]:
        body.setdefault("time_limit", 3)
        job = self.call("POST", f"/api/teams/{team_id}/rotas", json=body, expect=202).json()
        done = self.wait_job(job["job_id"])
        assert done["state"] == "done", done
        return self.call("GET", f"/api/rotas/{done['rota_id']}", expect=200).json()

    def publish(self, rota: dict[str, Any], expect: int = 200) -> Any:
        return self.call(
            "POST", f"/api/rotas/{rota['id']}/publish", json={"version": rota["version"]}, expect=expect
        ).json()


def empty_database(request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path) -> str:
    """The URL of an empty, migrated database of the kind ``request.param`` names (a copy of the
    SQLite template, or the PostgreSQL test database with every table emptied)."""
    if request.param == "sqlite":
        path = tmp_path / "rota.db"
        shutil.copy(sqlite_template, path)
        return f"sqlite:///{path}"
    url = request.getfixturevalue("pg_url")
    engine = make_engine(url, pool_size=1, max_overflow=0)
    names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    engine.dispose()
    return url
